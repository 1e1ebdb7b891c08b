/**
 * S3 buckets: configured through companion resources (aws_s3_bucket_versioning, ..._server_side_encryption_configuration,
 * ..._public_access_block, ..._ownership_controls, ..._policy, ..._lifecycle_configuration) found with
 * `context.referencing`. The deprecated inline blocks of aws_s3_bucket (a plan may show them, computed) are read
 * only when no companion resource exists. `force_destroy` in protected environments: see protection.ts (MLB-PROTECT-002).
 */
import { PolicyStatementView, asList } from "../policy-document";
import { ResourceView, Rule, RuleContext, compliant, nonCompliant } from "../rule";
import { type Attributes, PUBLIC_ALLOW_FIX, attached, block, blocks, bool, defineRule, deniesInsecureTransport, describePublicAllows, dig, isReference, num, policyStatements, publicAllowStatements, resourcesOfType, shown } from "./attributes";

const BUCKET = "aws_s3_bucket";
const SSE = "aws_s3_bucket_server_side_encryption_configuration";
const VERSIONING = "aws_s3_bucket_versioning";
const PUBLIC_ACCESS_BLOCK = "aws_s3_bucket_public_access_block";
const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws_s3_account_public_access_block";
const OWNERSHIP = "aws_s3_bucket_ownership_controls";
const POLICY = "aws_s3_bucket_policy";
const LIFECYCLE = "aws_s3_bucket_lifecycle_configuration";

/** Companion resources of `type` whose `bucket` is this bucket. */
function companions(bucket: ResourceView, context: RuleContext, type: string): ResourceView[] {
  return attached(bucket, context, type, "bucket", [bucket.attributes.bucket, bucket.attributes.id]);
}

const addresses = (resources: readonly ResourceView[]) => resources.map((r) => r.address).join(", ");

// ---- Encryption -----------------------------------------------------------------------------------------------

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

const encryptionKms = defineRule({
  id: "MLB-S3-001",
  severity: "error",
  resourceTypes: [BUCKET],
  rationale: "Objects are encrypted with a KMS key whose key policy and CloudTrail record control and show who reads them, not with S3-managed keys.",
  publicChecks: ["CKV_AWS_145", "CKV_AWS_19", "AWS-0132", "AWS-0088", "S3DefaultEncryptionKMS"],
  check(bucket, context) {
    const configs = companions(bucket, context, SSE);
    const rules = configs.length
      ? configs.flatMap((config) => blocks(config.attributes.rule))
      : blocks(bucket.attributes.server_side_encryption_configuration).flatMap((config) => blocks(config.rule));
    const fix = `add an ${SSE} for the bucket with rule.apply_server_side_encryption_by_default.sse_algorithm = "aws:kms" and kms_master_key_id = a customer-managed key`;
    if (configs.length === 0 && rules.length === 0) {
      return nonCompliant("has no server-side encryption configuration: S3 encrypts its objects with S3-managed keys (SSE-S3) that no key policy controls", fix);
    }
    const algorithms = rules.map((rule) => dig(rule, "apply_server_side_encryption_by_default", "sse_algorithm"));
    // A configuration whose rule is not visible (unknown in a plan) cannot be judged.
    if (rules.length === 0 || algorithms.some((a) => a === undefined || isReference(a) || (typeof a === "string" && KMS_ALGORITHMS.has(a)))) return compliant;
    return nonCompliant(
      `default encryption${configs.length ? ` (${addresses(configs)})` : ""} uses sse_algorithm ${algorithms.map(shown).join(", ")}, not "aws:kms"`,
      `set rule.apply_server_side_encryption_by_default.sse_algorithm = "aws:kms" with kms_master_key_id = a customer-managed key`,
    );
  },
});

// ---- Versioning ----------------------------------------------------------------------------------------------

const versioningEnabled = defineRule({
  id: "MLB-S3-002",
  severity: "error",
  resourceTypes: [BUCKET],
  rationale: "Versioning keeps overwritten and deleted objects recoverable (models, features, state), against mistakes and ransomware alike.",
  publicChecks: ["CKV_AWS_21", "AWS-0090", "S3BucketVersioningEnabled"],
  check(bucket, context) {
    const fix = `add an ${VERSIONING} for the bucket with versioning_configuration.status = "Enabled"`;
    const configs = companions(bucket, context, VERSIONING);
    if (configs.length) {
      const statuses = configs.map((config) => dig(config.attributes, "versioning_configuration", "status"));
      if (statuses.some((s) => s === "Enabled" || s === undefined || isReference(s))) return compliant;
      return nonCompliant(`versioning (${addresses(configs)}) has status ${statuses.map(shown).join(", ")}, not "Enabled"`, 'set versioning_configuration.status = "Enabled"');
    }
    const inline = block(bucket.attributes.versioning);
    if (inline && bool(inline.enabled) !== false) return compliant;
    return nonCompliant(inline ? "versioning is disabled" : `has no ${VERSIONING}: versioning is off, so overwritten or deleted objects are lost`, fix);
  },
});

