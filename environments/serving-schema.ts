import { z } from "zod";
import { driftSpecProblems } from "../constructs/monitoring/drift-monitor";
import { type AlertSubscription, monthlyBudgetProblem, subscriptionProblems } from "../constructs/monitoring/monitoring";
import { resourceName } from "../constructs/core/naming";
import { modelMonitorRegionProblem } from "../constructs/monitoring/model-monitor-images";
import { servingEndpointProblems } from "../constructs/serving/endpoint-settings";
import { MODEL_PACKAGE_ARN, packageGroupOf, type ModelSource } from "../constructs/serving/model-source";
import { type RetrainingPipelineSpec, metricNameProblem, retrainingPipelineProblems } from "../constructs/pipelines/retraining-pipeline";
import type { DataConfig } from "./data-schema";
import { AddProblem, Loose, addPropsProblems, duplicatePositions, objectOrUndefined, objectsIn } from "./rule-helpers";

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
  // Types here; what each value may be is the ServingEndpoint construct's check (servingEndpointProblems, in checkServing).
  /**
   * The model version served: an approved model package (the usual case; promoting is changing its
   * version number), or an image plus a model artifact (an s3:// URL). Leave it out while no version exists yet (the
   * first deploy of an environment): the endpoint is declared, and nothing of it (nor its drift
   * monitoring) is created until a version is set.
   */
  model: z.strictObject({ modelPackageArn: z.string().optional(), image: z.string().optional(), modelDataUrl: z.string().optional() }).optional(),
  /** Keep the model container off the network (no calls out of the container); false for serverless endpoints. */
  networkIsolation: z.boolean(),
  /** Dedicated instances, autoscaled between min and max. */
  instances: z
    .strictObject({
      /** `ml.<family>.<size>`, e.g. ml.m5.large or ml.p6-b200.48xlarge. */
      instanceType: z.string(),
      initialInstanceCount: z.number(),
      minInstances: z.number(),
      maxInstances: z.number(),
      /** Invocations per instance per minute. */
      targetInvocationsPerInstance: z.number(),
      scaleInCooldownSeconds: z.number(),
      scaleOutCooldownSeconds: z.number(),
    })
    .optional(),
  /** Serverless inference, for cheap environments: billed per request, no instances, no data capture, no drift monitoring. */
  serverless: z.strictObject({ memorySizeMb: z.number(), maxConcurrency: z.number() }).optional(),
  /** How traffic moves to a new model version; rollback alarms stop it. Serverless endpoints: allAtOnce only. */
  rollout: z.discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("allAtOnce"), waitSeconds: z.number() }),
      z.strictObject({ type: z.literal("canary"), canaryPercent: z.number(), waitSeconds: z.number() }),
      z.strictObject({ type: z.literal("linear"), stepPercent: z.number(), waitSeconds: z.number() }),
    ],
    { error: 'must have type "allAtOnce", "canary" or "linear"' },
  ),
  /** How long the old fleet is kept after traffic moved, for a fast rollback (0-3600 s). */
  terminationWaitSeconds: z.number(),
  /**
   * Share of requests and responses captured for monitoring (0 turns capture off; serverless endpoints capture nothing),
   * and the days a capture is kept before it expires (the ServingEndpoint default, 30, when left out).
   */
  dataCapture: z.strictObject({ samplingPercent: z.number(), retentionDays: z.number().optional() }),
  alarms: z.strictObject({
    latencyP99Ms: z.number(),
    error5xxPercent: z.number(),
    error4xxPercent: z.number(),
    /** Of the whole instance (all its vCPUs); SageMaker's metric sums 100 % per vCPU, and the construct converts. */
    cpuUtilizationPercent: z.number().optional(),
    memoryUtilizationPercent: z.number().optional(),
    gpuUtilizationPercent: z.number().optional(),
    /** At most a day: an alarm looks back no further. */
    noInvocationsMinutes: z.number().optional(),
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
/** The fields of an endpoint that ServingEndpoint's settings are made of (the others are ignored here). */
const endpointSettingsSchema = z.object(endpointSchema.pick({
  model: true,
  networkIsolation: true,
  instances: true,
  serverless: true,
  rollout: true,
  terminationWaitSeconds: true,
  dataCapture: true,
  alarms: true,
}).shape);

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
    addPropsProblems(subscriptionProblems(subscriptions as AlertSubscription[]), ["monitoring", "alertSubscriptions"], add);
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
    // The ServingEndpoint construct's own check of what the config gives it, on fields that have their types (the
    // schema reports the others); the model is judged once the region is known, and only once a version is set.
    const settings = endpointSettingsSchema.safeParse(endpoint);
    if (settings.success) {
      const model = typeof region === "string" ? (settings.data.model as ModelSource | undefined) : undefined;
      for (const problem of servingEndpointProblems({ ...settings.data, model }, { region: String(region), partition: "aws" })) add(at(...problem.path.split(".")), problem.message);
    }
    const model = (endpoint.model ?? {}) as Loose<NonNullable<EndpointConfig["model"]>>;
    const fromPackage = model.modelPackageArn !== undefined;
    const fromImage = model.image !== undefined || model.modelDataUrl !== undefined;
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
      addPropsProblems(driftSpecProblems(spec).filter((p) => typed(p.path)), at("drift"), add, { retrainingPipelineArn: ["retraining", "externalPipelineArn"] });
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
    const regionProblem = drift && typeof region === "string" ? modelMonitorRegionProblem(region) : undefined;
    if (regionProblem) add(at("drift"), regionProblem);
    const promotion = objectOrUndefined(endpoint.promotion) as Loose<NonNullable<EndpointConfig["promotion"]>> | undefined;
    for (const [name] of Object.entries(objectOrUndefined(promotion?.minimumMetrics) ?? {})) {
      const problem = metricNameProblem(name);
      if (problem) add(at("promotion", "minimumMetrics", name), problem);
    }
    const sampling = (endpoint.dataCapture as { samplingPercent?: unknown } | undefined)?.samplingPercent;
    if (drift && sampling === 0 && endpoint.serverless === undefined) add(at("drift"), "drift monitoring reads captured data; set dataCapture.samplingPercent above 0");
    // The rest of serverless endpoints' feature exclusions is the construct's check; Model Monitor is another layer's.
    if (drift && endpoint.serverless !== undefined && endpoint.instances === undefined) add(at("drift"), "Model Monitor is not supported by serverless endpoints; use instances or remove drift");
  });
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
    addPropsProblems(retrainingPipelineProblems(parsed.data, accountId), [], add);
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
