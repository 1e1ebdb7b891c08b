import { Construct } from "constructs";
import { GlueDataCatalogEncryptionSettings } from "@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings";
import { IKmsKey } from "../core/kms-key";

export interface GlueCatalogEncryptionProps {
  /** Encrypts the catalog's metadata (databases, tables, partitions) and connection passwords. */
  readonly encryptionKey: IKmsKey;
}

/**
 * Encrypts the Glue Data Catalog of the stack's account and region with a customer-managed key (checkov CKV_AWS_94).
 *
 * The setting is one per account and region, not per database: declare it once, in the stack that owns the
 * account's data layer. FeatureStore does not make it, because two owners would overwrite each other and
 * destroying either would turn catalog encryption off for the whole account. Every principal that reads the
 * catalog (Athena users, crawlers, Feature Store) then needs decrypt on the key; FeatureStore's grants include it
 * when it uses the same key.
 */
export class GlueCatalogEncryption extends Construct {
  readonly settings: GlueDataCatalogEncryptionSettings;

  constructor(scope: Construct, id: string, props: GlueCatalogEncryptionProps) {
    super(scope, id);
    const keyArn = props.encryptionKey.keyArn;
    this.settings = new GlueDataCatalogEncryptionSettings(this, "Settings", {
      dataCatalogEncryptionSettings: {
        encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: keyArn },
        connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: keyArn },
      },
    });
  }
}
