import { Construct } from "constructs";
import { Fn, TerraformOutput } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { platformTags } from "../constructs/core/tags";
import { DashboardConfigMaps, platformDashboards } from "../constructs/observability/dashboards";
import { karpenterAmiAlias } from "../constructs/training-cluster/versions";
import { ApsCollectorRbac } from "../constructs/training-cluster/workloads/aps-collector-rbac";
import { DcgmExporter } from "../constructs/training-cluster/workloads/dcgm-exporter";
import { CpuNodePool } from "../constructs/training-cluster/workloads/cpu-node-pool";
import { GpuNodePoolSpec, GpuNodePools, poolCapacity } from "../constructs/training-cluster/workloads/gpu-node-pools";
import { DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE, Grafana } from "../constructs/training-cluster/workloads/grafana";
import { Karpenter } from "../constructs/training-cluster/workloads/karpenter";
import { KUEUE_NAMESPACE, KUEUE_PORTS, Kueue } from "../constructs/training-cluster/workloads/kueue";
import { DEFAULT_LOCAL_QUEUE, KueueQueues, QueuePool, teamGpuCap } from "../constructs/training-cluster/workloads/kueue-queues";
import { NvidiaDevicePlugin } from "../constructs/training-cluster/workloads/nvidia-device-plugin";
import { PlatformNamespace } from "../constructs/training-cluster/workloads/platform-namespace";
import { TrainingPriorityClasses } from "../constructs/training-cluster/workloads/priority-classes";
import { TeamNamespace } from "../constructs/training-cluster/workloads/team-namespace";
import { DEFAULT_POOL_DISRUPTION, type TrainingConfig } from "../environments/training-schema";
import { BaseStackProps, LayerConfig, PlatformStack } from "./platform-stack";

/**
 * Cost tags of the nodes, volumes and launch templates Karpenter makes: the training layer's (the nodes are the training
 * cluster's, whoever launches them), without the blueprint version. Karpenter counts a changed tag as drift
 * and replaces every node, so a release of the blueprint would evict every running job.
 */
export function karpenterNodeTags(environment: string): Record<string, string> {
  const { "mlops:blueprint-version": _version, ...tags } = platformTags(environment, "training");
  return tags;
}

/**
 * How the workloads stack reaches the cluster, and what of the training stack its workloads use: attributes
 * of the training stack's resources, passed as cross-stack references (Terraform remote state).
 */
export interface ClusterConnection {
  readonly clusterName: string;
  readonly endpoint: string;
  /** Base64-encoded CA certificate of the API server, as EKS returns it. */
  readonly certificateAuthorityData: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
  /** The EKS-made cluster security group: Karpenter's GPU nodes join it. */
  readonly clusterSecurityGroupId: string;
  /** The cluster's KMS key: it encrypts the GPU nodes' root volumes. */
  readonly clusterKeyArn: string;
  /** The Karpenter controller's IRSA role (for `kube-system:karpenter`). */
  readonly karpenterControllerRoleArn: string;
  /** The SQS queue of interruption events Karpenter reads. */
  readonly karpenterInterruptionQueueName: string;
  /** The instance profile of the nodes Karpenter launches. */
  readonly karpenterNodeInstanceProfileName: string;
  /** The cluster's Amazon Managed Service for Prometheus workspace, which Grafana queries. */
  readonly prometheusWorkspaceArn: string;
  /** Its Prometheus endpoint (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`). */
  readonly prometheusEndpoint: string;
}

export interface WorkloadsStackProps extends BaseStackProps {
  readonly training: LayerConfig<TrainingConfig>;
  /** The cluster to run on, and what of the training stack its workloads use. */
  readonly cluster: ClusterConnection;
  /** The VPC's address range: the platform namespaces admit traffic from it only. */
  readonly vpcCidr: string;
  /**
   * SageMaker endpoints the serving dashboard shows, by their full names.
   * @default - none
   */
  readonly servingEndpointNames?: readonly string[];
}

/**
 * `<env>-workloads`: what runs inside the training cluster. Karpenter and its GPU NodePools, Kueue with a
 * queue per team in one cohort, the NVIDIA device plugin (sharing GPUs as each pool says), the DCGM exporter,
 * Grafana with the platform's dashboards, the managed collector's read access, training priority classes, and
 * one namespace per team. A stack apart from the cluster's, so its Kubernetes and Helm providers are configured
 * from the outputs of an applied cluster, never from one created in the same apply.
 */
export class WorkloadsStack extends PlatformStack {
  readonly karpenter: Karpenter;
  readonly gpuNodePools: GpuNodePools;
  readonly cpuNodePool: CpuNodePool;
  readonly devicePlugin: NvidiaDevicePlugin;
  readonly dcgmExporter: DcgmExporter;
  readonly kueue: Kueue;
  readonly kueueQueues: KueueQueues;
  readonly grafana: Grafana;
  readonly dashboards: DashboardConfigMaps;
  readonly apsCollector: ApsCollectorRbac;
  readonly priorityClasses: TrainingPriorityClasses;
  /** Each team's namespace, by team name. */
  readonly teams: Readonly<Record<string, TeamNamespace>>;

