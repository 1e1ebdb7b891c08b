export interface Target {
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  readonly met: boolean;
}

export interface BenchResults {
  readonly synthWallMs: number;
  readonly synthPeakRssMb: number;
  readonly testSuiteWallMs: number;
  readonly perEnvironmentMs: number;
}

/** The performance budget of the project, checked against one bench run. */
export function evaluateTargets(results: BenchResults): Target[] {
  const atMost = (name: string, value: number, limit: number): Target => ({ name, value, limit, met: value <= limit });
  const below = (name: string, value: number, limit: number): Target => ({ name, value, limit, met: value < limit });
  return [
    atMost("synth_wall_ms", results.synthWallMs, 1500),
    atMost("synth_peak_rss_mb", results.synthPeakRssMb, 300),
    below("test_suite_wall_ms", results.testSuiteWallMs, 60_000),
    below("synth_per_environment_ms", results.perEnvironmentMs, 100),
  ];
}
