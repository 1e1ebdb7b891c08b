import { SCRAPE_JOBS, YamlValue, toYaml } from "./scrape-config";
import { PropsProblem, throwPropsProblems } from "../core/errors";

/** When the GPU alerts fire (the environment's `training.observability.alerts`). */
export interface GpuAlertThresholds {
  /** A GPU allocated to a pod is idle below this utilization, percent (1-100). */
  readonly idleGpuUtilPercent: number;
  /** How long it stays idle before the alert fires, minutes. */
  readonly idleForMinutes: number;
  /** How long a ClusterQueue holds pending workloads and admits none before the alert fires, minutes. */
  readonly pendingForMinutes: number;
  /** How long node launches fail while pods wait before the alert fires, minutes. */
  readonly launchFailureForMinutes: number;
}

/** The rule group's name in the workspace's namespace. */
export const GPU_ALERT_GROUP = "gpu-training";

/**
 * Window over which a GPU's utilization is averaged before it is called idle; that average must then stay low for
 * `idleForMinutes`, so a pod is first reported about 30 minutes plus `idleForMinutes` after it went idle.
 */
const IDLE_WINDOW = "30m";

/** How long a scrape target fails, or an always-running one is missing, before the alert fires: a few scrapes, not a blip. */
const SCRAPE_DOWN_FOR = "10m";

/** An alert that waits longer than a day is a typo more often than a choice. */
const MAX_FOR_MINUTES = 1440;

/** What is wrong with the thresholds, each at its field: a percentage in (0, 100], whole minutes 1-1440. */
export function gpuAlertThresholdProblems(t: Partial<GpuAlertThresholds>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (t.idleGpuUtilPercent !== undefined && !(t.idleGpuUtilPercent > 0 && t.idleGpuUtilPercent <= 100)) {
    problems.push({ path: "idleGpuUtilPercent", message: `is ${t.idleGpuUtilPercent}; must be a percentage above 0, at most 100` });
  }
  for (const field of ["idleForMinutes", "pendingForMinutes", "launchFailureForMinutes"] as const) {
    const minutes = t[field];
    if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_FOR_MINUTES)) {
      problems.push({ path: field, message: `is ${minutes}; must be whole minutes 1-${MAX_FOR_MINUTES}` });
    }
  }
  return problems;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * The alerts on GPU training (design §5), as Prometheus alerting rules:
 *
 * - GPUs allocated to a pod but idle: DCGM's utilization per pod, averaged; on MIG instances (where DCGM reports no
 *   GPU_UTIL) the graphics engine's active ratio;
 * - workloads pending in a ClusterQueue that admits none, and workloads Kueue cannot admit at all;
 * - node launches failing while pods wait, and Karpenter's calls to AWS failing;
 * - a scrape target failing (a refused token, a blocked port) or an always-running one not found: without these
 *   the other alerts would stay silent for want of data. DCGM runs only on GPU nodes, so its absence is normal.
 */
