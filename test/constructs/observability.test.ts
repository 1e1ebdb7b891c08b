import { parse } from "yaml";
import { KmsKey } from "../../constructs/core/kms-key";
import { GPU_ALERT_GROUP, GpuAlertThresholds, gpuAlertRules, gpuAlertRulesYaml } from "../../constructs/observability/alert-rules";
import { PrometheusWorkspace, PrometheusWorkspaceProps } from "../../constructs/observability/prometheus-workspace";
import { SCRAPE_JOBS, scrapeConfiguration, scrapeConfigurationYaml, toYaml } from "../../constructs/observability/scrape-config";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

type Statement = Record<string, any>;

const CLUSTER = "mlops-test-training";
const THRESHOLDS: GpuAlertThresholds = { idleGpuUtilPercent: 10, idleForMinutes: 60, pendingForMinutes: 30, launchFailureForMinutes: 15 };
const KEY_REF = /^\$\{aws_kms_key\.Key_.*\.arn\}$/;

/**
 * Metrics the exporters publish, from their documentation: DCGM exporter's default counters, Kueue's "Prometheus
 * metrics" reference, Karpenter 1.14's metrics reference.
 */
const KNOWN_METRICS = new Set([
  "DCGM_FI_DEV_GPU_UTIL",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
  "kueue_pending_workloads",
  "kueue_admitted_workloads_total",
  "kueue_admission_wait_time_seconds",
  "kueue_cluster_queue_nominal_quota",
  "kueue_cluster_queue_resource_usage",
  "karpenter_cloudprovider_instance_launch_failures_total",
  "karpenter_cloudprovider_errors_total",
  "karpenter_scheduler_unschedulable_pods_count",
  "karpenter_nodeclaims_created_total",
  // Written by the scraper for each target (Prometheus "Jobs and instances"): 1 when the scrape succeeded.
  "up",
]);
const PROMQL_WORDS = new Set(["sum", "avg", "max", "min", "count", "avg_over_time", "absent", "increase", "rate", "and", "or", "unless", "on", "by", "without", "ignoring"]);

