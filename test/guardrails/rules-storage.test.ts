import fc from "fast-check";
import { Testing } from "cdktf";
import { DELETION_PROTECTION, STATEFUL_RESOURCE_TYPES } from "../../constructs/core/stateful";
import { environments } from "../../environments";
import { checkGuardrails } from "../../guardrails/apply";
import { evaluate } from "../../guardrails/engine";
import { ResourceView, Rule, RuleContext } from "../../guardrails/rule";
import { dynamodbRules } from "../../guardrails/rules/dynamodb";
import { ecrRules } from "../../guardrails/rules/ecr";
import { glueRules } from "../../guardrails/rules/glue";
import { kmsRules } from "../../guardrails/rules/kms";
import { logsRules } from "../../guardrails/rules/logs";
import { protectionRules } from "../../guardrails/rules/protection";
import { s3Rules } from "../../guardrails/rules/s3";
import { snsRules } from "../../guardrails/rules/sns";
import { createPlatform } from "../../stacks/platform";

const RULES: readonly Rule[] = [...s3Rules, ...kmsRules, ...snsRules, ...logsRules, ...dynamodbRules, ...ecrRules, ...glueRules, ...protectionRules];
const ruleById = new Map(RULES.map((rule) => [rule.id, rule]));

// ---- Fixtures --------------------------------------------------------------------------------------------------

function resource(address: string, attributes: Record<string, unknown>): ResourceView {
  return { type: address.slice(0, address.indexOf(".")), address, attributes };
}

/** The stub the brief asks for: a resource refers to another when its attributes mention `${<address>.` or the address. */
function contextOf(resources: readonly ResourceView[], isProtected: boolean): RuleContext {
  return {
    resources,
    protected: isProtected,
    referencing: (address, type) =>
      resources.filter((r) => {
        const text = JSON.stringify(r.attributes);
        return r.type === type && r.address !== address && (text.includes(`\${${address}.`) || text.includes(address));
      }),
  };
}

const ref = (address: string, attribute = "id") => `\${${address}.${attribute}}`;
const json = (document: unknown) => JSON.stringify(document);
const KEY_ARN = ref("aws_kms_key.Key", "arn");
const ACCOUNT_ROOT = "arn:aws:iam::123456789012:root";

const BUCKET = "aws_s3_bucket.Data";
const bucket = (attributes: Record<string, unknown> = {}) => resource(BUCKET, { bucket: "team-data", force_destroy: false, ...attributes });