export function gpuAlertRules(t: GpuAlertThresholds): AlertRule[] {
  throwPropsProblems("gpuAlertRules", gpuAlertThresholdProblems(t));
  const warning = { severity: "warning" };
  return [
    {
      alert: "GpuAllocatedIdle",
      expr: `avg by (namespace, pod) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{pod!=""}[${IDLE_WINDOW}])) < ${t.idleGpuUtilPercent}`,
      for: `${t.idleForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "GPUs allocated to {{ $labels.namespace }}/{{ $labels.pod }} are idle",
        description: `The 30-minute average utilization of the pod's GPUs is {{ $value | humanize }} %, and has stayed under ${t.idleGpuUtilPercent} % for ${t.idleForMinutes} minutes: free them for queued work.`,
      },
    },
    {
      alert: "GpuAllocatedIdleMig",
      expr: `avg by (namespace, pod) (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{pod!="", GPU_I_PROFILE!=""}[${IDLE_WINDOW}])) * 100 < ${t.idleGpuUtilPercent}`,
      for: `${t.idleForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "MIG instances allocated to {{ $labels.namespace }}/{{ $labels.pod }} are idle",
        description: `The pod's MIG instances were active {{ $value | humanize }} % of the last 30 minutes, and have stayed under ${t.idleGpuUtilPercent} % for ${t.idleForMinutes} minutes: free them for queued work.`,
      },
    },
    {
      alert: "KueuePendingTooLong",
      // `unless`, not `and ... == 0`: a queue that admitted nothing since Kueue started has no admission series at all.
      expr: "sum by (cluster_queue) (kueue_pending_workloads) > 0 unless on (cluster_queue) sum by (cluster_queue) (increase(kueue_admitted_workloads_total[1h])) > 0",
      for: `${t.pendingForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "ClusterQueue {{ $labels.cluster_queue }} has pending workloads and admits none",
        description: `{{ $value }} workloads have waited in {{ $labels.cluster_queue }} for ${t.pendingForMinutes} minutes with no admission in the last hour: the pools are full or the queue's quota is used up.`,
      },
    },
    {
      alert: "KueueInadmissibleWorkloads",
      expr: 'sum by (cluster_queue) (kueue_pending_workloads{status="inadmissible"}) > 0',
      for: `${t.pendingForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "ClusterQueue {{ $labels.cluster_queue }} holds workloads it can never admit",
        description: "{{ $value }} workloads ask for more than the queue's flavors can give (a resource no flavor offers, or above every limit): fix the job or the quota.",
      },
    },
    {
      alert: "KarpenterLaunchFailures",
      expr:
        "sum by (capacity_type, reason) (increase(karpenter_cloudprovider_instance_launch_failures_total[15m])) > 0 " +
        "and on () sum(karpenter_scheduler_unschedulable_pods_count) > 0",
      for: `${t.launchFailureForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "Karpenter cannot launch {{ $labels.capacity_type }} nodes ({{ $labels.reason }}) while pods wait",
        description: `Launches have failed for ${t.launchFailureForMinutes} minutes with pods unschedulable: capacity is short for the pool's instance types (try other types or on-demand), or a quota or permission is missing.`,
      },
    },
    {
      alert: "KarpenterCloudProviderErrors",
      expr: "sum by (controller, method) (increase(karpenter_cloudprovider_errors_total[15m])) > 0",
      for: `${t.launchFailureForMinutes}m`,
      labels: warning,
      annotations: {
        summary: "Karpenter's {{ $labels.method }} calls to AWS fail",
        description: "Karpenter's cloud provider calls have returned errors for a while: read the controller's logs (AccessDenied names a missing permission).",
      },
    },
    {
      alert: "MetricsTargetDown",
      expr: `up{job=~"${Object.values(SCRAPE_JOBS).join("|")}"} == 0`,
      for: SCRAPE_DOWN_FOR,
      labels: warning,
      annotations: {
        summary: "The collector cannot scrape {{ $labels.job }} at {{ $labels.instance }}",
        description: "Scrapes have failed for 10 minutes, so the dashboards and alerts that read this job see no data: check the target's network policy and, for kueue (HTTPS, token), that the collector's user may get /metrics.",
      },
    },
    {
      alert: "MetricsTargetMissing",
      expr: `absent(up{job="${SCRAPE_JOBS.karpenter}"}) or absent(up{job="${SCRAPE_JOBS.kueue}"})`,
      for: SCRAPE_DOWN_FOR,
      labels: warning,
      annotations: {
        summary: "The collector finds no {{ $labels.job }} target",
        description: "The controller runs at all times, yet the collector has found no endpoint of its metrics Service for 10 minutes: check the release and the scrape configuration's service selector.",
      },
    },
  ];
}

/** The rule group namespace's `data`: one group of the GPU alerts, as YAML. */
export function gpuAlertRulesYaml(t: GpuAlertThresholds): string {
  const rules = gpuAlertRules(t).map((rule) => ({ ...rule }) as unknown as YamlValue);
  return toYaml({ groups: [{ name: GPU_ALERT_GROUP, rules }] });
}
