import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { Lazy, Token } from "cdktf";
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { PrometheusAlertManagerDefinition } from "@cdktf/provider-aws/lib/prometheus-alert-manager-definition";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { PolicyStatement, policyDocument } from "../core/iam";
import { IKmsKey } from "../core/kms-key";
import { toYaml } from "../observability/scrape-config";
import { clusterWidgets, endpointWidgets, layOut, textWidget } from "./dashboard-widgets";
import { DriftMonitor, DriftMonitorProps } from "./drift-monitor";
import { eventRuleAlarm } from "./event-rule-alarm";
import { ConstructPropsError, type PropsProblem, problemsAt, throwPropsProblems } from "../core/errors";
import { SAGEMAKER_NAME } from "../core/sagemaker-names";

export interface AlertSubscription {
  readonly protocol: "email" | "https";
  readonly endpoint: string;
}

export interface MonitoringProps {
  /** Prefix of every name, e.g. "mlops-prod": lowercase letters and digits in words joined by single hyphens. */
  readonly namePrefix: string;
  /**
   * Encrypts the alert topic (and is what drift monitors encrypt their outputs with). An imported key's policy must
   * already let CloudWatch alarms, AWS Budgets and (with `prometheusWorkspace`) Amazon Managed Service for Prometheus
   * of this account use it for this topic, as the statements this construct adds to a key it owns do.
   */
  readonly encryptionKey: IKmsKey;
  readonly subscriptions: readonly AlertSubscription[];
  /** Monthly cost budget in USD; notifications at 80 % and 100 % of actual and forecast spend. */
  readonly monthlyBudgetUsd: number;
  /** The training cluster shown on the dashboard (pending pods and scheduling attempts, from EKS's own metrics). @default - no cluster widgets */
  readonly trainingClusterName?: string;
  /**
   * The training cluster's Prometheus workspace (Amazon Managed Service for Prometheus): its alert manager sends the
   * alerts of its rule groups to the topic, and the topic and its key let the workspace, only it, publish.
   * @default - no Prometheus alerts
   */
  readonly prometheusWorkspace?: PrometheusAlertSource;
}

/** A Prometheus workspace whose alerts go to the topic (references to another stack's workspace are fine). */
export interface PrometheusAlertSource {
  /** `ws-…` */
  readonly id: string;
  readonly arn: string;
}

export interface MonitoredEndpoint {
  readonly endpointName: string;
  readonly variantName: string;
}

/** Percentages of the monthly budget at which the topic hears about actual and forecast spend. */
export const BUDGET_THRESHOLDS_PERCENT = [80, 100] as const;

const NAME_PREFIX = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** SNS topic names are at most 256 characters; "-alerts" takes 7. */
const MAX_NAME_PREFIX_LENGTH = 249;

/**
 * An environment's monitoring: the alert topic (KMS-encrypted with the given customer key, publishable only by
 * CloudWatch alarms and AWS Budgets of this account, TLS only) and its subscriptions, a dashboard of the
 * endpoints added and the training cluster, a monthly cost budget, and drift monitors that alarm on the topic
 * and can start retraining.
 *
 * No EventBridge rule publishes to the topic: the EventBridge user guide says a topic policy statement for
 * EventBridge cannot carry conditions, so it would let any account's rules publish. Everything the topic hears
 * comes through CloudWatch alarms, whose statement is limited to this account's alarms, AWS Budgets, and (with
 * `prometheusWorkspace`) the alert manager of that one Prometheus workspace.
 */
