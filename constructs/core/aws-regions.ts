/** Commercial AWS regions the blueprint can be deployed to. */
export const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2",
  "eu-north-1", "eu-south-1", "eu-south-2",
  "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-east-1",
  "me-south-1", "me-central-1", "il-central-1", "af-south-1",
] as const;

export type AwsRegion = (typeof AWS_REGIONS)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * The value a per-family table gives an instance type (`g5.12xlarge`, or `ml.c6i.xlarge` with `prefix` "ml"):
 * `table[family][size]`, own properties only ("g5.constructor" finds nothing), or undefined.
 */
export function bySize<T>(table: Readonly<Record<string, Readonly<Record<string, T>>>>, instanceType: string, prefix?: string): T | undefined {
  const parts = instanceType.split(".");
  if (prefix !== undefined && parts.shift() !== prefix) return undefined;
  const [family, size] = parts;
  if (family === undefined || size === undefined || parts.length !== 2) return undefined;
  const sizes = Object.hasOwn(table, family) ? table[family] : undefined;
  return sizes && Object.hasOwn(sizes, size) ? sizes[size] : undefined;
}
