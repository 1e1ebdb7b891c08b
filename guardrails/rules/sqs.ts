/** SQS queues (Karpenter's interruption queue): encrypted with a customer-managed key, TLS only, never open to everyone. */
import { compliant, nonCompliant, type ResourceView, type Rule, type RuleContext } from "../rule";
import { PUBLIC_ALLOW_FIX, attached, bool, defineRule, deniesInsecureTransport, describePublicAllows, isAwsManagedKey, isSet, policyStatements, publicAllowStatements } from "./attributes";

const QUEUE = "aws_sqs_queue";
const QUEUE_POLICY = "aws_sqs_queue_policy";

const encryptedWithCustomerKey = defineRule({
  id: "MLB-SQS-001",
  severity: "error",
  resourceTypes: [QUEUE],
  rationale: "Queue messages (instance interruptions, health events) are encrypted at rest with a customer-managed key whose policy says which services may write.",
  publicChecks: ["CKV_AWS_27", "AWS-0096", "SQS3"],
  check(queue) {
    const { kms_master_key_id: key, sqs_managed_sse_enabled: managed } = queue.attributes;
    const fix = "set kms_master_key_id to the ARN of a customer-managed key whose policy lets the senders (events.amazonaws.com) use it";
    if (!isSet(key)) {
      return nonCompliant(
        bool(managed) === true ? "only SQS-managed encryption (sqs_managed_sse_enabled): no key policy controls who reads the messages" : "kms_master_key_id is not set: messages are not encrypted with a KMS key",
        fix,
      );
    }
    if (isAwsManagedKey(key)) return nonCompliant(`kms_master_key_id is ${JSON.stringify(key)}, the AWS-managed key: EventBridge cannot use it and its policy cannot be changed`, fix);
    return compliant;
  },
});

function queuePolicies(queue: ResourceView, context: RuleContext): { name: string; policy: unknown }[] {
  const { url, id, policy } = queue.attributes;
  const separate = attached(queue, context, QUEUE_POLICY, "queue_url", [url, id]).map((p) => ({ name: p.address, policy: p.attributes.policy }));
  // A plan repeats an aws_sqs_queue_policy as the queue's computed `policy`: the separate resource is the one judged.
  if (separate.length > 0) return separate;
  return !isSet(policy) ? [] : [{ name: "its inline policy", policy }];
}

const tlsOnlyNotPublic = defineRule({
  id: "MLB-SQS-002",
  severity: "error",
  resourceTypes: [QUEUE],
  rationale: "A queue policy denies every request made without TLS and grants no one-and-all: only the named services (EventBridge, for rules of this account) may send.",
  publicChecks: ["CKV_AWS_168"],
  check(queue, context) {
    const policies = queuePolicies(queue, context);
    const tlsFix = 'add to the queue policy { Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: <queue ARN>, Condition: { Bool: { "aws:SecureTransport": "false" } } }';
    if (policies.length === 0) return nonCompliant("has no queue policy, so nothing denies requests made without TLS", tlsFix);
    const problems: string[] = [];
    let judged = false;
    let tls = false;
    for (const { name, policy } of policies) {
      const statements = policyStatements(policy);
      if (statements === undefined) continue; // known only at apply
      judged = true;
      if (statements.some((s) => deniesInsecureTransport(s, "sqs"))) tls = true;
      const open = publicAllowStatements(policy) ?? [];
      if (open.length > 0) problems.push(describePublicAllows(open, name === "its inline policy" ? name : `the queue policy ${name}`));
    }
    if (judged && !tls) problems.unshift(`${policies.map((p) => p.name).join(", ")} has no statement denying sqs:* when aws:SecureTransport is false`);
    return problems.length === 0 ? compliant : nonCompliant(problems.join("; "), judged && !tls ? `${tlsFix}; ${PUBLIC_ALLOW_FIX}` : PUBLIC_ALLOW_FIX);
  },
});

export const sqsRules: readonly Rule[] = [encryptedWithCustomerKey, tlsOnlyNotPublic];
