/** Amazon Managed Service for Prometheus: workspaces that log and encrypt with our key. */
import { compliant, nonCompliant, type Rule } from "../rule";
import { block, defineRule, isSet } from "./attributes";

const WORKSPACE = "aws_prometheus_workspace";

const workspaceLogging = defineRule({
  id: "MLB-AMP-001",
  severity: "warning",
  resourceTypes: [WORKSPACE],
  rationale: "Without a log group, rule evaluation and alertmanager errors of the workspace go nowhere: alerts fail silently.",
  publicChecks: [],
  check(workspace) {
    const logging = block(workspace.attributes.logging_configuration);
    if (logging !== undefined && isSet(logging.log_group_arn)) return compliant;
    return nonCompliant(
      "has no logging_configuration with a log_group_arn: rule and alertmanager errors are not logged",
      'set logging_configuration { log_group_arn = "<an encrypted log group ARN>:*" }',
    );
  },
});

const workspaceCustomerKey = defineRule({
  id: "MLB-AMP-002",
  severity: "error",
  resourceTypes: [WORKSPACE],
  rationale: "Metrics name teams, jobs and models: the workspace encrypts them with a customer-managed key whose policy decides who reads them.",
  publicChecks: [],
  check(workspace) {
    if (isSet(workspace.attributes.kms_key_arn)) return compliant;
    return nonCompliant(
      "kms_key_arn is not set: metrics are encrypted with a key AWS owns, which no key policy controls",
      "set kms_key_arn to a customer-managed key that allows aps.amazonaws.com (or, where a managed collector cannot write to such a workspace, suppress this finding with that reason)",
    );
  },
});

export const prometheusRules: readonly Rule[] = [workspaceLogging, workspaceCustomerKey];
