/** What stops the real-provider check before or outside Terraform: a bad option, damaged synth output, a missing tool. */
export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerifyError";
  }
}