export class Monitoring extends Construct {
  readonly alertTopicArn: string;
  readonly dashboardName: string;
  private readonly namePrefix: string;
  private readonly region: string;
  private readonly encryptionKey: IKmsKey;
  private readonly topicArnLiteral: string;
  private readonly sidPrefix: string;
  private readonly endpoints: MonitoredEndpoint[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.validate(props);
    const { accountId, region } = awsEnvironmentOf(this);
    this.region = region;
    this.encryptionKey = props.encryptionKey;
    this.namePrefix = props.namePrefix;
    this.sidPrefix = props.namePrefix.replace(/[^a-zA-Z0-9]/g, "");

    const topicName = `${props.namePrefix}-alerts`;
    // Literal, so policies read plainly in a plan; the same ARN SNS gives the topic.
    this.topicArnLiteral = formatArn(this, { service: "sns", resource: topicName });
    const topic = new SnsTopic(this, "AlertTopic", {
      name: topicName,
      displayName: `${props.namePrefix} alerts`.slice(0, 100),
      kmsMasterKeyId: props.encryptionKey.keyArn,
    });
    this.alertTopicArn = topic.arn;

    const topicPolicyStatements: PolicyStatement[] = [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: this.topicArnLiteral,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": formatArn(this, { service: "cloudwatch", resource: "alarm:*" }) },
        },
      },
      {
        Sid: "BudgetsPublish",
        Effect: "Allow",
        Principal: { Service: "budgets.amazonaws.com" },
        Action: "sns:Publish",
        Resource: this.topicArnLiteral,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnLike: { "aws:SourceArn": formatArn(this, { service: "budgets", region: "", resource: "*" }) },
        },
      },
      ...(props.prometheusWorkspace ? [this.prometheusPublishStatement(props.prometheusWorkspace.arn, accountId)] : []),
      {
        Sid: "DenyPublishWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: this.topicArnLiteral,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    const topicPolicy = new SnsTopicPolicy(this, "AlertTopicPolicy", {
      arn: topic.arn,
      policy: policyDocument(topicPolicyStatements),
    });
    this.allowServiceToUseKey("CloudWatchAlarms", "cloudwatch.amazonaws.com", accountId);
    this.allowServiceToUseKey("Budgets", "budgets.amazonaws.com", accountId);
    if (props.prometheusWorkspace) {
      this.allowServiceToUseKey("Prometheus", "aps.amazonaws.com", accountId);
      new PrometheusAlertManagerDefinition(this, "PrometheusAlertManager", {
        workspaceId: props.prometheusWorkspace.id,
        definition: alertManagerDefinition(this.topicArnLiteral, region),
        // The workspace's first alert must find the topic's policy in place.
        dependsOn: [topicPolicy],
      });
    }

    for (const subscription of props.subscriptions) {
      // Named by content, so reordering the list replaces nothing.
      const hash = createHash("sha256").update(`${subscription.protocol}:${subscription.endpoint}`).digest("hex").slice(0, 10);
      new SnsTopicSubscription(this, `Subscription-${hash}`, {
        topicArn: topic.arn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
      });
    }

    const dashboard = new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: props.namePrefix,
      dashboardBody: Lazy.stringValue({ produce: () => this.dashboardBody(props.namePrefix, props.trainingClusterName) }),
    });
    this.dashboardName = dashboard.dashboardName;

    new BudgetsBudget(this, "MonthlyCostBudget", {
      name: `${props.namePrefix}-monthly-cost`,
      accountId,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: budgetAmount(props.monthlyBudgetUsd),
      limitUnit: "USD",
      notification: (["ACTUAL", "FORECASTED"] as const).flatMap((notificationType) =>
        BUDGET_THRESHOLDS_PERCENT.map((threshold) => ({
          notificationType,
          comparisonOperator: "GREATER_THAN",
          threshold,
          thresholdType: "PERCENTAGE",
          subscriberSnsTopicArns: [topic.arn],
        })),
      ),
      // AWS Budgets checks that it may publish to the topic when the notification is made.
      dependsOn: [topicPolicy],
    });
  }

  /** Adds the endpoint's widgets (invocations, latency, errors, instance count) to the dashboard. */
  addEndpoint(endpoint: MonitoredEndpoint): void {
    const where = this.node.path;
    for (const [name, value] of [["endpointName", endpoint.endpointName], ["variantName", endpoint.variantName]] as const) {
      if (!Token.isUnresolved(value) && !SAGEMAKER_NAME.test(value)) {
        throw new ConstructPropsError(`${where}: addEndpoint ${name} "${value}" must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit`);
      }
    }
    if (this.endpoints.some((e) => e.endpointName === endpoint.endpointName && e.variantName === endpoint.variantName)) {
      throw new ConstructPropsError(`${where}: endpoint "${endpoint.endpointName}" variant "${endpoint.variantName}" is already on the dashboard`);
    }
    this.endpoints.push({ endpointName: endpoint.endpointName, variantName: endpoint.variantName });
  }

  /** A drift monitor for an endpoint; its alarms notify the topic through CloudWatch. */
  addDriftMonitor(id: string, props: DriftMonitorProps): DriftMonitor {
    return new DriftMonitor(this, id, props);
  }

  /**
   * Tells the topic when a version of these package groups (of this account's registry) is approved: the moment to
   * run `npm run promote`. An EventBridge rule matches SageMaker's approval events; it has no target (the topic
   * takes no EventBridge statement, see the class comment), and an alarm on the rule's TriggeredRules metric (the
   * per-rule count; MatchedEvents has no RuleName dimension) notifies.
   */
  watchModelApprovals(groupNames: readonly string[]): void {
    if (groupNames.length === 0) return;
    const namePrefix = this.namePrefix;
    const ruleName = `${namePrefix}-model-approved`;
    new CloudwatchEventRule(this, "ModelApprovedRule", {
      name: ruleName,
      description: `Versions of ${groupNames.join(", ")} approved in this account's registry`,
      eventPattern: JSON.stringify({
        source: ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        detail: { ModelApprovalStatus: ["Approved"], ModelPackageGroupName: [...groupNames] },
      }),
    });
    eventRuleAlarm(this, "ModelApprovedAlarm", {
      ruleName,
      metricName: "TriggeredRules",
      alarmName: ruleName,
      description: `A version of ${groupNames.join(", ")} was approved in ${namePrefix}'s registry: promote it with npm run promote (its metrics are the evidence), or see the registry for which version.`,
      alertTopicArn: this.alertTopicArn,
    });
  }

  /** The workspace's alert manager publishes to the topic: that workspace only, of this account (AMP user guide, "Alert manager and SNS"). */
  private prometheusPublishStatement(workspaceArn: string, accountId: string): PolicyStatement {
    return {
      Sid: "PrometheusAlertManagerPublish",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["sns:Publish", "sns:GetTopicAttributes"],
      Resource: this.topicArnLiteral,
      Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnEquals: { "aws:SourceArn": workspaceArn } },
    };
  }

  /** Lets a service encrypt messages it publishes to this topic: only for this topic (the encryption context SNS sets), on behalf of this account. */
  private allowServiceToUseKey(name: string, service: string, sourceAccount: string): void {
    this.encryptionKey.addToResourcePolicy({
      Sid: `${name}PublishTo${this.sidPrefix}AlertTopic`,
      Effect: "Allow",
      Principal: { Service: service },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": this.topicArnLiteral, "aws:SourceAccount": sourceAccount },
      },
    });
  }

  private dashboardBody(namePrefix: string, trainingClusterName: string | undefined): string {
    const cluster = trainingClusterName ? " and the training cluster (pending pods, scheduling attempts)" : "";
    const rows = [[textWidget(`# ${namePrefix}\nEndpoints (invocations, latency, errors, instances)${cluster}. Alerts go to the ${namePrefix}-alerts topic.`)]];
    for (const endpoint of this.endpoints) rows.push(endpointWidgets(this.region, endpoint.endpointName, endpoint.variantName));
    if (trainingClusterName !== undefined) rows.push(clusterWidgets(this.region, trainingClusterName));
    return JSON.stringify({ widgets: layOut(rows) });
  }

  private validate(props: MonitoringProps): void {
    const where = this.node.path;
    if (!NAME_PREFIX.test(props.namePrefix) || props.namePrefix.length > MAX_NAME_PREFIX_LENGTH) {
      throw new ConstructPropsError(`${where}: namePrefix "${props.namePrefix}" must be lowercase letters and digits in words joined by single hyphens, e.g. "mlops-prod"`);
    }
    const budget = monthlyBudgetProblem(props.monthlyBudgetUsd);
    if (budget) throw new ConstructPropsError(`${where}: monthlyBudgetUsd ${budget}`);
    throwPropsProblems(where, problemsAt("subscriptions", subscriptionProblems(props.subscriptions)));
  }
}

