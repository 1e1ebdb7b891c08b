import { Construct } from "constructs";
import { Fn } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ClusterAutoscaler } from "../constructs/training-cluster/workloads/cluster-autoscaler";
import { NvidiaDevicePlugin } from "../constructs/training-cluster/workloads/nvidia-device-plugin";
import { TrainingPriorityClasses } from "../constructs/training-cluster/workloads/priority-classes";
import { TeamNamespace } from "../constructs/training-cluster/workloads/team-namespace";
import type { EnvironmentConfig } from "../environments/schema";
import { PlatformStack } from "./platform-stack";

/** How the workloads stack reaches the cluster: attributes of the training stack's cluster, passed as cross-stack references. */
export interface ClusterConnection {
  readonly clusterName: string;
  readonly endpoint: string;
  /** Base64-encoded CA certificate of the API server, as EKS returns it. */
  readonly certificateAuthorityData: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
}

/**
 * `<env>-workloads`: what runs inside the training cluster: the NVIDIA device plugin, the cluster autoscaler,
 * training priority classes, and one namespace per team. A stack apart from the cluster's, so its Kubernetes
 * provider is configured from the outputs of an applied cluster, never from one created in the same apply.
 */
export class WorkloadsStack extends PlatformStack {
  readonly devicePlugin: NvidiaDevicePlugin;
  readonly clusterAutoscaler: ClusterAutoscaler;
  readonly priorityClasses: TrainingPriorityClasses;
  /** Each team's namespace, by team name. */
  readonly teams: Readonly<Record<string, TeamNamespace>>;

  constructor(scope: Construct, environment: EnvironmentConfig, cluster: ClusterConnection) {
    super(scope, { environment, layer: "workloads" });
    const { training } = environment;
    new KubernetesProvider(this, "kubernetes", {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthorityData),
      // A short-lived token per run from the caller's AWS credentials; nothing long-lived in the state.
      exec: [
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: ["eks", "get-token", "--cluster-name", cluster.clusterName, "--region", environment.account.region],
        },
      ],
    });
    const oidc = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuerUrl: cluster.oidcIssuerUrl };

    this.devicePlugin = new NvidiaDevicePlugin(this, "NvidiaDevicePlugin", { version: training.images.nvidiaDevicePlugin });
    this.clusterAutoscaler = new ClusterAutoscaler(this, "ClusterAutoscaler", {
      ...oidc,
      clusterName: cluster.clusterName,
      roleName: this.resourceName(["cluster-autoscaler"], 64),
      version: training.images.clusterAutoscaler,
    });
    this.priorityClasses = new TrainingPriorityClasses(this, "PriorityClasses");
    this.teams = Object.fromEntries(
      training.teams.map((team) => [
        team.name,
        new TeamNamespace(this, `Team-${team.name}`, {
          ...oidc,
          team: team.name,
          gpuQuota: team.gpuQuota,
          cpuQuota: team.cpuQuota,
          memoryQuota: team.memoryQuota,
          roleName: this.resourceName([team.name, "training"], 64),
          // Only the platform preempts every team.
          reservedPriorityClasses: [this.priorityClasses.criticalClassName],
        }),
      ]),
    );
  }
}
