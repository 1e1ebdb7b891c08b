import { problemsAt, type PropsProblem } from "../core/errors";
import { hasGpus, cpuAlarmProblem, INSTANCE_TYPE } from "./instance-types";
import { modelSourceProblem, type ModelSource } from "./model-source";
import { CANARY_PERCENT, LINEAR_STEP_PERCENT, rolloutSizeProblem } from "./rollout";

/**
 * An endpoint's settings as plain data, and the one check of them: ServingEndpoint throws its problems, the
 * environment schema reports each at its config field (the config's fields have the same names and nesting), so
 * config the schema accepts always builds. Pure: no construct, no provider.
 */

/** How traffic moves to a new model version (a blue/green deployment); the rollback alarms stop it. */
export type RolloutStrategy = AllAtOnceRollout | CanaryRollout | LinearRollout;
/** All traffic at once, then `waitSeconds` of baking while the rollback alarms watch. The only rollout of a serverless endpoint. */
export interface AllAtOnceRollout {
  readonly type: "allAtOnce";
  readonly waitSeconds: number;
}
/** `canaryPercent` of the new fleet first, the rest after `waitSeconds`. */
export interface CanaryRollout {
  readonly type: "canary";
  readonly canaryPercent: number;
  readonly waitSeconds: number;
}
/** Steps of `stepPercent` of the new fleet, `waitSeconds` apart. */
export interface LinearRollout {
  readonly type: "linear";
  readonly stepPercent: number;
  readonly waitSeconds: number;
}

/** Dedicated instances, autoscaled between minInstances and maxInstances on invocations per instance. */
export interface InstanceCapacity {
  /** `ml.<family>.<size>`, e.g. ml.m5.large or ml.p6-b200.48xlarge. */
  readonly instanceType: string;
  readonly initialInstanceCount: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Target of the autoscaling policy: invocations per instance per minute. */
  readonly targetInvocationsPerInstance: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

/** Serverless inference: billed per request, scaled by SageMaker. */
export interface ServerlessCapacity {
  /** 1024-6144 MB, in steps of 1024. */
  readonly memorySizeMb: number;
  /** 1-200 concurrent invocations. */
  readonly maxConcurrency: number;
}

/** The alarms every endpoint has (latency and error rates: the rollback alarms) and may have. */
export interface EndpointAlarmThresholds {
  readonly latencyP99Ms: number;
  /** 0.01-100 % of invocations. */
  readonly error5xxPercent: number;
  /** 0.01-100 % of invocations. */
  readonly error4xxPercent: number;
  /** 1-100 % of the memory. @default - no memory alarm */
  readonly memoryUtilizationPercent?: number;
  /** Alarm when the endpoint gets no invocation for this many minutes (1-1440). @default - no such alarm */
  readonly noInvocationsMinutes?: number;
}

/** The alarms of an endpoint on instances: serverless endpoints publish no CPU or GPU utilization. */
export interface InstanceAlarmThresholds extends EndpointAlarmThresholds {
  /**
   * Of the whole instance, 1-100 %; converted to SageMaker's CPUUtilization, which sums 100 % per vCPU (so 75 on a
   * 4-vCPU type alarms at 300). Instances of a type in SERVING_INSTANCE_VCPUS only.
   * @default - no CPU alarm
   */
  readonly cpuUtilizationPercent?: number;
  /** Summed over the GPUs of an instance: 0-400 % on 4 GPUs. GPU instances only. @default - no GPU alarm */
  readonly gpuUtilizationPercent?: number;
}

/** What is captured of requests and responses; the capture's place is the construct's to give. */
export interface DataCaptureSettings {
  /** 0-100 % of requests, whole. */
  readonly samplingPercent: number;
  /** Days a capture is kept before it expires. @default 30 */
  readonly retentionDays?: number;
}

/**
 * The settings {@link servingEndpointProblems} checks, in the shape both its callers have: ServingEndpoint's props
 * (whose types keep each capacity to its own settings) and an endpoint of the environment config (which has fields
 * for all, and so can hold what a capacity does not support).
 */
export interface EndpointSettings {
  /** Undefined in config declared before its first model version. */
  readonly model?: ModelSource;
  readonly instances?: InstanceCapacity;
  readonly serverless?: ServerlessCapacity;
  readonly rollout: RolloutStrategy;
  readonly terminationWaitSeconds?: number;
  readonly networkIsolation?: boolean;
  readonly dataCapture?: DataCaptureSettings;
  readonly alarms: InstanceAlarmThresholds;
}

/** Captured requests and responses are personal data more often than not: a month unless the config says otherwise. */
export const DEFAULT_CAPTURE_RETENTION_DAYS = 30;
/** TrafficRoutingConfig.WaitIntervalInSeconds and BlueGreenUpdatePolicy.TerminationWaitInSeconds are 0-3600; so are the blueprint's cooldowns. */
const MAX_WAIT_SECONDS = 3600;
/** ProductionVariantServerlessConfig: memory in 1 GB steps from 1024 to 6144 MB, concurrency 1-200. */
const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144];
const SERVERLESS_MAX_CONCURRENCY = 200;
/** A CloudWatch alarm evaluates at most one day: periods (1 minute here) x evaluation periods <= 86400 s. */
const MAX_NO_INVOCATION_MINUTES = 1440;
/** Thresholds below these alarm on noise; the blueprint refuses them. */
const ERROR_RATE_PERCENT = { min: 0.01, max: 100 };
const UTILIZATION_PERCENT = { min: 1, max: 100 };

