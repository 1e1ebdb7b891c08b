import { Testing } from "cdktf";
import { KmsKey } from "../../constructs/core/kms-key";
import { EncryptedLogGroup } from "../../constructs/core/log-group";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

describe("EncryptedLogGroup", () => {
  it("is KMS-encrypted with retention and lets CloudWatch Logs use the key", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    new EncryptedLogGroup(stack, "Logs", { logGroupName: "/test/logs", encryptionKey: key, retentionDays: 90 });
    const synthesized = Testing.synth(stack);
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_cloudwatch_log_group" }, {
      name: "/test/logs",
      retention_in_days: 90,
      kms_key_id: expect.stringMatching(/aws_kms_key\.Key_.*\.arn/),
    });
    const [[, keyAttributes]] = resourcesOfType(JSON.parse(synthesized), "aws_kms_key");
    expect(policyOf(keyAttributes).Statement).toContainEqual(expect.objectContaining({ Principal: { Service: "logs.eu-west-1.amazonaws.com" } }));
  });

  it("grants writing to this group's streams only", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const logs = new EncryptedLogGroup(stack, "Logs", { logGroupName: "/test/logs", encryptionKey: key, retentionDays: 90 });
    const role = new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    logs.grantWrite(role);
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(["logs:PutLogEvents"]), Resource: expect.stringMatching(/aws_cloudwatch_log_group\..*\.arn\}:\*$/) }),
    ]);
  });

  it.each([0, 42, 2.5])("refuses a retention of %p days, which CloudWatch Logs does not offer", (days) => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    expect(() => new EncryptedLogGroup(stack, "Logs", { logGroupName: "/x", encryptionKey: key, retentionDays: days })).toThrow(
      new RegExp(`^test/Logs: retentionDays: is ${days}; CloudWatch Logs allows 1, 3, 5, .*, 3653 days$`),
    );
  });
});
