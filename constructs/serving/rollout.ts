import type { PropsProblem } from "../core/errors";

/**
 * How big a blue/green traffic shift can be. SageMaker takes a canary (TrafficRoutingConfig.CanarySize) or a
 * linear step (LinearStepSize) as a percentage of the variant's instance count, at most 50 % (10-50 % for a
 * step), and routes the shifted traffic to that many instances of the new fleet. The deployment guardrails
 * pages ("Use canary traffic shifting", "Use linear traffic shifting") state the bounds but not how a fraction
 * of an instance is rounded, so a size is only a canary when it is at least one whole instance before any
 * rounding (and, at most half the fleet, leaves one instance on the old fleet). Pure: schema and construct share it.
 */

/** CanarySize: at most 50 % of the fleet; LinearStepSize: 10-50 % (TrafficRoutingConfig), whole percentages. */
export const CANARY_PERCENT = { min: 1, max: 50 } as const;
export const LINEAR_STEP_PERCENT = { min: 10, max: 50 } as const;

/** The part of a rollout this check reads (ServingEndpoint's RolloutStrategy, or a config's rollout). */
export type SizedRollout = { readonly type: "canary"; readonly canaryPercent: number } | { readonly type: "linear"; readonly stepPercent: number };

/**
 * Whether a canary or linear step of the rollout is at least one whole instance of the smallest fleet the endpoint
 * may have when a deployment starts (autoscaling may have taken it down to `minInstances`); undefined when it is,
 * or when the values are not whole numbers in range (their own checks say so). The problem is at the field that sizes
 * the rollout's first (or every) step, `canaryPercent` or `stepPercent`.
 */
export function rolloutSizeProblem(rollout: SizedRollout, minInstances: number): PropsProblem | undefined {
  const [field, percent, range, what] =
    rollout.type === "canary"
      ? (["canaryPercent", rollout.canaryPercent, CANARY_PERCENT, "a canary"] as const)
      : (["stepPercent", rollout.stepPercent, LINEAR_STEP_PERCENT, "a linear step"] as const);
  if (!Number.isInteger(percent) || percent < range.min || percent > range.max || !Number.isInteger(minInstances) || minInstances < 1) return undefined;
  if (percent * minInstances >= 100) return undefined;
  const instances = Number(((percent * minInstances) / 100).toFixed(2));
  const plural = (n: number) => `${n} instance${n === 1 ? "" : "s"}`;
  const neededPercent = Math.ceil(100 / minInstances);
  const neededInstances = Math.ceil(100 / percent);
  const fixes = [
    neededPercent <= range.max
      ? `raise ${field} to ${neededPercent}`
      : `raise minInstances (and initialInstanceCount) to ${Math.ceil(100 / range.max)} with ${field} ${range.max}`,
    `raise minInstances (and initialInstanceCount) to ${neededInstances}`,
    `use rollout type "allAtOnce"`,
  ];
  return {
    path: field,
    message:
      `${percent} % of ${plural(minInstances)} (minInstances) is ${instances} of an instance; SageMaker shifts traffic to whole instances, ` +
      `so ${what} must be at least one instance and leave one on the old fleet; ${fixes.join(", or ")}`,
  };
}
