import { z } from "zod";
import { TRACKING_SERVER_SIZES, type TrackingServerSize, modelRegistryProblems } from "../constructs/model-registry/model-registry";
import { featureGroupSpecProblems } from "../constructs/feature-store/feature-group";
import { featureStoreProblems } from "../constructs/feature-store/feature-store";
import { AddProblem, Loose, addPropsProblems, numberOrUndefined, objectOrUndefined, objectsIn, stringsOrUndefined } from "./rule-helpers";

/** The most feature groups and model families an environment declares: team roles stay inside IAM's limits up to these (tested). */
export const MAX_FEATURE_GROUPS = 200;
export const MAX_MODEL_PACKAGE_GROUPS = 100;

// Types here; what each value may be is the FeatureGroup construct's check (featureGroupSpecProblems, in checkData).
const featureGroupSchema = z.strictObject({
  /** Base name; the SageMaker feature group is `<name>-v<version>`. */
  name: z.string(),
  /** Schema version. Changing the schema means a new version beside the old one, never an edit in place. */
  version: z.number(),
  description: z.string().min(1, { error: "must say what the group holds" }),
  /** The feature that identifies a record. */
  recordIdentifier: z.string(),
  /** The feature that holds the record's event time (String in ISO-8601, or Fractional seconds). */
  eventTime: z.string(),
  features: z.array(z.strictObject({ name: z.string(), type: z.enum(["Integral", "Fractional", "String"]) })),
  /** Low-latency reads for serving; records expire after ttlDays when set. */
  onlineStore: z.strictObject({ enabled: z.boolean(), ttlDays: z.number().optional() }),
  /** History in S3 and the Glue catalog, for training. */
  offlineStore: z.boolean(),
});

export const dataSchema = z.strictObject({
  // Types here; what each value may be is the FeatureStore construct's check (featureStoreProblems, in checkData).
  featureStore: z.strictObject({
    offlineStore: z.strictObject({
      /** S3 moves objects to Standard-IA no earlier than 30 days after creation. */
      transitionToInfrequentAccessDays: z.number(),
      noncurrentVersionExpirationDays: z.number(),
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
  // Each group is the FeatureGroup construct's check, the store (lifecycle days, groups declared twice) the FeatureStore's.
  groups.forEach((group, i) => {
    const parsed = featureGroupSchema.safeParse(group);
    if (parsed.success) addPropsProblems(featureGroupSpecProblems(parsed.data), ["data", "featureStore", "featureGroups", i], addGroupProblem);
  });
  const offline = (objectOrUndefined((featureStore as Loose<DataConfig["featureStore"]> | undefined)?.offlineStore) ?? {}) as Loose<DataConfig["featureStore"]["offlineStore"]>;
  const named = groups.every((g) => typeof g?.name === "string" && typeof (g as { version?: unknown }).version === "number");
  const storeProps = {
    transitionToInfrequentAccessDays: numberOrUndefined(offline.transitionToInfrequentAccessDays),
    noncurrentVersionExpirationDays: numberOrUndefined(offline.noncurrentVersionExpirationDays),
    featureGroups: named ? (groups as { name: string; version: number }[]) : undefined,
  };
  // A group declared twice makes the groups invalid for the contract below; a lifecycle day does not.
  const addStoreProblem: AddProblem = (path, message) => (path[2] === "featureGroups" ? addGroupProblem : add)(path, message);
  addPropsProblems(featureStoreProblems(storeProps), ["data", "featureStore"], addStoreProblem, {
    transitionToInfrequentAccessDays: ["offlineStore", "transitionToInfrequentAccessDays"],
    noncurrentVersionExpirationDays: ["offlineStore", "noncurrentVersionExpirationDays"],
  });
  const groupsValid = groupProblems === 0 && groups.every((g) => featureGroupSchema.safeParse(g).success);

  const registry = (modelRegistry ?? {}) as Loose<DataConfig["modelRegistry"]>;
  const at = (...path: (string | number)[]) => ["data", "modelRegistry", ...path];
  // The ModelRegistry construct's own checks, on the fields that have their types (the schema reports the others).
  const packageGroups = objectsIn(registry.modelPackageGroups) as (Loose<DataConfig["modelRegistry"]["modelPackageGroups"][number]> | undefined)[];
  const tracking = objectOrUndefined(registry.experimentTracking) as Loose<DataConfig["modelRegistry"]["experimentTracking"]> | undefined;
  const registryProps = {
    namePrefix: environment.namePrefix,
    imageRepositories: stringsOrUndefined(registry.imageRepositories),
    modelPackageGroups: packageGroups.every((g) => typeof g?.name === "string" && typeof g.description === "string") ? (packageGroups as { name: string; description: string }[]) : undefined,
    consumerAccountIds: stringsOrUndefined(registry.consumerAccountIds),
    untaggedImageExpiryDays: numberOrUndefined(registry.untaggedImageExpiryDays),
    noncurrentVersionExpirationDays: numberOrUndefined((objectOrUndefined(registry.artifacts) as { noncurrentVersionExpirationDays?: unknown } | undefined)?.noncurrentVersionExpirationDays),
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
