/** Exit codes of `npm run promote`. */
export const PROMOTE_EXIT = {
  ok: 0,
  /** The gate refused: the version is not approved, a metric misses its minimum, or the schema refuses the result. */
  refused: 1,
  /** Bad input: arguments, an evidence file that is not describe-model-package output, an environment file it cannot edit. */
  badInput: 2,
} as const;

/** Bad input: the message names the argument or file and says what to do. */
export class PromotionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PromotionError";
  }
}