/**
 * An Amazon Managed Service for Prometheus alert manager definition (its `alertmanager_config` as a YAML block):
 * every alert to the topic, through SNS with SigV4 in the topic's region, grouped by alert name and its subject
 * (queue, pod, capacity type), repeated every 4 hours while it fires.
 */
export function alertManagerDefinition(topicArn: string, region: string): string {
  const config = toYaml({
    route: {
      receiver: "alert-topic",
      group_by: ["alertname", "cluster_queue", "namespace", "pod", "capacity_type"],
      group_wait: "1m",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    receivers: [{ name: "alert-topic", sns_configs: [{ topic_arn: topicArn, sigv4: { region } }] }],
  });
  return `alertmanager_config: |\n${config.replace(/^(?=.)/gm, "  ")}`;
}

/** The most a monthly budget may be: a typo guard, and below where numbers stop printing as plain decimals. */
export const MAX_MONTHLY_BUDGET_USD = 1_000_000_000;

/** Why a monthly budget cannot be, or undefined (shared by Monitoring and the environment schema). */
export function monthlyBudgetProblem(usd: number): string | undefined {
  if (!Number.isFinite(usd) || usd <= 0) return `is ${usd}; it must be an amount of USD greater than 0`;
  if (usd > MAX_MONTHLY_BUDGET_USD) return `is ${usd}; at most ${MAX_MONTHLY_BUDGET_USD.toLocaleString("en-US")} USD (a typo guard)`;
  if (Math.round(usd * 100) !== usd * 100) return `is ${usd}; AWS Budgets takes whole cents`;
  return undefined;
}

/** An amount as AWS Budgets reads it: plain decimal, never exponent notation (1e21 would be "1e+21"). */
export function budgetAmount(usd: number): string {
  return usd.toFixed(2).replace(/\.?0+$/, "");
}

/**
 * What SNS would refuse, or what must not be, in alert subscriptions, by position and field: email addresses,
 * https URLs without credentials (they would sit in the state and every plan), no subscription twice.
 * Shared by Monitoring and the environment schema.
 */
export function subscriptionProblems(subscriptions: readonly AlertSubscription[]): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const seen = new Set<string>();
  subscriptions.forEach(({ protocol, endpoint }, index) => {
    if (protocol === "email") {
      if (!EMAIL.test(endpoint)) problems.push({ path: `${index}.endpoint`, message: `"${endpoint}" must be an email address` });
    } else if (protocol === "https") {
      const problem = httpsEndpointProblem(endpoint);
      if (problem) problems.push({ path: `${index}.endpoint`, message: problem });
    } else {
      problems.push({ path: `${index}.protocol`, message: `"${String(protocol)}" is not supported; use "email" or "https"` });
    }
    const key = `${protocol}:${endpoint}`;
    if (seen.has(key)) problems.push({ path: `${index}.endpoint`, message: `subscribes ${protocol} "${endpoint}" a second time` });
    seen.add(key);
  });
  return problems;
}

function httpsEndpointProblem(endpoint: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== "https:" || url.hostname === "" || /\s/.test(endpoint)) return `"${endpoint}" must be an https:// URL`;
  if (url.username !== "" || url.password !== "") return "must not carry credentials in the URL; use a secret path or token the receiver checks";
  return undefined;
}
