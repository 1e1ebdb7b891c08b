import { TerraformStack, Testing } from "cdktf";
import { accountRootArn, formatArn, lastArnSegment } from "../../constructs/core/arn";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";
import { TEST_ACCOUNT, testStack } from "../support/stack";

describe("formatArn", () => {
  it("fills partition, region and account from the stack's AWS environment", () => {
    expect(formatArn(testStack(), { service: "sagemaker", resource: "pipeline/p" })).toBe(`arn:aws:sagemaker:eu-west-1:${TEST_ACCOUNT}:pipeline/p`);
  });

  it("follows the stack's partition", () => {
    const stack = new TerraformStack(Testing.app(), "gov");
    setAwsEnvironment(stack, { accountId: TEST_ACCOUNT, region: "us-gov-west-1", partition: "aws-us-gov" });
    expect(formatArn(stack, { service: "logs", resource: "log-group:*" })).toBe(`arn:aws-us-gov:logs:us-gov-west-1:${TEST_ACCOUNT}:log-group:*`);
    expect(accountRootArn(stack, "111111111111")).toBe("arn:aws-us-gov:iam::111111111111:root");
  });

  it("takes explicit parts, empty ones included, over the stack's", () => {
    const stack = testStack();
    expect(formatArn(stack, { service: "s3", region: "", account: "", resource: "bucket/*" })).toBe("arn:aws:s3:::bucket/*");
    expect(formatArn(stack, { service: "iam", region: "", account: "aws", resource: "policy/P" })).toBe("arn:aws:iam::aws:policy/P");
    expect(formatArn(stack, { service: "kms", partition: "aws-cn", region: "cn-north-1", account: "210987654321", resource: "key/*" })).toBe("arn:aws-cn:kms:cn-north-1:210987654321:key/*");
  });
});

describe("lastArnSegment", () => {
  it("cuts a literal after its last slash, a path included", () => {
    expect(lastArnSegment(`arn:aws:iam::${TEST_ACCOUNT}:role/team/a/reader`)).toBe("reader");
  });
});