/** The metric names an expression reads: identifiers outside label matchers, ranges and grouping clauses, less PromQL's own words. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|on|without|ignoring)\s*\([^)]*\)/g, " ");
  return [...new Set([...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word)))];
}

describe("toYaml", () => {
  it("writes block YAML that parses back to the same data, quoting every string", () => {
    const data = {
      a: "on",
      "b/c": ["x", 1, true, null, { d: "1e3", e: [] }, [2, 3]],
      f: {},
      g: { h: { i: "multi\nline \"quoted\"" } },
    };
    const text = toYaml(data);
    expect(parse(text)).toEqual(data);
    expect(text).toContain('a: "on"');
  });
});

describe("the scrape configuration", () => {
  const config = parse(scrapeConfigurationYaml({ clusterName: CLUSTER, scrapeIntervalSeconds: 60 }));

  it("is YAML with the interval and the cluster as an external label", () => {
    expect(config.global).toEqual({ scrape_interval: "60s", external_labels: { cluster: CLUSTER } });
    expect(config).toEqual(scrapeConfiguration({ clusterName: CLUSTER, scrapeIntervalSeconds: 60 }));
  });

  it("scrapes Karpenter, the DCGM exporter and Kueue, by Kubernetes service discovery only", () => {
    const jobs = config.scrape_configs as Record<string, any>[];
    expect(jobs.map((j) => j.job_name)).toEqual([SCRAPE_JOBS.karpenter, SCRAPE_JOBS.dcgm, SCRAPE_JOBS.kueue]);
    for (const job of jobs) {
      expect(job.kubernetes_sd_configs).toEqual([expect.objectContaining({ role: "endpoints" })]);
      expect(job.static_configs).toBeUndefined();
      expect(job.relabel_configs[0]).toMatchObject({ action: "keep" });
    }
    const byName = Object.fromEntries(jobs.map((j) => [j.job_name, j]));
    expect(byName[SCRAPE_JOBS.karpenter].relabel_configs[0].regex).toBe("kube-system;karpenter;http-metrics");
    expect(byName[SCRAPE_JOBS.dcgm].relabel_configs[0].regex).toBe("kube-system;dcgm-exporter;metrics");
    // Kueue's visibility API Service has the same name label and port name: the component keeps only the metrics one.
    expect(byName[SCRAPE_JOBS.kueue].relabel_configs[0]).toEqual({
      source_labels: ["__meta_kubernetes_namespace", "__meta_kubernetes_service_label_app_kubernetes_io_name", "__meta_kubernetes_endpoint_port_name", "__meta_kubernetes_service_label_app_kubernetes_io_component"],
      regex: "kueue-system;kueue;https;metrics-service",
      action: "keep",
    });
  });

  it("keeps the GPU consumer's namespace and pod on DCGM's series, and writes none of its own", () => {
    const dcgm = (config.scrape_configs as Record<string, any>[]).find((j) => j.job_name === SCRAPE_JOBS.dcgm)!;
    expect(dcgm.honor_labels).toBe(true);
    expect(dcgm.relabel_configs.map((r: { target_label?: string }) => r.target_label).filter(Boolean)).toEqual(["node"]);
  });

  it("reaches Kueue's TLS metrics with the collector's token, the only authorization the collector allows", () => {
    const kueue = (config.scrape_configs as Record<string, any>[]).find((j) => j.job_name === SCRAPE_JOBS.kueue)!;
    expect(kueue).toMatchObject({
      scheme: "https",
      authorization: { type: "Bearer", credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
      tls_config: { insecure_skip_verify: true },
    });
  });

  it.each([29, 10, 30.5, 301])("refuses a scrape interval of %p seconds (the collector's minimum is 30, the blueprint's maximum 300)", (seconds) => {
    expect(() => scrapeConfigurationYaml({ clusterName: CLUSTER, scrapeIntervalSeconds: seconds })).toThrow(
      new RegExp(`^scrapeConfiguration: scrapeIntervalSeconds: is ${seconds}; must be whole seconds 30-300 \\(the managed collector scrapes at most every 30 seconds\\)$`),
    );
  });
});

describe("the GPU alert rules", () => {
  const data = parse(gpuAlertRulesYaml(THRESHOLDS));
  const rules = data.groups[0].rules as Record<string, any>[];
  const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));

  it("are one YAML group of the design's alerts", () => {
    expect(data.groups.map((g: { name: string }) => g.name)).toEqual([GPU_ALERT_GROUP]);
    expect(rules.map((r) => r.alert)).toEqual([
      "GpuAllocatedIdle",
      "GpuAllocatedIdleMig",
      "KueuePendingTooLong",
      "KueueInadmissibleWorkloads",
      "KarpenterLaunchFailures",
      "KarpenterCloudProviderErrors",
      "MetricsTargetDown",
      "MetricsTargetMissing",
    ]);
    expect(rules).toEqual(gpuAlertRules(THRESHOLDS));
    for (const rule of rules) expect(rule).toMatchObject({ labels: { severity: "warning" }, annotations: { summary: expect.any(String), description: expect.any(String) } });
  });

  it("read only metrics the exporters publish", () => {
    for (const rule of rules) {
      const metrics = metricsOf(rule.expr);
      expect(metrics.length).toBeGreaterThan(0);
      expect([rule.alert, metrics.filter((m) => !KNOWN_METRICS.has(m))]).toEqual([rule.alert, []]);
    }
  });

  it("use the environment's thresholds", () => {
    expect(byName.GpuAllocatedIdle).toMatchObject({ for: "60m", expr: expect.stringMatching(/DCGM_FI_DEV_GPU_UTIL\{pod!=""\}\[30m\]\)\) < 10$/) });
    expect(byName.GpuAllocatedIdleMig).toMatchObject({ for: "60m", expr: expect.stringMatching(/GPU_I_PROFILE!=""\}\[30m\]\)\) \* 100 < 10$/) });
    expect(byName.KueuePendingTooLong.for).toBe("30m");
    expect(byName.KueueInadmissibleWorkloads.for).toBe("30m");
    expect(byName.KarpenterLaunchFailures).toMatchObject({ for: "15m", expr: expect.stringContaining("sum by (capacity_type, reason)") });
  });

  it("call a queue stuck when it has pending workloads and admitted none for an hour, also a queue that never admitted one", () => {
    // `unless`: a queue with no admission since Kueue started has no kueue_admitted_workloads_total series to compare.
    expect(byName.KueuePendingTooLong.expr).toBe(
      "sum by (cluster_queue) (kueue_pending_workloads) > 0 unless on (cluster_queue) sum by (cluster_queue) (increase(kueue_admitted_workloads_total[1h])) > 0",
    );
  });

  it("tell a failing scrape of any job, and a missing controller target, from a quiet cluster", () => {
    expect(byName.MetricsTargetDown.expr).toBe('up{job=~"karpenter|dcgm-exporter|kueue"} == 0');
    // DCGM runs only on GPU nodes: with every pool at zero it has no target, and that is no alert.
    expect(byName.MetricsTargetMissing.expr).toBe('absent(up{job="karpenter"}) or absent(up{job="kueue"})');
  });

  it.each([
    [{ idleGpuUtilPercent: 0 }, /^gpuAlertRules: idleGpuUtilPercent: is 0; must be a percentage above 0, at most 100$/],
    [{ idleForMinutes: 0 }, /^gpuAlertRules: idleForMinutes: is 0; must be whole minutes 1-1440$/],
    [{ pendingForMinutes: 1.5 }, /^gpuAlertRules: pendingForMinutes: is 1\.5; must be whole minutes 1-1440$/],
    [{ launchFailureForMinutes: 1441 }, /^gpuAlertRules: launchFailureForMinutes: is 1441; must be whole minutes 1-1440$/],
  ])("refuses %p", (change, message) => {
    expect(() => gpuAlertRules({ ...THRESHOLDS, ...change })).toThrow(message);
  });
});

function synthWorkspace(props: Partial<PrometheusWorkspaceProps> = {}): TerraformJson {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "training", description: "cluster key" });
  new PrometheusWorkspace(stack, "Prometheus", {
    clusterName: CLUSTER,
    clusterArn: `arn:aws:eks:${TEST_REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}`,
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    clusterSecurityGroupId: "sg-0123456789abcdef0",
    encryptionKey: key,
    logRetentionDays: 365,
    scrapeIntervalSeconds: 60,
    alerts: THRESHOLDS,
    ...props,
  });
  return synthJson(stack);
}

const attributesOf = (json: TerraformJson, type: string) => resourcesOfType(json, type).map(([, a]) => a as Record<string, any>);
const only = (json: TerraformJson, type: string) => {
  const all = attributesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0];
};

describe("PrometheusWorkspace", () => {
  const json = synthWorkspace();
  const scraper = only(json, "aws_prometheus_scraper");
  const roles = Object.fromEntries(attributesOf(json, "aws_iam_role").map((r) => [r.name, r]));
  const policies = attributesOf(json, "aws_iam_role_policy");
  const policyOfRole = (construct: string): Statement[] => policyOf(policies.find((p) => String(p.role).includes(construct))!).Statement;

  it("is a workspace encrypted with the cluster key, logging to an encrypted log group, tagged as the collector tags it", () => {
    expect(only(json, "aws_prometheus_workspace")).toEqual({
      alias: CLUSTER,
      kms_key_arn: expect.stringMatching(KEY_REF),
      logging_configuration: { log_group_arn: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\..*\.arn\}:\*$/) },
      tags: { AMPAgentlessScraper: "" },
    });
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: `/aws/prometheus/${CLUSTER}`, kms_key_id: expect.stringMatching(KEY_REF), retention_in_days: 365 });
  });

  it("has a managed collector on the cluster, in its private subnets and security group, writing to the workspace", () => {
    expect(scraper).toMatchObject({
      alias: CLUSTER,
      source: [{ eks: [{ cluster_arn: `arn:aws:eks:${TEST_REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}`, subnet_ids: ["subnet-a", "subnet-b", "subnet-c"], security_group_ids: ["sg-0123456789abcdef0"] }] }],
      destination: [{ amp: [{ workspace_arn: expect.stringMatching(/^\$\{aws_prometheus_workspace\..*\.arn\}$/) }] }],
    });
    expect(parse(scraper.scrape_configuration)).toEqual(scrapeConfiguration({ clusterName: CLUSTER, scrapeIntervalSeconds: 60 }));
  });

  it("declares no access entry for the collector: AMP makes the one its role may have (a second one would fail)", () => {
    expect(attributesOf(json, "aws_eks_access_entry")).toEqual([]);
    expect(attributesOf(json, "aws_eks_access_policy_association")).toEqual([]);
  });

  it("writes to the CMK-encrypted workspace through a source and a target role of this account, made before it", () => {
    expect(scraper.role_configuration).toEqual([
      {
        source_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.Prometheus_ScraperSourceRole_.*\.arn\}$/),
        target_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.Prometheus_ScraperTargetRole_.*\.arn\}$/),
      },
    ]);
    expect(scraper.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.Prometheus_ScraperSourceRole/), expect.stringMatching(/^aws_iam_role_policy\.Prometheus_ScraperTargetRole/)]);
  });

  it("lets only this account's collectors assume the source role, and only the source role (for a collector) assume the target", () => {
    const scrapers = `arn:aws:aps:${TEST_REGION}:${TEST_ACCOUNT}:scraper/*`;
    expect(policyOf(roles[`${CLUSTER}-scraper-source`], "assume_role_policy").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "scraper.aps.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT }, ArnLike: { "aws:SourceArn": scrapers } },
      },
    ]);
    expect(policyOf(roles[`${CLUSTER}-scraper-target`], "assume_role_policy").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.Prometheus_ScraperSourceRole_.*\.arn\}$/) },
        Action: "sts:AssumeRole",
        Condition: { StringLike: { "sts:ExternalId": scrapers } },
      },
    ]);
  });

  it("lets the source role only assume the target, and the target only write to this workspace", () => {
    expect(policyOfRole("ScraperSourceRole")).toEqual([{ Effect: "Allow", Action: "sts:AssumeRole", Resource: expect.stringMatching(/ScraperTargetRole.*\.arn\}$/) }]);
    expect(policyOfRole("ScraperTargetRole")).toEqual([
      { Effect: "Allow", Action: "aps:RemoteWrite", Resource: expect.stringMatching(/^\$\{aws_prometheus_workspace\..*\.arn\}$/) },
      {
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: expect.stringMatching(KEY_REF),
        Condition: { StringEquals: { "kms:ViaService": `aps.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
  });

  it("holds the GPU alert rules in a namespace of the workspace", () => {
    const namespace = only(json, "aws_prometheus_rule_group_namespace");
    expect(namespace).toMatchObject({ name: GPU_ALERT_GROUP, workspace_id: expect.stringMatching(/^\$\{aws_prometheus_workspace\..*\.id\}$/) });
    expect(parse(namespace.data).groups[0].rules).toEqual(gpuAlertRules(THRESHOLDS));
  });

  it.each([
    [{ subnetIds: ["subnet-a"] }, /: subnetIds: lists 1; the managed collector needs subnets in at least 2 availability zones$/],
    [{ clusterName: "bad name" }, /: clusterName: is "bad name"; must be a literal of 1-100 letters/],
    [{ scrapeIntervalSeconds: 15 }, /: scrapeIntervalSeconds: is 15; must be whole seconds 30-300/],
    [{ alerts: { ...THRESHOLDS, idleForMinutes: 0 } }, /: alerts\.idleForMinutes: is 0; must be whole minutes 1-1440$/],
  ])("refuses %p", (props, message) => {
    expect(() => synthWorkspace(props)).toThrow(message);
  });
});
