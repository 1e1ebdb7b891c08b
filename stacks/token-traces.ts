/**
 * cdktf records a full stack trace for every token it creates (every reference to another resource's
 * attribute), only to print it if that token later fails to resolve. Capturing and formatting those traces
 * took about a fifth of synth time (CPU profile). They are captured on plain objects, never on Errors, so
 * this skips exactly those captures and keeps the stack of every real Error.
 * Set MLOPS_TOKEN_TRACES=1 to keep them when a token does not resolve.
 * For apps only (main.ts): it replaces the process-wide Error.captureStackTrace and Error.prepareStackTrace.
 */
export function skipTokenCreationTraces(): void {
  if (process.env.MLOPS_TOKEN_TRACES === "1") return;
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = (target: object, constructorOpt?: Function) => {
    if (target instanceof Error) capture.call(Error, target, constructorOpt);
  };
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return "";
    return previous ? previous(error, frames) : `${String(error)}${frames.map((frame) => `\n    at ${frame}`).join("")}`;
  };
}