// ---- Public access -------------------------------------------------------------------------------------------

const BLOCK_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;

/** The flags of a public access block that are not true (absent ones default to false; references count as set). */
function openFlags(attributes: Attributes): string[] {
  return BLOCK_FLAGS.filter((flag) => bool(attributes[flag]) !== true && !isReference(attributes[flag]));
}

const ALL_FLAGS_FIX = `set ${BLOCK_FLAGS.map((f) => `${f} = true`).join(", ")}`;

const bucketPublicAccessBlocked = defineRule({
  id: "MLB-S3-003",
  severity: "error",
  resourceTypes: [BUCKET],
  rationale: "A public access block with all four settings on keeps a later ACL or bucket policy from making the bucket public.",
  publicChecks: ["CKV2_AWS_6", "AWS-0094", "S2"],
  check(bucket, context) {
    const accountBlocks = resourcesOfType(context.resources, ACCOUNT_PUBLIC_ACCESS_BLOCK).filter((r) => openFlags(r.attributes).length === 0);
    if (accountBlocks.length) return compliant;
    const accessBlocks = companions(bucket, context, PUBLIC_ACCESS_BLOCK);
    if (accessBlocks.length === 0) return nonCompliant(`has no ${PUBLIC_ACCESS_BLOCK}: nothing stops an ACL or a bucket policy from making it public`, `add an ${PUBLIC_ACCESS_BLOCK} for the bucket and ${ALL_FLAGS_FIX}`);
    if (accessBlocks.some((b) => openFlags(b.attributes).length === 0)) return compliant;
    const open = accessBlocks.map((b) => `${b.address} leaves ${openFlags(b.attributes).join(", ")} off`).join("; ");
    return nonCompliant(`its public access block is incomplete: ${open}`, ALL_FLAGS_FIX);
  },
});

const accessBlockComplete = defineRule({
  id: "MLB-S3-004",
  severity: "error",
  resourceTypes: [PUBLIC_ACCESS_BLOCK],
  rationale: "Each of the four public access block settings closes a different way to public access (new ACLs, existing ACLs, public policies, cross-account access through them).",
  publicChecks: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "AWS-0086", "AWS-0087", "AWS-0091", "AWS-0093"],
  check(accessBlock) {
    const open = openFlags(accessBlock.attributes);
    if (open.length === 0) return compliant;
    return nonCompliant(`${open.map((f) => `${f} is ${shown(accessBlock.attributes[f])}`).join(", ")} (each must be true)`, ALL_FLAGS_FIX);
  },
});

// ---- Ownership -----------------------------------------------------------------------------------------------

const ownershipEnforced = defineRule({
  id: "MLB-S3-005",
  severity: "error",
  resourceTypes: [BUCKET],
  rationale: "BucketOwnerEnforced disables ACLs, so access is decided by policies alone and every object belongs to the bucket's account.",
  publicChecks: ["CKV2_AWS_65"],
  check(bucket, context) {
    const controls = companions(bucket, context, OWNERSHIP);
    const fix = `add an ${OWNERSHIP} for the bucket with rule.object_ownership = "BucketOwnerEnforced"`;
    if (controls.length === 0) return nonCompliant(`has no ${OWNERSHIP}: nothing pins object ownership to BucketOwnerEnforced, so ACLs can be turned back on`, fix);
    const values = controls.map((c) => dig(c.attributes, "rule", "object_ownership"));
    if (values.some((v) => v === "BucketOwnerEnforced" || v === undefined || isReference(v))) return compliant;
    return nonCompliant(`object ownership (${addresses(controls)}) is ${values.map(shown).join(", ")}: ACLs stay enabled`, 'set rule.object_ownership = "BucketOwnerEnforced"');
  },
});

// ---- Bucket policy -------------------------------------------------------------------------------------------

/** Deny, to everyone, of every S3 action on the bucket and its objects, when the request is not over TLS. */
function deniesInsecureTransportHere(statement: PolicyStatementView): boolean {
  const resources = asList(statement.Resource);
  const coversObjects = resources.some((r) => r === "*" || r.endsWith("/*"));
  const coversBucket = resources.some((r) => r === "*" || !r.endsWith("/*"));
  return coversObjects && coversBucket && deniesInsecureTransport(statement, "s3");
}

