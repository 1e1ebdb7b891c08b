import { App, TerraformStack, Testing } from "cdktf";
import { parse as parseYaml } from "yaml";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";
import { KmsKey } from "../../constructs/core/kms-key";
import { SecureBucket } from "../../constructs/core/secure-bucket";
import { PUBLISHED_NAMESPACES } from "../../constructs/monitoring/dashboard-widgets";
import { DriftMonitor, type DriftMonitorProps, scheduleIntervalSeconds } from "../../constructs/monitoring/drift-monitor";
import { MODEL_MONITOR_IMAGE_ACCOUNTS } from "../../constructs/monitoring/model-monitor-images";
import { Monitoring, type MonitoringProps } from "../../constructs/monitoring/monitoring";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson, type TerraformJson } from "../support/terraform-json";

type Statement = Record<string, unknown>;

const TOPIC_ARN = `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:mlops-test-alerts`;
const PIPELINE_ARN = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:pipeline/churn-retraining`;
const KEY_ARN = /^\$\{aws_kms_key\.Key_.*\.arn\}$/;
const TOPIC_REF = /^\$\{aws_sns_topic\..*\.arn\}$/;
const SUBSCRIPTIONS: MonitoringProps["subscriptions"] = [
  { protocol: "email", endpoint: "ml-oncall@example.com" },
  { protocol: "https", endpoint: "https://events.pagerduty.example.com/integration/abc/enqueue" },
];

function stackIn(region: string): TerraformStack {
  const stack = new TerraformStack(new App(), "test");
  setAwsEnvironment(stack, { accountId: TEST_ACCOUNT, region });
  new AwsProvider(stack, "aws", { region });
  return stack;
}

function setup(props: Partial<MonitoringProps> = {}, stack: TerraformStack = testStack()) {
  const key = new KmsKey(stack, "Key", { alias: "mlops-test-serving", description: "serving" });
  const capture = new SecureBucket(stack, "Capture", { bucketName: "mlops-test-capture", encryptionKey: key });
  const reports = new SecureBucket(stack, "Reports", { bucketName: "mlops-test-reports", encryptionKey: key });
  const monitoring = new Monitoring(stack, "Monitoring", {
    namePrefix: "mlops-test",
    encryptionKey: key,
    subscriptions: SUBSCRIPTIONS,
    monthlyBudgetUsd: 1500,
    ...props,
  });
  const driftProps = (overrides: Partial<DriftMonitorProps> = {}): DriftMonitorProps => ({
    endpointName: "churn",
    baselineStatisticsUri: "s3://mlops-test-artifacts/models/churn/baseline/statistics.json",
    baselineConstraintsUri: "s3://mlops-test-artifacts/models/churn/baseline/constraints.json",
    scheduleExpression: "cron(0 * ? * * *)",
    features: ["tenure_months", "monthly_spend", "support_tickets_90d"],
    threshold: 0.2,
    subnetIds: ["subnet-aaa", "subnet-bbb"],
    securityGroupIds: ["sg-123"],
    reportsBucket: reports,
    captureBucket: capture,
    encryptionKey: key,
    alertTopicArn: monitoring.alertTopicArn,
    ...overrides,
  });
  return { stack, key, capture, reports, monitoring, driftProps };
}

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const attributesOf = (json: TerraformJson, type: string) => resourcesOfType(json, type).map(([, attributes]) => attributes);
const topicPolicy = (json: TerraformJson) => policyOf(only(attributesOf(json, "aws_sns_topic_policy"))).Statement;
const keyPolicy = (json: TerraformJson) => policyOf(only(attributesOf(json, "aws_kms_key"))).Statement;
const servicePrincipals = (statements: Statement[]) =>
  statements.filter((s) => s.Effect === "Allow").map((s) => (s.Principal as { Service?: string }).Service);
const rolePolicyOf = (json: TerraformJson, roleConstructId: string) => {
  const [[, policy]] = resourcesOfType(json, "aws_iam_role_policy").filter(([name]) => name.includes(`_${roleConstructId}_`));
  return policyOf(policy).Statement;
};
const roleNamed = (json: TerraformJson, roleConstructId: string) => {
  const [[, role]] = resourcesOfType(json, "aws_iam_role").filter(([name]) => name.includes(`_${roleConstructId}_`));
  return role;
};

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title?: string; region?: string; markdown?: string; metrics?: unknown[][] };
}
const alarmNamed = (json: TerraformJson, name: string) => only(attributesOf(json, "aws_cloudwatch_metric_alarm").filter((a) => a.alarm_name === name));
const dashboardWidgets = (json: TerraformJson): Widget[] =>
  (JSON.parse(only(attributesOf(json, "aws_cloudwatch_dashboard")).dashboard_body as string) as { widgets: Widget[] }).widgets;

describe("Monitoring", () => {
  describe("alert topic", () => {
    it("is named from the prefix and encrypted with the customer key, never alias/aws/sns", () => {
      const { stack, monitoring } = setup();
      const json = synthJson(stack);
      const topic = only(attributesOf(json, "aws_sns_topic"));
      expect(topic).toMatchObject({ name: "mlops-test-alerts", kms_master_key_id: expect.stringMatching(KEY_ARN) });
      expect(JSON.stringify(json)).not.toContain("alias/aws/sns");
      expect(monitoring.alertTopicArn).toMatch(/TfToken/);
      expect(Testing.synth(stack)).toHaveResourceWithProperties({ tfResourceType: "aws_sns_topic" }, { name: "mlops-test-alerts" });
    });

    it("subscribes every endpoint with its protocol", () => {
      const json = synthJson(setup().stack);
      const subscriptions = attributesOf(json, "aws_sns_topic_subscription");
      expect(subscriptions).toHaveLength(2);
      expect(subscriptions).toEqual(
        expect.arrayContaining(SUBSCRIPTIONS.map((s) => ({ protocol: s.protocol, endpoint: s.endpoint, topic_arn: expect.stringMatching(TOPIC_REF) }))),
      );
    });

    it("names subscriptions by content, so reordering them replaces nothing", () => {
      const names = (subscriptions: MonitoringProps["subscriptions"]) =>
        resourcesOfType(synthJson(setup({ subscriptions }).stack), "aws_sns_topic_subscription").map(([name]) => name).sort();
      expect(names([...SUBSCRIPTIONS].reverse())).toEqual(names(SUBSCRIPTIONS));
    });

    it("accepts no subscriptions (the environment schema allows an empty list)", () => {
      expect(attributesOf(synthJson(setup({ subscriptions: [] }).stack), "aws_sns_topic_subscription")).toEqual([]);
    });
  });

  describe("topic policy", () => {
    it("lets exactly CloudWatch alarms and AWS Budgets of this account publish, and denies publishing without TLS", () => {
      const statements = topicPolicy(synthJson(setup().stack));
      expect(statements).toEqual([
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC_ARN,
          Condition: {
            StringEquals: { "aws:SourceAccount": TEST_ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${TEST_REGION}:${TEST_ACCOUNT}:alarm:*` },
          },
        },
        {
          Sid: "BudgetsPublish",
          Effect: "Allow",
          Principal: { Service: "budgets.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC_ARN,
          Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT }, ArnLike: { "aws:SourceArn": `arn:aws:budgets::${TEST_ACCOUNT}:*` } },
        },
        {
          Sid: "DenyPublishWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: TOPIC_ARN,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("limits every service it allows to this account's sources, and never allows EventBridge (which takes no condition there), retraining or not", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("DriftChurn", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      monitoring.addDriftMonitor("DriftFraud", driftProps({ endpointName: "fraud", retrainingPipelineArn: PIPELINE_ARN }));
      const statements = topicPolicy(synthJson(stack));
      expect(servicePrincipals(statements).sort()).toEqual(["budgets.amazonaws.com", "cloudwatch.amazonaws.com"]);
      for (const statement of statements.filter((s) => s.Effect === "Allow")) {
        const condition = statement.Condition as { StringEquals: Record<string, string>; ArnLike: Record<string, string> };
        expect(condition.StringEquals["aws:SourceAccount"]).toBe(TEST_ACCOUNT);
        expect(condition.ArnLike["aws:SourceArn"]).toMatch(new RegExp(`^arn:aws:(cloudwatch|budgets):(${TEST_REGION})?:${TEST_ACCOUNT}:`));
      }
    });

    it("has no Allow for the * principal and only sns:Publish", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const statements = topicPolicy(synthJson(stack));
      for (const statement of statements) {
        expect(statement.Action).toBe("sns:Publish");
        if (statement.Effect === "Allow") expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
        else expect(statement.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
      }
    });

    it("does not let EventBridge publish for a drift monitor without retraining", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      expect(servicePrincipals(topicPolicy(synthJson(stack)))).not.toContain("events.amazonaws.com");
    });
  });

  describe("key policy", () => {
    it("lets CloudWatch and AWS Budgets use the key for this topic only, on behalf of this account", () => {
      const statements = keyPolicy(synthJson(setup().stack));
      for (const [name, service] of [["CloudWatchAlarms", "cloudwatch.amazonaws.com"], ["Budgets", "budgets.amazonaws.com"]]) {
        expect(statements).toContainEqual({
          Sid: `${name}PublishTomlopstestAlertTopic`,
          Effect: "Allow",
          Principal: { Service: service },
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": TOPIC_ARN, "aws:SourceAccount": TEST_ACCOUNT } },
        });
      }
      expect(servicePrincipals(statements)).not.toContain("events.amazonaws.com");
    });

    it("gives EventBridge no use of the key, even with a retraining rule, and every service's use is on behalf of this account", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const statements = keyPolicy(synthJson(stack)).filter((s) => (s.Principal as { Service?: string }).Service !== undefined);
      expect(servicePrincipals(statements)).not.toContain("events.amazonaws.com");
      for (const statement of statements) expect((statement.Condition as { StringEquals: Record<string, string> }).StringEquals["aws:SourceAccount"]).toBe(TEST_ACCOUNT);
    });

    it("never gives the key to *", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      for (const statement of keyPolicy(synthJson(stack))) expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
    });

    it("keeps statement ids unique when two environments' monitoring share a key", () => {
      const stack = testStack();
      const key = new KmsKey(stack, "Key", { alias: "shared", description: "shared" });
      for (const prefix of ["team-a", "team-b"]) {
        new Monitoring(stack, `Monitoring-${prefix}`, { namePrefix: prefix, encryptionKey: key, subscriptions: [], monthlyBudgetUsd: 10 });
      }
      const sids = keyPolicy(synthJson(stack)).map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
    });
  });

  describe("dashboard", () => {
    it("is named from the prefix and shows, per added endpoint, invocations, p50/p99 latency, 4XX/5XX errors and instances in the stack's region", () => {
      const { stack, monitoring } = setup();
      monitoring.addEndpoint({ endpointName: "churn", variantName: "blue" });
      monitoring.addEndpoint({ endpointName: "fraud", variantName: "AllTraffic" });
      const json = synthJson(stack);
      expect(only(attributesOf(json, "aws_cloudwatch_dashboard")).dashboard_name).toBe("mlops-test");
      const widgets = dashboardWidgets(json);
      for (const [endpoint, variant] of [["churn", "blue"], ["fraud", "AllTraffic"]]) {
        const dims = ["EndpointName", endpoint, "VariantName", variant];
        const mine = widgets.filter((w) => w.properties.title?.startsWith(`${endpoint}/${variant}:`));
        expect(mine).toHaveLength(4);
        for (const widget of mine) expect(widget.properties.region).toBe(TEST_REGION);
        const metrics = mine.flatMap((w) => w.properties.metrics ?? []);
        expect(metrics).toEqual(
          expect.arrayContaining([
            ["AWS/SageMaker", "Invocations", ...dims, expect.objectContaining({ stat: "Sum" })],
            ["AWS/SageMaker", "ModelLatency", ...dims, expect.objectContaining({ stat: "p50" })],
            ["AWS/SageMaker", "ModelLatency", ...dims, expect.objectContaining({ stat: "p99" })],
            ["AWS/SageMaker", "Invocation4XXErrors", ...dims, expect.objectContaining({ stat: "Sum" })],
            ["AWS/SageMaker", "Invocation5XXErrors", ...dims, expect.objectContaining({ stat: "Sum" })],
            ["AWS/SageMaker", "InvocationsPerInstance", ...dims, expect.objectContaining({ id: "perInstance", stat: "Sum" })],
            [{ expression: "invocations / perInstance", id: "instances", label: "Instances" }],
          ]),
        );
      }
    });

    it("builds the body when synthesized, so endpoints added after construction appear", () => {
      const { stack, monitoring } = setup();
      expect(dashboardWidgets(JSON.parse(Testing.synth(stack)) as TerraformJson).filter((w) => w.type === "metric")).toEqual([]);
      monitoring.addEndpoint({ endpointName: "late", variantName: "v1" });
      expect(dashboardWidgets(synthJson(stack)).some((w) => w.properties.title?.startsWith("late/v1:"))).toBe(true);
    });

    it("shows the training cluster's pending pods and scheduling attempts from the metrics EKS publishes itself", () => {
      const widgets = dashboardWidgets(synthJson(setup({ trainingClusterName: "mlops-test-training" }).stack));
      const metrics = widgets.flatMap((w) => w.properties.metrics ?? []);
      expect(metrics).toEqual(
        expect.arrayContaining([
          ["AWS/EKS", "scheduler_pending_pods_UNSCHEDULABLE", "ClusterName", "mlops-test-training", expect.objectContaining({ stat: "Sum" })],
          ["AWS/EKS", "scheduler_pending_pods", "ClusterName", "mlops-test-training", expect.objectContaining({ stat: "Sum" })],
          ["AWS/EKS", "scheduler_schedule_attempts_UNSCHEDULABLE", "ClusterName", "mlops-test-training", expect.objectContaining({ stat: "Sum" })],
        ]),
      );
    });

    it("reads no metric nobody publishes: only AWS/SageMaker and AWS/EKS, no Container Insights or GPU metric (issue #11)", () => {
      const { stack, monitoring } = setup({ trainingClusterName: "mlops-test-training" });
      monitoring.addEndpoint({ endpointName: "churn", variantName: "primary" });
      const widgets = dashboardWidgets(synthJson(stack));
      const metrics = widgets.flatMap((w) => w.properties.metrics ?? []);
      expect(metrics.length).toBeGreaterThan(0);
      // A metric line starts with its namespace; an expression line is an object and reads what the others read.
      const namespaces = new Set(metrics.map((line) => line[0]).filter((first): first is string => typeof first === "string"));
      expect([...namespaces].filter((namespace) => !PUBLISHED_NAMESPACES.includes(namespace))).toEqual([]);
      expect(PUBLISHED_NAMESPACES).toEqual(["AWS/SageMaker", "AWS/EKS"]);
      expect(JSON.stringify(widgets)).not.toMatch(/ContainerInsights|gpu|DCGM/i);
    });

    it("has no cluster widgets without a training cluster", () => {
      const widgets = dashboardWidgets(synthJson(setup().stack));
      expect(JSON.stringify(widgets)).not.toContain("AWS/EKS");
    });

    it("lays widgets out without overlaps on the 24-column grid", () => {
      const { stack, monitoring } = setup({ trainingClusterName: "c" });
      for (const name of ["a", "b", "c"]) monitoring.addEndpoint({ endpointName: name, variantName: "v" });
      const widgets = dashboardWidgets(synthJson(stack));
      const cells = new Set<string>();
      for (const w of widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x++) {
          for (let y = w.y; y < w.y + w.height; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    });
  });

  describe("model approvals", () => {
    it("match SageMaker's approval events of the registry's groups, and an alarm on the matches tells the topic", () => {
      const { stack, monitoring } = setup();
      monitoring.watchModelApprovals(["churn", "fraud"]);
      const json = synthJson(stack);
      const rule = only(attributesOf(json, "aws_cloudwatch_event_rule"));
      expect(rule.name).toBe("mlops-test-model-approved");
      expect(JSON.parse(rule.event_pattern as string)).toEqual({
        source: ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        detail: { ModelApprovalStatus: ["Approved"], ModelPackageGroupName: ["churn", "fraud"] },
      });
      // The topic takes no EventBridge statement: no target, an alarm instead.
      expect(attributesOf(json, "aws_cloudwatch_event_target")).toEqual([]);
      expect(only(attributesOf(json, "aws_cloudwatch_metric_alarm").filter((a) => a.alarm_name === "mlops-test-model-approved"))).toMatchObject({
        namespace: "AWS/Events",
        metric_name: "TriggeredRules",
        dimensions: { RuleName: "mlops-test-model-approved" },
        threshold: 1,
        treat_missing_data: "notBreaching",
        alarm_actions: [expect.stringMatching(TOPIC_REF)],
      });
    });

    it("watch nothing for a registry without groups", () => {
      const { stack, monitoring } = setup();
      monitoring.watchModelApprovals([]);
      expect(attributesOf(synthJson(stack), "aws_cloudwatch_event_rule")).toEqual([]);
    });
  });

  describe("budget", () => {
    it("is a monthly USD cost budget notifying the topic at 80 % and 100 % of actual and forecast spend", () => {
      const json = synthJson(setup().stack);
      const budget = only(attributesOf(json, "aws_budgets_budget"));
      expect(budget).toMatchObject({
        name: "mlops-test-monthly-cost",
        account_id: TEST_ACCOUNT,
        budget_type: "COST",
        time_unit: "MONTHLY",
        limit_amount: "1500",
        limit_unit: "USD",
        depends_on: [expect.stringMatching(/^aws_sns_topic_policy\./)],
      });
      const notifications = budget.notification as Record<string, unknown>[];
      expect(notifications).toHaveLength(4);
      for (const type of ["ACTUAL", "FORECASTED"]) {
        for (const threshold of [80, 100]) {
          expect(notifications).toContainEqual({
            notification_type: type,
            comparison_operator: "GREATER_THAN",
            threshold,
            threshold_type: "PERCENTAGE",
            subscriber_sns_topic_arns: [expect.stringMatching(TOPIC_REF)],
          });
        }
      }
    });
  });

  describe("refuses", () => {
    it.each<[string, Partial<MonitoringProps>, RegExp]>([
      ["a zero budget", { monthlyBudgetUsd: 0 }, /^test\/Monitoring: monthlyBudgetUsd is 0; it must be an amount of USD greater than 0$/],
      ["a negative budget", { monthlyBudgetUsd: -5 }, /monthlyBudgetUsd is -5; it must be an amount of USD greater than 0/],
      ["a budget that is not a number", { monthlyBudgetUsd: Number.NaN }, /monthlyBudgetUsd is NaN/],
      ["an invalid prefix", { namePrefix: "MLOps_Prod" }, /test\/Monitoring: namePrefix "MLOps_Prod" must be lowercase letters and digits/],
      ["an email without a domain", { subscriptions: [{ protocol: "email", endpoint: "oncall@" }] }, /test\/Monitoring: subscriptions\.0\.endpoint: "oncall@" must be an email address/],
      ["an http:// endpoint", { subscriptions: [{ protocol: "https", endpoint: "http://hooks.example.com/x" }] }, /subscriptions\.0\.endpoint: "http:\/\/hooks.example.com\/x" must be an https:\/\/ URL/],
      ["an https endpoint that is not a URL", { subscriptions: [{ protocol: "https", endpoint: "https://" }] }, /subscriptions\.0\.endpoint: "https:\/\/" must be an https:\/\/ URL/],
      [
        "credentials in an https endpoint (they would be in the state and every plan), without repeating them",
        { subscriptions: [{ protocol: "https", endpoint: "https://user:s3cret@hooks.example.com/x" }] },
        /^test\/Monitoring: subscriptions\.0\.endpoint: must not carry credentials in the URL/,
      ],
      ["an unknown protocol", { subscriptions: [{ protocol: "sms" as never, endpoint: "+15550100" }] }, /subscriptions\.0\.protocol: "sms" is not supported; use "email" or "https"/],
      [
        "a subscription listed twice",
        { subscriptions: [SUBSCRIPTIONS[0], SUBSCRIPTIONS[1], SUBSCRIPTIONS[0]] },
        /subscriptions\.2\.endpoint: subscribes email "ml-oncall@example.com" a second time/,
      ],
    ])("%s", (_, props, message) => {
      expect(() => setup(props)).toThrow(message);
    });

    it("never repeats a URL's credentials in the message", () => {
      expect(() => setup({ subscriptions: [{ protocol: "https", endpoint: "https://user:s3cret@hooks.example.com/x" }] })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining("s3cret") }),
      );
    });

    it.each<[string, { endpointName: string; variantName: string }, RegExp]>([
      ["an invalid endpoint name", { endpointName: "churn_v2", variantName: "blue" }, /test\/Monitoring: addEndpoint endpointName "churn_v2" must be 1-63 letters/],
      ["an invalid variant name", { endpointName: "churn", variantName: "-blue" }, /addEndpoint variantName "-blue" must be 1-63 letters/],
    ])("%s on the dashboard", (_, endpoint, message) => {
      expect(() => setup().monitoring.addEndpoint(endpoint)).toThrow(message);
    });

    it("an endpoint variant added twice", () => {
      const { monitoring } = setup();
      monitoring.addEndpoint({ endpointName: "churn", variantName: "blue" });
      expect(() => monitoring.addEndpoint({ endpointName: "churn", variantName: "blue" })).toThrow(
        /test\/Monitoring: endpoint "churn" variant "blue" is already on the dashboard/,
      );
    });
  });
});

