import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { AWS_REGIONS } from "./aws-regions";
import { ConstructPropsError, type PropsProblem } from "./errors";

/** An AWS account id: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
export const ACCOUNT_ID_RULE = "must be a 12-digit AWS account id";
export const REGION_RULE = "must be a commercial AWS region such as eu-west-1 (the list: constructs/core/aws-regions.ts)";

/** What is wrong with an account and region a stack deploys to. */
export function accountProblems(account: { readonly id: string; readonly region: string }): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (!ACCOUNT_ID.test(account.id)) problems.push({ path: "id", message: `is "${account.id}"; it ${ACCOUNT_ID_RULE}` });
  if (!(AWS_REGIONS as readonly string[]).includes(account.region)) problems.push({ path: "region", message: `is "${account.region}"; it ${REGION_RULE}` });
  return problems;
}

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
