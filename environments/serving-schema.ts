import { z } from "zod";
import { driftSpecProblems } from "../constructs/monitoring/drift-monitor";
import { type AlertSubscription, monthlyBudgetProblem, subscriptionProblems } from "../constructs/monitoring/monitoring";
import { resourceName } from "../constructs/core/naming";
import { modelMonitorImageUri } from "../constructs/monitoring/model-monitor-images";
import { cpuAlarmProblem, hasGpus } from "../constructs/serving/instance-types";
import { MODEL_PACKAGE_ARN, modelSourceProblem, packageGroupOf } from "../constructs/serving/model-source";
import { CANARY_PERCENT, LINEAR_STEP_PERCENT, rolloutSizeProblem, type SizedRollout } from "../constructs/serving/rollout";
import type { ModelSource } from "../constructs/serving/serving-endpoint";
import { type RetrainingPipelineSpec, metricNameProblem, retrainingPipelineProblems } from "../constructs/pipelines/retraining-pipeline";
import type { DataConfig } from "./data-schema";
import { AddProblem, Loose, duplicatePositions, objectOrUndefined, objectsIn } from "./rule-helpers";

const percent = (min: number, max: number) =>
  z.number().min(min, { error: `must be ${min}-${max} %` }).max(max, { error: `must be ${min}-${max} %` });
/** Whole percentages: what SageMaker's canary, linear and sampling settings take. */
const wholePercent = (min: number, max: number) => percent(min, max).int();
const positive = z.number().positive({ error: "must be more than 0" });
const seconds = (max: number) => z.number().int({ error: "must be whole seconds" }).min(0, { error: `must be 0-${max} seconds` }).max(max, { error: `must be 0-${max} seconds` });
const s3Uri = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, { error: "must be an s3://bucket/key URI" });

/** A retraining pipeline as an endpoint declares it; what each value may be is RetrainingPipeline's check (retrainingPipelineProblems). */
const retrainingPipelineSchema = z.strictObject({
  trainingImage: z.string(),
  inferenceImage: z.string(),
  processingInstanceType: z.string().optional(),
  trainingInstanceType: z.string(),
  maxRuntimeHours: z.number().optional(),
  minimumMetrics: z.record(z.string(), z.number()),
});

