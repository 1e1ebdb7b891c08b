import { z } from "zod";
import { TRACKING_SERVER_SIZES, type TrackingServerSize, modelRegistryProblems } from "../constructs/model-registry/model-registry";
import { featureGroupSpecProblems } from "../constructs/feature-store/feature-group";
import { AddProblem, Loose, addPropsProblems, objectOrUndefined, objectsIn } from "./rule-helpers";
import { sagemakerNamePattern } from "../constructs/core/sagemaker-names";

/** The most feature groups and model families an environment declares: team roles stay inside IAM's limits up to these (tested). */
export const MAX_FEATURE_GROUPS = 200;
export const MAX_MODEL_PACKAGE_GROUPS = 100;

const FEATURE_TYPES = ["Integral", "Fractional", "String"] as const;
const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
const days = z.number().int({ error: "must be a whole number of days" }).positive({ error: "must be a positive number of days" });

const featureGroupSchema = z.strictObject({
  /** Base name; the SageMaker feature group is `<name>-v<version>`. */
  name: z.string().regex(sagemakerNamePattern(), { error: "must be letters, digits and inner hyphens (SageMaker's feature group names)" }),
  /** Schema version. Changing the schema means a new version beside the old one, never an edit in place. */
  version: z.number().int({ error: "must be a whole number" }).positive({ error: "must be 1 or more" }),
  description: z.string().min(1, { error: "must say what the group holds" }).max(128, { error: "must be at most 128 characters" }),
  /** The feature that identifies a record. */
  recordIdentifier: z.string(),
  /** The feature that holds the record's event time (String in ISO-8601, or Fractional seconds). */
  eventTime: z.string(),
  features: z
    .array(
      z.strictObject({
        name: z.string().regex(FEATURE_NAME, { error: "must be 1-64 letters, digits, inner - and _ (SageMaker's feature names)" }),
        type: z.enum(FEATURE_TYPES),
      }),
    )
    .min(1, { error: "must declare at least one feature" })
    .max(2500, { error: "SageMaker allows at most 2500 features" }),
  /** Low-latency reads for serving; records expire after ttlDays when set. */
  onlineStore: z.strictObject({ enabled: z.boolean(), ttlDays: days.optional() }),
  /** History in S3 and the Glue catalog, for training. */
  offlineStore: z.boolean(),
});

export const dataSchema = z.strictObject({
  featureStore: z.strictObject({
    offlineStore: z.strictObject({
      /** S3 moves objects to Standard-IA no earlier than 30 days after creation. */
      transitionToInfrequentAccessDays: days.min(30, { error: "must be at least 30 (S3's minimum for Standard-IA)" }),
      noncurrentVersionExpirationDays: days,
    }),
    /** At most MAX_FEATURE_GROUPS: team roles read every group, and IAM bounds how much a role's policies may list. */
    featureGroups: z.array(featureGroupSchema).max(MAX_FEATURE_GROUPS, { error: `at most ${MAX_FEATURE_GROUPS} groups: every team role lists them, within IAM's policy size limits` }),
  }),
  // Types here; what each value may be is the ModelRegistry construct's check (modelRegistryProblems, in checkData).
  modelRegistry: z.strictObject({
    /** Repositories for training and inference images, created as `mlops-<env>/<name>`. */
    imageRepositories: z.array(z.string()),
    untaggedImageExpiryDays: z.number(),
    /** One model package group per model family (at most MAX_MODEL_PACKAGE_GROUPS: team roles list them in IAM policies). */
    modelPackageGroups: z.array(
      z.strictObject({
        name: z.string(),
        description: z.string().min(1, { error: "must say which models the group holds" }),
        /**
         * The feature group versions the group's models read (the feature/model contract): an environment may serve
         * the group's models only where its feature store has every one of them.
         * @default - none declared
         */
        featureGroups: z.array(z.strictObject({ name: z.string(), version: z.number().int().positive() })).optional(),
      }),
    ).max(MAX_MODEL_PACKAGE_GROUPS, { error: `at most ${MAX_MODEL_PACKAGE_GROUPS} groups: every team role lists them, within IAM's policy size limits` }),
    /** Accounts of the environments models are promoted to (e.g. staging and prod): they may describe the packages and create models from them. */
    consumerAccountIds: z.array(z.string()),
    artifacts: z.strictObject({ noncurrentVersionExpirationDays: z.number() }),
    /** A managed MLflow tracking server; off where nobody runs experiments. */
    experimentTracking: z.strictObject({
      enabled: z.boolean(),
      size: z.enum(TRACKING_SERVER_SIZES),
      /** An MLflow version SageMaker offers, e.g. "2.16"; judged even while tracking is off. */
      mlflowVersion: z.string(),
    }),
  }),
});

