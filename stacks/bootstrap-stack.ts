import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "../constructs/core/kms-key";
import { SecureBucket } from "../constructs/core/secure-bucket";
import { BaseStackProps, PlatformStack } from "./platform-stack";
import { stateBucketName, stateKeyAlias } from "./remote-state";

/** Old state versions are the way back from a bad apply; keep them well beyond a release cycle. */
const STATE_VERSION_RETENTION_DAYS = 365;

/** `protection.enabled` is not a choice here: the bootstrap stack's bucket and key are always protected. */
export type BootstrapStackProps = BaseStackProps;

/**
 * `<env>-bootstrap`: the bucket and key that hold every other stack's state, and later its own.
 * Applied once with local state, then migrated into the bucket it made (see README).
 * Its bucket and key are always protected, whatever the environment's protection level.
 */
export class BootstrapStack extends PlatformStack {
  readonly stateBucket: SecureBucket;
  readonly stateKey: KmsKey;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, { ...props, layer: "bootstrap", protection: { ...props.protection, enabled: true } });
    const { environmentName } = props;
    this.stateKey = new KmsKey(this, "StateKey", {
      alias: stateKeyAlias(environmentName),
      description: `Encrypts the Terraform state of ${environmentName}`,
      deletionWindowInDays: this.kmsKeyDeletionWindowDays,
    });
    this.stateBucket = new SecureBucket(this, "StateBucket", {
      bucketName: stateBucketName(environmentName, props.account.id),
      encryptionKey: this.stateKey,
      noncurrentVersionExpirationDays: STATE_VERSION_RETENTION_DAYS,
    });
    new TerraformOutput(this, "state_bucket", { value: this.stateBucket.bucketName, description: `Holds the Terraform state of every stack of ${environmentName}` });
    this.readsNoOtherStack(BootstrapStack);
  }
}
