import { Construct } from "constructs";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { InstanceAlarmThresholds } from "./endpoint-settings";
import { ConstructPropsError } from "../core/errors";
import { INSTANCE_METRICS_NAMESPACE, INVOCATION_METRICS_NAMESPACE } from "./endpoint-metrics";

export interface EndpointAlarmsProps {
  /** The SageMaker endpoint's name (a literal: the alarm names are built from it). */
  readonly endpointName: string;
  readonly variantName: string;
  /** Told when an alarm goes to ALARM and when it is OK again. */
  readonly alertTopicArn: string;
  readonly thresholds: InstanceAlarmThresholds;
  /**
   * vCPUs of one instance of the variant, to turn `cpuUtilizationPercent` (of the whole instance) into SageMaker's
   * CPUUtilization, which adds up 100 % per vCPU. Required when `cpuUtilizationPercent` is set.
   * @default - no CPU alarm can be made
   */
  readonly vcpus?: number;
}

/** CPUUtilization for a share of the whole instance: SageMaker sums 0-100 % per vCPU (75 % of 4 vCPUs is 300). */
export function summedCpuThreshold(percentOfInstance: number, vcpus: number): number {
  return percentOfInstance * vcpus;
}

/** SageMaker publishes endpoint metrics every minute. */
const PERIOD_SECONDS = 60;
/** Rollback alarms: 2 bad minutes out of 3, so a deployment's baking period sees a regression quickly. */
const ROLLBACK_EVALUATION = { evaluationPeriods: 3, datapointsToAlarm: 2 };
/** Utilization alarms: a sustained 5 minutes, not a spike. */
const UTILIZATION_EVALUATION = { evaluationPeriods: 5, datapointsToAlarm: 5 };
/** ModelLatency is in microseconds. */
const MICROSECONDS_PER_MILLISECOND = 1000;

/** The name of an alarm of an endpoint: `<endpointName>-<what>`. */
export function endpointAlarmName(endpointName: string, what: string): string {
  return `${endpointName}-${what}`;
}

/** The alarms ServingEndpoint makes, by the suffix of their names. */
export const ALARM_SUFFIXES = {
  latency: "model-latency-p99",
  error5xx: "5xx-error-rate",
  error4xx: "4xx-error-rate",
  cpu: "cpu-utilization",
  memory: "memory-utilization",
  gpu: "gpu-utilization",
  noInvocations: "no-invocations",
} as const;

/** The names of the alarms a deployment rolls back on (latency and error rates), without making them. */
export function rollbackAlarmNamesOf(endpointName: string): string[] {
  return [ALARM_SUFFIXES.latency, ALARM_SUFFIXES.error5xx, ALARM_SUFFIXES.error4xx].map((what) => endpointAlarmName(endpointName, what));
}

/**
 * CloudWatch alarms of one endpoint variant, all notifying one topic on ALARM and on OK:
 * p99 model latency and 5XX / 4XX error rates (the rollback alarms), and optionally CPU, memory and GPU
 * utilization and a no-invocations alarm.
 */
export class EndpointAlarms extends Construct {
  /** Latency and error rates: what a blue/green deployment rolls back on. */
  readonly rollbackAlarms: readonly CloudwatchMetricAlarm[];
  readonly rollbackAlarmNames: readonly string[];
  readonly alarmNames: readonly string[];
  private readonly props: EndpointAlarmsProps;
  private readonly dimensions: Record<string, string>;
  private readonly names: string[] = [];

