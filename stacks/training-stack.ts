import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { platformTags } from "../constructs/core/tags";
import { DeployRunner } from "../constructs/training-cluster/deploy-runner";
import { KmsKey } from "../constructs/core/kms-key";
import { GpuTrainingCluster } from "../constructs/training-cluster/gpu-training-cluster";
import { CONTROL_PLANE_LOG_TYPES } from "../constructs/training-cluster/versions";
import type { EnvironmentConfig } from "../environments/schema";
import type { NetworkStack } from "./network-stack";
import { PlatformStack } from "./platform-stack";

/** The CodeBuild project of an environment's deploy runner; deploy.yml asks for it by this name (contract). */
export function deployRunnerName(environment: string): string {
  return `mlops-${environment}-deploy-runner`;
}

/** `<env>-training`: the EKS cluster and its node pools (AWS only; what runs on it is `<env>-workloads`). */
export class TrainingStack extends PlatformStack {
  readonly cluster: GpuTrainingCluster;
  readonly key: KmsKey;
  /** The cluster's name as a literal, for stacks that only name it (dashboards) and need no reference. */
  readonly clusterName: string;
  /** The in-VPC GitHub Actions runner, where the environment declares one. */
  readonly deployRunner?: DeployRunner;

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
      apiAccess: training.apiAccess,
      upgradePolicy: training.upgradePolicy,
      nodeTags: platformTags(environment.name, this.layer),
    });
    if (training.deployRunner) {
      this.deployRunner = new DeployRunner(this, "DeployRunner", {
        projectName: deployRunnerName(environment.name),
        repositoryUrl: training.deployRunner.repositoryUrl,
        connectionArn: training.deployRunner.connectionArn,
        vpcId: network.network.vpcId,
        subnetIds: network.network.privateSubnetIds,
        encryptionKey: this.key,
        logRetentionDays: environment.logs.retentionDays,
      });
      this.cluster.allowApiAccessFrom({ securityGroupId: this.deployRunner.securityGroupId });
    }
    this.outputs();
  }

  /** What a user needs to attach an access path of their own, named and described. */
  private outputs(): void {
    new TerraformOutput(this, "cluster_name", { value: this.cluster.clusterName, description: "The EKS cluster's name" });
    new TerraformOutput(this, "cluster_security_group_id", {
      value: this.cluster.clusterSecurityGroupId,
      description: "The cluster security group: allow your runner or VPN here on 443 to reach the private API (or list it in training.apiAccess)",
    });
    if (this.deployRunner) {
      new TerraformOutput(this, "deploy_runner_project", {
        value: this.deployRunner.projectName,
        description: "CodeBuild project of the in-VPC GitHub Actions runner: runs-on: codebuild-<this>-${{ github.run_id }}-${{ github.run_attempt }}",
      });
    }
  }
}
