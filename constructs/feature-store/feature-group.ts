import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { SagemakerFeatureGroup } from "@cdktf/provider-aws/lib/sagemaker-feature-group";
import { formatArn } from "../core/arn";
import { IKmsKey } from "../core/kms-key";
import { ConstructPropsError, type PropsProblem, throwPropsProblems } from "../core/errors";
import { FEATURE_GROUP_NAME, sagemakerNamePattern } from "../core/sagemaker-names";

export type FeatureType = "Integral" | "Fractional" | "String";

export interface FeatureDefinition {
  readonly name: string;
  readonly type: FeatureType;
}

export interface FeatureGroupSpec {
  /** Base name, e.g. "customer-profile"; the SageMaker feature group is `<name>-v<version>`. */
  readonly name: string;
  /** Schema version, a whole number >= 1. A schema change is a new version beside the old one. */
  readonly version: number;
  /** Free text, at most 128 characters. */
  readonly description: string;
  /** The feature whose value identifies a record; one of `features`. */
  readonly recordIdentifier: string;
  /** The feature that holds when the record's event happened; one of `features`, of type String or Fractional. */
  readonly eventTime: string;
  readonly features: readonly FeatureDefinition[];
  /** Low-latency reads of the latest record per identifier; records expire `ttlDays` after their event time when set. */
  readonly onlineStore: { readonly enabled: boolean; readonly ttlDays?: number };
  /** Every record ever written, in S3 with a Glue table, for training and batch scoring. */
  readonly offlineStore: boolean;
}

/** The SageMaker feature group name of a spec: `<name>-v<version>`. */
export function featureGroupName(spec: Pick<FeatureGroupSpec, "name" | "version">): string {
  return `${spec.name}-v${spec.version}`;
}

/**
 * The Glue (and Athena) table of a group's offline store: `<name>_v<version>`, lowercase, hyphens as underscores.
 * Distinct for distinct groups, since group names hold no underscores and names are unique ignoring case.
 */
export function featureGroupTableName(spec: Pick<FeatureGroupSpec, "name" | "version">): string {
  return featureGroupName(spec).toLowerCase().replace(/-/g, "_");
}

/**
 * ARN of a feature group, built as a literal (SageMaker lowercases names in ARNs), so a policy that names it
 * reads clearly in a plan and needs no reference to the stack that holds the group.
 */
export function featureGroupArn(scope: Construct, name: string): string {
  return formatArn(scope, { service: "sagemaker", resource: `feature-group/${name.toLowerCase()}` });
}

/** SageMaker's pattern for a feature group name (here: letters, digits and hyphens), 1-64 characters. */
const GROUP_NAME = FEATURE_GROUP_NAME;
/** A base name starts and ends with a letter or digit, so `<name>-v<version>` has no doubled hyphen. */
const BASE_NAME = sagemakerNamePattern();
/** SageMaker's pattern for a feature name, 1-64 characters. */
const FEATURE_NAME = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;
const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 128;
const MAX_FEATURES = 2500;
/** Columns Feature Store adds to every offline record; no feature may take their names. */
const RESERVED_FEATURE_NAMES = ["is_deleted", "write_time", "api_invocation_time"];
const FEATURE_TYPES: readonly string[] = ["Integral", "Fractional", "String"] satisfies readonly FeatureType[];
const EVENT_TIME_TYPES: readonly string[] = ["String", "Fractional"] satisfies readonly FeatureType[];

/** Where a group's offline store writes. */
export interface OfflineStoreLocation {
  /** `s3://<bucket>/<prefix>`; Feature Store writes below it. */
  readonly s3Uri: string;
  /** The Glue database that holds the group's table. */
  readonly glueDatabaseName: string;
}

export interface FeatureGroupProps {
  readonly spec: FeatureGroupSpec;
  /** The role Feature Store assumes to write the offline store and its Glue table. */
  readonly roleArn: string;
  /** Encrypts the online store and the offline store's objects. */
  readonly encryptionKey: IKmsKey;
  /**
   * Where the offline store writes; required when `spec.offlineStore` is true.
   * @default - none; only valid for a group without an offline store
   */
  readonly offlineStoreLocation?: OfflineStoreLocation;
  /**
   * Resources that must exist before the group is created (the role's permissions, the bucket's configuration):
   * SageMaker checks them when it creates the group.
   * @default []
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * One versioned SageMaker feature group: its schema, an online store encrypted with the key (with an optional TTL),
 * and an offline store in S3, encrypted with the key, registered as a Glue table named `<name>_v<version>`.
 * The construct id is the group name, so adding `-v<N+1>` adds a resource and leaves `-v<N>` untouched.
 */
export class FeatureGroup extends Construct {
  readonly featureGroup: SagemakerFeatureGroup;
  readonly spec: FeatureGroupSpec;
  /** `<name>-v<version>` */
  readonly featureGroupName: string;
  /** `arn:<partition>:sagemaker:<region>:<account>:feature-group/<lowercased name>`, a literal. */
  readonly featureGroupArn: string;
  readonly hasOnlineStore: boolean;
  readonly hasOfflineStore: boolean;
  /** The offline store's Glue table, `<name>_v<version>`; undefined without an offline store. */
  readonly glueTableName?: string;