/**
 * Everything wrong with an endpoint's settings that SageMaker would refuse or the blueprint does not allow, each at
 * its field. `env` is the stack's: the model must be in the endpoint's region and partition.
 */
export function servingEndpointProblems(settings: EndpointSettings, env: { region: string; partition: string }): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  const whole = (path: string, value: number, range: { min: number; max?: number }, unit: string) => {
    const max = range.max ?? Infinity;
    if (!isWholeBetween(value, { min: range.min, max })) fail(path, `is ${value}; it must be ${unit} ${range.min}${range.max === undefined ? " or more" : `-${range.max}`}`);
  };
  const { instances, serverless, rollout, alarms } = settings;

  if (settings.model !== undefined) {
    const problem = modelSourceProblem(settings.model, env);
    if (problem) problems.push(problem);
  }

  if (instances && serverless) fail("serverless", "an endpoint runs on instances or serverless, not both; remove one");
  if (!instances && !serverless) fail("instances", "is missing; give instances or serverless");
  if (instances) {
    const at = (field: keyof InstanceCapacity) => `instances.${field}`;
    if (!INSTANCE_TYPE.test(instances.instanceType)) {
      fail(at("instanceType"), `is "${instances.instanceType}"; it must be a SageMaker instance type ml.<family>.<size>, such as ml.m5.large or ml.p6-b200.48xlarge`);
    }
    for (const field of ["initialInstanceCount", "minInstances", "maxInstances"] as const) whole(at(field), instances[field], { min: 1 }, "a whole number,");
    const { minInstances: min, maxInstances: max, initialInstanceCount: initial } = instances;
    if (min > max) fail(at("minInstances"), `is ${min}, above maxInstances ${max}; minInstances must be <= maxInstances`);
    else if (initial < min || initial > max) fail(at("initialInstanceCount"), `is ${initial}; it must be between minInstances ${min} and maxInstances ${max}`);
    if (!(instances.targetInvocationsPerInstance > 0)) fail(at("targetInvocationsPerInstance"), `is ${instances.targetInvocationsPerInstance}; it must be more than 0 (invocations per instance per minute)`);
    for (const field of ["scaleInCooldownSeconds", "scaleOutCooldownSeconds"] as const) whole(at(field), instances[field], { min: 0, max: MAX_WAIT_SECONDS }, "whole seconds,");
  }
  if (serverless) {
    if (!SERVERLESS_MEMORY_SIZES_MB.includes(serverless.memorySizeMb)) fail("serverless.memorySizeMb", `is ${serverless.memorySizeMb}; SageMaker allows ${SERVERLESS_MEMORY_SIZES_MB.join(", ")}`);
    whole("serverless.maxConcurrency", serverless.maxConcurrency, { min: 1, max: SERVERLESS_MAX_CONCURRENCY }, "a whole number,");
  }
  if (serverless && !instances) {
    // SageMaker Serverless Inference's feature exclusions.
    const unsupported = "is not supported by serverless endpoints";
    if (settings.networkIsolation === true) fail("networkIsolation", `${unsupported} (nor is a VPC); set it to false or use instances`);
    if ((settings.dataCapture?.samplingPercent ?? 0) > 0) fail("dataCapture.samplingPercent", `data capture ${unsupported}; set it to 0 or use instances`);
    if (rollout.type !== "allAtOnce") fail("rollout.type", `"${rollout.type}" moves a share of instances and a serverless endpoint has none; use "allAtOnce"`);
    // An alarm on a metric nobody publishes would never fire.
    if (alarms.cpuUtilizationPercent !== undefined) fail("alarms.cpuUtilizationPercent", "serverless endpoints publish no CPU utilization; remove it");
    if (alarms.gpuUtilizationPercent !== undefined) fail("alarms.gpuUtilizationPercent", "serverless endpoints publish no GPU utilization; remove it");
  }

  whole("rollout.waitSeconds", rollout.waitSeconds, { min: 0, max: MAX_WAIT_SECONDS }, "whole seconds,");
  if (rollout.type === "canary" && !isWholeBetween(rollout.canaryPercent, CANARY_PERCENT)) {
    fail("rollout.canaryPercent", `is ${rollout.canaryPercent}; a canary is a whole ${CANARY_PERCENT.min}-${CANARY_PERCENT.max} % of the new fleet`);
  }
  if (rollout.type === "linear" && !isWholeBetween(rollout.stepPercent, LINEAR_STEP_PERCENT)) {
    fail("rollout.stepPercent", `is ${rollout.stepPercent}; a linear step is a whole ${LINEAR_STEP_PERCENT.min}-${LINEAR_STEP_PERCENT.max} % of the new fleet`);
  }
  const sizeProblem = instances && rollout.type !== "allAtOnce" ? rolloutSizeProblem(rollout, instances.minInstances) : undefined;
  if (sizeProblem) problems.push(...problemsAt("rollout", [sizeProblem]));
  if (settings.terminationWaitSeconds !== undefined) whole("terminationWaitSeconds", settings.terminationWaitSeconds, { min: 0, max: MAX_WAIT_SECONDS }, "whole seconds,");

  if (settings.dataCapture) {
    whole("dataCapture.samplingPercent", settings.dataCapture.samplingPercent, { min: 0, max: 100 }, "a whole percentage,");
    if (settings.dataCapture.retentionDays !== undefined) whole("dataCapture.retentionDays", settings.dataCapture.retentionDays, { min: 1 }, "a whole number of days,");
  }

  const threshold = (field: keyof InstanceAlarmThresholds, range?: { min: number; max: number }) => {
    const value = alarms[field];
    if (value === undefined) return;
    if (range ? !(value >= range.min && value <= range.max) : !(value > 0)) fail(`alarms.${field}`, `is ${value}; it must be ${range ? `${range.min}-${range.max} %` : "more than 0"}`);
  };
  threshold("latencyP99Ms");
  threshold("error5xxPercent", ERROR_RATE_PERCENT);
  threshold("error4xxPercent", ERROR_RATE_PERCENT);
  threshold("cpuUtilizationPercent", UTILIZATION_PERCENT);
  threshold("memoryUtilizationPercent", UTILIZATION_PERCENT);
  threshold("gpuUtilizationPercent");
  if (alarms.noInvocationsMinutes !== undefined && !isWholeBetween(alarms.noInvocationsMinutes, { min: 1, max: MAX_NO_INVOCATION_MINUTES })) {
    fail("alarms.noInvocationsMinutes", `is ${alarms.noInvocationsMinutes}; it must be whole minutes 1-${MAX_NO_INVOCATION_MINUTES} (a day): an alarm looks back no further`);
  }
  if (instances && alarms.cpuUtilizationPercent !== undefined) {
    const cpuProblem = cpuAlarmProblem(instances.instanceType);
    if (cpuProblem) fail("alarms.cpuUtilizationPercent", cpuProblem);
  }
  if (instances && alarms.gpuUtilizationPercent !== undefined && !hasGpus(instances.instanceType)) {
    fail("alarms.gpuUtilizationPercent", `${instances.instanceType} has no GPU, so no GPU utilization to alarm on; remove it or use a G or P instance type`);
  }
  return problems;
}

function isWholeBetween(value: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}