describe("Monitoring with a Prometheus workspace", () => {
  const WORKSPACE = { id: "ws-0123abcd-4567-89ef-0123-456789abcdef", arn: `arn:aws:aps:${TEST_REGION}:${TEST_ACCOUNT}:workspace/ws-0123abcd-4567-89ef-0123-456789abcdef` };
  const json = synthJson(setup({ prometheusWorkspace: WORKSPACE }).stack);

  it("sends every alert of the workspace's alert manager to the topic, through SNS with SigV4 in the topic's region", () => {
    const definition = only(attributesOf(json, "aws_prometheus_alert_manager_definition"));
    expect(definition).toMatchObject({ workspace_id: WORKSPACE.id, depends_on: [expect.stringMatching(/^aws_sns_topic_policy\./)] });
    const outer = parseYaml(definition.definition as string) as { alertmanager_config: string };
    const config = parseYaml(outer.alertmanager_config) as { route: { receiver: string }; receivers: { name: string; sns_configs: unknown[] }[] };
    expect(config.route).toMatchObject({ receiver: "alert-topic", repeat_interval: "4h" });
    expect(config.receivers).toEqual([{ name: "alert-topic", sns_configs: [{ topic_arn: TOPIC_ARN, sigv4: { region: TEST_REGION } }] }]);
  });

  it("lets that workspace, of this account, publish to the topic", () => {
    expect(topicPolicy(json)).toContainEqual({
      Sid: "PrometheusAlertManagerPublish",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["sns:Publish", "sns:GetTopicAttributes"],
      Resource: TOPIC_ARN,
      Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT }, ArnEquals: { "aws:SourceArn": WORKSPACE.arn } },
    });
    expect(topicPolicy(json).at(-1)).toMatchObject({ Sid: "DenyPublishWithoutTls" });
  });

  it("lets AMP use the key for this topic only, on behalf of this account", () => {
    expect(keyPolicy(json)).toContainEqual({
      Sid: "PrometheusPublishTomlopstestAlertTopic",
      Effect: "Allow",
      Principal: { Service: "aps.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": TOPIC_ARN, "aws:SourceAccount": TEST_ACCOUNT } },
    });
  });

  it("has none of it without a workspace", () => {
    const plain = synthJson(setup().stack);
    expect(attributesOf(plain, "aws_prometheus_alert_manager_definition")).toEqual([]);
    expect(JSON.stringify(plain)).not.toContain("aps.amazonaws.com");
  });
});

