/**
 * How mature each environment's continuous training loop is, per endpoint, computed from its configuration alone
 * (the levels follow the MLOps maturity levels of Google's "MLOps: continuous delivery and automation pipelines in
 * machine learning" and Microsoft's MLOps maturity model, made checkable): each level adds criteria to the one
 * below, and an endpoint is at the highest level whose criteria, and all below, hold.
 */
import { packageGroupOf } from "../constructs/serving/model-source";
import type { EnvironmentConfig } from "./schema";

type Endpoint = EnvironmentConfig["serving"]["endpoints"][number];

/** The report beside the stacks (`cdktf.out/`), read by the pull request review. */
export const MATURITY_JSON = "maturity.json";
export const MATURITY_MD = "maturity.md";

export interface MaturityCriterion {
  /** What holds, as a reader checks it in the config. */
  readonly says: string;
  readonly holds: (endpoint: Endpoint, env: EnvironmentConfig) => boolean;
}

export interface MaturityLevel {
  readonly level: 0 | 1 | 2 | 3 | 4;
  readonly name: string;
  /** What this level adds to the one below. */
  readonly criteria: readonly MaturityCriterion[];
}

const groupOf = (endpoint: Endpoint) => (endpoint.model?.modelPackageArn === undefined ? undefined : packageGroupOf(endpoint.model.modelPackageArn));

/** The levels, in order; level 0 has no criteria. */
export const MATURITY_LEVELS: readonly MaturityLevel[] = [
  { level: 0, name: "manual", criteria: [] },
  {
    level: 1,
    name: "pipeline automation",
    criteria: [
      { says: "serves an approved version from a model registry (model.modelPackageArn), not an image set by hand", holds: (e) => e.model?.modelPackageArn !== undefined },
      {
        says: "its package group declares the feature group versions its models read (data.modelRegistry.modelPackageGroups[].featureGroups)",
        holds: (e, env) => (env.data.modelRegistry.modelPackageGroups.find((g) => g.name === groupOf(e))?.featureGroups?.length ?? 0) > 0,
      },
    ],
  },
  {
    level: 2,
    name: "CI/CD",
    criteria: [
      { says: "a promotion gate on metrics (promotion.minimumMetrics)", holds: (e) => Object.keys(e.promotion?.minimumMetrics ?? {}).length > 0 },
      { says: "a progressive rollout (canary or linear) that rolls back on the endpoint's alarms", holds: (e) => e.rollout.type === "canary" || e.rollout.type === "linear" },
    ],
  },
  {
    level: 3,
    name: "monitoring with automatic retraining",
    criteria: [
      { says: "captures traffic and monitors drift against a baseline (dataCapture.samplingPercent > 0, drift)", holds: (e) => e.dataCapture.samplingPercent > 0 && e.drift !== undefined },
      { says: "drift starts a retraining pipeline declared here, with a metrics gate (drift.retraining.pipeline)", holds: (e) => e.drift?.retraining !== undefined && "pipeline" in e.drift.retraining },
    ],
  },
  {
    level: 4,
    name: "continuous training, champion and challenger",
    criteria: [{ says: "a new version must beat the one served to be promoted (promotion.mustBeatCurrent)", holds: (e) => e.promotion?.mustBeatCurrent === true }],
  },
];

export interface EndpointMaturity {
  readonly endpoint: string;
  readonly level: number;
  readonly name: string;
  /** What the next level asks that does not hold (empty at the top). */
  readonly missing: readonly string[];
}

export interface EnvironmentMaturity {
  readonly environment: string;
  /** The lowest of its endpoints' levels; undefined when it serves nothing. */
  readonly level: number | undefined;
  readonly minimumLevel: number | undefined;
  readonly endpoints: readonly EndpointMaturity[];
}

/** One endpoint's level and what the next one asks. */
export function endpointMaturity(endpoint: Endpoint, env: EnvironmentConfig): EndpointMaturity {
  let reached = MATURITY_LEVELS[0];
  for (const level of MATURITY_LEVELS.slice(1)) {
    if (!level.criteria.every((c) => c.holds(endpoint, env))) break;
    reached = level;
  }
  const next = MATURITY_LEVELS[reached.level + 1];
  return { endpoint: endpoint.name, level: reached.level, name: reached.name, missing: next ? next.criteria.filter((c) => !c.holds(endpoint, env)).map((c) => c.says) : [] };
}

export function environmentMaturity(env: EnvironmentConfig): EnvironmentMaturity {
  const endpoints = env.serving.endpoints.map((endpoint) => endpointMaturity(endpoint, env));
  return {
    environment: env.name,
    level: endpoints.length === 0 ? undefined : Math.min(...endpoints.map((e) => e.level)),
    minimumLevel: env.maturity?.minimumLevel,
    endpoints,
  };
}

/** The endpoints below the environment's `maturity.minimumLevel`, as config problems. */
export function maturityProblems(env: EnvironmentConfig): { path: string; message: string }[] {
  const minimum = env.maturity?.minimumLevel;
  if (minimum === undefined) return [];
  // An endpoint waiting for its first version (no model) has nothing deployed to judge yet.
  const awaiting = new Set(env.serving.endpoints.filter((e) => e.model === undefined).map((e) => e.name));
  return environmentMaturity(env)
    .endpoints.filter((e) => e.level < minimum && !awaiting.has(e.endpoint))
    .map((e) => ({
      path: "maturity.minimumLevel",
      message: `is ${minimum}; endpoint ${e.endpoint} is at level ${e.level} (${e.name}). To reach level ${e.level + 1} it needs: ${e.missing.join("; ")}`,
    }));
}

/** The report beside the stacks, as Markdown: a table per environment and the criteria of each level. */
export function maturityMarkdown(report: readonly EnvironmentMaturity[]): string {
  const lines = ["# MLOps maturity", "", "| environment | endpoint | level | required | next level needs |", "|---|---|---|---|---|"];
  for (const env of report) {
    if (env.endpoints.length === 0) lines.push(`| ${env.environment} | (none) | – | ${env.minimumLevel ?? "–"} | |`);
    for (const e of env.endpoints) lines.push(`| ${env.environment} | ${e.endpoint} | ${e.level} ${e.name} | ${env.minimumLevel ?? "–"} | ${e.missing.join("; ")} |`);
  }
  lines.push("", "Levels (each adds to the one below):", "");
  for (const level of MATURITY_LEVELS) lines.push(`${level.level}. **${level.name}**${level.criteria.length > 0 ? `: ${level.criteria.map((c) => c.says).join("; ")}` : ""}`);
  return `${lines.join("\n")}\n`;
}