const endpointSchema = z.strictObject({
  /** Short name; the SageMaker endpoint is `mlops-<env>-<name>`. */
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, { error: "must be 1-32 lowercase letters, digits and inner hyphens" }),
  /**
   * The model version served: an approved model package (the usual case; promoting is changing its
   * version number), or an image plus a model artifact. Leave it out while no version exists yet (the
   * first deploy of an environment): the endpoint is declared, and nothing of it (nor its drift
   * monitoring) is created until a version is set.
   */
  model: z
    .strictObject({
      modelPackageArn: z.string().regex(MODEL_PACKAGE_ARN, { error: "must be a model package ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>" }).optional(),
      image: z.string().regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+[:@].+$/, { error: "must be an ECR image URI with a tag or digest" }).optional(),
      modelDataUrl: s3Uri.optional(),
    })
    .optional(),
  /** Keep the model container off the network (no calls out of the container). */
  networkIsolation: z.boolean(),
  /** Dedicated instances, autoscaled between min and max. */
  instances: z
    .strictObject({
      instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, { error: "must be a SageMaker instance type such as ml.m5.large" }),
      initialInstanceCount: z.number().int().positive(),
      minInstances: z.number().int().positive({ error: "must be at least 1" }),
      maxInstances: z.number().int().positive(),
      targetInvocationsPerInstance: positive,
      scaleInCooldownSeconds: seconds(3600),
      scaleOutCooldownSeconds: seconds(3600),
    })
    .optional(),
  /** Serverless inference, for cheap environments: billed per request, no instances. */
  serverless: z
    .strictObject({
      memorySizeMb: z.union([1024, 2048, 3072, 4096, 5120, 6144].map((mb) => z.literal(mb)) as [z.ZodLiteral<number>, ...z.ZodLiteral<number>[]], {
        error: "must be 1024, 2048, 3072, 4096, 5120 or 6144",
      }),
      maxConcurrency: z.number().int().min(1, { error: "must be 1-200" }).max(200, { error: "must be 1-200" }),
    })
    .optional(),
  /** How traffic moves to a new model version; rollback alarms stop it. */
  rollout: z.discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("allAtOnce"), waitSeconds: seconds(3600) }),
      z.strictObject({ type: z.literal("canary"), canaryPercent: wholePercent(CANARY_PERCENT.min, CANARY_PERCENT.max), waitSeconds: seconds(3600) }),
      z.strictObject({ type: z.literal("linear"), stepPercent: wholePercent(LINEAR_STEP_PERCENT.min, LINEAR_STEP_PERCENT.max), waitSeconds: seconds(3600) }),
    ],
    { error: 'must have type "allAtOnce", "canary" or "linear"' },
  ),
  /** How long the old fleet is kept after traffic moved, for a fast rollback. */
  terminationWaitSeconds: seconds(3600),
  /**
   * Share of requests and responses captured for monitoring (0 turns capture off), and the days a capture is kept
   * before it expires (the ServingEndpoint default, 30, when left out).
   */
  dataCapture: z.strictObject({
    samplingPercent: wholePercent(0, 100),
    retentionDays: z.number().int({ error: "must be a whole number of days" }).positive({ error: "must be at least 1 day" }).optional(),
  }),
  alarms: z.strictObject({
    latencyP99Ms: positive,
    error5xxPercent: percent(0.01, 100),
    error4xxPercent: percent(0.01, 100),
    /** Of the whole instance (all its vCPUs); SageMaker's metric sums 100 % per vCPU, and the construct converts. */
    cpuUtilizationPercent: percent(1, 100).optional(),
    memoryUtilizationPercent: percent(1, 100).optional(),
    gpuUtilizationPercent: positive.optional(),
    /** At most a day: an alarm looks back no further. */
    noInvocationsMinutes: z.number().int().positive().max(1440, { error: "must be at most 1440 (a day): an alarm looks back no further" }).optional(),
  }),
  /**
   * What `npm run promote` requires of a version before this endpoint serves it, besides approval: each metric
   * (from the package's `metric.<name>` metadata, as the retraining pipeline registers them) at least its minimum,
   * and with `mustBeatCurrent`, at least the served version's.
   * @default - approval only
   */
  promotion: z.strictObject({ minimumMetrics: z.record(z.string(), z.number()), mustBeatCurrent: z.boolean().optional() }).optional(),
  /** Data-quality monitoring against a baseline, and the retraining it triggers. */
  drift: z
    .strictObject({
      // Types here; what each value may be is the DriftMonitor construct's check (driftSpecProblems, in checkServing).
      /** s3:// URI of the baseline statistics file. */
      baselineStatisticsUri: z.string(),
      /** s3:// URI of the baseline constraints file. */
      baselineConstraintsUri: z.string(),
      /** Hourly "cron(0 * ? * * *)", daily "cron(0 H ? * * *)" or every N hours "cron(0 H/N ? * * *)". */
      scheduleExpression: z.string(),
      /** Features whose drift distance alarms (at most MAX_ALARM_FEATURES). */
      features: z.array(z.string()),
      /** Drift distance above which the alarm fires. */
      threshold: z.number(),
      /**
       * What the drift alarm starts: a pipeline declared here ({@link RetrainingPipeline}), or one made elsewhere,
       * named explicitly by its ARN.
       * @default - no retraining
       */
      retraining: z
        .union([z.strictObject({ pipeline: retrainingPipelineSchema }), z.strictObject({ externalPipelineArn: z.string() })], {
          error: "must be { pipeline: { trainingImage, inferenceImage, trainingInstanceType, minimumMetrics } } or { externalPipelineArn }",
        })
        .optional(),
    })
    .optional(),
});

export const servingSchema = z.strictObject({ endpoints: z.array(endpointSchema) });

export const monitoringSchema = z.strictObject({
  /** Who hears about alarms, drift and the budget. */
  alertSubscriptions: z.array(
    // An email address, or an https:// URL without credentials; checked by the Monitoring construct's own rules (checkMonitoring).
    z.strictObject({ protocol: z.enum(["email", "https"]), endpoint: z.string() }),
  ),
  /** Monthly cost budget, USD (whole cents, at most MAX_MONTHLY_BUDGET_USD); the topic hears at 80 % and 100 % of actual and forecast spend. */
  monthlyBudgetUsd: z.number(),
});

