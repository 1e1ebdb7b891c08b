import { Construct } from "constructs";
import { KmsKey } from "../constructs/core/kms-key";
import { GpuTrainingCluster } from "../constructs/training-cluster/gpu-training-cluster";
import { CONTROL_PLANE_LOG_TYPES } from "../constructs/training-cluster/versions";
import type { EnvironmentConfig } from "../environments/schema";
import type { NetworkStack } from "./network-stack";
import { PlatformStack } from "./platform-stack";

/** `<env>-training`: the EKS cluster and its node pools (AWS only; what runs on it is `<env>-workloads`). */
export class TrainingStack extends PlatformStack {
  readonly cluster: GpuTrainingCluster;
  readonly key: KmsKey;
  /** The cluster's name as a literal, for stacks that only name it (dashboards) and need no reference. */
  readonly clusterName: string;

  constructor(scope: Construct, environment: EnvironmentConfig, network: NetworkStack) {
    super(scope, { environment, layer: "training" });
    const training = environment.training;
    this.key = new KmsKey(this, "ClusterKey", {
      alias: this.resourceName(["training"], 250),
      description: `Encrypts the training cluster's secrets and logs in ${environment.name}`,
      deletionWindowInDays: environment.protection.kmsKeyDeletionWindowDays,
    });
    this.clusterName = this.resourceName(["training"], 100);
    this.cluster = new GpuTrainingCluster(this, "Cluster", {
      clusterName: this.clusterName,
      kubernetesVersion: training.kubernetesVersion,
      subnetIds: network.network.privateSubnetIds,
      encryptionKey: this.key,
      logRetentionDays: environment.logs.retentionDays,
      controlPlaneLogTypes: CONTROL_PLANE_LOG_TYPES.filter((type) => training.controlPlaneLogs[type]),
      addonVersions: training.addons,
      systemPool: training.systemPool,
      gpuPools: training.gpuPools,
      publicApiCidrs: training.publicApiCidrs,
      adminRoleArns: training.access.adminRoleArns,
      readOnlyRoleArns: training.access.readOnlyRoleArns,
      nodeAmiReleaseVersion: training.nodeAmiReleaseVersion,
    });
  }
}
