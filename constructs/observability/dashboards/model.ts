/**
 * A small typed model of Grafana's dashboard JSON (schema 39), enough for the platform's dashboards, and
 * helpers that lay panels out on the 24-column grid. Pure data: no construct, no Terraform.
 */

/**
 * Grafana's datasource plugin for Amazon Managed Service for Prometheus. SigV4 in the core `prometheus` datasource is
 * deprecated (Grafana 13 migrates such datasources to this plugin on startup), so the blueprint provisions the plugin.
 */
export const AMAZON_PROMETHEUS_PLUGIN = "grafana-amazonprometheus-datasource";

export interface DatasourceRef {
  readonly type: typeof AMAZON_PROMETHEUS_PLUGIN | "cloudwatch";
  readonly uid: string;
}

/** The datasources Grafana is provisioned with (see workloads/grafana.ts): dashboards name them by type and uid. */
export const PROMETHEUS: DatasourceRef = { type: AMAZON_PROMETHEUS_PLUGIN, uid: "amp" };
export const CLOUDWATCH: DatasourceRef = { type: "cloudwatch", uid: "cloudwatch" };

export interface PrometheusTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  readonly legendFormat: string;
  readonly range: true;
  readonly instant?: boolean;
}

export interface CloudWatchTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly queryMode: "Metrics";
  readonly metricQueryType: 0;
  readonly metricEditorMode: 0;
  readonly region: "default";
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
  /** False: metrics with more dimensions (the endpoint's variants) match too. */
  readonly matchExact: false;
  readonly statistic: string;
  readonly period: string;
  readonly label: string;
}

export type Target = PrometheusTarget | CloudWatchTarget;

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Panel {
  readonly id: number;
  readonly type: "timeseries" | "stat" | "table";
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly Target[];
  readonly fieldConfig: { readonly defaults: { readonly unit?: string; readonly min?: number; readonly max?: number }; readonly overrides: readonly unknown[] };
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface TemplateVariable {
  readonly name: string;
  readonly label: string;
  readonly type: "query";
  readonly datasource: DatasourceRef;
  readonly query: { readonly query: string; readonly refId: string };
  readonly definition: string;
  readonly includeAll: true;
  readonly multi: true;
  readonly allValue: ".*";
  readonly refresh: 2;
  readonly regex: string;
  readonly sort: 1;
  readonly current: Readonly<Record<string, never>>;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly timezone: "utc";
  readonly schemaVersion: 39;
  readonly version: 1;
  readonly editable: false;
  readonly graphTooltip: 1;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: "now" };
  readonly templating: { readonly list: readonly TemplateVariable[] };
  readonly annotations: { readonly list: readonly unknown[] };
  readonly panels: readonly Panel[];
}

/** A panel before layout: what it shows and how wide it is. */
export interface PanelSpec {
  readonly type: Panel["type"];
  readonly title: string;
  readonly description: string;
  readonly targets: readonly Omit<PrometheusTarget, "refId" | "datasource" | "range">[] | readonly Omit<CloudWatchTarget, "refId" | "datasource">[];
  readonly datasource?: DatasourceRef;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Grid columns of 24. @default 12 */
  readonly width?: number;
  /** Grid rows. @default 8 */
  readonly height?: number;
  readonly options?: Readonly<Record<string, unknown>>;
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A Prometheus query with its legend. */
export const promQuery = (expr: string, legendFormat: string): Omit<PrometheusTarget, "refId" | "datasource" | "range"> => ({ expr, legendFormat });

/** Lays panels out left to right, wrapping at 24 columns, and numbers them and their queries. */
export function layout(specs: readonly PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, i) => {
    const w = spec.width ?? 12;
    const h = spec.height ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    const datasource = spec.datasource ?? PROMETHEUS;
    const targets: Target[] = spec.targets.map((target, j) =>
      datasource.type === PROMETHEUS.type
        ? { ...(target as Omit<PrometheusTarget, "refId" | "datasource" | "range">), refId: REF_IDS[j], datasource: PROMETHEUS, range: true }
        : { ...(target as Omit<CloudWatchTarget, "refId" | "datasource">), refId: REF_IDS[j], datasource: CLOUDWATCH },
    );
    const defaults = {
      ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
      ...(spec.min !== undefined ? { min: spec.min } : {}),
      ...(spec.max !== undefined ? { max: spec.max } : {}),
    };
    return {
      id: i + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      gridPos,
      datasource,
      targets,
      fieldConfig: { defaults, overrides: [] },
      ...(spec.options ? { options: spec.options } : {}),
    };
  });
}

/** A multi-value variable over a label's values (Grafana's `label_values`), with "All". */
export function labelVariable(name: string, label: string, metric: string, labelName: string, regex = ""): TemplateVariable {
  const definition = `label_values(${metric}, ${labelName})`;
  return {
    name,
    label,
    type: "query",
    datasource: PROMETHEUS,
    query: { query: definition, refId: "PrometheusVariableQueryEditor-VariableQuery" },
    definition,
    includeAll: true,
    multi: true,
    allValue: ".*",
    refresh: 2,
    regex,
    sort: 1,
    current: {},
  };
}

/** A dashboard with the platform's defaults: UTC, read-only (it is code), refreshed every minute. */
export function dashboard(props: { uid: string; title: string; description: string; tags: readonly string[]; panels: readonly PanelSpec[]; variables?: readonly TemplateVariable[]; from?: string }): Dashboard {
  return {
    uid: props.uid,
    title: props.title,
    description: props.description,
    tags: ["mlops", ...props.tags],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: false,
    graphTooltip: 1,
    refresh: "1m",
    time: { from: props.from ?? "now-6h", to: "now" },
    templating: { list: props.variables ?? [] },
    annotations: { list: [] },
    panels: layout(props.panels),
  };
}

/**
 * The metrics the dashboards (and alerts) may use, by source, with the exporter that publishes them:
 * a query naming anything else is a typo or a metric that no longer exists. Histograms are listed by
 * their series (`_bucket`).
 */
export const KNOWN_METRICS = {
  // NVIDIA DCGM exporter, default counters (dcgm-exporter etc/default-counters.csv).
  dcgm: ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_PROF_GR_ENGINE_ACTIVE"],
  // Kueue v0.19 (pkg/metrics/metrics.go); the cluster queue resource gauges need metrics.enableClusterQueueResources.
  kueue: [
    "kueue_pending_workloads",
    "kueue_admitted_workloads_total",
    "kueue_admission_wait_time_seconds_bucket",
    "kueue_cluster_queue_nominal_quota",
    "kueue_cluster_queue_borrowing_limit",
    "kueue_cluster_queue_lending_limit",
    "kueue_cluster_queue_resource_usage",
  ],
  // Karpenter 1.x (website docs/reference/metrics.md).
  karpenter: [
    "karpenter_nodeclaims_created_total",
    "karpenter_nodepools_usage",
    "karpenter_nodepools_limit",
    "karpenter_cloudprovider_instance_launch_failures_total",
    "karpenter_cloudprovider_errors_total",
    "karpenter_scheduler_unschedulable_pods_count",
  ],
} as const;

/** CloudWatch metrics of SageMaker endpoints the dashboards use (namespace AWS/SageMaker). */
export const KNOWN_CLOUDWATCH_METRICS = ["ModelLatency", "Invocations", "Invocation4XXErrors", "Invocation5XXErrors"] as const;
