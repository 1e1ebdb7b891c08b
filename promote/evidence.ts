/**
 * The evidence a promotion is judged on: `aws sagemaker describe-model-package` output of the version to promote
 * (and of the one served now), read from files so the same check runs in tests and in the workflow that fetched them.
 */
import * as fs from "fs";
import { METRIC_METADATA_PREFIX } from "../constructs/pipelines/pipeline-definition";
import { PromotionError } from "./errors";

/** The fields of DescribeModelPackage's response the gate and the pull request read. */
export interface ModelPackageEvidence {
  readonly ModelPackageArn: string;
  readonly ModelApprovalStatus: string;
  /** Completed once SageMaker has validated the package; Pending, InProgress, Failed or Deleting before or instead. */
  readonly ModelPackageStatus?: string;
  readonly ApprovalDescription?: string;
  readonly CustomerMetadataProperties?: Readonly<Record<string, string>>;
  readonly LastModifiedBy?: { readonly UserProfileName?: string; readonly IamIdentity?: { readonly Arn?: string } };
  readonly LastModifiedTime?: string;
  readonly DriftCheckBaselines?: { readonly ModelDataQuality?: { readonly Constraints?: { readonly S3Uri?: string } } };
  readonly ModelMetrics?: { readonly ModelDataQuality?: { readonly Constraints?: { readonly S3Uri?: string } } };
}

/** Reads describe-model-package output; refuses a file that is not one, naming the file and the field. */
export function readEvidence(file: string): ModelPackageEvidence {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new PromotionError(`${file}: cannot read it as JSON (${(error as Error).message}); save the output of aws sagemaker describe-model-package --model-package-name <arn>`);
  }
  const evidence = parsed as Partial<ModelPackageEvidence> | null;
  if (typeof evidence !== "object" || evidence === null || Array.isArray(evidence)) throw new PromotionError(`${file}: is not describe-model-package output (an object)`);
  for (const field of ["ModelPackageArn", "ModelApprovalStatus"] as const) {
    if (typeof evidence[field] !== "string") throw new PromotionError(`${file}: ${field} is missing; is this aws sagemaker describe-model-package output?`);
  }
  for (const field of ["ModelPackageStatus", "ApprovalDescription", "LastModifiedTime"] as const) {
    const value = evidence[field];
    // The CLI prints times as ISO text by default; v1's epoch numbers are refused rather than misread.
    if (value !== undefined && typeof value !== "string") throw new PromotionError(`${file}: ${field} is ${JSON.stringify(value)}; expected text (run the AWS CLI with --cli-timestamp-format iso8601 if it printed a number)`);
  }
  const metadata = evidence.CustomerMetadataProperties;
  if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Object.values(metadata).some((v) => typeof v !== "string"))) {
    throw new PromotionError(`${file}: CustomerMetadataProperties must map names to strings`);
  }
  return evidence as ModelPackageEvidence;
}

/** The package's metrics, from its `metric.<name>` metadata (what the retraining pipeline registers). */
export function metricsOf(evidence: ModelPackageEvidence): Record<string, number> {
  return Object.fromEntries(
    Object.entries(evidence.CustomerMetadataProperties ?? {})
      .filter(([key]) => key.startsWith(METRIC_METADATA_PREFIX))
      .map(([key, value]) => [key.slice(METRIC_METADATA_PREFIX.length), Number(value)] as const)
      .filter(([, value]) => Number.isFinite(value)),
  );
}

export interface MetricCheck {
  readonly name: string;
  readonly value: number | undefined;
  readonly minimum: number | undefined;
  readonly current: number | undefined;
  readonly ok: boolean;
}

export interface GateResult {
  readonly problems: readonly string[];
  readonly metrics: readonly MetricCheck[];
}

/**
 * The gate: the version is the one asked for and Approved; each declared minimum is met; with `mustBeatCurrent`, no
 * metric is below the served version's.
 */
export function judge(
  evidence: ModelPackageEvidence,
  expectedArn: string,
  promotion: { readonly minimumMetrics: Readonly<Record<string, number>>; readonly mustBeatCurrent?: boolean } | undefined,
  current: ModelPackageEvidence | undefined,
): GateResult {
  const problems: string[] = [];
  if (evidence.ModelPackageArn !== expectedArn) problems.push(`the evidence is of ${evidence.ModelPackageArn}, not of ${expectedArn}: fetch describe-model-package for the version you promote`);
  if (evidence.ModelApprovalStatus !== "Approved") problems.push(`${expectedArn} is ${evidence.ModelApprovalStatus}, not Approved: approve it in the registry first`);
  if (evidence.ModelPackageStatus !== undefined && evidence.ModelPackageStatus !== "Completed") problems.push(`${expectedArn} is ${evidence.ModelPackageStatus}, not Completed: SageMaker has not finished (or failed) creating it`);
  const values = metricsOf(evidence);
  const currentValues = current ? metricsOf(current) : {};
  const minimums = promotion?.minimumMetrics ?? {};
  const mustBeat = promotion?.mustBeatCurrent === true;
  if (mustBeat && current === undefined) problems.push("promotion.mustBeatCurrent is set: pass --current with describe-model-package of the served version");
  const names = [...new Set([...Object.keys(minimums), ...Object.keys(values)])].sort();
  const metrics = names.map((name): MetricCheck => {
    const value = values[name];
    const minimum = minimums[name];
    const currentValue = currentValues[name];
    const reasons: string[] = [];
    if (minimum !== undefined && value === undefined) reasons.push(`${name} is not in the package's metadata (${METRIC_METADATA_PREFIX}${name}), and promotion requires it >= ${minimum}`);
    else if (minimum !== undefined && value! < minimum) reasons.push(`${name} is ${value}, below the minimum ${minimum}`);
    if (mustBeat && current !== undefined && minimum !== undefined && currentValue === undefined) {
      reasons.push(`the served version reports no ${name} (${METRIC_METADATA_PREFIX}${name}), so it cannot be beaten on it: promote by hand after comparing them`);
    } else if (mustBeat && value !== undefined && currentValue !== undefined && value < currentValue) reasons.push(`${name} is ${value}, below the served version's ${currentValue}`);
    problems.push(...reasons);
    return { name, value, minimum, current: currentValue, ok: reasons.length === 0 };
  });
  return { problems, metrics };
}
