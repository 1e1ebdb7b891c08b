export interface Target {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly met: boolean;
}

export interface BenchResults {
  readonly synthWallMs: number;
  /** `npm run synth` on a tree built before and unchanged: the incremental build finds nothing, then the app runs. */
  readonly synthCommandWarmMs: number;
  readonly synthPeakRssMb: number;
  readonly testSuiteWallMs: number;
  readonly perEnvironmentMs: number;
  /** `review plan` of 10,000 and 50,000 resources, the slower of markdown and JSON. */
  readonly reviewPlan10kMs: number;
  readonly reviewPlan50kMs: number;
}

/** The performance budget of the project, checked against one bench run. */
export function evaluateTargets(results: BenchResults): Target[] {
  const atMost = (name: string, value: number, limit: number): Target => ({ name, value, limit, met: value <= limit });
  const below = (name: string, value: number, limit: number): Target => ({ name, value, limit, met: value < limit });
  return [
    atMost("synth_wall_ms", results.synthWallMs, 1500),
    atMost("synth_command_warm_ms", results.synthCommandWarmMs, 1500),
    atMost("synth_peak_rss_mb", results.synthPeakRssMb, 300),
    below("test_suite_wall_ms", results.testSuiteWallMs, 60_000),
    below("synth_per_environment_ms", results.perEnvironmentMs, 100),
    atMost("review_plan_10000_ms", results.reviewPlan10kMs, 2_000),
    atMost("review_plan_50000_ms", results.reviewPlan50kMs, 10_000),
  ];
}
