/**
 * Where SageMaker publishes a real-time or serverless endpoint's metrics (SageMaker developer guide, "Amazon SageMaker
 * AI metrics in Amazon CloudWatch"): pure facts, read by the endpoint's alarms, the CloudWatch dashboard, the Grafana
 * dashboard and ServingEndpoint's metric methods.
 */

/** Invocation metrics (counts, latency, errors), per EndpointName and VariantName. */
export const INVOCATION_METRICS_NAMESPACE = "AWS/SageMaker";
/** Instance metrics (CPU, memory, GPU, disk) of an endpoint's variants. */
export const INSTANCE_METRICS_NAMESPACE = "/aws/sagemaker/Endpoints";

export type InvocationMetricName = "Invocations" | "ModelLatency" | "OverheadLatency" | "Invocation4XXErrors" | "Invocation5XXErrors" | "ModelSetupTime";
export type InstanceMetricName = "CPUUtilization" | "MemoryUtilization" | "GPUUtilization" | "GPUMemoryUtilization" | "DiskUtilization";

/** One metric of one variant of an endpoint, as CloudWatch alarms and dashboards name it. */
export interface EndpointMetric {
  readonly namespace: typeof INVOCATION_METRICS_NAMESPACE | typeof INSTANCE_METRICS_NAMESPACE;
  readonly metricName: InvocationMetricName | InstanceMetricName;
  readonly dimensions: { readonly EndpointName: string; readonly VariantName: string };
  readonly statistic: string;
}

/** How a metric method reads its metric. */
export interface EndpointMetricOptions {
  /**
   * CloudWatch's statistic: `Sum`, `Average`, `Maximum`, `p99`...
   * @default - the method's: `p99` for latency, `Sum` for the rest
   */
  readonly statistic?: string;
}

const INSTANCE_METRICS: readonly string[] = ["CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization", "DiskUtilization"];

/** A metric of a variant, in the namespace SageMaker publishes it to. */
export function endpointMetric(endpointName: string, variantName: string, metricName: InvocationMetricName | InstanceMetricName, statistic: string): EndpointMetric {
  return {
    namespace: INSTANCE_METRICS.includes(metricName) ? INSTANCE_METRICS_NAMESPACE : INVOCATION_METRICS_NAMESPACE,
    metricName,
    dimensions: { EndpointName: endpointName, VariantName: variantName },
    statistic,
  };
}
