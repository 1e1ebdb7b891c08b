import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { performance } from "perf_hooks";
import { withTempDir } from "./temp-dir";

export interface TimedRun {
  /** Wall time of the whole child process, spawn to exit, as seen by the parent. */
  readonly wallMs: number;
  readonly passed: boolean;
  /** The child's stdout and stderr; kept off the bench's stdout, which carries only JSON lines. */
  readonly output: string;
}

export interface MeasuredRun {
  readonly wallMs: number;
  readonly peakRssMb: number;
  /** CPU time of the child, user + system. */
  readonly cpuMs: number;
}

interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion and times it. */
export function timeCommand(command: string, args: readonly string[], options: RunOptions): TimedRun {
  const start = performance.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    encoding: "utf8",
  });
  const wallMs = performance.now() - start;
  if (result.error) throw result.error;
  return { wallMs, passed: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Runs `node <script> <args>` with report-rss preloaded, and returns its wall time (node startup included)
 * and its peak RSS. Throws if the script fails: timings of a broken run mean nothing.
 */
export function measureNodeScript(script: string, args: readonly string[], options: RunOptions): MeasuredRun {
  return withTempDir((dir) => {
    const rssFile = join(dir, "max-rss-kb");
    const env = { ...(options.env ?? process.env), BENCH_RSS_FILE: rssFile };
    const run = timeCommand(process.execPath, ["--require", join(__dirname, "report-rss.js"), script, ...args], { cwd: options.cwd, env });
    if (!run.passed) throw new Error(`node ${script} ${args.join(" ")} failed:\n${tail(run.output)}`);
    if (!existsSync(rssFile)) throw new Error(`node ${script} exited without reporting its peak memory`);
    const { maxRssKb, cpuMs } = JSON.parse(readFileSync(rssFile, "utf8")) as { maxRssKb: number; cpuMs: number };
    return { wallMs: run.wallMs, peakRssMb: maxRssKb / 1024, cpuMs };
  });
}

/** The last lines of a child's output, for error messages. */
export function tail(output: string, lines = 40): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}
