import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { formatArn } from "../constructs/core/arn";
import { environmentPrefix } from "../constructs/core/naming";

/**
 * Where the stack's Terraform state lives: `s3`, the environment's state bucket (made by `<env>-bootstrap`); `local`,
 * a file, only for a bootstrap stack's first apply; or a state bucket of your own.
 */
export type StateLocation = "s3" | "local" | StateBucket;

/** A state bucket that is not the blueprint's: each stack keeps its own object in it, encrypted and locked. */
export interface StateBucket {
  readonly bucket: string;
  /** The ARN of the KMS key (or its alias) the state objects are encrypted with. */
  readonly keyArn: string;
  /**
   * @default - the stack's region
   */
  readonly region?: string;
}

/** The AWS account and region a stack deploys to; its provider refuses any other account. */
export interface StackAccount {
  /** 12-digit AWS account id. */
  readonly id: string;
  readonly region: string;
}

/** One state bucket per environment, in its own account; made by the `<env>-bootstrap` stack. */
export function stateBucketName(environmentName: string, accountId: string): string {
  return `${environmentPrefix(environmentName)}-tfstate-${accountId}`;
}

/** The alias of the key that encrypts the state bucket. */
export function stateKeyAlias(environmentName: string): string {
  return `${environmentPrefix(environmentName)}-tfstate`;
}

/** One state object per stack: locking and encryption apply per stack, and one stack's apply never touches another's state. */
export function stateObjectKey(stackId: string): string {
  return `${stackId}/terraform.tfstate`;
}

/** The stack's backend (after setAwsEnvironment, for the partition): its own object in the environment's state bucket, encrypted with the state key and locked. */
export function configureState(stack: TerraformStack, environmentName: string, account: StackAccount, location: StateLocation): void {
  const stackId = stack.node.id;
  if (location === "local") {
    new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
    return;
  }
  const bucket: StateBucket =
    location === "s3"
      ? {
          bucket: stateBucketName(environmentName, account.id),
          keyArn: formatArn(stack, { service: "kms", region: account.region, account: account.id, resource: `alias/${stateKeyAlias(environmentName)}` }),
        }
      : location;
  const backend = new S3Backend(stack, {
    bucket: bucket.bucket,
    key: stateObjectKey(stackId),
    region: bucket.region ?? account.region,
    encrypt: true,
    kmsKeyId: bucket.keyArn,
    allowedAccountIds: [account.id],
  });
  // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no prop for it.
  backend.addOverride("use_lockfile", true);
}
