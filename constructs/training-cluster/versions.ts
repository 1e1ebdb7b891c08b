/** Kubernetes minor versions EKS supports in standard or extended support at this release of the blueprint. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"] as const;

/** Control plane log types EKS can send to CloudWatch Logs. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];

/**
 * CoreDNS minor versions of the EKS add-on known to run on each Kubernetes minor (Amazon EKS User Guide,
 * "Manage CoreDNS": the add-on versions per Kubernetes version). kube-proxy and node AMIs must carry the
 * cluster's own minor. A version missing here is refused until it is added with its source.
 */
export const COREDNS_MINORS: Readonly<Record<(typeof SUPPORTED_KUBERNETES_VERSIONS)[number], readonly string[]>> = {
  "1.29": ["1.11"],
  "1.30": ["1.11"],
  "1.31": ["1.11"],
  "1.32": ["1.11"],
  "1.33": ["1.12"],
  "1.34": ["1.12", "1.13"],
  "1.35": ["1.13", "1.14"],
};

/** `1.33` of `v1.33.3-eksbuild.6` or `1.33.5-20251103`. */
const minorOf = (version: string) => /^v?(\d+\.\d+)\./.exec(version)?.[1];

/**
 * What does not belong together in a cluster's versions: node AMIs, kube-proxy and CoreDNS built for another
 * Kubernetes minor than the cluster's (EKS creates them, then the nodes or add-ons fail). Shared by the
 * GpuTrainingCluster construct and the environment schema.
 */
export function versionMismatchProblems(versions: {
  readonly kubernetesVersion: string;
  readonly nodeAmiReleaseVersion?: string;
  readonly kubeProxy?: string;
  readonly coreDns?: string;
}): { field: "nodeAmiReleaseVersion" | "kubeProxy" | "coreDns"; message: string }[] {
  const k8s = versions.kubernetesVersion;
  const problems: { field: "nodeAmiReleaseVersion" | "kubeProxy" | "coreDns"; message: string }[] = [];
  const ami = versions.nodeAmiReleaseVersion;
  if (ami !== undefined && minorOf(ami) !== undefined && minorOf(ami) !== k8s) {
    problems.push({ field: "nodeAmiReleaseVersion", message: `${ami} is a node AMI for Kubernetes ${minorOf(ami)}, not the cluster's ${k8s}; use a ${k8s}.x-<date> release` });
  }
  const proxy = versions.kubeProxy;
  if (proxy !== undefined && minorOf(proxy) !== undefined && minorOf(proxy) !== k8s) {
    problems.push({ field: "kubeProxy", message: `${proxy} is kube-proxy for Kubernetes ${minorOf(proxy)}; the cluster runs ${k8s}: use a v${k8s}.x-eksbuild.N version` });
  }
  const dns = versions.coreDns;
  const allowed = Object.hasOwn(COREDNS_MINORS, k8s) ? COREDNS_MINORS[k8s as keyof typeof COREDNS_MINORS] : undefined;
  if (dns !== undefined && allowed && minorOf(dns) !== undefined && !allowed.includes(minorOf(dns)!)) {
    problems.push({ field: "coreDns", message: `${dns} is CoreDNS ${minorOf(dns)}; EKS runs CoreDNS ${allowed.join(" or ")} on Kubernetes ${k8s} (COREDNS_MINORS in constructs/training-cluster/versions.ts)` });
  }
  return problems;
}
