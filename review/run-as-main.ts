/**
 * Runs a command's `main` as the process: its result is the exit code; an unexpected error prints its stack and
 * exits 1. A reader that stops reading (`| head`) ends the output quietly; a full disk is said as such.
 */
export function runAsMain(command: string, main: () => Promise<number>): void {
  let outputFailed = false;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") {
      process.stderr.write(`${command}: cannot write the output: ${error.message}\n`);
      outputFailed = true;
      process.exitCode = 1;
    }
    process.stdout.destroy();
  });
  main().then(
    (code) => {
      process.exitCode = outputFailed ? 1 : code;
    },
    (error: unknown) => {
      process.stderr.write(`${command}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
