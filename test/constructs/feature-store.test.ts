import { Testing, TerraformStack } from "cdktf";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueDataCatalogEncryptionSettings } from "@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { KmsKey } from "../../constructs/core/kms-key";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { FeatureGroupSpec, featureGroupName, featureGroupTableName } from "../../constructs/feature-store/feature-group";
import { FeatureStore, FeatureStoreProps } from "../../constructs/feature-store/feature-store";
import { GlueCatalogEncryption } from "../../constructs/feature-store/glue-catalog-encryption";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const customerFeatures = [
  { name: "customer_id", type: "String" },
  { name: "event_time", type: "Fractional" },
  { name: "tenure_months", type: "Integral" },
  { name: "plan", type: "String" },
] as const;

const customerV1: FeatureGroupSpec = {
  name: "customer-profile",
  version: 1,
  description: "Customer attributes for churn models",
  recordIdentifier: "customer_id",
  eventTime: "event_time",
  features: customerFeatures,
  onlineStore: { enabled: true, ttlDays: 90 },
  offlineStore: true,
};
const customerV2: FeatureGroupSpec = { ...customerV1, version: 2, features: [...customerFeatures, { name: "support_tickets_90d", type: "Integral" }] };
/** Offline only, event time as an ISO-8601 string. */
const transactionsV1: FeatureGroupSpec = {
  name: "transactions",
  version: 1,
  description: "Card transactions per customer and day",
  recordIdentifier: "customer_day",
  eventTime: "event_time",
  features: [
    { name: "customer_day", type: "String" },
    { name: "event_time", type: "String" },
    { name: "amount_sum", type: "Fractional" },
  ],
  onlineStore: { enabled: false },
  offlineStore: true,
};
/** Online only, no TTL, a mixed-case name (SageMaker lowercases it in the ARN). */
const sessionsV3: FeatureGroupSpec = {
  name: "Sessions",
  version: 3,
  description: "Live session counters",
  recordIdentifier: "session_id",
  eventTime: "event_time",
  features: [
    { name: "session_id", type: "String" },
    { name: "event_time", type: "Fractional" },
    { name: "clicks", type: "Integral" },
  ],
  onlineStore: { enabled: true },
  offlineStore: false,
};
const ALL_GROUPS = [customerV1, customerV2, transactionsV1, sessionsV3];

function storeStack(props: Partial<FeatureStoreProps> = {}) {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  const store = new FeatureStore(stack, "FeatureStore", { namePrefix: "mlops-test", encryptionKey: key, featureGroups: ALL_GROUPS, ...props });
  return { stack, key, store };
}

