/** CodeBuild projects (the in-VPC deploy runner): a customer-managed key for what they produce, and no privileged containers. */
import { Rule, compliant, nonCompliant } from "../rule";
import { block, bool, defineRule, isAwsManagedKey, isReference, isSet, shown } from "./attributes";

const PROJECT = "aws_codebuild_project";

const encryptedWithCustomerKey = defineRule({
  id: "MLB-CODEBUILD-001",
  severity: "error",
  resourceTypes: [PROJECT],
  rationale: "Build output and caches are encrypted with a customer-managed key whose policy decides who reads them, not with the AWS-managed aws/s3 key.",
  publicChecks: ["CKV_AWS_147"],
  check(project) {
    const key = project.attributes.encryption_key;
    if (!isSet(key)) return nonCompliant("has no encryption_key: CodeBuild uses the AWS-managed key aws/s3", "set encryption_key = <customer-managed KMS key ARN>");
    if (isAwsManagedKey(key)) return nonCompliant(`encryption_key is ${JSON.stringify(key)}, an AWS-managed key`, "set encryption_key = <customer-managed KMS key ARN>");
    return compliant;
  },
});

const notPrivileged = defineRule({
  id: "MLB-CODEBUILD-002",
  severity: "error",
  resourceTypes: [PROJECT],
  rationale: "A privileged build container is root on its host (Docker in Docker); a job that deploys infrastructure needs no such power.",
  publicChecks: ["CKV_AWS_316"],
  check(project) {
    const privileged = block(project.attributes.environment)?.privileged_mode;
    if (bool(privileged) !== true || isReference(privileged)) return compliant;
    return nonCompliant(`environment.privileged_mode is ${shown(privileged)}: build containers run privileged`, "set environment.privileged_mode = false");
  },
});

export const codebuildRules: readonly Rule[] = [encryptedWithCustomerKey, notPrivileged];
