import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../environments/schema";

/** Where the stack's Terraform state lives. `local` exists only for the bootstrap stack's first apply. */
export type StateLocation = "s3" | "local";

/** One state bucket per environment, in its own account; made by the `<env>-bootstrap` stack. */
export function stateBucketName(env: EnvironmentConfig): string {
  return `mlops-${env.name}-tfstate-${env.account.id}`;
}

/** The alias of the key that encrypts the state bucket. */
export function stateKeyAlias(env: EnvironmentConfig): string {
  return `mlops-${env.name}-tfstate`;
}

/** One state object per stack: locking and encryption apply per stack, and one stack's apply never touches another's state. */
export function stateObjectKey(stackId: string): string {
  return `${stackId}/terraform.tfstate`;
}

export function configureState(stack: TerraformStack, env: EnvironmentConfig, stackId: string, location: StateLocation): void {
  if (location === "local") {
    new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
    return;
  }
  const { id: accountId, region } = env.account;
  const backend = new S3Backend(stack, {
    bucket: stateBucketName(env),
    key: stateObjectKey(stackId),
    region,
    encrypt: true,
    kmsKeyId: `arn:aws:kms:${region}:${accountId}:alias/${stateKeyAlias(env)}`,
    allowedAccountIds: [accountId],
  });
  // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no prop for it.
  backend.addOverride("use_lockfile", true);
}