  constructor(scope: Construct, id: string, props: FeatureGroupProps) {
    super(scope, id);
    const spec = props.spec;
    throwPropsProblems(this.node.path, featureGroupSpecProblems(spec));
    if (spec.offlineStore && !props.offlineStoreLocation) {
      throw new ConstructPropsError(`${this.node.path}: the offline store is enabled but no offlineStoreLocation (S3 URI and Glue database) was given`);
    }

    this.spec = spec;
    this.featureGroupName = featureGroupName(spec);
    this.featureGroupArn = featureGroupArn(this, this.featureGroupName);
    this.hasOnlineStore = spec.onlineStore.enabled;
    this.hasOfflineStore = spec.offlineStore;
    this.glueTableName = spec.offlineStore ? featureGroupTableName(spec) : undefined;
    const keyArn = props.encryptionKey.keyArn;
    const location = props.offlineStoreLocation;
    const ttlDays = spec.onlineStore.ttlDays;

    this.featureGroup = new SagemakerFeatureGroup(this, "FeatureGroup", {
      featureGroupName: this.featureGroupName,
      description: spec.description,
      recordIdentifierFeatureName: spec.recordIdentifier,
      eventTimeFeatureName: spec.eventTime,
      featureDefinition: spec.features.map((f) => ({ featureName: f.name, featureType: f.type })),
      roleArn: props.roleArn,
      onlineStoreConfig: spec.onlineStore.enabled
        ? {
            enableOnlineStore: true,
            securityConfig: { kmsKeyId: keyArn },
            ttlDuration: ttlDays === undefined ? undefined : { unit: "Days", value: ttlDays },
          }
        : undefined,
      offlineStoreConfig:
        spec.offlineStore && location
          ? {
              s3StorageConfig: { s3Uri: location.s3Uri, kmsKeyId: keyArn },
              dataCatalogConfig: { catalog: "AwsDataCatalog", database: location.glueDatabaseName, tableName: this.glueTableName },
              disableGlueTableCreation: false,
            }
          : undefined,
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
  }
}

/**
 * Everything wrong with a spec that SageMaker would refuse or the blueprint does not allow. Shared by the
 * construct (which throws them all) and the environment schema (which reports each at its field), so
 * config the schema accepts always builds.
 */
export function featureGroupSpecProblems(spec: FeatureGroupSpec): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  if (!Number.isSafeInteger(spec.version) || spec.version < 1) {
    fail("version", `is ${spec.version}; it must be a whole number >= 1`);
  }
  const name = featureGroupName(spec);
  if (!BASE_NAME.test(spec.name) || !GROUP_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    fail(
      "name",
      `"${spec.name}" must be letters, digits and inner hyphens, at most ${MAX_NAME_LENGTH - `-v${spec.version}`.length} characters ` +
        `(the group's name, "${name}", is at most ${MAX_NAME_LENGTH})`,
    );
  }
  if (spec.description.length > MAX_DESCRIPTION_LENGTH) {
    fail("description", `is ${spec.description.length} characters; SageMaker allows at most ${MAX_DESCRIPTION_LENGTH}`);
  }

  if (spec.features.length === 0 || spec.features.length > MAX_FEATURES) {
    fail("features", `lists ${spec.features.length} features; a group needs 1 to ${MAX_FEATURES}`);
  }
  const seen = new Map<string, string>();
  spec.features.forEach((feature, i) => {
    if (!FEATURE_NAME.test(feature.name)) {
      fail(`features.${i}.name`, `"${feature.name}" must be 1-64 letters and digits, with inner hyphens or underscores`);
    } else if (RESERVED_FEATURE_NAMES.includes(feature.name.toLowerCase())) {
      fail(`features.${i}.name`, `"${feature.name}" is reserved by Feature Store (${RESERVED_FEATURE_NAMES.join(", ")}); rename the feature`);
    }
    if (!FEATURE_TYPES.includes(feature.type)) {
      fail(`features.${i}.type`, `"${feature.type}" (of "${feature.name}") is no feature type; allowed: ${FEATURE_TYPES.join(", ")}`);
    }
    const key = feature.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      fail(
        `features.${i}.name`,
        `"${feature.name}" is declared twice` + (earlier === feature.name ? "" : ` (as "${earlier}"; the offline store's Glue table ignores case)`),
      );
    }
    seen.set(key, feature.name);
  });

  const typeOf = (featureName: string) => spec.features.find((f) => f.name === featureName)?.type;
  const featureNames = spec.features.map((f) => f.name).join(", ");
  if (typeOf(spec.recordIdentifier) === undefined) {
    fail("recordIdentifier", `"${spec.recordIdentifier}" is not one of the features (${featureNames})`);
  }
  const eventTimeType = typeOf(spec.eventTime);
  if (eventTimeType === undefined) {
    fail("eventTime", `"${spec.eventTime}" is not one of the features (${featureNames})`);
  } else if (!EVENT_TIME_TYPES.includes(eventTimeType)) {
    fail("eventTime", `"${spec.eventTime}" is ${eventTimeType}; SageMaker needs the event time as String (ISO-8601) or Fractional (epoch seconds)`);
  }

  if (!spec.onlineStore.enabled && !spec.offlineStore) {
    fail("offlineStore", "a group needs at least one store; enable the online store, the offline store or both");
  }
  const ttlDays = spec.onlineStore.ttlDays;
  if (ttlDays !== undefined) {
    if (!Number.isSafeInteger(ttlDays) || ttlDays < 1) fail("onlineStore.ttlDays", `is ${ttlDays}; it must be a whole number of days >= 1`);
    else if (!spec.onlineStore.enabled) fail("onlineStore.ttlDays", "is set but the online store is disabled; remove ttlDays or enable the online store");
  }
  return problems;
}