const tlsOnlyPolicy = defineRule({
  id: "MLB-S3-006",
  severity: "error",
  resourceTypes: [BUCKET],
  rationale: "A bucket policy that denies every request without TLS keeps data and credentials off plain HTTP.",
  publicChecks: ["S10"],
  check(bucket, context) {
    const policies = companions(bucket, context, POLICY).map((p) => ({ name: p.address, policy: p.attributes.policy }));
    const inline = bucket.attributes.policy;
    if (inline !== undefined && inline !== null && inline !== "") policies.push({ name: "its inline policy", policy: inline });
    const fix = `add to the bucket's ${POLICY} a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN + "/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }`;
    if (policies.length === 0) return nonCompliant(`has no bucket policy, so nothing denies requests made without TLS`, fix);
    for (const { policy } of policies) {
      const statements = policyStatements(policy);
      // A policy known only at apply (a data source, an unknown value in a plan) cannot be judged.
      if (statements === undefined || statements.some(deniesInsecureTransportHere)) return compliant;
    }
    return nonCompliant(`${policies.map((p) => p.name).join(", ")} has no statement denying s3:* on the bucket and its objects when aws:SecureTransport is false`, fix);
  },
});

const policyNotPublic = defineRule({
  id: "MLB-S3-007",
  severity: "error",
  resourceTypes: [POLICY, BUCKET],
  rationale: "A bucket policy that allows any principal without a condition on the caller makes the data public (the public access block is a second line, not the first).",
  publicChecks: ["CKV_AWS_70"],
  check(resource, context) {
    // A plan shows a bucket's aws_s3_bucket_policy again as the bucket's computed `policy`: judged once, on the policy resource.
    if (resource.type === BUCKET && companions(resource, context, POLICY).length) return compliant;
    const found = publicAllowStatements(resource.attributes.policy);
    if (found === undefined || found.length === 0) return compliant;
    return nonCompliant(describePublicAllows(found, resource.type === BUCKET ? "its inline policy" : "the bucket policy"), PUBLIC_ALLOW_FIX);
  },
});

// ---- Lifecycle -----------------------------------------------------------------------------------------------

/** Whether a filter selects the whole bucket: absent, or only empty values (`[{}]`, `{ prefix: "" }`, nulls, size 0). */
function isEmptyFilter(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0) return true;
  if (Array.isArray(value)) return value.every(isEmptyFilter);
  if (typeof value === "object") return Object.values(value as object).every(isEmptyFilter);
  return false;
}

function abortsUploadsForWholeBucket(rule: Attributes): boolean {
  const enabled = rule.status === "Enabled" || isReference(rule.status);
  return enabled && blocks(rule.abort_incomplete_multipart_upload).length > 0 && isEmptyFilter(rule.filter) && isEmptyFilter(rule.prefix);
}

/** The deprecated inline `lifecycle_rule` of aws_s3_bucket (a plan may still show it). */
function inlineRuleAbortsUploads(rule: Attributes): boolean {
  const days = num(rule.abort_incomplete_multipart_upload_days);
  return bool(rule.enabled) === true && days !== undefined && days > 0 && isEmptyFilter(rule.prefix) && isEmptyFilter(rule.tags);
}

const abortIncompleteUploads = defineRule({
  id: "MLB-S3-008",
  severity: "warning",
  resourceTypes: [BUCKET],
  rationale: "Parts of abandoned multipart uploads are invisible, billed and never expire unless a lifecycle rule aborts them.",
  publicChecks: ["CKV2_AWS_61", "CKV_AWS_300"],
  check(bucket, context) {
    const configs = companions(bucket, context, LIFECYCLE);
    const rule = '{ status = "Enabled", filter = {} (the whole bucket), abort_incomplete_multipart_upload = { days_after_initiation = 7 } }';
    if (configs.some((c) => c.attributes.rule === undefined)) return compliant; // unknown in a plan
    if (configs.some((c) => blocks(c.attributes.rule).some(abortsUploadsForWholeBucket))) return compliant;
    if (configs.length === 0 && blocks(bucket.attributes.lifecycle_rule).some(inlineRuleAbortsUploads)) return compliant;
    if (configs.length === 0) return nonCompliant(`has no ${LIFECYCLE}: parts of abandoned multipart uploads are kept and billed forever`, `add an ${LIFECYCLE} for the bucket with a rule ${rule}`);
    return nonCompliant(`no Enabled rule of ${addresses(configs)} aborts incomplete multipart uploads for the whole bucket`, `add the rule ${rule}`);
  },
});

export const s3Rules: readonly Rule[] = [
  encryptionKms,
  versioningEnabled,
  bucketPublicAccessBlocked,
  accessBlockComplete,
  ownershipEnforced,
  tlsOnlyPolicy,
  policyNotPublic,
  abortIncompleteUploads,
];
