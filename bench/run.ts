// `npm run bench`: times the build, the synthesis of the shipped and of generated environments, and the
// test suite. Prints one JSON object per line on stdout; progress goes to stderr. Missed targets are
// reported, not failed on.
import { join, resolve } from "path";
import { writeFileSync } from "fs";
import { environmentInputs } from "../environments/inputs";
import { generatePlan } from "./generate-plan";
import { MeasuredRun, measureNodeScript, tail, timeCommand } from "./measure";
import { linearFit, median, round1 } from "./stats";
import { evaluateTargets } from "./targets";
import { withTempDir } from "./temp-dir";

const ROOT = resolve(__dirname, "..", "..");
const DIST = join(ROOT, "dist");
const BUILD_RUNS = 3;
const SYNTH_WARMUP_RUNS = 1;
const SYNTH_RUNS = 5;
const SCALING_COUNTS = [3, 10, 30];
const SCALING_RUNS = 5;
const REVIEW_PLAN_SIZES = [10_000, 50_000];
const REVIEW_PLAN_RUNS = 3;

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function benchBuild(): void {
  const runs = Array.from({ length: BUILD_RUNS }, (_, i) => {
    progress(`build ${i + 1}/${BUILD_RUNS}`);
    return timeCommand("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT });
  });
  const passed = runs.every((run) => run.passed);
  if (!passed) progress(`build failed:\n${tail(runs.find((run) => !run.passed)!.output)}`);
  emit({ metric: "build", wall_ms: round1(median(runs.map((run) => run.wallMs))), passed });
}

/** Runs `measure` `count` times after `warmup` uncounted runs, each with a fresh, cleaned-up outdir. */
function repeat(count: number, warmup: number, label: string, measure: (outdir: string) => MeasuredRun): MeasuredRun[] {
  const runs: MeasuredRun[] = [];
  for (let i = 0; i < warmup + count; i++) {
    progress(`${label} ${i < warmup ? "warm-up" : `${i - warmup + 1}/${count}`}`);
    const run = withTempDir((dir) => measure(join(dir, "out")));
    if (i >= warmup) runs.push(run);
  }
  return runs;
}

const summarize = (runs: readonly MeasuredRun[]) => ({
  wallMs: median(runs.map((run) => run.wallMs)),
  peakRssMb: Math.max(...runs.map((run) => run.peakRssMb)),
  cpuMs: median(runs.map((run) => run.cpuMs)),
});

/** The real app, exactly as `npm run synth` runs it; App reads its outdir from CDKTF_OUTDIR. */
function benchShippedSynth() {
  const runs = repeat(SYNTH_RUNS, SYNTH_WARMUP_RUNS, "synth", (outdir) =>
    measureNodeScript(join(DIST, "main.js"), [], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir } }),
  );
  const { wallMs, peakRssMb, cpuMs } = summarize(runs);
  emit({ metric: "synth", environments: environmentInputs.length, wall_ms: round1(wallMs), cpu_ms: round1(cpuMs), peak_rss_mb: round1(peakRssMb), runs: runs.length });
  return { wallMs, peakRssMb };
}

/**
 * `npm run synth` as a user types it, on a tree already built and unchanged: npm, the incremental build (which
 * finds nothing to do) and the app. What `npx cdktf synth` runs too, inside its own overhead.
 */
function benchSynthCommand(): number {
  const runs: number[] = [];
  for (let i = 0; i < SYNTH_WARMUP_RUNS + SYNTH_RUNS; i++) {
    progress(`npm run synth ${i < SYNTH_WARMUP_RUNS ? "warm-up" : `${i - SYNTH_WARMUP_RUNS + 1}/${SYNTH_RUNS}`}`);
    const run = withTempDir((dir) => timeCommand("npm", ["run", "-s", "synth"], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: join(dir, "out") } }));
    if (!run.passed) progress(`npm run synth failed:\n${tail(run.output)}`);
    if (i >= SYNTH_WARMUP_RUNS) runs.push(run.wallMs);
  }
  const wallMs = median(runs);
  emit({ metric: "synth_command_warm", wall_ms: round1(wallMs), runs: runs.length });
  return wallMs;
}

