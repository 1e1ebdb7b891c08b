import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { ConstructPropsError } from "./errors";

/** Where a stack deploys to. Constructs read it to build ARNs and service names as literals. */
export interface AwsEnvironment {
  readonly accountId: string;
  readonly region: string;
  /** @default "aws" */
  readonly partition?: string;
}

const CONTEXT_KEY = "mlops-blueprint:aws-environment";

/** Records the account and region of a stack; call once per stack before adding constructs. */
export function setAwsEnvironment(stack: TerraformStack, environment: AwsEnvironment): void {
  stack.node.setContext(CONTEXT_KEY, environment);
}

/** The account and region of the stack that holds `scope`. */
export function awsEnvironmentOf(scope: IConstruct): Required<AwsEnvironment> {
  const environment = TerraformStack.of(scope).node.tryGetContext(CONTEXT_KEY) as AwsEnvironment | undefined;
  if (!environment) {
    throw new ConstructPropsError(
      `${scope.node.path}: the stack has no AWS account and region. Call setAwsEnvironment(stack, { accountId, region }) ` +
        "before adding mlops-blueprint constructs (PlatformStack does this for you).",
    );
  }
  return { partition: "aws", ...environment };
}
