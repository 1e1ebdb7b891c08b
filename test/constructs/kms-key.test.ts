import { Testing } from "cdktf";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKey } from "../../constructs/core/kms-key";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

describe("KmsKey", () => {
  it("rotates, is enabled, has the deletion window and an alias", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { alias: "mlops-test-data", description: "test", deletionWindowInDays: 14 });
    const synthesized = Testing.synth(stack);
    expect(synthesized).toHaveResourceWithProperties(KmsKeyResource, {
      enable_key_rotation: true,
      is_enabled: true,
      deletion_window_in_days: 14,
    });
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_kms_alias" }, { name: "alias/mlops-test-data" });
  });

  it("gives the key to the account and to allowed services, never to *", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "test" });
    key.allowCloudWatchLogs();
    key.allowCloudWatchLogs();
    const [[, attributes]] = resourcesOfType(synthJson(stack), "aws_kms_key");
    const statements = policyOf(attributes).Statement;
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({ Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` } });
    expect(statements[1]).toMatchObject({ Principal: { Service: "logs.eu-west-1.amazonaws.com" } });
    expect(JSON.stringify(statements.map((s) => s.Principal))).not.toContain('"*"');
  });

  it("grants use of this key only", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "test" });
    const role = new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    key.grantEncryptDecrypt(role);
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([
      expect.objectContaining({ Resource: expect.stringMatching(/^\$\{aws_kms_key\.Key_.*\.arn\}$/) }),
    ]);
  });

  it("lets other accounts decrypt only through S3 in the key's region, in one statement however often it is called", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "test" });
    key.allowAccountsToDecryptViaS3(["111111111111"]);
    key.allowAccountsToDecryptViaS3(["222222222222", "111111111111"]);
    key.allowAccountsToDecryptViaS3([]);
    const [[, attributes]] = resourcesOfType(synthJson(stack), "aws_kms_key");
    const statements = policyOf(attributes).Statement;
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({
      Sid: "OtherAccountsDecryptThroughS3",
      Effect: "Allow",
      Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
    });
  });

  it("adds no statement for an empty list of accounts", () => {
    const stack = testStack();
    new KmsKey(stack, "Key", { alias: "k", description: "test" }).allowAccountsToDecryptViaS3([]);
    const [[, attributes]] = resourcesOfType(synthJson(stack), "aws_kms_key");
    expect(policyOf(attributes).Statement).toHaveLength(1);
  });

  it("refuses a malformed account or its own account as another account", () => {
    const key = new KmsKey(testStack(), "Key", { alias: "k", description: "test" });
    expect(() => key.allowAccountsToDecryptViaS3(["1234"])).toThrow(/test\/Key: account id "1234" must be 12 digits/);
    expect(() => key.allowAccountsToDecryptViaS3([TEST_ACCOUNT])).toThrow(/account 123456789012 owns the key/);
  });

  it.each([3, 31, 7.5])("refuses a deletion window of %p days", (days) => {
    expect(() => new KmsKey(testStack(), "Key", { alias: "k", description: "d", deletionWindowInDays: days })).toThrow(
      /^test\/Key: deletionWindowInDays: is .*; KMS allows whole days 7-30$/,
    );
  });

  it("refuses an alias with the alias/ prefix or in the aws/ namespace", () => {
    expect(() => new KmsKey(testStack(), "Key", { alias: "alias/x", description: "d" })).toThrow(/without "alias\/"/);
    expect(() => new KmsKey(testStack(), "Key", { alias: "aws/x", description: "d" })).toThrow(/not in aws\//);
  });
});