/**
 * Synthesis of generated environments at several sizes; the slope is the cost of one more environment. The sizes
 * take turns (3, 10, 30, 3, 10, 30, ...): this VM's speed drifts by 10-15 % over minutes, and measuring all of one
 * size before the next put that drift into the slope.
 */
function benchScaling(): number {
  const runsBySize = SCALING_COUNTS.map((): MeasuredRun[] => []);
  for (let round = 1; round <= SCALING_RUNS; round++) {
    SCALING_COUNTS.forEach((count, i) => {
      progress(`synth_scaling n=${count} ${round}/${SCALING_RUNS}`);
      runsBySize[i].push(withTempDir((dir) => measureNodeScript(join(DIST, "bench", "synth-child.js"), [String(count), join(dir, "out")], { cwd: ROOT })));
    });
  }
  const series = SCALING_COUNTS.map((count, i) => {
    const { wallMs, peakRssMb, cpuMs } = summarize(runsBySize[i]);
    emit({ metric: "synth_scaling", environments: count, wall_ms: round1(wallMs), cpu_ms: round1(cpuMs), peak_rss_mb: round1(peakRssMb) });
    return { wallMs, cpuMs };
  });
  const fit = linearFit(SCALING_COUNTS, series.map((s) => s.wallMs));
  const cpuFit = linearFit(SCALING_COUNTS, series.map((s) => s.cpuMs));
  emit({ metric: "synth_per_environment", ms: round1(fit.slope), r2: Math.round(fit.r2 * 1000) / 1000, cpu_ms: round1(cpuFit.slope) });
  return fit.slope;
}

/** `review plan` of generated plans (buckets with companions, first-apply unknowns), both formats; the slowest format counts. */
function benchReviewPlan(): Record<number, number> {
  const slowest: Record<number, number> = {};
  for (const size of REVIEW_PLAN_SIZES) {
    withTempDir((dir) => {
      const file = join(dir, "plan.json");
      writeFileSync(file, JSON.stringify(generatePlan(size)));
      for (const format of ["markdown", "json"]) {
        const runs = repeat(REVIEW_PLAN_RUNS, 0, `review plan ${size} ${format}`, () =>
          measureNodeScript(join(DIST, "review", "cli.js"), ["plan", file, "--format", format], { cwd: ROOT }),
        );
        const { wallMs, peakRssMb } = summarize(runs);
        emit({ metric: "review_plan", resources: size, format, wall_ms: round1(wallMs), peak_rss_mb: round1(peakRssMb) });
        slowest[size] = Math.max(slowest[size] ?? 0, round1(wallMs));
      }
    });
  }
  return slowest;
}

function benchTestSuite(): number {
  progress("test suite");
  const run = timeCommand("npx", ["jest", "--ci"], { cwd: ROOT });
  if (!run.passed) progress(`test suite failed:\n${tail(run.output)}`);
  emit({ metric: "test_suite", wall_ms: round1(run.wallMs), passed: run.passed });
  return run.wallMs;
}

function main(): void {
  benchBuild();
  // The test suite first, as a developer runs it: after the minutes of load below, this 2-core machine ran it
  // about 8 s slower (measured 60.5 s against 52-54 s alone), which says more about the machine than the suite.
  const testSuiteWallMs = benchTestSuite();
  const synth = benchShippedSynth();
  const synthCommandWarmMs = benchSynthCommand();
  const perEnvironmentMs = benchScaling();
  const reviewPlan = benchReviewPlan();
  const targets = evaluateTargets({
    synthWallMs: round1(synth.wallMs),
    synthPeakRssMb: round1(synth.peakRssMb),
    synthCommandWarmMs: round1(synthCommandWarmMs),
    testSuiteWallMs: round1(testSuiteWallMs),
    perEnvironmentMs: round1(perEnvironmentMs),
    reviewPlan10kMs: reviewPlan[10_000],
    reviewPlan50kMs: reviewPlan[50_000],
  });
  emit({ metric: "targets", targets });
}

main();