  constructor(scope: Construct, id: string, props: EndpointAlarmsProps) {
    super(scope, id);
    this.props = props;
    this.dimensions = { EndpointName: props.endpointName, VariantName: props.variantName };
    const t = props.thresholds;

    this.rollbackAlarms = [
      this.alarm("ModelLatency", ALARM_SUFFIXES.latency, {
        alarmDescription: `p99 model latency of ${props.endpointName} above ${t.latencyP99Ms} ms`,
        namespace: INVOCATION_METRICS_NAMESPACE,
        metricName: "ModelLatency",
        dimensions: this.dimensions,
        period: PERIOD_SECONDS,
        extendedStatistic: "p99",
        comparisonOperator: "GreaterThanThreshold",
        threshold: t.latencyP99Ms * MICROSECONDS_PER_MILLISECOND,
        // No requests, no latency: that is not slow.
        treatMissingData: "notBreaching",
        ...ROLLBACK_EVALUATION,
      }),
      this.errorRateAlarm("Error5xxRate", ALARM_SUFFIXES.error5xx, "Invocation5XXErrors", "5XX", t.error5xxPercent),
      this.errorRateAlarm("Error4xxRate", ALARM_SUFFIXES.error4xx, "Invocation4XXErrors", "4XX", t.error4xxPercent),
    ];

    const utilization = (id: string, what: string, metricName: string, threshold: number | undefined, unit: string) => {
      if (threshold === undefined) return;
      this.alarm(id, what, {
        alarmDescription: `${metricName} of ${props.endpointName} above ${threshold} %${unit} for 5 minutes`,
        namespace: INSTANCE_METRICS_NAMESPACE,
        metricName,
        dimensions: this.dimensions,
        period: PERIOD_SECONDS,
        statistic: "Average",
        comparisonOperator: "GreaterThanThreshold",
        threshold,
        // No data: no instance is reporting (the variant is being replaced); keep the last state.
        treatMissingData: "missing",
        ...UTILIZATION_EVALUATION,
      });
    };
    // CPUUtilization and GPUUtilization add up the cores / GPUs: 0-400 % on 4 vCPUs or 4 GPUs. The CPU threshold
    // is configured as a share of the whole instance and converted here.
    const cpu = t.cpuUtilizationPercent;
    if (cpu !== undefined && props.vcpus === undefined) throw new ConstructPropsError(`${this.node.path}: cpuUtilizationPercent needs the instance's vcpus to convert it`);
    const cpuSummed = cpu === undefined ? undefined : summedCpuThreshold(cpu, props.vcpus!);
    utilization("CpuUtilization", ALARM_SUFFIXES.cpu, "CPUUtilization", cpuSummed, ` (${cpu} % of the instance, summed over its ${props.vcpus} vCPUs)`);
    utilization("MemoryUtilization", ALARM_SUFFIXES.memory, "MemoryUtilization", t.memoryUtilizationPercent, "");
    utilization("GpuUtilization", ALARM_SUFFIXES.gpu, "GPUUtilization", t.gpuUtilizationPercent, " (summed over GPUs)");
    if (t.noInvocationsMinutes !== undefined) {
      this.alarm("NoInvocations", ALARM_SUFFIXES.noInvocations, {
        alarmDescription: `${props.endpointName} got no invocation for ${t.noInvocationsMinutes} minutes`,
        namespace: INVOCATION_METRICS_NAMESPACE,
        metricName: "Invocations",
        dimensions: this.dimensions,
        period: PERIOD_SECONDS,
        statistic: "Sum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        evaluationPeriods: t.noInvocationsMinutes,
        datapointsToAlarm: t.noInvocationsMinutes,
        // A minute without requests has no Invocations data point: missing data is the signal.
        treatMissingData: "breaching",
      });
    }

    this.rollbackAlarmNames = rollbackAlarmNamesOf(props.endpointName);
    this.alarmNames = [...this.names];
  }

  /**
   * Errors as a percentage of invocations, as metric math. A minute without requests has no data points:
   * FILL makes it 0 errors out of 1, so an idle endpoint reads 0 %, not missing.
   */
  private errorRateAlarm(id: string, what: string, errorMetric: string, label: string, thresholdPercent: number): CloudwatchMetricAlarm {
    const metric = (metricName: string) => ({
      metricName,
      namespace: INVOCATION_METRICS_NAMESPACE,
      dimensions: this.dimensions,
      period: PERIOD_SECONDS,
      stat: "Sum",
    });
    return this.alarm(id, what, {
      alarmDescription: `${label} errors of ${this.props.endpointName} above ${thresholdPercent} % of invocations`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: thresholdPercent,
      treatMissingData: "notBreaching",
      metricQuery: [
        { id: "errors", metric: metric(errorMetric), returnData: false },
        { id: "invocations", metric: metric("Invocations"), returnData: false },
        { id: "rate", expression: "100 * FILL(errors, 0) / FILL(invocations, 1)", label: `${label} errors, % of invocations`, returnData: true },
      ],
      ...ROLLBACK_EVALUATION,
    });
  }

  private alarm(
    id: string,
    what: string,
    config: Omit<CloudwatchMetricAlarmConfig, "alarmName" | "actionsEnabled" | "alarmActions" | "okActions">,
  ): CloudwatchMetricAlarm {
    const alarmName = endpointAlarmName(this.props.endpointName, what);
    this.names.push(alarmName);
    return new CloudwatchMetricAlarm(this, id, {
      ...config,
      alarmName,
      actionsEnabled: true,
      alarmActions: [this.props.alertTopicArn],
      okActions: [this.props.alertTopicArn],
    });
  }
}
