import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { NODE_GROUP_LABEL, SYSTEM_NODE_TOLERATION } from "../system-nodes";
import { CHARTS } from "../versions";
import { PinnedRelease } from "./helm";
import { TEAM_NAMESPACE_LABEL } from "./team-namespace";
export const KUEUE_NAMESPACE = "kueue-system";

/** Kueue's ports the API server (webhooks, visibility API) and the metrics collector reach. */
export const KUEUE_PORTS = { webhook: 9443, metrics: 8443, visibility: 8082 } as const;

export interface KueueProps {
  /** Exact version of the `kueue` chart; the image is the same release. */
  readonly version: string;
  /** The namespace (made by a PlatformNamespace; a reference, so the release waits for it). */
  readonly namespace: string;
  /** The system node group (`<cluster>-system`): the controller runs there, with the cluster's other controllers. */
  readonly systemNodeGroupName: string;
  /**
   * What must exist first (the namespace's quota and network policies).
   * @default - nothing
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Kueue's controller configuration (`config.kueue.x-k8s.io/v1beta2` Configuration), the fields the blueprint sets. */
export interface KueueConfiguration {
  readonly apiVersion: "config.kueue.x-k8s.io/v1beta2";
  readonly kind: "Configuration";
  readonly health: { readonly healthProbeBindAddress: string };
  readonly metrics: { readonly bindAddress: string; readonly enableClusterQueueResources: boolean };
  readonly webhook: { readonly port: number };
  readonly leaderElection: { readonly leaderElect: boolean; readonly resourceName: string };
  readonly controller: { readonly groupKindConcurrency: Readonly<Record<string, number>> };
  readonly clientConnection: { readonly qps: number; readonly burst: number };
  readonly manageJobsWithoutQueueName: boolean;
  readonly managedJobsNamespaceSelector: { readonly matchExpressions: readonly { readonly key: string; readonly operator: "Exists" }[] };
  readonly integrations: { readonly frameworks: readonly string[] };
}

/** What the blueprint sets of the `kueue` chart's values (charts/kueue/values.yaml). */
export interface KueueValues {
  readonly enablePrometheus: false;
  readonly enableCertManager: false;
  readonly controllerManager: {
    readonly replicas: number;
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly (typeof SYSTEM_NODE_TOLERATION)[];
    readonly manager: {
      readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: "IfNotPresent" };
      readonly priorityClassName: string;
      readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
    };
  };
  /** The controller's configuration file, as YAML (here JSON, which is YAML). */
  readonly managerConfig: { readonly controllerManagerConfigYaml: string };
}

/** The chart's default configuration with the blueprint's choices (charts/kueue/values.yaml, v0.19). */
export function kueueConfiguration(): KueueConfiguration {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    // Quota and usage per ClusterQueue: what the dashboards set GPU use against.
    metrics: { bindAddress: `:${KUEUE_PORTS.metrics}`, enableClusterQueueResources: true },
    webhook: { port: KUEUE_PORTS.webhook },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 10,
        "LocalQueue.kueue.x-k8s.io": 5,
        "ClusterQueue.kueue.x-k8s.io": 5,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    // In team namespaces every job goes through Kueue: one without a queue name lands in the `default` LocalQueue.
    manageJobsWithoutQueueName: true,
    managedJobsNamespaceSelector: { matchExpressions: [{ key: TEAM_NAMESPACE_LABEL, operator: "Exists" }] },
    integrations: { frameworks: ["batch/job", "jobset.x-k8s.io/jobset", "trainer.kubeflow.org/trainjob", "ray.io/rayjob"] },
  };
}

/**
 * Kueue, which queues the teams' jobs and admits them within their quotas (and what they may borrow):
 * the chart at a pinned version with the image of the same release from registry.k8s.io (the chart's
 * default is a staging registry), no Prometheus operator objects and no cert-manager (Kueue makes its own
 * webhook certificates).
 */
export class Kueue extends Construct {
  readonly release: PinnedRelease;
  readonly values: KueueValues;
  readonly configuration: KueueConfiguration;

  constructor(scope: Construct, id: string, props: KueueProps) {
    super(scope, id);
    const { kueue } = CHARTS;
    this.configuration = kueueConfiguration();
    this.values = {
      enablePrometheus: false,
      enableCertManager: false,
      controllerManager: {
        replicas: 1,
        nodeSelector: { [NODE_GROUP_LABEL]: props.systemNodeGroupName },
        tolerations: [SYSTEM_NODE_TOLERATION],
        manager: {
          image: { repository: "registry.k8s.io/kueue/kueue", tag: `v${props.version}`, pullPolicy: "IfNotPresent" },
          priorityClassName: "system-cluster-critical",
          resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "512Mi" } },
        },
      },
      managerConfig: { controllerManagerConfigYaml: JSON.stringify(this.configuration, null, 2) },
    };
    this.release = new PinnedRelease(this, "Kueue", {
      name: kueue.chart,
      namespace: props.namespace,
      chart: { repository: kueue.repository, chart: kueue.chart, version: props.version },
      values: this.values,
      dependsOn: props.dependsOn,
    });
  }
}
