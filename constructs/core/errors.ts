/**
 * A construct refusing its props (or a pure helper refusing its input): a mistake in what the caller asked for,
 * said with the construct's path and the fix. Anything else a construct throws is a bug. The schema refuses the same
 * things first for the blueprint's own environments; synthesis reports one of these as a config problem.
 */
export class ConstructPropsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConstructPropsError";
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

/** Throws the first problem as `<construct path>: <field path>: <message>`; nothing when there is none. */
export function throwFirstProblem(where: string, problems: readonly PropsProblem[]): void {
  const [problem] = problems;
  if (problem) throw new ConstructPropsError(`${where}: ${problem.path}: ${problem.message}`);
}

/** The problems of a part of the props (a pool, the alerts), at their fields below `prefix` (e.g. `systemPool`). */
export function problemsAt(prefix: string, problems: readonly PropsProblem[]): PropsProblem[] {
  return problems.map((problem) => ({ path: `${prefix}.${problem.path}`, message: problem.message }));
}
