import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "../constructs/core/kms-key";
import { FeatureStore } from "../constructs/feature-store/feature-store";
import { GlueCatalogEncryption } from "../constructs/feature-store/glue-catalog-encryption";
import { ModelRegistry } from "../constructs/model-registry/model-registry";
import type { DataConfig } from "../environments/data-schema";
import { BaseStackProps, LayerConfig, PlatformStack } from "./platform-stack";

export interface DataStackProps extends BaseStackProps {
  readonly data: LayerConfig<DataConfig>;
}

/**
 * `<env>-data`: the long-lived, stateful part of the platform: the feature store and the model registry,
 * encrypted with the layer's own key. Apart from the cluster, so a cluster rebuild never touches data.
 */
export class DataStack extends PlatformStack {
  readonly key: KmsKey;
  readonly featureStore: FeatureStore;
  readonly modelRegistry: ModelRegistry;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, layer: "data" });
    const { featureStore, modelRegistry } = props.data;
    this.key = new KmsKey(this, "DataKey", {
      alias: this.resourceName(["data"], 250),
      description: `Encrypts the feature store and model registry of ${props.environmentName}`,
      deletionWindowInDays: this.kmsKeyDeletionWindowDays,
    });
    // One per account and region; each environment has its own account, so its data stack owns it.
    new GlueCatalogEncryption(this, "GlueCatalogEncryption", { encryptionKey: this.key });
    this.featureStore = new FeatureStore(this, "FeatureStore", {
      namePrefix: this.namePrefix,
      encryptionKey: this.key,
      featureGroups: featureStore.featureGroups,
      transitionToInfrequentAccessDays: featureStore.offlineStore.transitionToInfrequentAccessDays,
      noncurrentVersionExpirationDays: featureStore.offlineStore.noncurrentVersionExpirationDays,
    });
    this.modelRegistry = new ModelRegistry(this, "ModelRegistry", {
      namePrefix: this.namePrefix,
      encryptionKey: this.key,
      imageRepositories: modelRegistry.imageRepositories,
      modelPackageGroups: modelRegistry.modelPackageGroups,
      consumerAccountIds: modelRegistry.consumerAccountIds,
      untaggedImageExpiryDays: modelRegistry.untaggedImageExpiryDays,
      noncurrentVersionExpirationDays: modelRegistry.artifacts.noncurrentVersionExpirationDays,
      experimentTracking: modelRegistry.experimentTracking.enabled
        ? { size: modelRegistry.experimentTracking.size, mlflowVersion: modelRegistry.experimentTracking.mlflowVersion }
        : undefined,
    });
    new TerraformOutput(this, "feature_store_offline_bucket", { value: this.featureStore.offlineBucket.bucketName, description: "The feature store's offline store (S3), one prefix per feature group" });
    new TerraformOutput(this, "feature_store_glue_database", { value: this.featureStore.glueDatabaseName, description: "The Glue database of the offline store's tables, for Athena" });
    new TerraformOutput(this, "model_artifact_bucket", { value: this.modelRegistry.artifactBucket.bucketName, description: "Model artifacts: models/<group>/ is what approved packages point at" });
    new TerraformOutput(this, "model_package_group_arns", { value: this.modelRegistry.modelPackageGroupArns, description: "The registry's model package groups, by name" });
    new TerraformOutput(this, "image_repository_urls", { value: this.modelRegistry.repositoryUrls, description: "The registry's ECR repositories, by name: push training and inference images here" });
    this.readsNoOtherStack(DataStack);
  }
}
