/**
 * A promotion: which version an endpoint serves next in an environment, checked against the evidence and the schema,
 * as the edited environment file and the pull request's body. Pure: files are read and written by the CLI.
 */
import { EnvironmentConfigError } from "../environments/errors";
import { type EnvironmentConfig, parseEnvironments } from "../environments/schema";
import { replaceServedArn } from "./edit-arn";
import { PromotionError } from "./errors";
import { type GateResult, type ModelPackageEvidence, judge } from "./evidence";

export interface PromotionRequest {
  readonly endpoint: string;
  readonly version: number;
  /** The environment whose endpoint changes. */
  readonly to: string;
  /** The environment whose registry holds the version. @default the registry of the version served now */
  readonly registry?: string;
}

/** The gate said no (not approved, a metric too low, or the schema refuses the result): the reasons, one per line. */
export class PromotionRefused extends Error {
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join("\n"));
    this.name = "PromotionRefused";
  }
}

export interface PromotionTarget {
  readonly environment: EnvironmentConfig;
  readonly endpointIndex: number;
  readonly fromArn: string;
  readonly toArn: string;
}

const MODEL_PACKAGE = /^arn:([^:]+):sagemaker:([^:]+):(\d{12}):model-package\/([^/]+)\/(\d+)$/;

/** The ARNs of the promotion, from the configs: the version served now and the one asked for. */
export function promotionTarget(request: PromotionRequest, configs: readonly EnvironmentConfig[]): PromotionTarget {
  const names = configs.map((c) => c.name);
  const environment = configs.find((c) => c.name === request.to);
  if (!environment) throw new PromotionError(`--to ${request.to}: no such environment (there are: ${names.join(", ")})`);
  const endpointIndex = environment.serving.endpoints.findIndex((e) => e.name === request.endpoint);
  if (endpointIndex < 0) {
    throw new PromotionError(`${request.endpoint}: ${request.to} has no such endpoint (it has: ${environment.serving.endpoints.map((e) => e.name).join(", ") || "none"})`);
  }
  const fromArn = environment.serving.endpoints[endpointIndex].model?.modelPackageArn;
  const served = fromArn === undefined ? null : MODEL_PACKAGE.exec(fromArn);
  if (!served) {
    throw new PromotionError(`${request.to}'s ${request.endpoint} serves no model package yet; set its first version by hand (README, "First deploy"), then promote`);
  }
  if (!Number.isInteger(request.version) || request.version < 1) throw new PromotionError(`version ${request.version}: a model package version is a whole number from 1`);
  const [, partition, , servedAccount, group] = served;
  let account = servedAccount;
  if (request.registry !== undefined) {
    const registry = configs.find((c) => c.name === request.registry);
    if (!registry) throw new PromotionError(`--registry ${request.registry}: no such environment (there are: ${names.join(", ")})`);
    account = registry.account.id;
  }
  const toArn = `arn:${partition}:sagemaker:${environment.account.region}:${account}:model-package/${group}/${request.version}`;
  if (toArn === fromArn) throw new PromotionError(`${request.to}'s ${request.endpoint} already serves ${toArn}`);
  return { environment, endpointIndex, fromArn: fromArn!, toArn };
}

export interface Promotion extends PromotionTarget {
  /** The environment file with the new version. */
  readonly text: string;
  readonly gate: GateResult;
  readonly evidence: ModelPackageEvidence;
}

/**
 * Checks and prepares a promotion: the new version in the environment file (by its syntax), the schema over every
 * environment with that change, and the gate over the evidence. Throws PromotionRefused with every reason.
 */
export function promote(
  request: PromotionRequest,
  inputs: readonly unknown[],
  file: { readonly name: string; readonly text: string },
  evidence: ModelPackageEvidence,
  current: ModelPackageEvidence | undefined,
): Promotion {
  const target = promotionTarget(request, parseEnvironments(inputs));
  const { text, previous } = replaceServedArn(file.text, file.name, request.endpoint, target.toArn);
  if (previous !== target.fromArn) {
    throw new PromotionError(`${file.name} serves ${previous} where the built configuration serves ${target.fromArn}: run npm run build (the command reads both)`);
  }
  const reasons: string[] = [];
  const changed = inputs.map((input) => {
    if ((input as { name?: unknown }).name !== request.to) return input;
    const copy = structuredClone(input) as { serving: { endpoints: { model: { modelPackageArn: string } }[] } };
    copy.serving.endpoints[target.endpointIndex].model.modelPackageArn = target.toArn;
    return copy;
  });
  try {
    parseEnvironments(changed);
  } catch (error) {
    if (!(error instanceof EnvironmentConfigError)) throw error;
    reasons.push(...error.problems.map((p) => `the configuration would be refused: ${p.environment}: ${p.path}: ${p.message}`));
  }
  const endpoint = target.environment.serving.endpoints[target.endpointIndex];
  const gate = judge(evidence, target.toArn, endpoint.promotion, current);
  reasons.push(...gate.problems);
  if (reasons.length > 0) throw new PromotionRefused(reasons);
  return { ...target, text, gate, evidence };
}