describe("DriftMonitor", () => {
  describe("data quality job", () => {
    it("runs the region's Model Monitor analyzer, publishes metrics, and reads the baseline and the endpoint's captured data", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const job = only(attributesOf(synthJson(stack), "aws_sagemaker_data_quality_job_definition"));
      expect(job).toMatchObject({
        name: "churn-data-quality",
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\..*JobRole.*\.arn\}$/),
        data_quality_app_specification: {
          image_uri: `468650794304.dkr.ecr.${TEST_REGION}.amazonaws.com/sagemaker-model-monitor-analyzer`,
          environment: { publish_cloudwatch_metrics: "Enabled" },
        },
        data_quality_baseline_config: {
          statistics_resource: { s3_uri: "s3://mlops-test-artifacts/models/churn/baseline/statistics.json" },
          constraints_resource: { s3_uri: "s3://mlops-test-artifacts/models/churn/baseline/constraints.json" },
        },
        data_quality_job_input: { endpoint_input: { endpoint_name: "churn", local_path: "/opt/ml/processing/input" } },
        stopping_condition: { max_runtime_in_seconds: 3600 },
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\..*JobRole/)],
      });
    });

    it("encrypts outputs and volumes with the key, writes reports under monitoring/<endpoint>, and runs network-isolated in the VPC with encrypted inter-container traffic", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ instanceType: "ml.c5.xlarge" }));
      const job = only(attributesOf(synthJson(stack), "aws_sagemaker_data_quality_job_definition"));
      expect(job.data_quality_job_output_config).toEqual({
        kms_key_id: expect.stringMatching(KEY_ARN),
        monitoring_outputs: {
          s3_output: {
            s3_uri: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.Reports_.*\.bucket\}\/monitoring\/churn$/),
            local_path: "/opt/ml/processing/output",
            s3_upload_mode: "EndOfJob",
          },
        },
      });
      expect(job.job_resources).toEqual({
        cluster_config: { instance_count: 1, instance_type: "ml.c5.xlarge", volume_size_in_gb: 20, volume_kms_key_id: expect.stringMatching(KEY_ARN) },
      });
      expect(job.network_config).toEqual({
        enable_inter_container_traffic_encryption: true,
        enable_network_isolation: true,
        vpc_config: { subnets: ["subnet-aaa", "subnet-bbb"], security_group_ids: ["sg-123"] },
      });
    });

    it("uses ml.m5.large by default", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const job = only(attributesOf(synthJson(stack), "aws_sagemaker_data_quality_job_definition"));
      expect((job.job_resources as { cluster_config: { instance_type: string } }).cluster_config.instance_type).toBe("ml.m5.large");
    });

    it.each(Object.entries({ "us-east-1": "156813124566", "us-west-2": "159807026194", "eu-central-1": "048819808253", "ap-southeast-2": "563025443158" }))(
      "takes the analyzer image of %s from account %s",
      (region, account) => {
        const { stack, driftProps } = setup({}, stackIn(region));
        new DriftMonitor(stack, "Drift", driftProps());
        const job = only(attributesOf(synthJson(stack), "aws_sagemaker_data_quality_job_definition"));
        expect((job.data_quality_app_specification as { image_uri: string }).image_uri).toBe(`${account}.dkr.ecr.${region}.amazonaws.com/sagemaker-model-monitor-analyzer`);
      },
    );

    it("has a 12-digit image account for every region of the table", () => {
      for (const account of Object.values(MODEL_MONITOR_IMAGE_ACCOUNTS)) expect(account).toMatch(/^\d{12}$/);
    });
  });

  describe("schedule", () => {
    it("runs the job definition on the schedule expression", () => {
      const { stack, monitoring, driftProps } = setup();
      const monitor = monitoring.addDriftMonitor("Drift", driftProps());
      const schedule = only(attributesOf(synthJson(stack), "aws_sagemaker_monitoring_schedule"));
      expect(monitor.scheduleName).toBe("churn-drift");
      expect(schedule).toEqual({
        name: "churn-drift",
        monitoring_schedule_config: {
          monitoring_job_definition_name: expect.stringMatching(/^\$\{aws_sagemaker_data_quality_job_definition\..*\.name\}$/),
          monitoring_type: "DataQuality",
          schedule_config: { schedule_expression: "cron(0 * ? * * *)" },
        },
      });
    });

    it.each([
      ["cron(0 * ? * * *)", 3600],
      ["cron(0 12 ? * * *)", 86400],
      ["cron(0 0 ? * * *)", 86400],
      ["cron(0 17/12 ? * * *)", 43200],
      ["cron(0 0/2 ? * * *)", 7200],
      ["cron(0 5/24 ? * * *)", 86400],
      ["NOW", undefined],
      ["rate(1 hour)", undefined],
      ["cron(30 * ? * * *)", undefined],
      ["cron(0 24 ? * * *)", undefined],
      ["cron(0 0/25 ? * * *)", undefined],
      ["cron(0 * * * ? *)", undefined],
    ])("interval of %s is %p seconds", (expression, seconds) => {
      expect(scheduleIntervalSeconds(expression)).toBe(seconds);
    });
  });

  describe("drift alarm", () => {
    it("watches the largest baseline drift of the features (metric math MAX) and notifies the topic", () => {
      const { stack, monitoring, driftProps } = setup();
      const monitor = monitoring.addDriftMonitor("Drift", driftProps());
      const alarm = alarmNamed(synthJson(stack), "churn-drift-feature-drift");
      expect(monitor.driftAlarmName).toBe("churn-drift-feature-drift");
      expect(monitor.driftAlarmArn).toMatch(/TfToken/);
      expect(alarm).toMatchObject({
        alarm_name: "churn-drift-feature-drift",
        comparison_operator: "GreaterThanThreshold",
        threshold: 0.2,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: "ignore",
        actions_enabled: true,
        alarm_actions: [expect.stringMatching(TOPIC_REF)],
      });
      expect(alarm.metric_name).toBeUndefined();
      const features = ["tenure_months", "monthly_spend", "support_tickets_90d"];
      expect(alarm.metric_query).toEqual([
        ...features.map((feature, i) => ({
          id: `f${i}`,
          return_data: false,
          metric: {
            namespace: "aws/sagemaker/Endpoints/data-metrics",
            metric_name: `feature_baseline_drift_${feature}`,
            dimensions: { Endpoint: "churn", MonitoringSchedule: "churn-drift" },
            period: 3600,
            stat: "Maximum",
          },
        })),
        { id: "drift", expression: "MAX([f0, f1, f2])", label: "Largest feature baseline drift", return_data: true },
      ]);
    });

    it("evaluates once per run of the schedule", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ scheduleExpression: "cron(0 0/6 ? * * *)", features: ["x"] }));
      const alarm = alarmNamed(synthJson(stack), "churn-drift-feature-drift");
      expect((alarm.metric_query as { metric?: { period: number } }[])[0].metric?.period).toBe(21600);
    });
  });

  describe("reporting alarm (issue #11: runs that fail or stop reporting)", () => {
    it("goes off when two runs in a row publish no drift metric, treating missing data as breaching, and tells the topic on ALARM and OK", () => {
      const { stack, monitoring, driftProps } = setup();
      const monitor = monitoring.addDriftMonitor("Drift", driftProps({ scheduleExpression: "cron(0 0/6 ? * * *)" }));
      const json = synthJson(stack);
      expect(monitor.reportingAlarmName).toBe("churn-drift-not-reporting");
      const alarm = alarmNamed(json, "churn-drift-not-reporting");
      expect(alarm).toMatchObject({
        alarm_description: expect.stringContaining("published no drift metrics for 2 runs in a row"),
        // Drift distances are never below 0: only missing data (breaching) can set it off.
        comparison_operator: "LessThanThreshold",
        threshold: 0,
        evaluation_periods: 2,
        datapoints_to_alarm: 2,
        treat_missing_data: "breaching",
        actions_enabled: true,
        alarm_actions: [expect.stringMatching(TOPIC_REF)],
        ok_actions: [expect.stringMatching(TOPIC_REF)],
      });
      // The same metrics as the drift alarm, one period per run of the schedule.
      expect(alarm.metric_query).toEqual(alarmNamed(json, "churn-drift-feature-drift").metric_query);
      expect((alarm.metric_query as { metric?: { period: number; dimensions: unknown } }[])[0].metric).toMatchObject({
        period: 21600,
        dimensions: { Endpoint: "churn", MonitoringSchedule: "churn-drift" },
      });
    });

    it("looks back at most a week, CloudWatch's limit, for the longest schedule (daily)", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ scheduleExpression: "cron(0 3 ? * * *)" }));
      const alarm = alarmNamed(synthJson(stack), "churn-drift-not-reporting");
      const period = (alarm.metric_query as { metric?: { period: number } }[])[0].metric!.period;
      expect(period * (alarm.evaluation_periods as number)).toBeLessThanOrEqual(7 * 86400);
    });
  });

  describe("job role", () => {
    it("is trusted by SageMaker for this account only", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const role = roleNamed(synthJson(stack), "JobRole");
      expect(role.name).toBe(`churn-drift-monitor-${TEST_REGION}`);
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } } },
      ]);
    });

    it("reads the capture bucket and the two baseline files, writes only under monitoring/<endpoint> of the reports bucket, and uses the key", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const statements = rolePolicyOf(synthJson(stack), "JobRole");
      const writes = statements.filter((s) => asArray(s.Action).includes("s3:PutObject"));
      expect(writes).toEqual([
        { Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.Reports_.*\.arn\}\/monitoring\/churn\/\*$/) },
      ]);
      expect(statements).toContainEqual({ Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.Capture_.*\.arn\}\/\*$/) });
      expect(statements).toContainEqual({
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: ["arn:aws:s3:::mlops-test-artifacts/models/churn/baseline/statistics.json", "arn:aws:s3:::mlops-test-artifacts/models/churn/baseline/constraints.json"],
      });
      expect(statements).toContainEqual({ Effect: "Allow", Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: expect.stringMatching(KEY_ARN) });
      expect(statements).toContainEqual({
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`,
        Condition: { StringEquals: { "kms:ViaService": `s3.${TEST_REGION}.amazonaws.com` } },
      });
    });

    it("grants each statement once when reports and capture share a bucket", () => {
      const { stack, capture, driftProps } = setup();
      new DriftMonitor(stack, "Drift", driftProps({ reportsBucket: capture }));
      const statements = rolePolicyOf(synthJson(stack), "JobRole").map((s) => JSON.stringify(s));
      expect(new Set(statements).size).toBe(statements.length);
    });

    it("uses * only where the action has no resource (EC2 Describe, PutMetricData limited to SageMaker namespaces), and no wildcard action", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const statements = rolePolicyOf(synthJson(stack), "JobRole");
      for (const statement of statements.filter((s) => asArray(s.Resource).includes("*"))) {
        expect(asArray(statement.Action).every((a) => /^ec2:Describe|^cloudwatch:PutMetricData$/.test(String(a)))).toBe(true);
        if (statement.Action === "cloudwatch:PutMetricData") {
          expect(statement.Condition).toEqual({ StringLike: { "cloudwatch:namespace": ["aws/sagemaker/*", "/aws/sagemaker/*"] } });
        }
      }
      expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => String(a).endsWith(":*") || a === "*")).toEqual([]);
      expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => String(a).startsWith("sagemaker:"))).toEqual([]);
    });

    it("may make network interfaces only in the given subnets and security groups", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const statement = only(rolePolicyOf(synthJson(stack), "JobRole").filter((s) => s.Action === "ec2:CreateNetworkInterface"));
      const ec2 = `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}`;
      expect(statement.Resource).toEqual([`${ec2}:network-interface/*`, `${ec2}:subnet/subnet-aaa`, `${ec2}:subnet/subnet-bbb`, `${ec2}:security-group/sg-123`]);
    });
  });

  describe("retraining", () => {
    it("has no rule, target or EventBridge role without a retraining pipeline", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps());
      const json = synthJson(stack);
      expect(attributesOf(json, "aws_cloudwatch_event_rule")).toEqual([]);
      expect(attributesOf(json, "aws_cloudwatch_event_target")).toEqual([]);
      expect(JSON.stringify(attributesOf(json, "aws_iam_role"))).not.toContain("events.amazonaws.com");
    });

    it("matches the drift alarm's change to ALARM", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const rule = only(attributesOf(synthJson(stack), "aws_cloudwatch_event_rule"));
      expect(rule.name).toBe("churn-drift-retraining");
      expect(JSON.parse(rule.event_pattern as string)).toEqual({
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        resources: [`arn:aws:cloudwatch:${TEST_REGION}:${TEST_ACCOUNT}:alarm:churn-drift-feature-drift`],
        detail: { state: { value: ["ALARM"] } },
      });
    });

    it("starts the pipeline with its own role, and publishes nothing to the topic itself", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const targets = attributesOf(synthJson(stack), "aws_cloudwatch_event_target");
      const rule = expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\..*\.name\}$/);
      expect(targets).toEqual([{
        rule,
        target_id: "start-retraining-pipeline",
        arn: PIPELINE_ARN,
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\..*RetrainingRole.*\.arn\}$/),
        sagemaker_pipeline_target: {},
        retry_policy: { maximum_event_age_in_seconds: 3600, maximum_retry_attempts: 10 },
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\..*RetrainingRole/)],
      }]);
    });

    it("tells the topic through CloudWatch: the drift alarm names the pipeline, and an alarm goes off when EventBridge fails to start it", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const json = synthJson(stack);
      expect(alarmNamed(json, "churn-drift-feature-drift").alarm_description).toContain(`starts retraining pipeline ${PIPELINE_ARN}`);
      expect(alarmNamed(json, "churn-drift-retraining-failed-invocations")).toMatchObject({
        namespace: "AWS/Events",
        metric_name: "FailedInvocations",
        dimensions: { RuleName: "churn-drift-retraining" },
        statistic: "Sum",
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treat_missing_data: "notBreaching",
        alarm_actions: [expect.stringMatching(TOPIC_REF)],
      });
    });

    it("keeps the drift alarm's description within PutMetricAlarm's 1024 characters with the longest names", () => {
      const { stack, driftProps } = setup();
      const features = Array.from({ length: 10 }, (_, i) => `${"f".repeat(40)}${i}`);
      const pipeline = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:pipeline/${"p".repeat(256)}`;
      new DriftMonitor(stack, "Drift", driftProps({ endpointName: "e".repeat(63), features, retrainingPipelineArn: pipeline }));
      for (const alarm of attributesOf(synthJson(stack), "aws_cloudwatch_metric_alarm")) expect((alarm.alarm_description as string).length).toBeLessThanOrEqual(1024);
    });

    it("gives the EventBridge role, trusted for this rule of this account only, nothing but StartPipelineExecution on that pipeline", () => {
      const { stack, monitoring, driftProps } = setup();
      monitoring.addDriftMonitor("Drift", driftProps({ retrainingPipelineArn: PIPELINE_ARN }));
      const json = synthJson(stack);
      const role = roleNamed(json, "RetrainingRole");
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT, "aws:SourceArn": `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:rule/churn-drift-retraining` } },
        },
      ]);
      expect(rolePolicyOf(json, "RetrainingRole")).toEqual([{ Effect: "Allow", Action: "sagemaker:StartPipelineExecution", Resource: PIPELINE_ARN }]);
      const attachments = resourcesOfType(json, "aws_iam_role_policy_attachment");
      expect(attachments).toEqual([]);
    });

    it("leaves a topic it did not make alone: a standalone monitor for another topic adds no EventBridge grant to Monitoring's topic", () => {
      const { stack, driftProps } = setup();
      new DriftMonitor(stack, "Drift", driftProps({ alertTopicArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:other`, retrainingPipelineArn: PIPELINE_ARN }));
      expect(servicePrincipals(topicPolicy(synthJson(stack)))).not.toContain("events.amazonaws.com");
    });
  });

  describe("refuses", () => {
    const tooMany = Array.from({ length: 11 }, (_, i) => `feature_${i}`);
    it.each<[string, Partial<DriftMonitorProps>, RegExp]>([
      ["an endpoint name with underscores", { endpointName: "churn_v2" }, /^test\/Monitoring\/Drift: endpointName: "churn_v2" must be 1-63 letters, digits and hyphens/],
      ["a statistics URI that is not s3://", { baselineStatisticsUri: "https://bucket/statistics.json" }, /test\/Monitoring\/Drift: baselineStatisticsUri: "https:\/\/bucket\/statistics.json" must be the s3:\/\/ URI of a file/],
      ["a constraints URI naming only a bucket", { baselineConstraintsUri: "s3://mlops-test-artifacts" }, /baselineConstraintsUri: "s3:\/\/mlops-test-artifacts" must be the s3:\/\/ URI of a file/],
      ["a constraints URI naming a folder", { baselineConstraintsUri: "s3://mlops-test-artifacts/baseline/" }, /baselineConstraintsUri: "s3:\/\/mlops-test-artifacts\/baseline\/" must be the s3:\/\/ URI of a file/],
      ["a rate expression", { scheduleExpression: "rate(1 hour)" }, /test\/Monitoring\/Drift: scheduleExpression: "rate\(1 hour\)" is not a recurring Model Monitor schedule; use "cron\(0 \* \? \* \* \*\)" \(hourly\)/],
      ["a one-time NOW schedule", { scheduleExpression: "NOW" }, /scheduleExpression: "NOW" is not a recurring Model Monitor schedule/],
      ["a schedule at minute 30", { scheduleExpression: "cron(30 * ? * * *)" }, /scheduleExpression: "cron\(30 \* \? \* \* \*\)" is not a recurring/],
      ["no features", { features: [] }, /test\/Monitoring\/Drift: features: is empty; name at least one feature whose drift to alarm on/],
      ["more features than an alarm's metric math can reference", { features: tooMany }, /features: lists 11 features; a CloudWatch metric math alarm references at most 10 metrics/],
      ["a feature name that cannot name a metric", { features: ["monthly spend"] }, /features.0: "monthly spend" must be 1-232 letters, digits, "_", "-" or "\." to name the metric feature_baseline_drift_<feature>/],
      ["a feature listed twice", { features: ["a", "a"] }, /features.1: "a" is listed twice/],
      ["a zero threshold", { threshold: 0 }, /test\/Monitoring\/Drift: threshold: is 0; it must be a drift distance greater than 0/],
      ["a negative threshold", { threshold: -0.1 }, /threshold: is -0.1/],
      ["a threshold that is not a number", { threshold: Number.NaN }, /threshold: is NaN/],
      ["an instance type that is not a SageMaker one", { instanceType: "m5.large" }, /instanceType: "m5.large" must be a SageMaker instance type/],
      ["no subnets", { subnetIds: [] }, /subnetIds: lists 0 subnets; the job runs in the VPC and needs 1-16/],
      ["no security groups", { securityGroupIds: [] }, /securityGroupIds: lists 0 groups; the job runs in the VPC and needs 1-5/],
      ["a pipeline ARN that is not one", { retrainingPipelineArn: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/1" }, /retrainingPipelineArn: "arn:aws:sagemaker:eu-west-1:123456789012:model-package\/churn\/1" must be a SageMaker pipeline ARN/],
    ])("%s", (_, overrides, message) => {
      const { monitoring, driftProps } = setup();
      expect(() => monitoring.addDriftMonitor("Drift", driftProps(overrides))).toThrow(message);
    });

    it("an endpoint name that is not a literal", () => {
      const { stack, driftProps } = setup();
      const endpointName = new SecureBucket(stack, "Other", { bucketName: "other-bucket", encryptionKey: new KmsKey(stack, "K2", { alias: "k2", description: "k" }) }).bucketName;
      expect(() => new DriftMonitor(stack, "Drift", driftProps({ endpointName }))).toThrow(/^test\/Drift: endpointName: must be a literal name/);
    });

    it.each(["ca-west-1", "mx-central-1", "ap-southeast-5"])("a region without a Model Monitor image in the table (%s)", (region) => {
      const { stack, driftProps } = setup({}, stackIn(region));
      expect(() => new DriftMonitor(stack, "Drift", driftProps())).toThrow(
        new RegExp(`^test/Drift: region: Model Monitor has no analyzer image in ${region} \\(it has one in af-south-1, .*eu-west-1.*\\); remove drift or use one of those regions`),
      );
    });
  });
});