/** The Monitoring construct's own checks on the monitoring section, at the fields they concern. */
export function checkMonitoring(monitoring: unknown, add: AddProblem): void {
  const m = (objectOrUndefined(monitoring) ?? {}) as Loose<z.input<typeof monitoringSchema>>;
  if (typeof m.monthlyBudgetUsd === "number") {
    const problem = monthlyBudgetProblem(m.monthlyBudgetUsd);
    if (problem && Number.isFinite(m.monthlyBudgetUsd)) add(["monitoring", "monthlyBudgetUsd"], problem);
  }
  const subscriptions = Array.isArray(m.alertSubscriptions) ? (m.alertSubscriptions as unknown[]) : [];
  const typed = subscriptions.every((s) => typeof (s as { endpoint?: unknown } | null)?.endpoint === "string" && ["email", "https"].includes((s as { protocol?: unknown }).protocol as string));
  if (typed) {
    for (const problem of subscriptionProblems(subscriptions as AlertSubscription[])) add(["monitoring", "alertSubscriptions", problem.index, problem.field], problem.message);
  }
}

export type ServingConfig = z.output<typeof servingSchema>;
export type EndpointConfig = ServingConfig["endpoints"][number];

/** The endpoints of an environment declared without a model version: `<env>: serving.endpoints.<i> (<name>)`, for a note at synthesis. */
export function awaitingModel(environment: { readonly name: string; readonly serving: ServingConfig }): string[] {
  return environment.serving.endpoints.flatMap((endpoint, i) => (endpoint.model ? [] : [`${environment.name}: serving.endpoints.${i} (${endpoint.name})`]));
}

/** Rules of the serving section that relate several fields, or the environment's region. */
/** What the serving checks read of the rest of the environment. */
export interface ServingContext {
  readonly region: unknown;
  readonly accountId: string | undefined;
  /** The environment's registry's package groups (data.modelRegistry.modelPackageGroups), as given. */
  readonly packageGroups: unknown;
}

