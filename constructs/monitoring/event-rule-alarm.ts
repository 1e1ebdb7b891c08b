import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

/** EventBridge's per-rule metrics (AWS/Events, dimension RuleName, default bus). */
export const EVENTS_NAMESPACE = "AWS/Events";

export interface EventRuleAlarmProps {
  readonly ruleName: string;
  /** `TriggeredRules` (the rule matched an event) or `FailedInvocations` (its target could not be invoked). */
  readonly metricName: "TriggeredRules" | "FailedInvocations";
  readonly alarmName: string;
  readonly description: string;
  readonly alertTopicArn: string;
}

/**
 * An alarm that tells the alert topic when an EventBridge rule's metric counts anything in five minutes: how a rule's
 * events reach a topic that takes no EventBridge statement. No data is the normal state.
 */
export function eventRuleAlarm(scope: Construct, id: string, props: EventRuleAlarmProps): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: EVENTS_NAMESPACE,
    metricName: props.metricName,
    dimensions: { RuleName: props.ruleName },
    period: 300,
    statistic: "Sum",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: 1,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching",
    actionsEnabled: true,
    alarmActions: [props.alertTopicArn],
  });
}
