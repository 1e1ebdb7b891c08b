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
