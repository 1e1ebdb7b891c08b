import { Construct } from "constructs";
import { Token } from "cdktf";
import { NODE_GROUP_LABEL } from "../system-nodes";
import { CHARTS } from "../versions";
import { PinnedRelease } from "./helm";
import { PropsProblem, throwPropsProblems } from "../../core/errors";
import { ROLE_ARN } from "../../core/service-role";

export const KARPENTER_NAMESPACE = "kube-system";
/** The controller's service account: the subject its IRSA role (training stack) trusts. */
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";

export interface KarpenterProps {
  /** The EKS cluster (may be a reference to the training stack). */
  readonly clusterName: string;
  /** The cluster's API endpoint (spares the controller a DescribeCluster at start). */
  readonly clusterEndpoint: string;
  readonly region: string;
  /** The controller's IRSA role, made by the training stack for `kube-system:karpenter`. */
  readonly controllerRoleArn: string;
  /** The SQS queue EventBridge sends Spot interruptions, rebalances and health events to (training stack). */
  readonly interruptionQueueName: string;
  /** Exact version of the `karpenter` and `karpenter-crd` charts (they are released together). */
  readonly version: string;
  /** Controller pods, one per system node at most (hostname anti-affinity). */
  readonly replicas: number;
  /** The managed node group the controller runs on (never on nodes it manages itself). */
  readonly systemNodeGroupName: string;
}

interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

/** What the blueprint sets of the `karpenter` chart's values (charts/karpenter/values.yaml). */
export interface KarpenterValues {
  readonly replicas: number;
  readonly serviceAccount: { readonly create: true; readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  readonly settings: {
    readonly clusterName: string;
    readonly clusterEndpoint: string;
    readonly interruptionQueue: string;
    /** NodeOverlay (alpha): the GPU units of pools that share their GPUs (gpu-node-pools.ts). */
    readonly featureGates: { readonly nodeOverlay: true };
  };
  readonly affinity: {
    readonly nodeAffinity: {
      readonly requiredDuringSchedulingIgnoredDuringExecution: { readonly nodeSelectorTerms: readonly { readonly matchExpressions: readonly NodeSelectorRequirement[] }[] };
    };
    readonly podAntiAffinity: {
      readonly requiredDuringSchedulingIgnoredDuringExecution: readonly { readonly topologyKey: string; readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> } }[];
    };
  };
  readonly controller: { readonly resources: Resources; readonly env: readonly { readonly name: string; readonly value: string }[] };
  readonly logLevel: "info" | "debug" | "error";
}

/**
 * What the controller's release would be refused for, each at its field; only the fields given are judged. Shared
 * by Karpenter (which throws them all) and the environment schema (training.karpenter.controllerReplicas).
 */
export function karpenterProblems(props: Partial<Pick<KarpenterProps, "replicas" | "controllerRoleArn">>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (props.replicas !== undefined && !(Number.isInteger(props.replicas) && props.replicas >= 1)) {
    problems.push({ path: "replicas", message: `is ${props.replicas}; the controller needs at least 1 pod (a whole number)` });
  }
  if (props.controllerRoleArn !== undefined && !Token.isUnresolved(props.controllerRoleArn) && !ROLE_ARN.test(props.controllerRoleArn)) {
    problems.push({ path: "controllerRoleArn", message: `is "${props.controllerRoleArn}"; it must be an IAM role ARN` });
  }
  return problems;
}

/**
 * Karpenter, which launches the GPU pools' nodes: its CRDs as a release of their own (`karpenter-crd`, which
 * Helm upgrades, unlike a chart's `crds/` folder), then the controller with `skip_crds`. The controller runs on
 * the system node group only, one pod per node, with the IRSA role and interruption queue of the training stack.
 */
export class Karpenter extends Construct {
  readonly crds: PinnedRelease;
  readonly controller: PinnedRelease;
  readonly values: KarpenterValues;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, karpenterProblems(props));
    const { karpenter } = CHARTS;
    this.crds = new PinnedRelease(this, "Crds", {
      name: karpenter.crdChart,
      namespace: KARPENTER_NAMESPACE,
      chart: { repository: karpenter.repository, chart: karpenter.crdChart, version: props.version },
      values: {},
    });
    this.values = {
      replicas: props.replicas,
      serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": props.controllerRoleArn } },
      settings: { clusterName: props.clusterName, clusterEndpoint: props.clusterEndpoint, interruptionQueue: props.interruptionQueueName, featureGates: { nodeOverlay: true } },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  // Never on a node it launched: it would take its own node away when consolidating.
                  { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
                  { key: NODE_GROUP_LABEL, operator: "In", values: [props.systemNodeGroupName] },
                ],
              },
            ],
          },
        },
        // A term without a label selector matches no pod: it must name the controller's own pods to spread them.
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "karpenter" } } }],
        },
      },
      controller: {
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
        // System nodes allow IMDS one hop only, so pods cannot learn the region from it.
        env: [{ name: "AWS_REGION", value: props.region }],
      },
      logLevel: "info",
    };
    this.controller = new PinnedRelease(this, "Controller", {
      name: karpenter.chart,
      namespace: KARPENTER_NAMESPACE,
      chart: { repository: karpenter.repository, chart: karpenter.chart, version: props.version },
      values: this.values,
      skipCrds: true,
      dependsOn: [this.crds.release],
    });
  }
}
