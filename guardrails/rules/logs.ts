/** CloudWatch: log groups encrypted and with a retention (a year in protected environments); alarms that notify. */
import { Rule, compliant, nonCompliant, notApplicable } from "../rule";
import { bool, defineRule, isReference, isSet, num, shown } from "./attributes";

const LOG_GROUP = "aws_cloudwatch_log_group";
const METRIC_ALARM = "aws_cloudwatch_metric_alarm";
const PROTECTED_MIN_RETENTION_DAYS = 365;

const logGroupEncrypted = defineRule({
  id: "MLB-CLOUDWATCH-001",
  severity: "error",
  resourceTypes: [LOG_GROUP],
  rationale: "Logs hold request data, identities and errors; a customer-managed key lets its policy decide who reads them.",
  publicChecks: ["CKV_AWS_158", "AWS-0017", "CloudWatchLogGroupEncrypted"],
  check(logGroup) {
    if (isSet(logGroup.attributes.kms_key_id)) return compliant;
    return nonCompliant(
      "kms_key_id is not set: events are encrypted with a key CloudWatch Logs owns, which no key policy controls",
      "set kms_key_id to the ARN of a customer-managed key whose policy allows logs.<region>.amazonaws.com",
    );
  },
});

const retentionSet = defineRule({
  id: "MLB-CLOUDWATCH-002",
  severity: "error",
  resourceTypes: [LOG_GROUP],
  rationale: "Every log group keeps its events for a decided time, not forever by omission (cost, and data kept longer than needed).",
  publicChecks: ["CKV_AWS_66", "CloudWatchLogGroupRetentionPeriod"],
  check(logGroup) {
    const retention = logGroup.attributes.retention_in_days;
    // 0 is what Terraform shows for an unset retention (never expire).
    if (isReference(retention) || (num(retention) ?? 0) > 0) return compliant;
    return nonCompliant(
      `retention_in_days is ${retention === 0 || retention === "0" ? "0" : shown(retention)}: events are kept forever`,
      "set retention_in_days to the environment's log retention (365 or more in protected environments)",
    );
  },
});

const protectedRetention = defineRule({
  id: "MLB-CLOUDWATCH-003",
  severity: "warning",
  resourceTypes: [LOG_GROUP],
  rationale: "Protected environments keep logs at least a year, long enough to investigate an incident found late.",
  publicChecks: ["CKV_AWS_338"],
  check(logGroup, context) {
    if (!context.protected) return notApplicable;
    const days = num(logGroup.attributes.retention_in_days);
    // Unset or 0 is "never expire" (MLB-CLOUDWATCH-002 asks for a decided value).
    if (days === undefined || days === 0 || days >= PROTECTED_MIN_RETENTION_DAYS) return compliant;
    return nonCompliant(`retention_in_days is ${days}: a protected environment keeps logs at least ${PROTECTED_MIN_RETENTION_DAYS} days`, `set retention_in_days = ${PROTECTED_MIN_RETENTION_DAYS} or more`);
  },
});

const alarmActionsEnabled = defineRule({
  id: "MLB-CLOUDWATCH-004",
  severity: "error",
  resourceTypes: [METRIC_ALARM],
  rationale: "An alarm with actions disabled changes state silently: nobody is paged and no scaling happens.",
  publicChecks: ["CKV_AWS_319", "CloudWatchAlarmAction"],
  check(alarm) {
    const enabled = alarm.attributes.actions_enabled;
    if (bool(enabled) !== false) return compliant; // unset defaults to true
    return nonCompliant(`actions_enabled is ${shown(enabled)}: the alarm notifies nobody when it fires`, "set actions_enabled = true (or remove it: the default is true)");
  },
});

const alarmHasActions = defineRule({
  id: "MLB-CLOUDWATCH-005",
  severity: "warning",
  resourceTypes: [METRIC_ALARM],
  rationale: "An alarm is only useful if its ALARM state reaches someone or something (an SNS topic, a scaling policy).",
  publicChecks: ["CloudWatchAlarmAction"],
  check(alarm) {
    const actions = alarm.attributes.alarm_actions;
    if ((Array.isArray(actions) ? actions : [actions]).some(isSet)) return compliant;
    return nonCompliant("alarm_actions is empty: entering ALARM notifies nobody", "set alarm_actions to the environment's alert topic ARN (or a scaling policy)");
  },
});

export const logsRules: readonly Rule[] = [logGroupEncrypted, retentionSet, protectedRetention, alarmActionsEnabled, alarmHasActions];
