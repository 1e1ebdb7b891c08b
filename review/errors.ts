/** Exit codes of `npm run review` (contract). */
export const EXIT = {
  ok: 0,
  /** Bad input: a missing or unreadable file, JSON that is not what was expected, wrong arguments. */
  badInput: 2,
  /** A `--fail-on` gate tripped. */
  gate: 3,
} as const;

/** Bad input: the message names the file (or argument) and says what is wrong with it. */
export class ReviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReviewInputError";
  }
}
