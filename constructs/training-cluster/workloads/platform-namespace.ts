import { Construct } from "constructs";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1, NetworkPolicyV1Spec } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { BASELINE_NETWORK_POLICIES } from "./baseline-network-policies";
import { KUBERNETES_QUANTITY } from "./team-namespace";
import { ConstructPropsError } from "../../core/errors";

export interface PlatformNamespaceProps {
  /** The namespace, e.g. `kueue-system`, `monitoring`. */
  readonly name: string;
  /** CPU its pods may request at once (rolling updates run two pods of a deployment for a while). */
  readonly cpuQuota: string;
  /** Memory its pods may request at once. */
  readonly memoryQuota: string;
  /**
   * Pods at once.
   * @default 20
   */
  readonly podQuota?: number;
  /**
   * TCP ports reachable from the VPC: what the API server (webhooks, aggregated APIs) and the managed
   * metrics collector, both in the VPC, call. Nothing else gets in.
   * @default []
   */
  readonly ingressPorts?: readonly number[];
  /** The VPC's CIDR, where the control plane's and the collector's network interfaces live. */
  readonly vpcCidr: string;
}

/**
 * A namespace for the platform's own services (Kueue, Grafana): a quota (and no GPU), default requests,
 * baseline Pod Security enforced and restricted warned, and network isolation: deny by default; the
 * namespace itself, DNS and HTTPS out (the API server, AWS APIs); in, only the listed ports from the VPC.
 */
export class PlatformNamespace extends Construct {
  readonly namespace: NamespaceV1;
  /** The namespace's name (a reference: what uses it waits for the namespace, its quota and policies). */
  readonly namespaceName: string;
  /** What a release into the namespace waits for: the namespace, its quota, defaults and policies (pods start within them). */
  readonly dependables: readonly (NamespaceV1 | ResourceQuotaV1 | LimitRangeV1 | NetworkPolicyV1)[];

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    for (const [field, value] of [["cpuQuota", props.cpuQuota], ["memoryQuota", props.memoryQuota]] as const) {
      if (!KUBERNETES_QUANTITY.test(value)) throw new ConstructPropsError(`${this.node.path}: ${field} "${value}" must be a Kubernetes quantity such as 2 or 4Gi`);
    }
    for (const port of props.ingressPorts ?? []) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConstructPropsError(`${this.node.path}: ingress port ${port} is not a TCP port`);
    }
    const labels = { "app.kubernetes.io/part-of": "mlops-platform" };
    this.namespace = new NamespaceV1(this, "Namespace", {
      metadata: {
        name: props.name,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": "baseline",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    });
    const namespace = this.namespace.metadata.name;
    const metadata = (name: string) => ({ name, namespace, labels });
    const quota = new ResourceQuotaV1(this, "Quota", {
      metadata: metadata("platform-quota"),
      spec: {
        hard: {
          "requests.cpu": props.cpuQuota,
          "requests.memory": props.memoryQuota,
          pods: String(props.podQuota ?? 20),
          // The platform's services never take a GPU from the teams.
          "requests.nvidia.com/gpu": "0",
        },
      },
    });
    const limits = new LimitRangeV1(this, "LimitRange", {
      metadata: metadata("container-defaults"),
      spec: { limit: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" } }] },
    });

    const policies: Record<string, Omit<NetworkPolicyV1Spec, "podSelector">> = {
      ...BASELINE_NETWORK_POLICIES,
      ...((props.ingressPorts ?? []).length > 0
        ? {
            "allow-vpc-ingress": {
              policyTypes: ["Ingress"],
              ingress: [{ from: [{ ipBlock: { cidr: props.vpcCidr } }], ports: props.ingressPorts!.map((port) => ({ protocol: "TCP", port: String(port) })) }],
            },
          }
        : {}),
    };
    const made = Object.entries(policies).map(
      ([name, spec]) => new NetworkPolicyV1(this, `NetworkPolicy-${name}`, { metadata: metadata(name), spec: { podSelector: {}, ...spec } }),
    );
    this.namespaceName = namespace;
    this.dependables = [this.namespace, quota, limits, ...made];
  }
}
