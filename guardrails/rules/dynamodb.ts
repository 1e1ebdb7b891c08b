/**
 * DynamoDB tables (none synthesized today; teams may add them): point-in-time recovery and a customer-managed key.
 * `deletion_protection_enabled` in protected environments: see protection.ts (MLB-PROTECT-002).
 */
import { Rule, compliant, nonCompliant } from "../rule";
import { block, bool, defineRule, isAwsManagedKey, isReference, isSet, shown } from "./attributes";

const TABLE = "aws_dynamodb_table";

const pointInTimeRecovery = defineRule({
  id: "MLB-DYNAMODB-001",
  severity: "error",
  resourceTypes: [TABLE],
  rationale: "Point-in-time recovery restores a table to any second of the last 35 days after a bad write or delete.",
  publicChecks: ["CKV_AWS_28", "AWS-0024", "DDB3", "DynamoDBPITREnabled"],
  check(table) {
    const enabled = block(table.attributes.point_in_time_recovery)?.enabled;
    if (bool(enabled) === true || isReference(enabled)) return compliant;
    return nonCompliant(`point_in_time_recovery.enabled is ${shown(enabled)}: a bad write or delete cannot be undone`, "set point_in_time_recovery = { enabled = true }");
  },
});

const encryptedWithCustomerKey = defineRule({
  id: "MLB-DYNAMODB-002",
  severity: "error",
  resourceTypes: [TABLE],
  rationale: "Items are encrypted with a customer-managed key whose policy and CloudTrail record control and show who reads them.",
  publicChecks: ["CKV_AWS_119", "AWS-0025"],
  check(table) {
    const sse = block(table.attributes.server_side_encryption);
    const fix = "set server_side_encryption = { enabled = true, kms_key_arn = <customer-managed key ARN> }";
    const enabled = sse?.enabled;
    if (bool(enabled) !== true && !isReference(enabled)) {
      return nonCompliant(`server_side_encryption.enabled is ${shown(enabled)}: items are encrypted with a key DynamoDB owns, which no key policy controls`, fix);
    }
    const key = sse?.kms_key_arn;
    if (!isSet(key)) return nonCompliant("server_side_encryption has no kms_key_arn: DynamoDB uses the AWS-managed key aws/dynamodb", fix);
    if (isAwsManagedKey(key)) return nonCompliant(`server_side_encryption.kms_key_arn is ${JSON.stringify(key)}, an AWS-managed key`, fix);
    return compliant;
  },
});

export const dynamodbRules: readonly Rule[] = [pointInTimeRecovery, encryptedWithCustomerKey];
