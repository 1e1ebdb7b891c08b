/**
 * Attributes our pinned AWS provider knows and older providers do not. The real-provider check may run
 * with an older provider (a filesystem mirror that holds only that one); then, and only then, it drops
 * these attributes, each only where the provider in use is older than the version that added it. Anything
 * else an older provider refuses fails the check. Pure data: imports nothing.
 */
export interface NewerAttribute {
  readonly resourceType: string;
  readonly attribute: string;
  /** The first hashicorp/aws release that has it (its CHANGELOG). */
  readonly addedIn: string;
}

export const NEWER_AWS_ATTRIBUTES: readonly NewerAttribute[] = [
  { resourceType: "aws_eks_cluster", attribute: "deletion_protection", addedIn: "6.9.0" },
  { resourceType: "aws_cloudwatch_log_group", attribute: "deletion_protection_enabled", addedIn: "6.25.0" },
];

/** Compares dotted release versions (`5.100.0` < `6.9.0`); pre-release suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/[-+].*$/, "").split(".").map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The listed attributes a provider of `version` lacks. */
export function attributesMissingIn(version: string, list: readonly NewerAttribute[] = NEWER_AWS_ATTRIBUTES): NewerAttribute[] {
  return list.filter((a) => compareVersions(version, a.addedIn) < 0);
}