function consumer(stack: TerraformStack, id: string): ServiceRole {
  return new ServiceRole(stack, id, { roleName: id.toLowerCase(), description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
}

/** The statements of the inline policy of the role whose construct id is `roleId`. */
function statementsOf(json: TerraformJson, roleId: string): Record<string, unknown>[] {
  const policies = resourcesOfType(json, "aws_iam_role_policy").filter(([name]) => name.startsWith(`${roleId}_`));
  expect(policies).toHaveLength(1);
  return policyOf(policies[0][1]).Statement;
}

function groupsByName(json: TerraformJson): Record<string, Record<string, any>> {
  return Object.fromEntries(resourcesOfType(json, "aws_sagemaker_feature_group").map(([, g]) => [g.feature_group_name as string, g]));
}

const KEY_ARN = expect.stringMatching(/^\$\{aws_kms_key\.Key_[0-9A-F]+\.arn\}$/);
const BUCKET_ARN = expect.stringMatching(/^\$\{aws_s3_bucket\.FeatureStore_OfflineStore_Bucket_[0-9A-F]+\.arn\}$/);
const BUCKET_OBJECTS = expect.stringMatching(/^\$\{aws_s3_bucket\.FeatureStore_OfflineStore_Bucket_[0-9A-F]+\.arn\}\/\*$/);
const GLUE = `arn:aws:glue:${TEST_REGION}:${TEST_ACCOUNT}`;
const GLUE_RESOURCES = [`${GLUE}:catalog`, `${GLUE}:database/mlops_test_feature_store`, `${GLUE}:table/mlops_test_feature_store/*`];
const groupArn = (name: string) => `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:feature-group/${name}`;

describe("FeatureStore", () => {
  const json = synthJson(storeStack().stack);

  describe("offline store bucket and Glue database", () => {
    it("is a SecureBucket named from the prefix and the account, SSE-KMS with the store's key", () => {
      const synthesized = Testing.synth(storeStack().stack);
      expect(synthesized).toHaveResourceWithProperties(S3Bucket, { bucket: `mlops-test-feature-store-${TEST_ACCOUNT}`, force_destroy: false });
      expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true }],
      });
      expect(resourcesOfType(json, "aws_s3_bucket_public_access_block")).toHaveLength(1);
      expect(resourcesOfType(json, "aws_s3_bucket_versioning")[0][1]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    });

    it("moves objects to STANDARD_IA and expires old versions after 90 days by default", () => {
      const [[, lifecycle]] = resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual([
        expect.objectContaining({
          status: "Enabled",
          transition: [{ days: 90, storage_class: "STANDARD_IA" }],
          noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        }),
      ]);
    });

    it("takes the lifecycle days from props", () => {
      const custom = synthJson(storeStack({ transitionToInfrequentAccessDays: 45, noncurrentVersionExpirationDays: 30 }).stack);
      const [[, lifecycle]] = resourcesOfType(custom, "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual([
        expect.objectContaining({ transition: [{ days: 45, storage_class: "STANDARD_IA" }], noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      ]);
    });

    it("keeps the bucket, role and database names within their limits", () => {
      const prefix = `mlops-${"long".repeat(20)}`;
      const { store } = storeStack({ namePrefix: prefix });
      const long = synthJson(TerraformStack.of(store));
      const [[, bucket]] = resourcesOfType(long, "aws_s3_bucket");
      expect((bucket.bucket as string).length).toBeLessThanOrEqual(63);
      expect(bucket.bucket).toMatch(/^mlops-longlong[a-z0-9-]*-[0-9a-f]{6}$/);
      const [[, role]] = resourcesOfType(long, "aws_iam_role");
      expect((role.name as string).length).toBeLessThanOrEqual(64);
      expect(store.glueDatabaseName).toMatch(/^mlops_(long)+_feature_store$/);
    });

    it("has a Glue database named from the prefix with underscores, as Glue and Athena want", () => {
      expect(Testing.synth(storeStack().stack)).toHaveResourceWithProperties(GlueCatalogDatabase, { name: "mlops_test_feature_store" });
      expect(storeStack().store.glueDatabaseName).toBe("mlops_test_feature_store");
    });
  });

  describe("feature groups", () => {
    const groups = groupsByName(json);

    it("are named <name>-v<version>, two versions of a group side by side", () => {
      expect(Object.keys(groups).sort()).toEqual(["Sessions-v3", "customer-profile-v1", "customer-profile-v2", "transactions-v1"]);
      expect(storeStack().store.featureGroupNames).toEqual(["customer-profile-v1", "customer-profile-v2", "transactions-v1", "Sessions-v3"]);
      expect(groups["customer-profile-v1"].feature_definition).toHaveLength(4);
      expect(groups["customer-profile-v2"].feature_definition).toContainEqual({ feature_name: "support_tickets_90d", feature_type: "Integral" });
      expect(featureGroupName({ name: "customer-profile", version: 7 })).toBe("customer-profile-v7");
    });

    it("are addressed by name, so a new version adds a resource and reordering moves nothing", () => {
      const addresses = resourcesOfType(json, "aws_sagemaker_feature_group").map(([address]) => address);
      expect(addresses).toEqual(expect.arrayContaining([expect.stringMatching(/^FeatureStore_customer-profile-v1_FeatureGroup_/)]));
      const reordered = synthJson(storeStack({ featureGroups: [...ALL_GROUPS].reverse() }).stack);
      expect(resourcesOfType(reordered, "aws_sagemaker_feature_group").map(([address]) => address).sort()).toEqual([...addresses].sort());
    });

    it("carry the schema, description and the store's role, created after the role's permissions", () => {
      expect(groups["customer-profile-v1"]).toMatchObject({
        description: "Customer attributes for churn models",
        record_identifier_feature_name: "customer_id",
        event_time_feature_name: "event_time",
        feature_definition: customerFeatures.map((f) => ({ feature_name: f.name, feature_type: f.type })),
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\.FeatureStore_Role_[0-9A-F]+\.arn\}$/),
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\.FeatureStore_Role_Policy_/)],
      });
    });

    it("encrypt the online store with the key and expire records after ttlDays when set", () => {
      expect(groups["customer-profile-v1"].online_store_config).toEqual({
        enable_online_store: true,
        security_config: { kms_key_id: KEY_ARN },
        ttl_duration: { unit: "Days", value: 90 },
      });
      expect(groups["Sessions-v3"].online_store_config).toEqual({ enable_online_store: true, security_config: { kms_key_id: KEY_ARN } });
      expect(groups["transactions-v1"].online_store_config).toBeUndefined();
    });

    it("write the offline store under the bucket, encrypted with the key, into a Glue table <name>_v<version>", () => {
      expect(groups["customer-profile-v2"].offline_store_config).toEqual({
        s3_storage_config: {
          s3_uri: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.FeatureStore_OfflineStore_Bucket_[0-9A-F]+\.bucket\}\/offline-store$/),
          kms_key_id: KEY_ARN,
        },
        data_catalog_config: {
          catalog: "AwsDataCatalog",
          database: expect.stringMatching(/^\$\{aws_glue_catalog_database\.FeatureStore_GlueDatabase_[0-9A-F]+\.name\}$/),
          table_name: "customer_profile_v2",
        },
        disable_glue_table_creation: false,
      });
      expect(groups["transactions-v1"].offline_store_config.data_catalog_config.table_name).toBe("transactions_v1");
      expect(groups["Sessions-v3"].offline_store_config).toBeUndefined();
      expect(featureGroupTableName({ name: "Churn--Scores", version: 12 })).toBe("churn__scores_v12");
    });

    it("expose their literal ARNs and table names", () => {
      const { store } = storeStack();
      expect(store.featureGroups.map((g) => [g.featureGroupArn, g.glueTableName])).toEqual([
        [groupArn("customer-profile-v1"), "customer_profile_v1"],
        [groupArn("customer-profile-v2"), "customer_profile_v2"],
        [groupArn("transactions-v1"), "transactions_v1"],
        [groupArn("sessions-v3"), undefined],
      ]);
    });
  });

  describe("the Feature Store role", () => {
    it("trusts SageMaker on behalf of this account only", () => {
      const [[, role]] = resourcesOfType(json, "aws_iam_role");
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } },
        },
      ]);
    });

    it("may write the offline bucket with the key and keep the tables of its own Glue database, nothing else", () => {
      expect(statementsOf(json, "FeatureStore_Role")).toEqual([
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: BUCKET_ARN },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: BUCKET_OBJECTS },
        { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY_ARN },
        { Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: BUCKET_OBJECTS },
        { Effect: "Allow", Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: KEY_ARN },
        { Effect: "Allow", Action: "s3:GetBucketAcl", Resource: BUCKET_ARN },
        { Effect: "Allow", Action: "s3:PutObjectAcl", Resource: BUCKET_OBJECTS },
        { Effect: "Allow", Action: ["glue:CreateTable", "glue:GetTable", "glue:UpdateTable"], Resource: GLUE_RESOURCES },
      ]);
    });
  });

  describe("grants", () => {
    it("grantRead gives exactly record reads, describe, offline store reads, Glue catalog reads and decrypt", () => {
      const { stack, store } = storeStack();
      store.grantRead(consumer(stack, "Reader"));
      expect(statementsOf(synthJson(stack), "Reader")).toEqual([
        // Only groups with an online store have records to get; each group's ARN is listed once.
        {
          Effect: "Allow",
          Action: ["sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord", "sagemaker:BatchGetRecord"],
          Resource: [groupArn("customer-profile-v1"), groupArn("customer-profile-v2"), groupArn("sessions-v3")],
        },
        { Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: [groupArn("transactions-v1")] },
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: BUCKET_ARN },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: BUCKET_OBJECTS },
        { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY_ARN },
        {
          Effect: "Allow",
          Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
          Resource: GLUE_RESOURCES,
        },
      ]);
    });

    it("grantRead to a store of 200 groups spreads over managed policies within IAM's limits and still covers every group", () => {
      const many = Array.from({ length: 200 }, (_, i): FeatureGroupSpec => ({ ...(i % 3 === 0 ? transactionsV1 : customerV1), name: `segment-${i}-features` }));
      const { stack, store } = storeStack({ featureGroups: many });
      store.grantRead(consumer(stack, "Reader"));
      const synthesized = synthJson(stack);
      const documents = [
        ...resourcesOfType(synthesized, "aws_iam_role_policy").filter(([name]) => name.startsWith("Reader_")),
        ...resourcesOfType(synthesized, "aws_iam_policy").filter(([name]) => name.startsWith("Reader_")),
      ].map(([, attributes]) => policyOf(attributes).Statement);
      expect(documents.length).toBeGreaterThan(1);
      const actionsOn = (arn: string) =>
        new Set(documents.flat().flatMap((s) => ([s.Resource].flat().includes(arn) ? [s.Action].flat() : [])) as string[]);
      for (const group of store.featureGroups) {
        const expected = group.hasOnlineStore ? ["sagemaker:BatchGetRecord", "sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord"] : ["sagemaker:DescribeFeatureGroup"];
        expect([...actionsOn(group.featureGroupArn)].sort()).toEqual(expected);
      }
    });

    it("grantWrite gives exactly put/delete records and describe on the groups, and encrypt/decrypt on the key", () => {
      const { stack, store } = storeStack();
      store.grantWrite(consumer(stack, "Writer"));
      expect(statementsOf(synthJson(stack), "Writer")).toEqual([
        {
          Effect: "Allow",
          Action: ["sagemaker:PutRecord", "sagemaker:DeleteRecord", "sagemaker:DescribeFeatureGroup"],
          Resource: ALL_GROUPS.map((g) => groupArn(featureGroupName(g).toLowerCase())),
        },
        { Effect: "Allow", Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: KEY_ARN },
      ]);
    });

    it("never grants an action or resource of *, in any policy of the stack", () => {
      const { stack, store } = storeStack();
      store.grantRead(consumer(stack, "Reader"));
      store.grantWrite(consumer(stack, "Writer"));
      const policies = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
      expect(policies).toHaveLength(3);
      for (const [, policy] of policies) {
        for (const statement of policyOf(policy).Statement) {
          expect([statement.Resource].flat()).not.toContain("*");
          expect([statement.Action].flat()).not.toContain("*");
          expect(statement.Resource).not.toEqual([]);
        }
      }
    });

    it("leaves out the SageMaker statements of a store without groups rather than name no resource", () => {
      const { stack, store } = storeStack({ featureGroups: [] });
      store.grantRead(consumer(stack, "Reader"));
      store.grantWrite(consumer(stack, "Writer"));
      const synthesized = synthJson(stack);
      expect(resourcesOfType(synthesized, "aws_sagemaker_feature_group")).toHaveLength(0);
      for (const role of ["Reader", "Writer"]) {
        expect(statementsOf(synthesized, role).flatMap((s) => [s.Action].flat())).not.toEqual(
          expect.arrayContaining([expect.stringMatching(/^sagemaker:/)]),
        );
      }
    });
  });

  describe("refuses", () => {
    const group = (change: Partial<FeatureGroupSpec>): FeatureGroupSpec => ({ ...customerV1, ...change });
    const inGroup = (name: string) => new RegExp(`^test/FeatureStore/${name}: `);

    it.each<[string, Partial<FeatureGroupSpec>, RegExp]>([
      ["a version of 0", { version: 0 }, /version: is 0; it must be a whole number >= 1/],
      ["a fractional version", { version: 1.5 }, /version: is 1\.5; it must be a whole number >= 1/],
      ["an underscore in the name", { name: "customer_profile" }, /name: "customer_profile" must be letters, digits and inner hyphens, at most 61 characters \(the group's name, "customer_profile-v1", is at most 64\)/],
      ["a name that starts with a hyphen", { name: "-customer" }, /name: "-customer" must be letters, digits and inner hyphens/],
      ["a name that ends with a hyphen", { name: "customer-" }, /name: "customer-" must be letters, digits and inner hyphens/],
      ["a name over 64 characters with its version", { name: "a".repeat(62) }, /name: "a{62}" must be letters, digits and inner hyphens, at most 61 characters \(the group's name, "a{62}-v1", is at most 64\)/],
      ["a description over 128 characters", { description: "d".repeat(129) }, /description: is 129 characters; SageMaker allows at most 128/],
      ["a group without features", { features: [] }, /features: lists 0 features; a group needs 1 to 2500/],
      ["a malformed feature name", { features: [...customerFeatures, { name: "monthly spend", type: "Fractional" }] }, /features\.4\.name: "monthly spend" must be 1-64 letters and digits, with inner hyphens or underscores/],
      ["a feature name with a leading underscore", { features: [...customerFeatures, { name: "_x", type: "String" }] }, /features\.4\.name: "_x" must be 1-64 letters and digits/],
      ["a reserved feature name", { features: [...customerFeatures, { name: "write_time", type: "String" }] }, /features\.4\.name: "write_time" is reserved by Feature Store/],
      ["a duplicate feature", { features: [...customerFeatures, { name: "plan", type: "Integral" }] }, /features\.4\.name: "plan" is declared twice$/],
      ["features that differ only in case", { features: [...customerFeatures, { name: "Plan", type: "String" }] }, /features\.4\.name: "Plan" is declared twice \(as "plan"; the offline store's Glue table ignores case\)/],
      ["a record identifier that is not a feature", { recordIdentifier: "customer" }, /recordIdentifier: "customer" is not one of the features \(customer_id, event_time, tenure_months, plan\)/],
      ["an event time that is not a feature", { eventTime: "ts" }, /eventTime: "ts" is not one of the features/],
      ["an Integral event time", { eventTime: "tenure_months" }, /eventTime: "tenure_months" is Integral; SageMaker needs the event time as String \(ISO-8601\) or Fractional/],
      ["a group with neither store", { onlineStore: { enabled: false }, offlineStore: false }, /a group needs at least one store/],
      ["a TTL of 0 days", { onlineStore: { enabled: true, ttlDays: 0 } }, /onlineStore\.ttlDays: is 0; it must be a whole number of days >= 1/],
      ["a fractional TTL", { onlineStore: { enabled: true, ttlDays: 0.5 } }, /onlineStore\.ttlDays: is 0\.5/],
      ["a TTL without an online store", { onlineStore: { enabled: false, ttlDays: 30 } }, /onlineStore\.ttlDays: is set but the online store is disabled/],
    ])("%s", (_, change, message) => {
      const spec = group(change);
      const attempt = () => storeStack({ featureGroups: [spec] });
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(inGroup(featureGroupName(spec)));
    });

    it("the same <name>-v<version> twice in one store, also when only the case differs", () => {
      expect(() => storeStack({ featureGroups: [customerV1, customerV2, customerV1] })).toThrow(
        /^test\/FeatureStore: featureGroups\.2\.version: "customer-profile-v1" is declared twice \(also featureGroups\.0\); a schema change needs a new version$/,
      );
      expect(() => storeStack({ featureGroups: [customerV1, group({ name: "Customer-Profile" })] })).toThrow(
        /: featureGroups\.1\.version: "Customer-Profile-v1" is declared twice \(also featureGroups\.0\)/,
      );
    });

    it.each([29, 0, 45.5])("a transition to Standard-IA after %p days", (days) => {
      expect(() => storeStack({ transitionToInfrequentAccessDays: days })).toThrow(
        new RegExp(`^test/FeatureStore: transitionToInfrequentAccessDays: is ${days}; S3 moves objects to STANDARD_IA no earlier than 30 days \\(a whole number >= 30\\)$`),
      );
    });

    it("noncurrent versions that never expire", () => {
      expect(() => storeStack({ noncurrentVersionExpirationDays: 0 })).toThrow(/^test\/FeatureStore: noncurrentVersionExpirationDays: is 0; it must be a whole number of days, 1 or more$/);
    });
  });
});

describe("GlueCatalogEncryption", () => {
  it("encrypts the catalog and connection passwords with the key (CKV_AWS_94)", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    new GlueCatalogEncryption(stack, "CatalogEncryption", { encryptionKey: key });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(GlueDataCatalogEncryptionSettings, {
      data_catalog_encryption_settings: {
        encryption_at_rest: { catalog_encryption_mode: "SSE-KMS", sse_aws_kms_key_id: KEY_ARN },
        connection_password_encryption: { return_connection_password_encrypted: true, aws_kms_key_id: KEY_ARN },
      },
    });
  });
});
