import type { NetworkPolicyV1Spec } from "@cdktf/provider-kubernetes/lib/network-policy-v1";

/**
 * The network policies every namespace of ours starts from (team namespaces and the platform's): deny by default,
 * then the namespace itself, DNS to kube-dns, and HTTPS out. Keyed by policy name; the pod selector is added per use.
 */
export const BASELINE_NETWORK_POLICIES: Readonly<Record<string, Omit<NetworkPolicyV1Spec, "podSelector">>> = {
  "default-deny": { policyTypes: ["Ingress", "Egress"] },
  // An empty pod selector in a peer means every pod of this namespace.
  "allow-same-namespace": {
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  },
  "allow-dns": {
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: "53" },
          { protocol: "TCP", port: "53" },
        ],
      },
    ],
  },
  // Pods reach STS (IRSA's AssumeRoleWithWebIdentity), S3 and ECR over HTTPS. Through the VPC endpoints these
  // are private endpoint addresses (and S3's prefix list) that a NetworkPolicy cannot name, so any address on
  // 443 only. Everything else stays closed, including the instance metadata service (port 80).
  "allow-https-egress": {
    policyTypes: ["Egress"],
    egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: "443" }] }],
  },
};