export type DataConfig = z.output<typeof dataSchema>;


/** Rules of the data section that relate several fields, or the environment's account and name prefix. */
export function checkData(data: unknown, environment: { readonly accountId?: string; readonly namePrefix?: string }, add: AddProblem): void {
  const ownAccountId = environment.accountId;
  if (typeof data !== "object" || data === null) return;
  const { featureStore, modelRegistry } = data as Loose<DataConfig>;
  const groups = objectsIn((featureStore as Loose<DataConfig["featureStore"]> | undefined)?.featureGroups);
  let groupProblems = 0;
  const addGroupProblem: AddProblem = (path, message) => {
    groupProblems += 1;
    add(path, message);
  };
  groups.forEach((group, i) => checkFeatureGroup(group as Loose<DataConfig["featureStore"]["featureGroups"][number]>, i, groups, addGroupProblem));
  const groupsValid = groupProblems === 0 && groups.every((g) => featureGroupSchema.safeParse(g).success);

  const registry = (modelRegistry ?? {}) as Loose<DataConfig["modelRegistry"]>;
  const at = (...path: (string | number)[]) => ["data", "modelRegistry", ...path];
  // The ModelRegistry construct's own checks, on the fields that have their types (the schema reports the others).
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined);
  const count = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
  const packageGroups = objectsIn(registry.modelPackageGroups) as (Loose<DataConfig["modelRegistry"]["modelPackageGroups"][number]> | undefined)[];
  const tracking = objectOrUndefined(registry.experimentTracking) as Loose<DataConfig["modelRegistry"]["experimentTracking"]> | undefined;
  const registryProps = {
    namePrefix: environment.namePrefix,
    imageRepositories: strings(registry.imageRepositories),
    modelPackageGroups: packageGroups.every((g) => typeof g?.name === "string" && typeof g.description === "string") ? (packageGroups as { name: string; description: string }[]) : undefined,
    consumerAccountIds: strings(registry.consumerAccountIds),
    untaggedImageExpiryDays: count(registry.untaggedImageExpiryDays),
    noncurrentVersionExpirationDays: count((objectOrUndefined(registry.artifacts) as { noncurrentVersionExpirationDays?: unknown } | undefined)?.noncurrentVersionExpirationDays),
    experimentTracking:
      typeof tracking?.mlflowVersion === "string" && TRACKING_SERVER_SIZES.includes(tracking.size as TrackingServerSize)
        ? { size: tracking.size as TrackingServerSize, mlflowVersion: tracking.mlflowVersion }
        : undefined,
  };
  addPropsProblems(modelRegistryProblems(registryProps, ownAccountId), ["data", "modelRegistry"], add, { noncurrentVersionExpirationDays: ["artifacts", "noncurrentVersionExpirationDays"] });
  // The contract names feature groups this environment trains from: they are in its own feature store. Judged once
  // every group is valid, so a misnamed group is reported once, at its name.
  const declared = new Set(groups.map((g) => featureGroupKey(g)).filter((k) => k !== undefined));
  if (groupsValid) packageGroups.forEach((group, j) =>
    objectsIn(group?.featureGroups).forEach((read, k) => {
      const key = featureGroupKey(read);
      if (key !== undefined && !declared.has(key)) {
        add(at("modelPackageGroups", j, "featureGroups", k), `${key} is not in this environment's feature store (it has: ${[...declared].join(", ") || "none"}); declare it in data.featureStore.featureGroups or read a version that exists`);
      }
    }),
  );
}

/** `<name>-v<version>` of a feature group (or a reference to one), lowercased: SageMaker's ARNs and the Glue table names ignore case. */
export function featureGroupKey(group: unknown): string | undefined {
  const { name, version } = (group ?? {}) as { name?: unknown; version?: unknown };
  return typeof name === "string" && typeof version === "number" ? `${name}-v${version}`.toLowerCase() : undefined;
}

function checkFeatureGroup(group: Loose<DataConfig["featureStore"]["featureGroups"][number]> | undefined, i: number, groups: unknown[], add: AddProblem): void {
  if (!group) return;
  const at = (...path: (string | number)[]) => ["data", "featureStore", "featureGroups", i, ...path];
  const fullName = featureGroupKey(group);
  if (fullName !== undefined && groups.findIndex((other) => featureGroupKey(other) === fullName) !== i) {
    add(at("version"), `"${fullName}" is declared twice; a new schema needs a new version`);
  }
  // Everything else about one group is the FeatureGroup construct's own check, reported at each field.
  const parsed = featureGroupSchema.safeParse(group);
  if (!parsed.success) return;
  addPropsProblems(featureGroupSpecProblems(parsed.data), at(), add);
}
