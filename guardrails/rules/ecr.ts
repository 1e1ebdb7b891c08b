/** ECR repositories: immutable tags, scanned images, a customer-managed key, a policy that grants no one-and-all. */
import { ResourceView, Rule, RuleContext, compliant, nonCompliant } from "../rule";
import { PUBLIC_ALLOW_FIX, block, blocks, bool, defineRule, describePublicAllows, isAwsManagedKey, isReference, isSet, publicAllowStatements, resourcesOfType, shown } from "./attributes";

const REPOSITORY = "aws_ecr_repository";
const REPOSITORY_POLICY = "aws_ecr_repository_policy";
const REGISTRY_SCANNING = "aws_ecr_registry_scanning_configuration";

const immutableTags = defineRule({
  id: "MLB-ECR-001",
  severity: "error",
  resourceTypes: [REPOSITORY],
  rationale: "An immutable tag always names the image that was tested and promoted; a mutable one can be pushed over.",
  publicChecks: ["CKV_AWS_51", "AWS-0031"],
  check(repository) {
    const mutability = repository.attributes.image_tag_mutability;
    if (mutability === "IMMUTABLE" || isReference(mutability)) return compliant;
    return nonCompliant(
      `image_tag_mutability is ${mutability === undefined || mutability === null ? "not set (Terraform's default is MUTABLE)" : shown(mutability)}: a pushed tag can be overwritten by another image`,
      'set image_tag_mutability = "IMMUTABLE"',
    );
  },
});

/** `*` and `?` wildcards as ECR repository filters use them. */
function wildcardMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(name);
}

/** Whether a registry scanning configuration of the stack scans this repository on push (or continuously). */
function registryScansOnPush(repository: ResourceView, context: RuleContext): boolean {
  const name = repository.attributes.name;
  return resourcesOfType(context.resources, REGISTRY_SCANNING)
    .flatMap((r) => blocks(r.attributes.rule))
    .some(
      (rule) =>
        (rule.scan_frequency === "SCAN_ON_PUSH" || rule.scan_frequency === "CONTINUOUS_SCAN") &&
        blocks(rule.repository_filter).some((f) => typeof f.filter === "string" && (f.filter === "*" || (typeof name === "string" && !isReference(name) && wildcardMatches(f.filter, name)))),
    );
}

const scanOnPush = defineRule({
  id: "MLB-ECR-002",
  severity: "warning",
  resourceTypes: [REPOSITORY],
  rationale: "Scanning every pushed image finds known vulnerabilities before the image is promoted.",
  publicChecks: ["CKV_AWS_163", "AWS-0030"],
  check(repository, context) {
    const scan = block(repository.attributes.image_scanning_configuration)?.scan_on_push;
    if (bool(scan) === true || isReference(scan) || registryScansOnPush(repository, context)) return compliant;
    return nonCompliant(`image_scanning_configuration.scan_on_push is ${shown(scan)}: pushed images are not scanned for vulnerabilities`, "set image_scanning_configuration = { scan_on_push = true } (or scan on push in an aws_ecr_registry_scanning_configuration)");
  },
});

const KMS_TYPES = new Set(["KMS", "KMS_DSSE"]);

const encryptedWithCustomerKey = defineRule({
  id: "MLB-ECR-003",
  severity: "error",
  resourceTypes: [REPOSITORY],
  rationale: "Images (code, weights, credentials baked in by mistake) are encrypted with a customer-managed key whose policy controls who pulls their layers.",
  publicChecks: ["CKV_AWS_136", "AWS-0033"],
  check(repository) {
    const encryption = block(repository.attributes.encryption_configuration);
    const type = encryption?.encryption_type;
    const fix = 'set encryption_configuration = { encryption_type = "KMS", kms_key = <customer-managed key ARN> }';
    if (!(typeof type === "string" && (KMS_TYPES.has(type) || isReference(type)))) {
      return nonCompliant(`encryption_configuration.encryption_type is ${type === undefined || type === null ? "not set (the default is AES256)" : shown(type)}: images are encrypted with keys ECR owns`, fix);
    }
    const key = encryption?.kms_key;
    if (typeof key === "string" && key.trim() === "") return nonCompliant('encryption_configuration.kms_key is "": ECR uses the AWS-managed key aws/ecr', fix);
    if (isAwsManagedKey(key)) return nonCompliant(`encryption_configuration.kms_key is ${JSON.stringify(key)}, an AWS-managed key`, fix);
    // Absent kms_key: the AWS-managed key in cdktf JSON, but also what a plan shows for a key created in the same apply.
    if (!isSet(key)) return nonCompliant("encryption_configuration has no kms_key: ECR uses the AWS-managed key aws/ecr", fix);
    return compliant;
  },
});

const policyNotPublic = defineRule({
  id: "MLB-ECR-004",
  severity: "error",
  resourceTypes: [REPOSITORY_POLICY],
  rationale: "A repository policy that allows any principal without a condition on the caller lets any AWS account pull (or push) images.",
  publicChecks: ["CKV_AWS_32", "AWS-0032", "ECR1"],
  check(policy) {
    const found = publicAllowStatements(policy.attributes.policy);
    if (found === undefined || found.length === 0) return compliant;
    return nonCompliant(describePublicAllows(found, "the repository policy"), PUBLIC_ALLOW_FIX);
  },
});

export const ecrRules: readonly Rule[] = [immutableTags, scanOnPush, encryptedWithCustomerKey, policyNotPublic];
