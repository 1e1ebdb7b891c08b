import { Construct } from "constructs";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { BASELINE_NETWORK_POLICIES } from "./baseline-network-policies";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { IrsaRole } from "../irsa-role";
import { PropsProblem, throwPropsProblems } from "../../core/errors";

/** CPU and memory of a container, as Kubernetes quantities. */
export interface ContainerResources {
  readonly cpu: string;
  readonly memory: string;
}

export interface TeamNamespaceProps {
  /** The team, also its namespace: a Kubernetes name. */
  readonly team: string;
  /**
   * `nvidia.com/gpu` units the team's pods may request at once: the hard cap (ResourceQuota) behind Kueue,
   * its quota plus what it may borrow in each pool, never more than the pools have (see `teamGpuCap`).
   */
  readonly gpuQuota: number;
  /** CPU the team's pods may request at once, e.g. `128`. */
  readonly cpuQuota: string;
  /** Memory the team's pods may request at once, e.g. `512Gi`. */
  readonly memoryQuota: string;
  /** Name of the IAM role the team's training pods run as. */
  readonly roleName: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL (`https://oidc.eks...`). */
  readonly oidcIssuerUrl: string;
  /**
   * Requests of a container that sets none.
   * @default { cpu: "500m", memory: "1Gi" }
   */
  readonly defaultContainerRequests?: ContainerResources;
  /**
   * Priority classes the team's pods may not use (a quota of zero pods in their scope): classes kept for the
   * platform, which would otherwise let a team preempt everyone else.
   * @default []
   */
  readonly reservedPriorityClasses?: readonly string[];
}

/** Label of team namespaces (its value the team): Kueue manages every job there, with or without a queue name. */
export const TEAM_NAMESPACE_LABEL = "mlops/team";

const KUBERNETES_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A Kubernetes quantity as the blueprint accepts it (plain, milli, decimal and binary suffixes). */
export const KUBERNETES_QUANTITY = /^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/**
 * A team's namespace for training: GPU, CPU and memory quotas (Kueue admits jobs within the team's queue;
 * this quota stops whatever bypasses it), default container resources, Pod Security
 * Admission (baseline enforced, restricted audited and warned), network isolation (deny by default; the
 * namespace, DNS and HTTPS out), and a `<team>-training` service account whose IAM role the data layer grants to.
 */
export class TeamNamespace extends Construct {
  readonly namespace: NamespaceV1;
  /** The namespace's name (a reference, so what depends on it waits for the namespace). */
  readonly namespaceName: string;
  readonly serviceAccount: ServiceAccountV1;
  readonly serviceAccountName: string;
  /** The IAM role of the training service account; grant it data access. */
  readonly role: IrsaRole;

  constructor(scope: Construct, id: string, props: TeamNamespaceProps) {
    super(scope, id);
    const requests = props.defaultContainerRequests ?? { cpu: "500m", memory: "1Gi" };
    throwPropsProblems(this.node.path, teamNamespaceProblems(props));

    const labels = { team: props.team };
    this.namespace = new NamespaceV1(this, "Namespace", {
      metadata: {
        name: props.team,
        labels: {
          ...labels,
          // Kueue manages every job of the namespace (managedJobsNamespaceSelector).
          [TEAM_NAMESPACE_LABEL]: props.team,
          "pod-security.kubernetes.io/enforce": "baseline",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    });
    this.namespaceName = this.namespace.metadata.name;
    const metadata = (name: string) => ({ name, namespace: this.namespaceName, labels });

    new ResourceQuotaV1(this, "Quota", {
      metadata: metadata("training-quota"),
      spec: {
        hard: {
          "requests.nvidia.com/gpu": String(props.gpuQuota),
          "requests.cpu": props.cpuQuota,
          "requests.memory": props.memoryQuota,
        },
      },
    });
    // The quota makes every pod state its CPU and memory requests; these fill in for containers that do not.
    // No default limits: a GPU job that sets none would get a small memory limit and be OOM-killed mid-training.
    new LimitRangeV1(this, "LimitRange", {
      metadata: metadata("container-defaults"),
      spec: { limit: [{ type: "Container", defaultRequest: { ...requests } }] },
    });
    if ((props.reservedPriorityClasses ?? []).length > 0) {
      new ResourceQuotaV1(this, "ReservedPriorities", {
        metadata: metadata("reserved-priority-classes"),
        spec: {
          hard: { pods: "0" },
          scopeSelector: { matchExpression: [{ scopeName: "PriorityClass", operator: "In", values: [...props.reservedPriorityClasses!] }] },
        },
      });
    }
    this.networkPolicies(metadata);

    this.serviceAccountName = `${props.team}-training`;
    this.role = new IrsaRole(this, "Role", {
      roleName: props.roleName,
      description: `Training pods of team ${props.team}`,
      oidcProviderArn: props.oidcProviderArn,
      oidcIssuerUrl: props.oidcIssuerUrl,
      namespace: props.team,
      serviceAccountName: this.serviceAccountName,
    });
    this.serviceAccount = new ServiceAccountV1(this, "TrainingServiceAccount", {
      metadata: { ...metadata(this.serviceAccountName), annotations: { "eks.amazonaws.com/role-arn": this.role.roleArn } },
      // Training pods read their Kubernetes identity (e.g. distributed launchers); IRSA's own token is projected separately.
      automountServiceAccountToken: true,
    });
  }

  private networkPolicies(metadata: (name: string) => { name: string; namespace: string; labels: Record<string, string> }): void {
    const policies = BASELINE_NETWORK_POLICIES;
    for (const [name, spec] of Object.entries(policies)) {
      new NetworkPolicyV1(this, `NetworkPolicy-${name}`, { metadata: metadata(name), spec: { podSelector: {}, ...spec } });
    }
  }
}

/** Namespaces Kubernetes makes itself: a team namespace of that name would take over the cluster's own. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * What Kubernetes would refuse in a team's namespace and quotas, or would take from the cluster, each at its field
 * (`team`, `cpuQuota`, `defaultContainerRequests.memory`, ...); only the fields given are judged. Shared by
 * TeamNamespace (which throws them all) and the environment schema (training.teams).
 */
export function teamNamespaceProblems(props: Partial<Pick<TeamNamespaceProps, "team" | "gpuQuota" | "cpuQuota" | "memoryQuota" | "defaultContainerRequests">>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (props.team !== undefined && !KUBERNETES_NAME.test(props.team)) {
    problems.push({ path: "team", message: `is "${props.team}"; it must be 1-63 lowercase letters, digits and inner hyphens, starting with a letter` });
  } else if (props.team !== undefined && RESERVED_NAMESPACES.includes(props.team)) {
    problems.push({ path: "team", message: `"${props.team}" is a namespace Kubernetes keeps for itself; name the team otherwise` });
  }
  if (props.gpuQuota !== undefined && !(Number.isInteger(props.gpuQuota) && props.gpuQuota >= 0)) {
    problems.push({ path: "gpuQuota", message: `is ${props.gpuQuota}; it must be a whole number of GPUs >= 0` });
  }
  const quantities = {
    cpuQuota: props.cpuQuota,
    memoryQuota: props.memoryQuota,
    "defaultContainerRequests.cpu": props.defaultContainerRequests?.cpu,
    "defaultContainerRequests.memory": props.defaultContainerRequests?.memory,
  };
  for (const [path, value] of Object.entries(quantities)) {
    if (value !== undefined && !KUBERNETES_QUANTITY.test(value)) problems.push({ path, message: `is "${value}"; must be a Kubernetes quantity such as 64, 500m, 1G or 256Gi` });
  }
  return problems;
}
