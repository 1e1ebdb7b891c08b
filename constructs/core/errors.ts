/**
 * A construct refusing its props (or a pure helper refusing its input): a mistake in what the caller asked for,
 * said with the construct's path and the fix. Anything else a construct throws is a bug. The schema refuses the same
 * things first for the blueprint's own environments; synthesis reports one of these as a config problem.
 */
export class ConstructPropsError extends Error {
  /** The problems the message lists, at their fields below the construct (empty when the message is one hand-written refusal). */
  readonly problems: readonly PropsProblem[];

  constructor(message: string, problems: readonly PropsProblem[] = []) {
    super(message);
    this.name = "ConstructPropsError";
    this.problems = problems;
  }
}

/**
 * One thing wrong with a construct's props: `path` is the field, dotted (`availabilityZones.1`,
 * `experimentTracking.size`); `message` says what is wrong and what is allowed. A construct's `...Problems`
 * function returns these, pure, so the environment schema can report each at its config field.
 */
export interface PropsProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Throws every problem in one error, a line each, `<construct path>: <field path>: <message>`, so whoever fixes the
 * props sees all that is wrong at once; nothing when there is none.
 */
export function throwPropsProblems(where: string, problems: readonly PropsProblem[]): void {
  if (problems.length === 0) return;
  throw new ConstructPropsError(problems.map((problem) => `${where}: ${problem.path}: ${problem.message}`).join("\n"), problems);
}

/** The problems of a part of the props (a pool, the alerts), at their fields below `prefix` (e.g. `systemPool`). */
export function problemsAt(prefix: string, problems: readonly PropsProblem[]): PropsProblem[] {
  return problems.map((problem) => ({ path: `${prefix}.${problem.path}`, message: problem.message }));
}
