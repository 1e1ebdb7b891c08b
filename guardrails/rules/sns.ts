/** SNS topics: encrypted with a customer-managed key; topic policies that grant no one-and-all, and services only for our account. */
import { asList, effectOf } from "../policy-document";
import { Rule, compliant, nonCompliant, notApplicable } from "../rule";
import { PUBLIC_ALLOW_FIX, attached, conditionLimitsCaller, defineRule, describePublicAllows, describeStatement, isAwsManagedKey, isObject, isSet, policyStatements, publicAllowStatements } from "./attributes";

const TOPIC = "aws_sns_topic";
const TOPIC_POLICY = "aws_sns_topic_policy";
const SUBSCRIPTION = "aws_sns_topic_subscription";

const encryptedWithCustomerKey = defineRule({
  id: "MLB-SNS-001",
  severity: "error",
  resourceTypes: [TOPIC],
  rationale: "Messages (alerts name endpoints, models and thresholds) are encrypted at rest with a customer-managed key whose policy can let CloudWatch and EventBridge publish.",
  publicChecks: ["CKV_AWS_26", "AWS-0095", "AWS-0136", "SNSEncryptedKMS"],
  check(topic) {
    const key = topic.attributes.kms_master_key_id;
    const fix = "set kms_master_key_id to the ARN of a customer-managed key whose policy allows the services that publish to the topic";
    if (!isSet(key)) return nonCompliant("kms_master_key_id is not set: messages are not encrypted with a KMS key", fix);
    if (isAwsManagedKey(key)) {
      return nonCompliant(`kms_master_key_id is ${JSON.stringify(key)}, the AWS-managed key: its policy cannot be changed, so CloudWatch alarms and other accounts cannot publish`, fix);
    }
    return compliant;
  },
});

const policyNotPublic = defineRule({
  id: "MLB-SNS-002",
  severity: "error",
  resourceTypes: [TOPIC_POLICY, TOPIC],
  rationale: "A topic policy that allows any principal without a condition on the caller lets anyone publish to (or subscribe to) the topic.",
  publicChecks: ["CKV_AWS_169"],
  check(resource, context) {
    // A plan shows a topic's aws_sns_topic_policy again as the topic's computed `policy`: judged once, on the policy resource.
    const { arn, id } = resource.attributes;
    if (resource.type === TOPIC && attached(resource, context, TOPIC_POLICY, "arn", [arn, id]).length) return compliant;
    const found = publicAllowStatements(resource.attributes.policy);
    if (found === undefined || found.length === 0) return compliant;
    return nonCompliant(describePublicAllows(found, resource.type === TOPIC ? "its inline policy" : "the topic policy"), PUBLIC_ALLOW_FIX);
  },
});

const subscriptionsOverTls = defineRule({
  id: "MLB-SNS-003",
  severity: "error",
  resourceTypes: [SUBSCRIPTION],
  rationale: "Alerts name endpoints, models and thresholds: they leave AWS only over TLS (https, email), never plain http.",
  publicChecks: [],
  check(subscription) {
    const { protocol, endpoint } = subscription.attributes;
    if (protocol === "http") return nonCompliant(`protocol is "http": alerts to ${JSON.stringify(endpoint)} travel unencrypted`, 'use protocol "https" with an https:// endpoint');
    if (protocol === "https" && typeof endpoint === "string" && !endpoint.includes("${") && !endpoint.startsWith("https://")) {
      return nonCompliant(`endpoint ${JSON.stringify(endpoint)} is not an https:// URL`, "give an https:// endpoint");
    }
    return compliant;
  },
});

/** The service principals (`{ Service: ... }`) a statement names. */
function servicePrincipals(principal: unknown): string[] {
  if (!isObject(principal)) return [];
  return Object.entries(principal).flatMap(([kind, value]) => (kind.toLowerCase() === "service" ? asList(value) : []));
}

const EVENTBRIDGE = "events.amazonaws.com";

const servicesLimitedToSource = defineRule({
  id: "MLB-SNS-004",
  severity: "error",
  resourceTypes: [TOPIC_POLICY, TOPIC],
  rationale:
    "A service principal allowed without aws:SourceAccount, aws:SourceArn or aws:SourceOwner acts for any account (the confused deputy): anyone's alarms, rules or budgets could publish to the topic.",
  publicChecks: [],
  check(resource, context) {
    // As MLB-SNS-002: a topic whose policy is an aws_sns_topic_policy is judged on that resource.
    const { arn, id, policy } = resource.attributes;
    if (resource.type === TOPIC && attached(resource, context, TOPIC_POLICY, "arn", [arn, id]).length) return compliant;
    const statements = policyStatements(policy);
    if (statements === undefined) return notApplicable;
    const granting = statements
      .map((statement, index) => ({ statement, index, services: servicePrincipals(statement.Principal) }))
      .filter(({ statement, services }) => effectOf(statement) === "allow" && services.length > 0);
    if (granting.length === 0) return notApplicable;
    const unscoped = granting.filter(({ statement }) => !conditionLimitsCaller(statement.Condition));
    if (unscoped.length === 0) return compliant;
    const listed = unscoped.map(({ statement, index, services }) => `${describeStatement(statement, index)} (${services.join(", ")})`).join(", ");
    const eventBridge = unscoped.some(({ services }) => services.includes(EVENTBRIDGE))
      ? ` EventBridge documents that its topic policy statement cannot carry conditions: send what the rule reports through a CloudWatch alarm on this account's topic instead, or suppress this finding for the policy with that reason.`
      : "";
    return nonCompliant(
      `${resource.type === TOPIC ? "its inline policy" : "the topic policy"} allows service principals without a condition on the source account or ARN in ${listed}`,
      `add Condition StringEquals "aws:SourceAccount": "<this account>" and ArnLike "aws:SourceArn": the ARNs of the resources that publish (e.g. arn:aws:cloudwatch:<region>:<account>:alarm:*).${eventBridge}`,
    );
  },
});

export const snsRules: readonly Rule[] = [encryptedWithCustomerKey, policyNotPublic, subscriptionsOverTls, servicesLimitedToSource];
