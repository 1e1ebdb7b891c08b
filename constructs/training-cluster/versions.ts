import { ConstructPropsError, type PropsProblem } from "../core/errors";
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

/** `1.33` of `v1.33.3-eksbuild.6` or `1.33.5-20251108`. */
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
}): PropsProblem[] {
  const k8s = versions.kubernetesVersion;
  const problems: PropsProblem[] = [];
  const ami = versions.nodeAmiReleaseVersion;
  if (ami !== undefined && minorOf(ami) !== undefined && minorOf(ami) !== k8s) {
    problems.push({ path: "nodeAmiReleaseVersion", message: `${ami} is a node AMI for Kubernetes ${minorOf(ami)}, not the cluster's ${k8s}; use a ${k8s}.x-<date> release` });
  }
  const proxy = versions.kubeProxy;
  if (proxy !== undefined && minorOf(proxy) !== undefined && minorOf(proxy) !== k8s) {
    problems.push({ path: "kubeProxy", message: `${proxy} is kube-proxy for Kubernetes ${minorOf(proxy)}; the cluster runs ${k8s}: use a v${k8s}.x-eksbuild.N version` });
  }
  const dns = versions.coreDns;
  const allowed = Object.hasOwn(COREDNS_MINORS, k8s) ? COREDNS_MINORS[k8s as keyof typeof COREDNS_MINORS] : undefined;
  if (dns !== undefined && allowed && minorOf(dns) !== undefined && !allowed.includes(minorOf(dns)!)) {
    problems.push({ path: "coreDns", message: `${dns} is CoreDNS ${minorOf(dns)}; EKS runs CoreDNS ${allowed.join(" or ")} on Kubernetes ${k8s} (COREDNS_MINORS in constructs/training-cluster/versions.ts)` });
  }
  return problems;
}

/**
 * The oldest Karpenter that supports each Kubernetes minor (Karpenter "Compatibility" matrix). The
 * blueprint's NodePools and EC2NodeClasses are `karpenter.sh/v1` and `karpenter.k8s.aws/v1`, so it also
 * needs Karpenter 1.0 or later ({@link KARPENTER_V1_API_MIN_VERSION}) whatever the Kubernetes version.
 */
export const KARPENTER_MIN_VERSION: Readonly<Record<(typeof SUPPORTED_KUBERNETES_VERSIONS)[number], string>> = {
  "1.29": "0.34.0",
  "1.30": "0.37.0",
  "1.31": "1.0.5",
  "1.32": "1.2.0",
  "1.33": "1.5.0",
  "1.34": "1.6.0",
  "1.35": "1.9.0",
};
/** The first Karpenter with the v1 APIs the blueprint's objects use. */
export const KARPENTER_V1_API_MIN_VERSION = "1.0.0";

/**
 * Where each chart of the cluster comes from, and the version the shipped environments pin (the newest
 * known when issue 13 was designed; re-check with `helm show chart` before moving one). `karpenter-crd`
 * is installed at the `karpenter` version, from the same repository.
 */
export const CHARTS = {
  karpenter: { repository: "oci://public.ecr.aws/karpenter", chart: "karpenter", crdChart: "karpenter-crd", version: "1.14.1" },
  kueue: { repository: "oci://registry.k8s.io/kueue/charts", chart: "kueue", version: "0.19.2" },
  nvidiaDevicePlugin: { repository: "https://nvidia.github.io/k8s-device-plugin", chart: "nvidia-device-plugin", version: "0.20.0" },
  dcgmExporter: { repository: "https://nvidia.github.io/dcgm-exporter/helm-charts", chart: "dcgm-exporter", version: "4.8.2" },
  grafana: { repository: "https://grafana-community.github.io/helm-charts", chart: "grafana", version: "12.11.1" },
} as const;
export type ChartName = keyof typeof CHARTS;

/**
 * Grafana plugins the blueprint's Grafana installs at start (the chart's `plugins`, Grafana's `preinstall_sync`),
 * pinned like the charts: the Amazon Managed Service for Prometheus datasource (3.x needs Grafana 11.5 or later;
 * the pinned chart runs Grafana 13.2).
 */
export const GRAFANA_PLUGINS = { "grafana-amazonprometheus-datasource": "3.3.5" } as const;
export const CHART_NAMES = Object.keys(CHARTS) as ChartName[];

/** The pinned version of each chart, as the environments' `training.charts` holds them. */
export const CHART_VERSIONS: Readonly<Record<ChartName, string>> = Object.fromEntries(CHART_NAMES.map((name) => [name, CHARTS[name].version])) as Record<ChartName, string>;

/** An exact semantic version (`1.14.1`, `0.20.0-rc.1`): no range, no `v`, never `latest`. */
export const EXACT_SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Compares two exact versions by major, minor and patch (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.replace(/^v/, "").split("-", 2);
    return { parts: core.split(".").map((n) => Number(n)), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/**
 * What is wrong with a cluster's chart versions: one that is not an exact semantic version (Helm would
 * take a range or the newest), and a Karpenter older than the cluster's Kubernetes minor supports or
 * older than the v1 APIs. Shared by the schema and the constructs.
 */
export function chartVersionProblems(kubernetesVersion: string, charts: Partial<Record<ChartName, string>>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  for (const name of CHART_NAMES) {
    const version = charts[name];
    if (version === undefined) continue;
    if (!EXACT_SEMVER.test(version)) {
      problems.push({ path: name, message: `is ${JSON.stringify(version)}; pin an exact chart version such as ${CHARTS[name].version} (no range, no "v", never latest)` });
    }
  }
  const karpenter = charts.karpenter;
  if (karpenter !== undefined && EXACT_SEMVER.test(karpenter)) {
    const forKubernetes = Object.hasOwn(KARPENTER_MIN_VERSION, kubernetesVersion) ? KARPENTER_MIN_VERSION[kubernetesVersion as keyof typeof KARPENTER_MIN_VERSION] : undefined;
    if (forKubernetes !== undefined && compareVersions(karpenter, forKubernetes) < 0) {
      problems.push({ path: "karpenter", message: `is ${karpenter}; Kubernetes ${kubernetesVersion} needs Karpenter ${forKubernetes} or later (KARPENTER_MIN_VERSION, from Karpenter's compatibility matrix)` });
    } else if (compareVersions(karpenter, KARPENTER_V1_API_MIN_VERSION) < 0) {
      problems.push({ path: "karpenter", message: `is ${karpenter}; the blueprint's NodePools and EC2NodeClasses use the v1 APIs of Karpenter ${KARPENTER_V1_API_MIN_VERSION} or later` });
    }
  }
  return problems;
}

/**
 * The EC2NodeClass AMI alias for a node AMI release: `1.33.5-20251108` gives `al2023@v20251108`. Karpenter
 * picks the AL2023 variant itself (the NVIDIA one for GPU instances), so one field pins every node's image.
 */
export function karpenterAmiAlias(nodeAmiReleaseVersion: string): string {
  const date = /^\d+\.\d+\.\d+-(\d{8})$/.exec(nodeAmiReleaseVersion)?.[1];
  if (date === undefined) throw new ConstructPropsError(`node AMI release ${JSON.stringify(nodeAmiReleaseVersion)} is not of the form 1.33.5-20251108; cannot derive the Karpenter AMI alias`);
  return `al2023@v${date}`;
}
