import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "../constructs/core/kms-key";
import { SecureBucket } from "../constructs/core/secure-bucket";
import type { EnvironmentConfig } from "../environments/schema";
import { PlatformStack } from "./platform-stack";
import { StateLocation, stateBucketName, stateKeyAlias } from "./remote-state";

/** Old state versions are the way back from a bad apply; keep them well beyond a release cycle. */
const STATE_VERSION_RETENTION_DAYS = 365;

/**
 * `<env>-bootstrap`: the bucket and key that hold every other stack's state, and later its own.
 * Applied once with local state, then migrated into the bucket it made (see README).
 * Its bucket and key are always protected, whatever the environment's protection level.
 */
export class BootstrapStack extends PlatformStack {
  readonly stateBucket: SecureBucket;
  readonly stateKey: KmsKey;

  constructor(scope: Construct, environment: EnvironmentConfig, state: StateLocation) {
    super(scope, { environment, layer: "bootstrap", state, protectStatefulResources: true, readsOtherStacks: false });
    this.stateKey = new KmsKey(this, "StateKey", {
      alias: stateKeyAlias(environment),
      description: `Encrypts the Terraform state of ${environment.name}`,
      deletionWindowInDays: environment.protection.kmsKeyDeletionWindowDays,
    });
    this.stateBucket = new SecureBucket(this, "StateBucket", {
      bucketName: stateBucketName(environment),
      encryptionKey: this.stateKey,
      noncurrentVersionExpirationDays: STATE_VERSION_RETENTION_DAYS,
    });
    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucketName, description: `Holds the Terraform state of every stack of ${environment.name}` });
  }
}
