/** KMS keys: rotation, enabled, an explicit key policy that grants no one-and-all, a deletion window. */
import { Rule, compliant, nonCompliant, notApplicable } from "../rule";
import { PUBLIC_ALLOW_FIX, attached, bool, defineRule, describePublicAllows, isReference, isSet, num, publicAllowStatements, shown } from "./attributes";

const KEY = "aws_kms_key";
const KEY_POLICY = "aws_kms_key_policy";

const rotationEnabled = defineRule({
  id: "MLB-KMS-001",
  severity: "error",
  resourceTypes: [KEY],
  rationale: "Yearly rotation of a symmetric key's material limits how much data one compromised key version protects.",
  publicChecks: ["CKV_AWS_7", "AWS-0065", "KMS5", "KMSBackingKeyRotationEnabled"],
  check(key) {
    const attributes = key.attributes;
    const spec = attributes.customer_master_key_spec;
    const usage = attributes.key_usage;
    // KMS rotates only symmetric encryption keys held in KMS itself.
    if (typeof spec === "string" && !isReference(spec) && spec !== "SYMMETRIC_DEFAULT") return notApplicable;
    if (typeof usage === "string" && !isReference(usage) && usage !== "ENCRYPT_DECRYPT") return notApplicable;
    if (isSet(attributes.custom_key_store_id) || isSet(attributes.xks_key_id)) return notApplicable;
    const rotation = attributes.enable_key_rotation;
    if (bool(rotation) === true || isReference(rotation)) return compliant;
    return nonCompliant(
      rotation === undefined || rotation === null ? "enable_key_rotation is not set (Terraform's default is false): the key material is never rotated" : `enable_key_rotation is ${shown(rotation)}: the key material is never rotated`,
      "set enable_key_rotation = true",
    );
  },
});

const keyEnabled = defineRule({
  id: "MLB-KMS-002",
  severity: "warning",
  resourceTypes: [KEY],
  rationale: "A disabled key makes everything encrypted with it unreadable; disabling one is an incident, not configuration.",
  publicChecks: ["CKV_AWS_227"],
  check(key) {
    const enabled = key.attributes.is_enabled;
    if (bool(enabled) !== false) return compliant; // unset defaults to true
    return nonCompliant(`is_enabled is ${shown(enabled)}: data encrypted with the key cannot be decrypted`, "set is_enabled = true (or remove it: the default is true)");
  },
});

const policyExists = defineRule({
  id: "MLB-KMS-003",
  severity: "error",
  resourceTypes: [KEY],
  rationale: "An explicit key policy says who administers and uses the key; without one, KMS applies its default policy and nobody reviewed it.",
  publicChecks: ["CKV2_AWS_64"],
  check(key, context) {
    if (isSet(key.attributes.policy)) return compliant;
    const { key_id: keyId, id, arn } = key.attributes;
    if (attached(key, context, KEY_POLICY, "key_id", [keyId, id, arn]).length) return compliant;
    return nonCompliant(
      `has no key policy (no policy attribute and no ${KEY_POLICY}): KMS applies its default policy`,
      `set policy to a key policy that grants the account and the services that need the key (or add an ${KEY_POLICY})`,
    );
  },
});

const policyNotPublic = defineRule({
  id: "MLB-KMS-004",
  severity: "error",
  resourceTypes: [KEY, KEY_POLICY],
  rationale: "A key policy that allows any principal without a condition on the caller lets any AWS account use or manage the key.",
  publicChecks: ["CKV_AWS_33"],
  check(resource) {
    const found = publicAllowStatements(resource.attributes.policy);
    if (found === undefined || found.length === 0) return compliant;
    return nonCompliant(describePublicAllows(found, "the key policy"), PUBLIC_ALLOW_FIX);
  },
});

const MIN_DELETION_WINDOW_DAYS = 7;

const deletionWindow = defineRule({
  id: "MLB-KMS-005",
  severity: "error",
  resourceTypes: [KEY],
  rationale: "The deletion window is the time left to cancel a scheduled key deletion before the data encrypted with it is lost for good.",
  publicChecks: [],
  check(key) {
    const days = num(key.attributes.deletion_window_in_days);
    // Unset: KMS waits 30 days.
    if (days === undefined || days >= MIN_DELETION_WINDOW_DAYS) return compliant;
    return nonCompliant(`deletion_window_in_days is ${days}: less than ${MIN_DELETION_WINDOW_DAYS} days to notice and cancel a scheduled deletion`, "set deletion_window_in_days between 7 and 30 (30 in protected environments)");
  },
});

export const kmsRules: readonly Rule[] = [rotationEnabled, keyEnabled, policyExists, policyNotPublic, deletionWindow];