export function checkServing(serving: unknown, { region, accountId, packageGroups }: ServingContext, add: AddProblem): void {
  const endpoints = objectsIn((serving as Loose<ServingConfig> | null)?.endpoints) as (Loose<EndpointConfig> | undefined)[];
  duplicatePositions(endpoints.map((e) => e?.name)).forEach((i) => add(["serving", "endpoints", i, "name"], "is used by another endpoint"));
  // Endpoints are named `mlops-<env>-<name>` with runs of other characters folded: "a-b" and "a--b" name one endpoint.
  const names = endpoints.map((e) => (typeof e?.name === "string" && /[a-z0-9]/.test(e.name) ? resourceName([e.name], { maxLength: 63 }) : undefined));
  names.forEach((name, i) => {
    const first = names.indexOf(name);
    if (name !== undefined && first < i && endpoints[first]?.name !== endpoints[i]?.name) {
      add(["serving", "endpoints", i, "name"], `"${endpoints[i]!.name}" names the same SageMaker endpoint as "${endpoints[first]!.name}"; rename one`);
    }
  });
  endpoints.forEach((endpoint, i) => {
    if (!endpoint) return;
    const at = (...path: (string | number)[]) => ["serving", "endpoints", i, ...path];
    const model = (endpoint.model ?? {}) as Loose<NonNullable<EndpointConfig["model"]>>;
    const fromPackage = model.modelPackageArn !== undefined;
    const fromImage = model.image !== undefined || model.modelDataUrl !== undefined;
    if (endpoint.model === undefined) {
      // Declared before its first version exists: nothing of it is created yet (see awaitingModel).
    } else if (fromPackage === fromImage || (fromImage && (model.image === undefined || model.modelDataUrl === undefined))) {
      add(at("model"), "must be either { modelPackageArn } or { image, modelDataUrl }");
    } else if (typeof region === "string" && endpointSchema.shape.model.safeParse(model).success) {
      // The ServingEndpoint construct's own check (region of the package or image, formats), so config it accepts builds.
      const problem = modelSourceProblem(model as ModelSource, { region, partition: "aws" });
      if (problem) add(at("model"), problem);
    }
    if (endpoint.instances !== undefined && endpoint.serverless !== undefined) {
      add(at("serverless"), "an endpoint runs on instances or serverless, not both; remove one");
    } else if (endpoint.instances === undefined && endpoint.serverless === undefined) {
      add(at("instances"), "is missing; give instances or serverless");
    }
    const instances = (endpoint.instances ?? {}) as Loose<NonNullable<EndpointConfig["instances"]>>;
    const { minInstances: min, maxInstances: max, initialInstanceCount: initial } = instances;
    if (typeof min === "number" && typeof max === "number" && min > max) {
      add(at("instances", "minInstances"), `is ${min}, above maxInstances ${max}; minInstances must be <= maxInstances`);
    } else if (typeof min === "number" && typeof max === "number" && typeof initial === "number" && (initial < min || initial > max)) {
      add(at("instances", "initialInstanceCount"), `is ${initial}; it must be between minInstances ${min} and maxInstances ${max}`);
    }
    const drift = endpoint.drift as Loose<NonNullable<EndpointConfig["drift"]>> | undefined;
    // The DriftMonitor construct's own checks, on the fields that have the right types (the schema reports the others).
    const text = (value: unknown) => (typeof value === "string" ? value : "");
    const external = (drift?.retraining as { externalPipelineArn?: unknown } | undefined)?.externalPipelineArn;
    if (drift && Array.isArray(drift.features) && drift.features.every((f) => typeof f === "string")) {
      const spec = {
        baselineStatisticsUri: text(drift.baselineStatisticsUri),
        baselineConstraintsUri: text(drift.baselineConstraintsUri),
        scheduleExpression: text(drift.scheduleExpression),
        features: drift.features as string[],
        threshold: typeof drift.threshold === "number" && Number.isFinite(drift.threshold) ? drift.threshold : 1,
        ...(typeof external === "string" ? { retrainingPipelineArn: external } : {}),
      };
      // A field of the wrong type is the schema's to report; the construct's message would only repeat it.
      const typed = (field: string) => field.startsWith("features") || field === "threshold" || field === "retrainingPipelineArn" || typeof drift[field as keyof typeof drift] === "string";
      for (const problem of driftSpecProblems(spec).filter((p) => typed(p.field))) {
        const path = problem.field === "retrainingPipelineArn" ? ["retraining", "externalPipelineArn"] : problem.field.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        add(at("drift", ...path), problem.message);
      }
    }
    if (drift && "retrainingPipelineArn" in drift) {
      add(at("drift", "retrainingPipelineArn"), "was replaced by retraining: { pipeline: {...} } (a pipeline declared here) or retraining: { externalPipelineArn } (one made elsewhere)");
    }
    const pipeline = objectOrUndefined((drift?.retraining as { pipeline?: unknown } | undefined)?.pipeline) as Loose<RetrainingPipelineSpec> | undefined;
    // Judged against the model it retrains once the endpoint serves a valid one (before its first version, nothing of it exists).
    const servesValidModel =
      endpoint.model !== undefined &&
      fromPackage !== fromImage &&
      (fromPackage ? typeof model.modelPackageArn === "string" && MODEL_PACKAGE_ARN.test(model.modelPackageArn) : model.image !== undefined && model.modelDataUrl !== undefined);
    if (pipeline && servesValidModel) {
      checkRetrainingPipeline(pipeline, model.modelPackageArn, { accountId, packageGroups }, (path, message) => add(at("drift", "retraining", "pipeline", ...path), message));
    }
    if (drift && typeof region === "string" && modelMonitorImageUri(region) === undefined) {
      add(at("drift"), `Model Monitor has no analyzer image in ${region}; remove drift or use a region it supports`);
    }
    const instanceType = (endpoint.instances as { instanceType?: unknown } | undefined)?.instanceType;
    const gpuAlarm = (endpoint.alarms as { gpuUtilizationPercent?: unknown } | undefined)?.gpuUtilizationPercent;
    if (gpuAlarm !== undefined && typeof instanceType === "string" && !hasGpus(instanceType)) {
      add(at("alarms", "gpuUtilizationPercent"), `${instanceType} has no GPU, so no GPU utilization to alarm on; remove it`);
    }
    // The ServingEndpoint construct's own checks: the CPU alarm's conversion, and a canary or step of whole instances.
    const cpuAlarm = (endpoint.alarms as { cpuUtilizationPercent?: unknown } | undefined)?.cpuUtilizationPercent;
    if (cpuAlarm !== undefined && typeof instanceType === "string") {
      const problem = cpuAlarmProblem(instanceType);
      if (problem) add(at("alarms", "cpuUtilizationPercent"), problem);
    }
    const rollout = endpoint.rollout as Partial<Record<"type" | "canaryPercent" | "stepPercent", unknown>> | undefined;
    if ((rollout?.type === "canary" || rollout?.type === "linear") && typeof min === "number" && endpoint.serverless === undefined) {
      const problem = rolloutSizeProblem(rollout as SizedRollout, min);
      if (problem) add(at("rollout", problem.field), problem.message);
    }
    const promotion = objectOrUndefined(endpoint.promotion) as Loose<NonNullable<EndpointConfig["promotion"]>> | undefined;
    for (const [name] of Object.entries(objectOrUndefined(promotion?.minimumMetrics) ?? {})) {
      const problem = metricNameProblem(name);
      if (problem) add(at("promotion", "minimumMetrics", name), problem);
    }
    const sampling = (endpoint.dataCapture as { samplingPercent?: unknown } | undefined)?.samplingPercent;
    if (drift && sampling === 0 && endpoint.serverless === undefined) add(at("drift"), "drift monitoring reads captured data; set dataCapture.samplingPercent above 0");
    if (endpoint.serverless !== undefined && endpoint.instances === undefined) checkServerless(endpoint, at, add);
  });
}

