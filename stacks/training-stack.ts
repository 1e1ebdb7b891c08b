import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { environmentPrefix, resourceName } from "../constructs/core/naming";
import { platformTags } from "../constructs/core/tags";
import { DeployRunner } from "../constructs/training-cluster/deploy-runner";
import { KmsKey } from "../constructs/core/kms-key";
import { PrometheusWorkspace } from "../constructs/observability/prometheus-workspace";
import { GpuTrainingCluster } from "../constructs/training-cluster/gpu-training-cluster";
import { KarpenterInfrastructure } from "../constructs/training-cluster/karpenter-infrastructure";
import { CONTROL_PLANE_LOG_TYPES } from "../constructs/training-cluster/versions";
import type { Network } from "../constructs/network/network";
import type { TrainingConfig } from "../environments/training-schema";
import { BaseStackProps, LayerConfig, PlatformStack } from "./platform-stack";

export interface TrainingStackProps extends BaseStackProps {
  readonly training: LayerConfig<TrainingConfig>;
  /** The VPC the cluster, its collector and the deploy runner run in (the network stack's `network`). */
  readonly network: Pick<Network, "vpcId" | "privateSubnetIds">;
  /** Days the cluster's and runner's logs are kept. */
  readonly logRetentionDays: number;
}

/** The CodeBuild project of an environment's deploy runner; deploy.yml asks for it by this name (contract). */
export function deployRunnerName(environment: string): string {
  return `${environmentPrefix(environment)}-deploy-runner`;
}

/**
 * The training cluster's name, `mlops-<env>-training` (contract): the one place it is made. The network stack tags the
 * private subnets with it for Karpenter's discovery, before the cluster exists.
 */
export function trainingClusterName(environment: string): string {
  return resourceName([environmentPrefix(environment), "training"], { maxLength: 100 });
}

/**
 * `<env>-training`: the EKS cluster, its system pool, what Karpenter needs on the AWS side to launch the GPU pools'
 * nodes, and the cluster's Prometheus workspace with its collector and GPU alerts (AWS only; what runs on the cluster
 * is `<env>-workloads`).
 */
export class TrainingStack extends PlatformStack {
  readonly cluster: GpuTrainingCluster;
  readonly key: KmsKey;
  /** The cluster's name as a literal, for stacks that only name it (dashboards) and need no reference. */
  readonly clusterName: string;
  /** Karpenter's controller role, interruption queue, node role and instance profile. */
  readonly karpenter: KarpenterInfrastructure;
  /** The cluster's metrics workspace (Amazon Managed Service for Prometheus), its collector and alert rules. */
  readonly prometheus: PrometheusWorkspace;
  /** The in-VPC GitHub Actions runner, where the environment declares one. */
  readonly deployRunner?: DeployRunner;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, { ...props, layer: "training" });
    const { training, network, environmentName, logRetentionDays } = props;
    this.key = new KmsKey(this, "ClusterKey", {
      alias: this.resourceName(["training"], 250),
      description: `Encrypts the training cluster's secrets, logs, metrics, GPU node volumes and interruption queue in ${environmentName}`,
      deletionWindowInDays: this.kmsKeyDeletionWindowDays,
    });
    this.clusterName = trainingClusterName(environmentName);
    this.cluster = new GpuTrainingCluster(this, "Cluster", {
      clusterName: this.clusterName,
      kubernetesVersion: training.kubernetesVersion,
      subnetIds: network.privateSubnetIds,
      encryptionKey: this.key,
      logRetentionDays: logRetentionDays,
      controlPlaneLogTypes: CONTROL_PLANE_LOG_TYPES.filter((type) => training.controlPlaneLogs[type]),
      addonVersions: training.addons,
      systemPool: training.systemPool,
      publicApiCidrs: training.publicApiCidrs,
      adminRoleArns: training.access.adminRoleArns,
      readOnlyRoleArns: training.access.readOnlyRoleArns,
      nodeAmiReleaseVersion: training.nodeAmiReleaseVersion,
      apiAccess: training.apiAccess,
      upgradePolicy: training.upgradePolicy,
      nodeTags: platformTags(environmentName, this.layer),
    });
    this.karpenter = new KarpenterInfrastructure(this, "Karpenter", {
      clusterName: this.clusterName,
      clusterNameReference: this.cluster.clusterName,
      oidcProviderArn: this.cluster.oidcProviderArn,
      oidcIssuerUrl: this.cluster.oidcIssuerUrl,
      encryptionKey: this.key,
      clusterSecurityGroupId: this.cluster.clusterSecurityGroupId,
      spot: training.gpuPools.some((pool) => pool.capacityType === "SPOT"),
    });
    this.prometheus = new PrometheusWorkspace(this, "Prometheus", {
      clusterName: this.clusterName,
      clusterArn: this.cluster.clusterArn,
      subnetIds: network.privateSubnetIds,
      clusterSecurityGroupId: this.cluster.clusterSecurityGroupId,
      encryptionKey: this.key,
      logRetentionDays: logRetentionDays,
      scrapeIntervalSeconds: training.observability.scrapeIntervalSeconds,
      alerts: training.observability.alerts,
    });
    if (training.deployRunner) {
      this.deployRunner = new DeployRunner(this, "DeployRunner", {
        projectName: deployRunnerName(environmentName),
        repositoryUrl: training.deployRunner.repositoryUrl,
        connectionArn: training.deployRunner.connectionArn,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        encryptionKey: this.key,
        logRetentionDays: logRetentionDays,
      });
      this.cluster.allowApiAccessFrom({ securityGroupId: this.deployRunner.securityGroupId });
    }
    this.outputs();
  }

  /** What a user needs to attach an access path of their own, or to find the cluster's metrics, named and described. */
  private outputs(): void {
    new TerraformOutput(this, "cluster_name", { value: this.cluster.clusterName, description: "The EKS cluster's name" });
    new TerraformOutput(this, "cluster_security_group_id", {
      value: this.cluster.clusterSecurityGroupId,
      description: "The cluster security group: allow your runner or VPN here on 443 to reach the private API (or list it in training.apiAccess)",
    });
    new TerraformOutput(this, "karpenter_interruption_queue", {
      value: this.karpenter.interruptionQueueName,
      description: "The SQS queue Karpenter reads EC2 and AWS Health interruption events from",
    });
    new TerraformOutput(this, "karpenter_node_instance_profile", {
      value: this.karpenter.instanceProfileName,
      description: "The instance profile of the GPU nodes Karpenter launches (the EC2NodeClasses' spec.instanceProfile)",
    });
    new TerraformOutput(this, "prometheus_workspace_id", { value: this.prometheus.workspaceId, description: "The cluster's Amazon Managed Service for Prometheus workspace" });
    new TerraformOutput(this, "prometheus_endpoint", {
      value: this.prometheus.prometheusEndpoint,
      description: "The workspace's Prometheus endpoint: query <this>api/v1/query with SigV4 (service aps)",
    });
    if (this.deployRunner) {
      new TerraformOutput(this, "deploy_runner_project", {
        value: this.deployRunner.projectName,
        description: "CodeBuild project of the in-VPC GitHub Actions runner: runs-on: codebuild-<this>-${{ github.run_id }}-${{ github.run_attempt }}",
      });
    }
  }
}
