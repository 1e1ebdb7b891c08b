import { INVOCATION_METRICS_NAMESPACE } from "../serving/endpoint-metrics";
/**
 * CloudWatch dashboard widgets (the dashboard body format: a metric is
 * `[namespace, name, dimension, value, ..., { options }]`, an expression `[{ expression, id, label }]`).
 */

export interface DashboardWidget {
  readonly type: "metric" | "text";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

/**
 * Control plane metrics EKS publishes itself, free, for clusters on Kubernetes 1.28 and later, per ClusterName
 * (EKS user guide, "Monitor cluster data with Amazon CloudWatch"). Node and GPU metrics would need an agent in
 * the cluster (Container Insights, or Prometheus and the NVIDIA exporter); none is installed, so none is shown.
 */
export const EKS_NAMESPACE = "AWS/EKS";
/** The only namespaces the dashboard reads: metrics AWS publishes without anything installed. */
export const PUBLISHED_NAMESPACES: readonly string[] = [INVOCATION_METRICS_NAMESPACE, EKS_NAMESPACE];

const WIDTH = 6;
const HEIGHT = 6;
const PERIOD_SECONDS = 60;

type WidgetContent = Omit<DashboardWidget, "x" | "y" | "width" | "height">;

/** The widgets of one endpoint variant: invocations, model latency p50/p99, 4XX/5XX errors, instances. */
export function endpointWidgets(region: string, endpointName: string, variantName: string): WidgetContent[] {
  const dims = ["EndpointName", endpointName, "VariantName", variantName];
  const metric = (name: string, options: Record<string, unknown>) => [INVOCATION_METRICS_NAMESPACE, name, ...dims, options];
  const title = (what: string) => `${endpointName}/${variantName}: ${what}`;
  return [
    metricWidget(region, title("invocations"), [metric("Invocations", { stat: "Sum", label: "Invocations" })]),
    metricWidget(region, title("model latency (microseconds)"), [
      metric("ModelLatency", { stat: "p50", label: "p50" }),
      metric("ModelLatency", { stat: "p99", label: "p99" }),
    ]),
    metricWidget(region, title("errors"), [
      metric("Invocation4XXErrors", { stat: "Sum", label: "4XX" }),
      metric("Invocation5XXErrors", { stat: "Sum", label: "5XX" }),
    ]),
    // SageMaker publishes no instance-count metric. InvocationsPerInstance adds 1/instances per request, so
    // Sum(Invocations) / Sum(InvocationsPerInstance) is the instance count while there is traffic (and
    // nothing without traffic). Serverless endpoints publish no InvocationsPerInstance: no count at all.
    metricWidget(region, title("instances (while there is traffic)"), [
      [{ expression: "invocations / perInstance", id: "instances", label: "Instances" }],
      metric("Invocations", { stat: "Sum", id: "invocations", visible: false }),
      metric("InvocationsPerInstance", { stat: "Sum", id: "perInstance", visible: false }),
    ]),
  ];
}

/**
 * The training cluster's scheduling pressure, from EKS's own control plane metrics: pods waiting for a node (on a
 * GPU cluster that scales to zero, mostly jobs waiting for a GPU node) and the scheduler's failed attempts.
 */
export function clusterWidgets(region: string, clusterName: string): WidgetContent[] {
  const metric = (name: string, options: Record<string, unknown>) => [EKS_NAMESPACE, name, "ClusterName", clusterName, options];
  return [
    metricWidget(region, `${clusterName}: pending pods`, [
      // EKS documents Sum as the valid statistic; over one-minute periods it is the count at that minute.
      metric("scheduler_pending_pods_UNSCHEDULABLE", { stat: "Sum", label: "Unschedulable (waiting for a node)" }),
      metric("scheduler_pending_pods", { stat: "Sum", label: "All pending" }),
    ]),
    metricWidget(region, `${clusterName}: scheduling attempts`, [
      metric("scheduler_schedule_attempts_UNSCHEDULABLE", { stat: "Sum", label: "Unschedulable" }),
      metric("scheduler_schedule_attempts_ERROR", { stat: "Sum", label: "Error" }),
    ]),
  ];
}

export function textWidget(markdown: string): WidgetContent {
  return { type: "text", properties: { markdown } };
}

/** Places rows of widgets on the 24-column grid, one row per group, wrapping after 4 widgets. */
export function layOut(rows: readonly (readonly WidgetContent[])[]): DashboardWidget[] {
  const widgets: DashboardWidget[] = [];
  let y = 0;
  for (const row of rows) {
    row.forEach((content, i) => {
      const width = content.type === "text" ? 24 : WIDTH;
      const height = content.type === "text" ? 2 : HEIGHT;
      const perLine = Math.floor(24 / width);
      widgets.push({ ...content, x: (i % perLine) * width, y: y + Math.floor(i / perLine) * height, width, height });
    });
    const last = widgets[widgets.length - 1];
    if (row.length > 0) y = last.y + last.height;
  }
  return widgets;
}

function metricWidget(region: string, title: string, metrics: unknown[]): WidgetContent {
  return { type: "metric", properties: { title, region, view: "timeSeries", stacked: false, period: PERIOD_SECONDS, metrics } };
}
