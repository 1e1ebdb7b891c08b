import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";
import { ConstructPropsError } from "../../constructs/core/errors";

export const TEST_ACCOUNT = "123456789012";
export const TEST_REGION = "eu-west-1";

/** A bare stack in a test app, with the AWS account and region constructs expect. */
export function testStack(id = "test"): TerraformStack {
  const stack = new TerraformStack(Testing.app(), id);
  setAwsEnvironment(stack, { accountId: TEST_ACCOUNT, region: TEST_REGION });
  new AwsProvider(stack, "aws", { region: TEST_REGION });
  return stack;
}

/** Runs `build`, expects it to refuse its props, and returns the ConstructPropsError. */
export function propsError(build: () => unknown): ConstructPropsError {
  try {
    build();
  } catch (error) {
    if (error instanceof ConstructPropsError) return error;
    throw error;
  }
  throw new Error("expected a ConstructPropsError; nothing was thrown");
}