const tlsOnlyPolicy = (bucketAddress = BUCKET) =>
  json({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [ref(bucketAddress, "arn"), `${ref(bucketAddress, "arn")}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });

/** The companions SecureBucket synthesizes for a bucket, as cdktf renders them. */
function companions(name = "Data", bucketAddress = BUCKET): ResourceView[] {
  const bucketRef = ref(bucketAddress);
  return [
    resource(`aws_s3_bucket_server_side_encryption_configuration.${name}`, {
      bucket: bucketRef,
      rule: [{ apply_server_side_encryption_by_default: { kms_master_key_id: KEY_ARN, sse_algorithm: "aws:kms" }, bucket_key_enabled: true }],
    }),
    resource(`aws_s3_bucket_versioning.${name}`, { bucket: bucketRef, versioning_configuration: { status: "Enabled" } }),
    resource(`aws_s3_bucket_public_access_block.${name}`, { bucket: bucketRef, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
    resource(`aws_s3_bucket_ownership_controls.${name}`, { bucket: bucketRef, rule: { object_ownership: "BucketOwnerEnforced" } }),
    resource(`aws_s3_bucket_policy.${name}`, { bucket: bucketRef, policy: tlsOnlyPolicy(bucketAddress) }),
    resource(`aws_s3_bucket_lifecycle_configuration.${name}`, {
      bucket: bucketRef,
      rule: [{ id: "abort", status: "Enabled", filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }], transition: [] }],
    }),
  ];
}

/** Companions with the one of `type` removed, or its attributes changed. */
function companionsWith(type: string, attributes?: Record<string, unknown>): ResourceView[] {
  return companions().flatMap((r) => (r.type !== type ? [r] : attributes === undefined ? [] : [{ ...r, attributes: { ...r.attributes, ...attributes } }]));
}

const policyWith = (...statements: Record<string, unknown>[]) => json({ Version: "2012-10-17", Statement: statements });
const allowEveryone = (extra: Record<string, unknown> = {}) => ({ Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", ...extra });

const keyPolicy = policyWith({ Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: ACCOUNT_ROOT }, Action: "kms:*", Resource: "*" });
const KEY = "aws_kms_key.Key";
const kmsKey = (attributes: Record<string, unknown> = {}) =>
  resource(KEY, { deletion_window_in_days: 30, enable_key_rotation: true, is_enabled: true, policy: keyPolicy, ...attributes });

const logGroup = (attributes: Record<string, unknown> = {}) =>
  resource("aws_cloudwatch_log_group.Logs", { name: "/mlops/x", kms_key_id: KEY_ARN, retention_in_days: 365, deletion_protection_enabled: true, ...attributes });
const alarm = (attributes: Record<string, unknown> = {}) =>
  resource("aws_cloudwatch_metric_alarm.Cpu", { alarm_name: "cpu", actions_enabled: true, alarm_actions: [ref("aws_sns_topic.Alerts", "arn")], ...attributes });
const table = (attributes: Record<string, unknown> = {}) =>
  resource("aws_dynamodb_table.Jobs", {
    name: "jobs",
    hash_key: "id",
    billing_mode: "PAY_PER_REQUEST",
    point_in_time_recovery: { enabled: true },
    server_side_encryption: { enabled: true, kms_key_arn: KEY_ARN },
    deletion_protection_enabled: true,
    ...attributes,
  });
const repository = (attributes: Record<string, unknown> = {}) =>
  resource("aws_ecr_repository.Repo", {
    name: "mlops-prod/inference/churn",
    image_tag_mutability: "IMMUTABLE",
    image_scanning_configuration: { scan_on_push: true },
    encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY_ARN }],
    force_delete: false,
    ...attributes,
  });
const glueSettings = (atRest: Record<string, unknown> = {}, passwords: Record<string, unknown> = {}) =>
  resource("aws_glue_data_catalog_encryption_settings.Catalog", {
    data_catalog_encryption_settings: {
      connection_password_encryption: { aws_kms_key_id: KEY_ARN, return_connection_password_encrypted: true, ...passwords },
      encryption_at_rest: { catalog_encryption_mode: "SSE-KMS", sse_aws_kms_key_id: KEY_ARN, ...atRest },
    },
  });

// ---- Cases: every rule, compliant and violating ---------------------------------------------------------------

type Expected = "compliant" | "violation" | "not-applicable";
interface Case {
  readonly rule: string;
  readonly name: string;
  readonly subject: ResourceView;
  readonly others?: readonly ResourceView[];
  readonly protected?: boolean;
  readonly expected: Expected;
  /** What the violation's message must say. */
  readonly message?: RegExp;
}

const c = (rule: string, expected: Expected, name: string, subject: ResourceView, others: readonly ResourceView[] = [], extra: Partial<Case> = {}): Case => ({
  rule,
  expected,
  name,
  subject,
  others,
  ...extra,
});

const CASES: readonly Case[] = [
  // S3 encryption
  c("MLB-S3-001", "compliant", "SSE-KMS through a connected configuration", bucket(), companions()),
  c("MLB-S3-001", "compliant", "a plan: resolved bucket names, blocks as lists", bucket(), [
    resource("aws_s3_bucket_server_side_encryption_configuration.Plan", {
      bucket: "team-data",
      rule: [{ apply_server_side_encryption_by_default: [{ kms_master_key_id: null, sse_algorithm: "aws:kms" }], bucket_key_enabled: false }],
    }),
  ]),
  c("MLB-S3-001", "violation", "no encryption configuration", bucket(), companionsWith("aws_s3_bucket_server_side_encryption_configuration"), { message: /no server-side encryption configuration/ }),
  c(
    "MLB-S3-001",
    "violation",
    "SSE-S3 (AES256)",
    bucket(),
    companionsWith("aws_s3_bucket_server_side_encryption_configuration", { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] }),
    { message: /sse_algorithm "AES256"/ },
  ),
  c("MLB-S3-001", "violation", "only another bucket (aws_s3_bucket.DataLake) is encrypted", bucket(), [
    ...companionsWith("aws_s3_bucket_server_side_encryption_configuration"),
    ...companions("Lake", "aws_s3_bucket.DataLake").filter((r) => r.type === "aws_s3_bucket_server_side_encryption_configuration"),
  ]),
  // S3 versioning
  c("MLB-S3-002", "compliant", "versioning Enabled", bucket(), companions()),
  c("MLB-S3-002", "compliant", "legacy inline versioning block", bucket({ versioning: [{ enabled: true, mfa_delete: false }] }), companionsWith("aws_s3_bucket_versioning")),
  c("MLB-S3-002", "violation", "no versioning resource", bucket(), companionsWith("aws_s3_bucket_versioning"), { message: /has no aws_s3_bucket_versioning/ }),
  c("MLB-S3-002", "violation", "versioning Suspended", bucket(), companionsWith("aws_s3_bucket_versioning", { versioning_configuration: [{ status: "Suspended" }] }), { message: /"Suspended"/ }),
  // S3 public access block, from the bucket
  c("MLB-S3-003", "compliant", "a full public access block", bucket(), companions()),
  c("MLB-S3-003", "compliant", "an account-level public access block", bucket(), [
    ...companionsWith("aws_s3_bucket_public_access_block"),
    resource("aws_s3_account_public_access_block.Account", { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
  ]),
  c("MLB-S3-003", "violation", "no public access block", bucket(), companionsWith("aws_s3_bucket_public_access_block"), { message: /has no aws_s3_bucket_public_access_block/ }),
  c("MLB-S3-003", "violation", "a public access block that allows public policies", bucket(), companionsWith("aws_s3_bucket_public_access_block", { block_public_policy: false }), {
    message: /leaves block_public_policy off/,
  }),
  // S3 public access block, the resource itself
  c("MLB-S3-004", "compliant", "all four true", companions()[2]),
  c("MLB-S3-004", "compliant", 'all four "true" (strings)', resource("aws_s3_bucket_public_access_block.Strings", { bucket: "b", block_public_acls: "true", block_public_policy: "true", ignore_public_acls: "true", restrict_public_buckets: "true" })),
  c("MLB-S3-004", "violation", "ignore_public_acls unset (defaults to false)", resource("aws_s3_bucket_public_access_block.Partial", { bucket: "b", block_public_acls: true, block_public_policy: true, restrict_public_buckets: true }), [], {
    message: /ignore_public_acls is not set/,
  }),
  c("MLB-S3-004", "violation", "restrict_public_buckets false", resource("aws_s3_bucket_public_access_block.Off", { bucket: "b", block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: false }), [], {
    message: /restrict_public_buckets is false/,
  }),
  // S3 ownership
  c("MLB-S3-005", "compliant", "BucketOwnerEnforced", bucket(), companions()),
  c("MLB-S3-005", "compliant", "BucketOwnerEnforced, plan shape", bucket(), companionsWith("aws_s3_bucket_ownership_controls", { rule: [{ object_ownership: "BucketOwnerEnforced" }] })),
  c("MLB-S3-005", "violation", "ObjectWriter", bucket(), companionsWith("aws_s3_bucket_ownership_controls", { rule: { object_ownership: "ObjectWriter" } }), { message: /"ObjectWriter"/ }),
  c("MLB-S3-005", "violation", "no ownership controls", bucket(), companionsWith("aws_s3_bucket_ownership_controls"), { message: /has no aws_s3_bucket_ownership_controls/ }),
  // S3 TLS-only policy
  c("MLB-S3-006", "compliant", "Deny s3:* without SecureTransport", bucket(), companions()),
  c("MLB-S3-006", "compliant", "a policy only known at apply (plan)", bucket(), companionsWith("aws_s3_bucket_policy", { policy: undefined })),
  c("MLB-S3-006", "violation", "no bucket policy", bucket(), companionsWith("aws_s3_bucket_policy"), { message: /has no bucket policy/ }),
  c("MLB-S3-006", "violation", "a policy without the TLS statement", bucket(), companionsWith("aws_s3_bucket_policy", { policy: policyWith({ Effect: "Allow", Principal: { AWS: ACCOUNT_ROOT }, Action: "s3:GetObject", Resource: "*" }) }), {
    message: /no statement denying s3:\*/,
  }),
  c(
    "MLB-S3-006",
    "violation",
    "a TLS deny that covers objects but not the bucket",
    bucket(),
    companionsWith("aws_s3_bucket_policy", {
      policy: policyWith({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `${ref(BUCKET, "arn")}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    }),
  ),
  c("MLB-S3-006", "violation", "another bucket's policy that mentions this bucket's ARN does not count", bucket(), [
    ...companionsWith("aws_s3_bucket_policy"),
    resource("aws_s3_bucket_policy.Other", { bucket: ref("aws_s3_bucket.Other"), policy: tlsOnlyPolicy(BUCKET) }),
  ]),
  // S3 bucket policy not public
  c("MLB-S3-007", "compliant", "the TLS-only policy", companions()[4]),
  c("MLB-S3-007", "compliant", "everyone, limited to the organization", resource("aws_s3_bucket_policy.Org", { bucket: "b", policy: policyWith(allowEveryone({ Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } })) })),
  c("MLB-S3-007", "violation", "Allow Principal *", resource("aws_s3_bucket_policy.Public", { bucket: "b", policy: policyWith(allowEveryone()) }), [], { message: /statement "Open"/ }),
  c(
    "MLB-S3-007",
    "violation",
    "Allow AWS * with a condition that does not limit the caller",
    resource("aws_s3_bucket_policy.Tls", { bucket: "b", policy: policyWith(allowEveryone({ Principal: { AWS: ["*"] }, Condition: { Bool: { "aws:SecureTransport": "true" } } })) }),
  ),
  c(
    "MLB-S3-007",
    "violation",
    "Allow * limited to any account's roles (wildcard account)",
    resource("aws_s3_bucket_policy.AnyAccount", { bucket: "b", policy: policyWith(allowEveryone({ Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/reader" } } })) }),
  ),
  c("MLB-S3-007", "violation", "a public inline policy on the bucket", bucket({ policy: policyWith(allowEveryone()) }), companionsWith("aws_s3_bucket_policy")),
  c("MLB-S3-007", "compliant", "a plan's computed bucket policy, judged on the aws_s3_bucket_policy instead", bucket({ policy: policyWith(allowEveryone()) }), companions()),
  // S3 lifecycle
  c("MLB-S3-008", "compliant", "an Enabled whole-bucket rule aborting uploads", bucket(), companions()),
  c(
    "MLB-S3-008",
    "compliant",
    "plan shape of an empty filter",
    bucket(),
    companionsWith("aws_s3_bucket_lifecycle_configuration", {
      rule: [{ id: "abort", status: "Enabled", prefix: "", filter: [{ and: [], object_size_greater_than: null, object_size_less_than: null, prefix: "", tag: [] }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }],
    }),
  ),
  c("MLB-S3-008", "violation", "no lifecycle configuration", bucket(), companionsWith("aws_s3_bucket_lifecycle_configuration"), { message: /has no aws_s3_bucket_lifecycle_configuration/ }),
  c(
    "MLB-S3-008",
    "violation",
    "the rule is Disabled",
    bucket(),
    companionsWith("aws_s3_bucket_lifecycle_configuration", { rule: [{ id: "abort", status: "Disabled", filter: [{}], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }] }),
    { message: /no Enabled rule/ },
  ),
  c(
    "MLB-S3-008",
    "violation",
    "the rule covers one prefix only",
    bucket(),
    companionsWith("aws_s3_bucket_lifecycle_configuration", { rule: [{ id: "abort", status: "Enabled", filter: { prefix: "tmp/" }, abort_incomplete_multipart_upload: { days_after_initiation: 7 } }] }),
  ),

  // KMS
  c("MLB-KMS-001", "compliant", "rotation on", kmsKey()),
  c("MLB-KMS-001", "not-applicable", "an asymmetric key cannot rotate", kmsKey({ enable_key_rotation: undefined, customer_master_key_spec: "RSA_2048", key_usage: "SIGN_VERIFY" })),
  c("MLB-KMS-001", "violation", "rotation unset (defaults to false)", kmsKey({ enable_key_rotation: undefined }), [], { message: /not set/ }),
  c("MLB-KMS-001", "violation", "rotation off", kmsKey({ enable_key_rotation: false }), [], { message: /enable_key_rotation is false/ }),
  c("MLB-KMS-002", "compliant", "enabled", kmsKey()),
  c("MLB-KMS-002", "compliant", "is_enabled unset (defaults to true)", kmsKey({ is_enabled: undefined })),
  c("MLB-KMS-002", "violation", "disabled", kmsKey({ is_enabled: "false" }), [], { message: /is_enabled is "false"/ }),
  c("MLB-KMS-003", "compliant", "a policy attribute", kmsKey()),
  c("MLB-KMS-003", "compliant", "a connected aws_kms_key_policy", kmsKey({ policy: undefined }), [resource("aws_kms_key_policy.Key", { key_id: ref(KEY), policy: keyPolicy })]),
  c("MLB-KMS-003", "compliant", "a connected aws_kms_key_policy in a plan (resolved key id)", kmsKey({ policy: undefined, key_id: "0f1e2d3c-aaaa-bbbb-cccc-123456789012" }), [
    resource("aws_kms_key_policy.Planned", { key_id: "0f1e2d3c-aaaa-bbbb-cccc-123456789012", policy: keyPolicy }),
  ]),
  c("MLB-KMS-003", "violation", "a key policy of another key does not count", kmsKey({ policy: undefined }), [resource("aws_kms_key_policy.Other", { key_id: ref("aws_kms_key.KeyTwo"), policy: keyPolicy })]),
  c("MLB-KMS-003", "violation", "no key policy", kmsKey({ policy: undefined }), [], { message: /has no key policy/ }),
  c("MLB-KMS-004", "compliant", "the account root", kmsKey()),
  c(
    "MLB-KMS-004",
    "compliant",
    "AWS * limited by kms:CallerAccount",
    kmsKey({
      policy: policyWith({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }),
    }),
  ),
  c("MLB-KMS-004", "violation", "AWS * without a condition", kmsKey({ policy: policyWith({ Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }) }), [], {
    message: /statement "Everyone"/,
  }),
  c(
    "MLB-KMS-004",
    "violation",
    "AWS * limited only by kms:ViaService (any account using S3)",
    kmsKey({ policy: policyWith({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }) }),
  ),
  c("MLB-KMS-004", "violation", "a public aws_kms_key_policy", resource("aws_kms_key_policy.Open", { key_id: ref(KEY), policy: policyWith({ Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" }) })),
  c("MLB-KMS-005", "compliant", "30 days", kmsKey()),
  c("MLB-KMS-005", "compliant", "unset (defaults to 30)", kmsKey({ deletion_window_in_days: undefined })),
  c("MLB-KMS-005", "violation", "5 days", kmsKey({ deletion_window_in_days: 5 }), [], { message: /deletion_window_in_days is 5/ }),

  // SNS
  c("MLB-SNS-001", "compliant", "a customer-managed key", resource("aws_sns_topic.Alerts", { name: "alerts", kms_master_key_id: KEY_ARN })),
  c("MLB-SNS-001", "violation", "no key", resource("aws_sns_topic.Alerts", { name: "alerts" }), [], { message: /kms_master_key_id is not set/ }),
  c("MLB-SNS-001", "violation", "the AWS-managed key", resource("aws_sns_topic.Alerts", { name: "alerts", kms_master_key_id: "alias/aws/sns" }), [], { message: /AWS-managed key/ }),
  c("MLB-SNS-001", "violation", "the AWS-managed key by ARN", resource("aws_sns_topic.Alerts", { name: "alerts", kms_master_key_id: "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns" })),
  c(
    "MLB-SNS-002",
    "compliant",
    "CloudWatch, limited to the account",
    resource("aws_sns_topic_policy.Alerts", {
      arn: ref("aws_sns_topic.Alerts", "arn"),
      policy: policyWith({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } }),
    }),
  ),
  c(
    "MLB-SNS-002",
    "compliant",
    "the default topic policy: AWS *, limited by AWS:SourceOwner",
    resource("aws_sns_topic_policy.Default", {
      arn: "arn:aws:sns:eu-west-1:123456789012:alerts",
      policy: policyWith({ Sid: "__default_statement_ID", Effect: "Allow", Principal: { AWS: "*" }, Action: ["SNS:Publish", "SNS:Subscribe"], Resource: "*", Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } } }),
    }),
  ),
  c("MLB-SNS-002", "violation", "a public inline topic policy", resource("aws_sns_topic.Alerts", { name: "alerts", kms_master_key_id: KEY_ARN, policy: policyWith({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Subscribe", Resource: "*" }) })),
  c("MLB-SNS-002", "violation", "anyone may publish", resource("aws_sns_topic_policy.Open", { arn: "arn:aws:sns:eu-west-1:123456789012:alerts", policy: policyWith({ Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "*" }) }), [], {
    message: /allows everyone/,
  }),

  c("MLB-SNS-003", "compliant", "https", resource("aws_sns_topic_subscription.Pager", { protocol: "https", endpoint: "https://events.example.com/x" })),
  c("MLB-SNS-003", "compliant", "email", resource("aws_sns_topic_subscription.Mail", { protocol: "email", endpoint: "oncall@example.com" })),
  c("MLB-SNS-003", "violation", "plain http", resource("aws_sns_topic_subscription.Hook", { protocol: "http", endpoint: "http://hooks.example.com" }), [], { message: /travel unencrypted/ }),
  c("MLB-SNS-003", "violation", "https to a non-https URL", resource("aws_sns_topic_subscription.Odd", { protocol: "https", endpoint: "hooks.example.com" }), [], { message: /not an https:\/\/ URL/ }),

  // Service principals on topic policies (issue #11): the confused deputy
  c(
    "MLB-SNS-004",
    "compliant",
    "CloudWatch alarms and Budgets of this account, by aws:SourceAccount and aws:SourceArn",
    resource("aws_sns_topic_policy.Alerts", {
      arn: ref("aws_sns_topic.Alerts", "arn"),
      policy: policyWith(
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: "arn:aws:sns:eu-west-1:123456789012:alerts",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*" } },
        },
        { Sid: "BudgetsPublish", Effect: "Allow", Principal: { Service: ["budgets.amazonaws.com"] }, Action: "sns:Publish", Resource: "*", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:budgets::123456789012:*" } } },
        { Sid: "DenyPublishWithoutTls", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ),
    }),
  ),
  c("MLB-SNS-004", "compliant", "S3 limited by AWS:SourceOwner", resource("aws_sns_topic.Events", { name: "events", kms_master_key_id: KEY_ARN, policy: policyWith({ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "SNS:Publish", Resource: "*", Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } } }) })),
  c(
    "MLB-SNS-004",
    "not-applicable",
    "the default topic policy (AWS principals only)",
    resource("aws_sns_topic_policy.Default", {
      arn: "arn:aws:sns:eu-west-1:123456789012:alerts",
      policy: policyWith({ Sid: "__default_statement_ID", Effect: "Allow", Principal: { AWS: "*" }, Action: ["SNS:Publish"], Resource: "*", Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } } }),
    }),
  ),
  c(
    "MLB-SNS-004",
    "violation",
    "EventBridge without conditions (as the drift rules' topic shipped before issue #11)",
    resource("aws_sns_topic_policy.Alerts", {
      arn: ref("aws_sns_topic.Alerts", "arn"),
      policy: policyWith({ Sid: "EventBridgeDriftRulesPublish", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sns:Publish", Resource: "arn:aws:sns:eu-west-1:123456789012:alerts" }),
    }),
    [],
    { message: /statement "EventBridgeDriftRulesPublish" \(events\.amazonaws\.com\)/ },
  ),
  c(
    "MLB-SNS-004",
    "violation",
    "CloudWatch limited only by a condition that matches any account",
    resource("aws_sns_topic_policy.Alerts", {
      arn: ref("aws_sns_topic.Alerts", "arn"),
      policy: policyWith({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: "*", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:*:alarm:*" } } }),
    }),
    [],
    { message: /cloudwatch\.amazonaws\.com/ },
  ),
  c("MLB-SNS-004", "violation", "an inline topic policy letting Budgets publish", resource("aws_sns_topic.Alerts", { name: "alerts", kms_master_key_id: KEY_ARN, policy: policyWith({ Effect: "Allow", Principal: { Service: "budgets.amazonaws.com" }, Action: "SNS:Publish", Resource: "*" }) }), [], {
    message: /its inline policy/,
  }),

  // CloudWatch
  c("MLB-CLOUDWATCH-001", "compliant", "a customer-managed key", logGroup()),
  c("MLB-CLOUDWATCH-001", "violation", "no key", logGroup({ kms_key_id: undefined }), [], { message: /kms_key_id is not set/ }),
  c("MLB-CLOUDWATCH-001", "violation", "null key (a plan)", logGroup({ kms_key_id: null })),
  c("MLB-CLOUDWATCH-002", "compliant", "30 days", logGroup({ retention_in_days: 30 })),
  c("MLB-CLOUDWATCH-002", "violation", "no retention", logGroup({ retention_in_days: undefined }), [], { message: /retention_in_days is not set/ }),
  c("MLB-CLOUDWATCH-002", "violation", "0, as a plan shows an unset retention", logGroup({ retention_in_days: 0 }), [], { message: /retention_in_days is 0/ }),
  c("MLB-CLOUDWATCH-003", "compliant", "365 days, protected", logGroup(), [], { protected: true }),
  c("MLB-CLOUDWATCH-003", "not-applicable", "30 days, unprotected", logGroup({ retention_in_days: 30 })),
  c("MLB-CLOUDWATCH-003", "violation", "90 days, protected", logGroup({ retention_in_days: 90 }), [], { protected: true, message: /retention_in_days is 90/ }),
  c("MLB-CLOUDWATCH-004", "compliant", "actions enabled", alarm()),
  c("MLB-CLOUDWATCH-004", "compliant", "actions_enabled unset (defaults to true)", alarm({ actions_enabled: undefined })),
  c("MLB-CLOUDWATCH-004", "violation", "actions disabled", alarm({ actions_enabled: false }), [], { message: /actions_enabled is false/ }),
  c("MLB-CLOUDWATCH-005", "compliant", "notifies a topic", alarm()),
  c("MLB-CLOUDWATCH-005", "violation", "no alarm actions", alarm({ alarm_actions: [] }), [], { message: /alarm_actions is empty/ }),
  c("MLB-CLOUDWATCH-005", "violation", "alarm_actions unset", alarm({ alarm_actions: undefined, ok_actions: [ref("aws_sns_topic.Alerts", "arn")] })),

  // DynamoDB
  c("MLB-DYNAMODB-001", "compliant", "point-in-time recovery on", table()),
  c("MLB-DYNAMODB-001", "compliant", "plan shape", table({ point_in_time_recovery: [{ enabled: true, recovery_period_in_days: 35 }] })),
  c("MLB-DYNAMODB-001", "violation", "no point_in_time_recovery block", table({ point_in_time_recovery: undefined }), [], { message: /point_in_time_recovery.enabled is not set/ }),
  c("MLB-DYNAMODB-001", "violation", "point-in-time recovery off", table({ point_in_time_recovery: [{ enabled: false }] })),
  c("MLB-DYNAMODB-002", "compliant", "a customer-managed key", table()),
  c("MLB-DYNAMODB-002", "violation", "no server_side_encryption block (AWS-owned key)", table({ server_side_encryption: undefined }), [], { message: /server_side_encryption.enabled is not set/ }),
  c("MLB-DYNAMODB-002", "violation", "enabled without a key (aws/dynamodb)", table({ server_side_encryption: { enabled: true } }), [], { message: /no kms_key_arn/ }),

  // ECR
  c("MLB-ECR-001", "compliant", "IMMUTABLE", repository()),
  c("MLB-ECR-001", "violation", "MUTABLE", repository({ image_tag_mutability: "MUTABLE" }), [], { message: /"MUTABLE"/ }),
  c("MLB-ECR-001", "violation", "unset (defaults to MUTABLE)", repository({ image_tag_mutability: undefined }), [], { message: /default is MUTABLE/ }),
  c("MLB-ECR-002", "compliant", "scan on push", repository()),
  c("MLB-ECR-002", "compliant", "scan on push from the registry's scanning configuration", repository({ image_scanning_configuration: undefined }), [
    resource("aws_ecr_registry_scanning_configuration.Registry", { scan_type: "ENHANCED", rule: [{ scan_frequency: "SCAN_ON_PUSH", repository_filter: [{ filter: "mlops-prod/*", filter_type: "WILDCARD" }] }] }),
  ]),
  c("MLB-ECR-002", "violation", "no scanning", repository({ image_scanning_configuration: undefined }), [], { message: /scan_on_push is not set/ }),
  c("MLB-ECR-002", "violation", "scan_on_push false", repository({ image_scanning_configuration: [{ scan_on_push: false }] })),
  c("MLB-ECR-003", "compliant", "KMS with a customer-managed key", repository()),
  c("MLB-ECR-003", "violation", "AES256", repository({ encryption_configuration: [{ encryption_type: "AES256" }] }), [], { message: /"AES256"/ }),
  c("MLB-ECR-003", "violation", "no encryption configuration (defaults to AES256)", repository({ encryption_configuration: undefined }), [], { message: /default is AES256/ }),
  c("MLB-ECR-003", "violation", "KMS without a key (aws/ecr)", repository({ encryption_configuration: [{ encryption_type: "KMS" }] }), [], { message: /no kms_key/ }),
  c(
    "MLB-ECR-004",
    "compliant",
    "another account's root",
    resource("aws_ecr_repository_policy.Repo", { repository: "r", policy: policyWith({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: ["ecr:BatchGetImage"] }) }),
  ),
  c("MLB-ECR-004", "violation", "anyone may pull", resource("aws_ecr_repository_policy.Open", { repository: "r", policy: policyWith({ Sid: "Pull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }) }), [], {
    message: /statement "Pull"/,
  }),
  c("MLB-ECR-004", "violation", "NotPrincipal (everyone but)", resource("aws_ecr_repository_policy.Not", { repository: "r", policy: policyWith({ Effect: "Allow", NotPrincipal: { AWS: ACCOUNT_ROOT }, Action: ["ecr:*"] }) })),

  // Glue
  c("MLB-GLUE-001", "compliant", "SSE-KMS with a key", glueSettings()),
  c("MLB-GLUE-001", "violation", "DISABLED", glueSettings({ catalog_encryption_mode: "DISABLED" }), [], { message: /"DISABLED"/ }),
  c("MLB-GLUE-001", "violation", "SSE-KMS without a key", glueSettings({ sse_aws_kms_key_id: undefined }), [], { message: /sse_aws_kms_key_id is not set/ }),
  c("MLB-GLUE-002", "compliant", "passwords encrypted with a key", glueSettings()),
  c("MLB-GLUE-002", "violation", "passwords returned in clear text", glueSettings({}, { return_connection_password_encrypted: false }), [], { message: /clear text/ }),
  c("MLB-GLUE-002", "violation", "no key for passwords", glueSettings({}, { aws_kms_key_id: undefined }), [], { message: /aws_kms_key_id is not set/ }),

  // Protection
  c("MLB-PROTECT-001", "compliant", "prevent_destroy, protected", bucket({ lifecycle: { prevent_destroy: true } }), [], { protected: true }),
  c("MLB-PROTECT-001", "not-applicable", "no prevent_destroy, unprotected", bucket()),
  c("MLB-PROTECT-001", "violation", "no lifecycle, protected", table(), [], { protected: true, message: /lifecycle.prevent_destroy is not set/ }),
  c("MLB-PROTECT-001", "violation", "prevent_destroy false, protected", kmsKey({ lifecycle: [{ prevent_destroy: false }] }), [], { protected: true }),
  c("MLB-PROTECT-002", "compliant", "force_destroy false, protected", bucket(), [], { protected: true }),
  c("MLB-PROTECT-002", "compliant", "force_delete unset (defaults to false), protected", repository({ force_delete: undefined }), [], { protected: true }),
  c("MLB-PROTECT-002", "not-applicable", "force_destroy true, unprotected", bucket({ force_destroy: true })),
  c("MLB-PROTECT-002", "violation", "force_destroy true, protected", bucket({ force_destroy: true }), [], { protected: true, message: /force_destroy is true/ }),
  c("MLB-PROTECT-002", "violation", "DynamoDB without deletion protection, protected", table({ deletion_protection_enabled: undefined }), [], { protected: true, message: /deletion_protection_enabled is not set/ }),
  c("MLB-PROTECT-002", "violation", "log group without deletion protection, protected", logGroup({ deletion_protection_enabled: "false" }), [], { protected: true }),
  c("MLB-PROTECT-002", "violation", "EKS cluster without deletion protection, protected", resource("aws_eks_cluster.Cluster", { name: "c", deletion_protection: false }), [], { protected: true }),
];

/** Drops attributes a case set to undefined, as they would be absent from JSON. */
function withoutUndefined(view: ResourceView): ResourceView {
  return { ...view, attributes: Object.fromEntries(Object.entries(view.attributes).filter(([, v]) => v !== undefined)) };
}

describe("storage, encryption and protection rules", () => {
  it.each(CASES.map((k) => [`${k.rule} ${k.expected}: ${k.name}`, k] as const))("%s", (_, k) => {
    const rule = ruleById.get(k.rule);
    expect(rule).toBeDefined();
    const subject = withoutUndefined(k.subject);
    const resources = [subject, ...(k.others ?? []).map(withoutUndefined)];
    const context = contextOf(resources, k.protected ?? false);
    const result = rule!.check(subject, context);
    if (k.expected !== "violation") {
      expect(result).toEqual({ status: k.expected });
      return;
    }
    expect(result.status).toBe("non-compliant");
    // Through the engine: the finding carries the rule's id, a message naming what is wrong and a fix.
    const findings = evaluate(resources, { rules: RULES, protected: k.protected ?? false, referencing: context.referencing });
    const finding = findings.find((f) => f.ruleId === k.rule && f.address === subject.address);
    expect(finding).toMatchObject({ ruleId: k.rule, severity: rule!.severity, message: expect.stringMatching(/\S/), fix: expect.stringMatching(/\S/) });
    if (k.message) expect(finding!.message).toMatch(k.message);
  });

  it("has a compliant and a violating case for every rule", () => {
    for (const rule of RULES) {
      expect([rule.id, CASES.some((k) => k.rule === rule.id && k.expected === "compliant")]).toEqual([rule.id, true]);
      expect([rule.id, CASES.some((k) => k.rule === rule.id && k.expected === "violation")]).toEqual([rule.id, true]);
    }
  });

  it("a fully configured bucket passes every bucket rule", () => {
    const resources = [bucket({ lifecycle: { prevent_destroy: true } }), ...companions()];
    expect(evaluate(resources, { rules: RULES, protected: true, referencing: contextOf(resources, true).referencing })).toEqual([]);
  });
});

describe("rule metadata", () => {
  it("every rule has a unique MLB id, a one-line rationale, resource types and a severity", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^MLB-[A-Z0-9]+-\d{3}$/);
      expect(rule.rationale.trim()).not.toBe("");
      expect(rule.rationale).not.toMatch(/\n/);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
      expect(["error", "warning"]).toContain(rule.severity);
      expect(Array.isArray(rule.publicChecks)).toBe(true);
    }
  });

  it("protection covers every stateful type and every deletion-protection attribute", () => {
    const [preventDestroy, deletionProtection] = protectionRules;
    expect([...preventDestroy.resourceTypes].sort()).toEqual([...STATEFUL_RESOURCE_TYPES].sort());
    expect([...deletionProtection.resourceTypes].sort()).toEqual(Object.keys(DELETION_PROTECTION).sort());
  });
});

describe("robustness", () => {
  it("is not applicable to types a rule does not handle", () => {
    const queue = resource("aws_sqs_queue.Jobs", { name: "jobs" });
    for (const rule of RULES) expect([rule.id, rule.check(queue, contextOf([queue], true))]).toEqual([rule.id, { status: "not-applicable" }]);
  });

  const attributeNames = [
    "bucket", "policy", "rule", "lifecycle", "force_destroy", "force_delete", "versioning", "server_side_encryption_configuration", "lifecycle_rule",
    "enable_key_rotation", "is_enabled", "deletion_window_in_days", "customer_master_key_spec", "key_usage", "key_id", "kms_master_key_id", "kms_key_id",
    "retention_in_days", "actions_enabled", "alarm_actions", "point_in_time_recovery", "server_side_encryption", "deletion_protection_enabled",
    "deletion_protection", "image_tag_mutability", "image_scanning_configuration", "encryption_configuration", "name", "data_catalog_encryption_settings",
    "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets", "versioning_configuration",
  ];
  const types = [...new Set(RULES.flatMap((r) => r.resourceTypes)), "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning", "aws_kms_key_policy"];
  const anyAttributes = fc.dictionary(fc.constantFrom(...attributeNames), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant("${aws_kms_key.Key.arn}")));
  const anyResource = fc.record({ type: fc.constantFrom(...types), name: fc.constantFrom("A", "B"), attributes: anyAttributes }).map((r) => resource(`${r.type}.${r.name}`, r.attributes));

  it("never throws on missing, null, unknown or oddly shaped attributes (plans)", () => {
    fc.assert(
      fc.property(anyResource, fc.array(anyResource, { maxLength: 4 }), fc.boolean(), (subject, others, isProtected) => {
        const context = contextOf([subject, ...others], isProtected);
        for (const rule of RULES) {
          const result = rule.check(subject, context);
          expect(["compliant", "not-applicable", "non-compliant"]).toContain(result.status);
          if (result.status === "non-compliant") expect(result.message.length * result.fix.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("treats references (known only at apply) as set, not as violations", () => {
    const unknown = "${var.unknown}";
    const lifecycle = { prevent_destroy: true };
    const subjects = [
      kmsKey({ enable_key_rotation: unknown, is_enabled: unknown, policy: unknown, lifecycle }),
      logGroup({ kms_key_id: unknown, retention_in_days: unknown, deletion_protection_enabled: unknown, lifecycle }),
      repository({
        image_tag_mutability: unknown,
        image_scanning_configuration: { scan_on_push: unknown },
        encryption_configuration: { encryption_type: unknown, kms_key: unknown },
        force_delete: unknown,
        lifecycle,
      }),
      resource("aws_sns_topic.T", { kms_master_key_id: unknown, policy: unknown }),
    ];
    for (const subject of subjects) expect(evaluate([subject], { rules: RULES, protected: true, referencing: contextOf([subject], true).referencing })).toEqual([]);
  });
});

describe("the shipped environments", () => {
  it.each(environments.map((env) => [env.name, env] as const))("%s passes these rules", (_, env) => {
    // Counts each rule's compliant verdicts, to show the rules did look at the platform's resources.
    const judged = new Set<string>();
    const counted = RULES.map((rule): Rule => ({
      ...rule,
      check: (r, context) => {
        const result = rule.check(r, context);
        if (result.status === "compliant") judged.add(rule.id);
        return result;
      },
    }));
    const app = Testing.app();
    createPlatform(app, env);
    const findings = checkGuardrails(app, { rules: counted });
    expect(findings.map((f) => `${f.ruleId} ${f.address}: ${f.message}`)).toEqual([]);
    // No DynamoDB table and no ECR repository policy is synthesized today; unprotected environments skip the protected-only rules.
    const notSynthesized = ["MLB-DYNAMODB-001", "MLB-DYNAMODB-002", "MLB-ECR-004"];
    const protectedOnly = ["MLB-CLOUDWATCH-003", "MLB-PROTECT-001", "MLB-PROTECT-002"];
    const expected = RULES.map((r) => r.id).filter((id) => !notSynthesized.includes(id) && (env.protection.enabled || !protectedOnly.includes(id)));
    expect([...judged].filter((id) => expected.includes(id)).sort()).toEqual([...expected].sort());
  });
});