  constructor(scope: Construct, id: string, props: WorkloadsStackProps) {
    super(scope, id, { ...props, layer: "workloads" });
    const { training, cluster, account, vpcCidr } = props;
    const host = cluster.endpoint;
    const clusterCaCertificate = Fn.base64decode(cluster.certificateAuthorityData);
    // A short-lived token per run from the caller's AWS credentials; nothing long-lived in the state.
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", cluster.clusterName, "--region", account.region],
    };
    new KubernetesProvider(this, "kubernetes", { host, clusterCaCertificate, exec: [exec] });
    new HelmProvider(this, "helm", { kubernetes: { host, clusterCaCertificate, exec } });
    const oidc = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuerUrl: cluster.oidcIssuerUrl };

    const pools: GpuNodePoolSpec[] = training.gpuPools.map((pool) => ({ ...pool, disruption: pool.disruption ?? DEFAULT_POOL_DISRUPTION }));
    const systemNodeGroupName = `${cluster.clusterName}-system`;
    this.karpenter = new Karpenter(this, "Karpenter", {
      clusterName: cluster.clusterName,
      clusterEndpoint: cluster.endpoint,
      region: account.region,
      controllerRoleArn: cluster.karpenterControllerRoleArn,
      interruptionQueueName: cluster.karpenterInterruptionQueueName,
      version: training.charts.karpenter,
      replicas: training.karpenter.controllerReplicas,
      systemNodeGroupName,
    });
    const nodeClass = {
      clusterName: cluster.clusterName,
      amiAlias: karpenterAmiAlias(training.nodeAmiReleaseVersion),
      instanceProfileName: cluster.karpenterNodeInstanceProfileName,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      volumeKeyArn: cluster.clusterKeyArn,
      tags: karpenterNodeTags(props.environmentName),
    };
    this.gpuNodePools = new GpuNodePools(this, "GpuNodePools", { ...nodeClass, pools, dependsOn: [this.karpenter.controller.release] });
    this.cpuNodePool = new CpuNodePool(this, "CpuNodePool", {
      ...nodeClass,
      pool: { ...training.cpuPool, disruption: DEFAULT_POOL_DISRUPTION },
      dependsOn: [this.karpenter.controller.release],
    });
    this.devicePlugin = new NvidiaDevicePlugin(this, "NvidiaDevicePlugin", { version: training.charts.nvidiaDevicePlugin, pools });
    this.dcgmExporter = new DcgmExporter(this, "DcgmExporter", { version: training.charts.dcgmExporter });
    this.apsCollector = new ApsCollectorRbac(this, "ApsCollector");

    const queuePools: QueuePool[] = pools.map((pool) => ({ name: pool.name, capacity: poolCapacity(pool) }));
    this.priorityClasses = new TrainingPriorityClasses(this, "PriorityClasses");
    this.teams = Object.fromEntries(
      training.teams.map((team) => [
        team.name,
        new TeamNamespace(this, `Team-${team.name}`, {
          ...oidc,
          team: team.name,
          gpuQuota: teamGpuCap(team, queuePools),
          cpuQuota: team.cpuQuota,
          memoryQuota: team.memoryQuota,
          roleName: this.resourceName([team.name, "training"], 64),
          // Only the platform preempts every team.
          reservedPriorityClasses: [this.priorityClasses.criticalClassName],
        }),
      ]),
    );

    const kueueNamespace = new PlatformNamespace(this, "KueueNamespace", {
      name: KUEUE_NAMESPACE,
      cpuQuota: "2",
      memoryQuota: "2Gi",
      // Webhooks and the visibility API (the API server) and secure metrics (the managed collector).
      ingressPorts: [KUEUE_PORTS.webhook, KUEUE_PORTS.visibility, KUEUE_PORTS.metrics],
      vpcCidr,
    });
    this.kueue = new Kueue(this, "Kueue", { version: training.charts.kueue, namespace: kueueNamespace.namespaceName, systemNodeGroupName, dependsOn: kueueNamespace.dependables });
    this.kueueQueues = new KueueQueues(this, "KueueQueues", {
      pools: queuePools,
      teams: training.teams.map((team) => ({ ...team, namespace: team.name })),
      dependsOn: [this.kueue.release.release, ...Object.values(this.teams).map((team) => team.namespace)],
    });

    const monitoring = new PlatformNamespace(this, "MonitoringNamespace", { name: "monitoring", cpuQuota: "2", memoryQuota: "4Gi", vpcCidr });
    this.grafana = new Grafana(this, "Grafana", {
      ...oidc,
      version: training.charts.grafana,
      namespace: monitoring.namespaceName,
      namespaceName: "monitoring",
      region: account.region,
      prometheusWorkspaceArn: cluster.prometheusWorkspaceArn,
      prometheusEndpoint: cluster.prometheusEndpoint,
      roleName: this.resourceName(["grafana"], 64),
      systemNodeGroupName,
      dependsOn: monitoring.dependables,
    });
    this.dashboards = new DashboardConfigMaps(this, "Dashboards", {
      namespace: monitoring.namespaceName,
      label: DASHBOARD_LABEL,
      labelValue: DASHBOARD_LABEL_VALUE,
      dashboards: platformDashboards({
        idleGpuUtilPercent: training.observability.alerts.idleGpuUtilPercent,
        idleForMinutes: training.observability.alerts.idleForMinutes,
        endpointNames: props.servingEndpointNames ?? [],
      }),
    });
    new TerraformOutput(this, "teams", {
      value: Object.fromEntries(
        Object.entries(this.teams).map(([name, team]) => [
          name,
          { namespace: team.namespaceName, service_account: team.serviceAccountName, role_arn: team.role.roleArn, local_queue: DEFAULT_LOCAL_QUEUE },
        ]),
      ),
      description: "Each team's namespace, its service account with the AWS role jobs run as, and the Kueue LocalQueue its jobs go to",
    });
  }
}
