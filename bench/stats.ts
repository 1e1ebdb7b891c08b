export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination, 1 for a perfect fit. */
  readonly r2: number;
}

/** Ordinary least squares fit of y = slope * x + intercept. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length || xs.length < 2) throw new RangeError("a linear fit needs at least two (x, y) pairs");
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
  if (sxx === 0) throw new RangeError("a linear fit needs at least two distinct x values");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = ys.reduce((sum, y, i) => sum + (y - (slope * xs[i] + intercept)) ** 2, 0);
  const ssTot = ys.reduce((sum, y) => sum + (y - my) ** 2, 0);
  return { slope, intercept, r2: ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot };
}

/** Rounds to one decimal, enough for millisecond and megabyte figures. */
export const round1 = (value: number): number => Math.round(value * 10) / 10;
