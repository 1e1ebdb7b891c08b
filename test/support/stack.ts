import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";

export const TEST_ACCOUNT = "123456789012";
export const TEST_REGION = "eu-west-1";

/** A bare stack in a test app, with the AWS account and region constructs expect. */
export function testStack(id = "test"): TerraformStack {
  const stack = new TerraformStack(Testing.app(), id);
  setAwsEnvironment(stack, { accountId: TEST_ACCOUNT, region: TEST_REGION });
  new AwsProvider(stack, "aws", { region: TEST_REGION });
  return stack;
}
