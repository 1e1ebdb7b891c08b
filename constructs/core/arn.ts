import { IConstruct } from "constructs";
import { Fn, Token } from "cdktf";
import { awsEnvironmentOf } from "./aws-environment";

export interface ArnComponents {
  /** The service namespace, e.g. `sagemaker`, `iam`. */
  readonly service: string;
  /** Everything after the account, e.g. `key/*`, `log-group:/aws/sagemaker/TrainingJobs:*`. */
  readonly resource: string;
  /**
   * The region; "" for ARNs without one (IAM, S3, AWS Budgets, AWS-owned resources such as EKS access policies).
   * @default - the region of the stack that holds the scope
   */
  readonly region?: string;
  /**
   * The account; "" for ARNs without one (S3, public images), `aws` for resources AWS owns (managed policies).
   * @default - the account of the stack that holds the scope
   */
  readonly account?: string;
  /**
   * @default - the partition of the stack that holds the scope
   */
  readonly partition?: string;
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`, each part the stack's own (setAwsEnvironment) unless
 * given. Literal ARNs keep policies readable in a plan and need no reference to the stack that holds the resource.
 */
export function formatArn(scope: IConstruct, components: ArnComponents): string {
  const { partition, region, accountId } = awsEnvironmentOf(scope);
  return `arn:${components.partition ?? partition}:${components.service}:${components.region ?? region}:${components.account ?? accountId}:${components.resource}`;
}

/** `arn:<partition>:iam::<account>:root`: the account as a principal (its IAM policies decide who may act). */
export function accountRootArn(scope: IConstruct, accountId: string): string {
  return formatArn(scope, { service: "iam", region: "", account: accountId, resource: "root" });
}

/** What follows the last "/" of an ARN: the name of a role (after its path) or the id of a key. A reference is cut by Terraform. */
export function lastArnSegment(arn: string): string {
  return Token.isUnresolved(arn) ? Token.asString(Fn.regex("[^/]+$", arn)) : arn.slice(arn.lastIndexOf("/") + 1);
}
