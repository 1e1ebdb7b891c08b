import { CLOUDWATCH, CloudWatchTarget, Dashboard, dashboard } from "./model";
import { INVOCATION_METRICS_NAMESPACE } from "../../serving/endpoint-metrics";

export interface EndpointsDashboardProps {
  /** The SageMaker endpoints' names (the serving stack's). */
  readonly endpointNames: readonly string[];
}

type Query = Omit<CloudWatchTarget, "refId" | "datasource">;

const metric = (endpointName: string, metricName: string, statistic: string, label: string): Query => ({
  queryMode: "Metrics",
  metricQueryType: 0,
  metricEditorMode: 0,
  region: "default",
  namespace: INVOCATION_METRICS_NAMESPACE,
  metricName,
  dimensions: { EndpointName: [endpointName] },
  matchExact: false,
  statistic,
  period: "",
  label,
});

/** Latency and errors of the environment's SageMaker endpoints, from CloudWatch: one row per endpoint. */
export function endpointsDashboard(props: EndpointsDashboardProps): Dashboard {
  return dashboard({
    uid: "mlops-endpoints",
    title: "Model endpoints",
    description: "Latency (p50, p99) and 4xx/5xx errors of each SageMaker endpoint, from CloudWatch (AWS/SageMaker).",
    tags: ["serving", "sagemaker"],
    from: "now-24h",
    panels: props.endpointNames.flatMap((name) => [
      {
        type: "timeseries" as const,
        title: `${name}: model latency`,
        description: "ModelLatency of every variant of the endpoint (microseconds).",
        datasource: CLOUDWATCH,
        targets: [metric(name, "ModelLatency", "p50", "p50"), metric(name, "ModelLatency", "p99", "p99")],
        unit: "µs",
        min: 0,
      },
      {
        type: "timeseries" as const,
        title: `${name}: invocations and errors`,
        description: "Invocations and the 4xx and 5xx errors among them.",
        datasource: CLOUDWATCH,
        targets: [
          metric(name, "Invocations", "Sum", "invocations"),
          metric(name, "Invocation4XXErrors", "Sum", "4xx"),
          metric(name, "Invocation5XXErrors", "Sum", "5xx"),
        ],
        min: 0,
      },
    ]),
  });
}