/** What SageMaker Serverless Inference does not support (its "feature exclusions"). */
function checkServerless(endpoint: Loose<EndpointConfig>, at: (...path: (string | number)[]) => (string | number)[], add: AddProblem): void {
  const unsupported = "is not supported by serverless endpoints";
  if (endpoint.networkIsolation === true) add(at("networkIsolation"), `${unsupported}; set it to false or use instances`);
  const sampling = (endpoint.dataCapture as { samplingPercent?: unknown } | undefined)?.samplingPercent;
  if (typeof sampling === "number" && sampling > 0) add(at("dataCapture", "samplingPercent"), `data capture ${unsupported}; set it to 0 or use instances`);
  if (endpoint.drift !== undefined) add(at("drift"), `Model Monitor ${unsupported}; use instances or remove drift`);
  const type = (endpoint.rollout as { type?: unknown } | undefined)?.type;
  if (type === "canary" || type === "linear") add(at("rollout", "type"), `"${type}" moves a share of instances and a serverless endpoint has none; use "allAtOnce"`);
  const alarms = (endpoint.alarms ?? {}) as Loose<EndpointConfig["alarms"]>;
  for (const metric of ["cpuUtilizationPercent", "gpuUtilizationPercent"] as const) {
    if (alarms[metric] !== undefined) add(at("alarms", metric), `serverless endpoints publish no ${metric.replace("UtilizationPercent", "").toUpperCase()} utilization; remove it`);
  }
}

/**
 * A declared retraining pipeline: the RetrainingPipeline construct's own checks, and what it needs of the environment:
 * the model it retrains is a package of a group of this environment's registry (where it registers new versions), and
 * that group's contract names the feature groups it reads.
 */
function checkRetrainingPipeline(
  pipeline: Loose<RetrainingPipelineSpec>,
  modelPackageArn: unknown,
  { accountId, packageGroups }: Pick<ServingContext, "accountId" | "packageGroups">,
  add: AddProblem,
): void {
  const parsed = retrainingPipelineSchema.safeParse(pipeline);
  if (parsed.success) {
    for (const problem of retrainingPipelineProblems(parsed.data, accountId)) add(problem.field.split("."), problem.message);
  }
  if (typeof modelPackageArn !== "string") {
    add([], "retrains the model the endpoint serves from the registry: serve a model package (model.modelPackageArn), or drop retraining");
    return;
  }
  const group = packageGroupOf(modelPackageArn);
  const declared = (objectsIn(packageGroups) as Loose<DataConfig["modelRegistry"]["modelPackageGroups"][number]>[]).find((g) => g?.name === group);
  if (!declared) {
    add([], `registers new versions of package group "${group}" in this environment's registry, which does not declare it; add it to data.modelRegistry.modelPackageGroups`);
  } else if (!Array.isArray(declared.featureGroups) || declared.featureGroups.length === 0) {
    add([], `reads the feature groups package group "${group}" declares, and it declares none; set its featureGroups in data.modelRegistry.modelPackageGroups`);
  }
}
