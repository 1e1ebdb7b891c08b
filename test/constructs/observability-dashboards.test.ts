import { TerraformStack } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { DashboardConfigMaps, dashboardJson, platformDashboards } from "../../constructs/observability/dashboards";
import { CLOUDWATCH, Dashboard, KNOWN_CLOUDWATCH_METRICS, KNOWN_METRICS, Panel, PROMETHEUS, PrometheusTarget } from "../../constructs/observability/dashboards/model";
import { DcgmExporter } from "../../constructs/training-cluster/workloads/dcgm-exporter";
import { Grafana, GrafanaProps } from "../../constructs/training-cluster/workloads/grafana";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

type Attributes = Record<string, any>;

function helmStack(): TerraformStack {
  const stack = testStack();
  new KubernetesProvider(stack, "kubernetes", {});
  new HelmProvider(stack, "helm", {});
  return stack;
}

const DASHBOARDS = platformDashboards({ idleGpuUtilPercent: 10, idleForMinutes: 30, endpointNames: ["mlops-prod-churn", "mlops-prod-fraud"] });
const ALL_METRICS: readonly string[] = Object.values(KNOWN_METRICS).flat();
/** Metric names of the exporters the platform runs, as a query names them. */
const METRIC_NAME = /\b(DCGM_[A-Z_]+|kueue_[a-z_]+|karpenter_[a-z_]+)\b/g;
const promTargets = (dashboard: Dashboard): PrometheusTarget[] => dashboard.panels.flatMap((p) => p.targets).filter((t): t is PrometheusTarget => "expr" in t);
const exprsOf = (panel: Panel) => panel.targets.map((t) => ("expr" in t ? t.expr : ""));

describe.each(Object.entries(DASHBOARDS))("dashboard %s", (_, dashboard) => {
  it("is valid Grafana JSON: unique panel ids, panels on the 24-column grid, queries of a provisioned datasource", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      expect(panel.targets.length).toBeGreaterThan(0);
      expect([PROMETHEUS, CLOUDWATCH]).toContainEqual(panel.datasource);
      for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
      const refIds = panel.targets.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
    expect(dashboard).toMatchObject({ schemaVersion: 39, editable: false, timezone: "utc" });
    expect(JSON.parse(dashboardJson(dashboard))).toEqual(dashboard);
  });

  it("queries only metrics the DCGM exporter, Kueue and Karpenter publish, and CloudWatch's SageMaker metrics", () => {
    for (const target of promTargets(dashboard)) {
      const metrics = [...target.expr.matchAll(METRIC_NAME)].map((m) => m[1]);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics) expect([target.expr, ALL_METRICS.includes(metric)]).toEqual([target.expr, true]);
    }
    for (const target of dashboard.panels.flatMap((p) => p.targets).filter((t) => "metricName" in t)) {
      expect(target).toMatchObject({ namespace: "AWS/SageMaker" });
      expect(KNOWN_CLOUDWATCH_METRICS).toContain((target as { metricName: string }).metricName);
    }
  });

  it("never uses ${…}: Terraform would interpolate it", () => {
    expect(JSON.stringify(dashboard)).not.toMatch(/[$%]\{/);
  });
});

describe("the platform's dashboards", () => {
  const panel = (dashboard: string, title: RegExp) => DASHBOARDS[dashboard].panels.find((p) => title.test(p.title))!;

  it("show each team's GPU utilization and memory, and its admitted units against its quota", () => {
    expect(exprsOf(panel("dashboard-gpu-teams", /utilization by team/))[0]).toMatch(/avg by \(namespace\) \(DCGM_FI_DEV_GPU_UTIL/);
    expect(exprsOf(panel("dashboard-gpu-teams", /memory used by team/))[0]).toMatch(/DCGM_FI_DEV_FB_USED/);
    const quota = exprsOf(panel("dashboard-gpu-teams", /against quota/));
    expect(quota).toEqual([expect.stringContaining("kueue_cluster_queue_resource_usage"), expect.stringContaining("kueue_cluster_queue_nominal_quota")]);
  });

  it("list GPUs allocated but idle, with the alert's threshold and window", () => {
    const idle = panel("dashboard-gpu-teams", /idle/);
    expect(idle.title).toBe("GPUs allocated but idle (below 10 % for 30 min)");
    expect(exprsOf(idle)[0]).toMatch(/avg_over_time\(DCGM_FI_DEV_GPU_UTIL\{[^}]*pod!=""\}\[30m\]\)\) < 10$/);
  });

  it("show Kueue's pending workloads and the p90 admission wait", () => {
    expect(exprsOf(panel("dashboard-kueue", /Pending/))[0]).toMatch(/kueue_pending_workloads/);
    expect(exprsOf(panel("dashboard-kueue", /p90/))[0]).toMatch(/^histogram_quantile\(0\.9, .*kueue_admission_wait_time_seconds_bucket/);
  });

  it("show Karpenter's launches, each pool's GPUs against its limit and launch failures", () => {
    expect(exprsOf(panel("dashboard-karpenter", /Nodes launched/))[0]).toMatch(/karpenter_nodeclaims_created_total/);
    expect(exprsOf(panel("dashboard-karpenter", /against the pool's limit/))).toEqual([expect.stringContaining("karpenter_nodepools_usage"), expect.stringContaining("karpenter_nodepools_limit")]);
    expect(exprsOf(panel("dashboard-karpenter", /launch failures/))[0]).toMatch(/karpenter_cloudprovider_instance_launch_failures_total/);
  });

  it("show latency and errors of each endpoint from CloudWatch", () => {
    const endpoints = DASHBOARDS["dashboard-endpoints"];
    expect(endpoints.panels.map((p) => p.title)).toEqual([
      "mlops-prod-churn: model latency",
      "mlops-prod-churn: invocations and errors",
      "mlops-prod-fraud: model latency",
      "mlops-prod-fraud: invocations and errors",
    ]);
    expect(endpoints.panels[0].targets[0]).toMatchObject({ metricName: "ModelLatency", dimensions: { EndpointName: ["mlops-prod-churn"] }, matchExact: false, statistic: "p50" });
  });

  it("have distinct uids", () => {
    const uids = Object.values(DASHBOARDS).map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

describe("DashboardConfigMaps", () => {
  it("makes one ConfigMap per dashboard, labelled for Grafana's sidecar, holding its JSON", () => {
    const stack = helmStack();
    new DashboardConfigMaps(stack, "Dashboards", { namespace: "monitoring", label: "grafana_dashboard", labelValue: "1", dashboards: DASHBOARDS });
    const maps = resourcesOfType(synthJson(stack), "kubernetes_config_map_v1").map(([, m]) => m as Attributes);
    expect(maps.map((m) => m.metadata.name).sort()).toEqual(Object.keys(DASHBOARDS).sort());
    for (const map of maps) {
      expect(map.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_dashboard: "1" } });
      const [[file, json]] = Object.entries(map.data as Record<string, string>);
      expect(file).toBe(`${JSON.parse(json).uid}.json`);
      expect(JSON.parse(json)).toEqual(DASHBOARDS[map.metadata.name]);
    }
  });

  it("refuses a dashboard that Terraform would interpolate", () => {
    const broken = { ...DASHBOARDS["dashboard-kueue"], title: "${oops}" };
    expect(() => dashboardJson(broken)).toThrow(/Terraform would interpolate/);
  });
});

const GRAFANA: GrafanaProps = {
  version: "12.11.1",
  namespace: "monitoring",
  namespaceName: "monitoring",
  region: "eu-west-1",
  prometheusWorkspaceArn: `arn:aws:aps:eu-west-1:${TEST_ACCOUNT}:workspace/ws-EXAMPLE`,
  prometheusEndpoint: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-EXAMPLE/",
  roleName: "grafana",
  systemNodeGroupName: "mlops-test-training-system",
  oidcProviderArn: `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`,
  oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
};

describe("Grafana", () => {
  const stack = helmStack();
  new Grafana(stack, "Grafana", GRAFANA);
  const json = synthJson(stack);
  const [[, release]] = resourcesOfType(json, "helm_release") as [string, Attributes][];
  const values = JSON.parse(release.values[0]);

  it("is the pinned grafana-community chart, inside the cluster only: ClusterIP, no ingress, no volume", () => {
    expect(release).toMatchObject({ chart: "grafana", repository: "https://grafana-community.github.io/helm-charts", version: "12.11.1", namespace: "monitoring" });
    expect(values).toMatchObject({ service: { type: "ClusterIP" }, ingress: { enabled: false }, persistence: { enabled: false }, rbac: { namespaced: true }, testFramework: { enabled: false } });
    // Beside the controllers, on the system nodes, whose taint keeps the teams' pods away.
    expect(values.nodeSelector).toEqual({ "eks.amazonaws.com/nodegroup": GRAFANA.systemNodeGroupName });
    expect(values.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("queries Amazon Managed Prometheus through its datasource plugin (SigV4) and CloudWatch, with the pod's IRSA credentials", () => {
    const [prometheus, cloudwatch] = values.datasources["datasources.yaml"].datasources;
    expect(prometheus).toMatchObject({ uid: PROMETHEUS.uid, type: "grafana-amazonprometheus-datasource", url: GRAFANA.prometheusEndpoint, isDefault: true, jsonData: { sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "eu-west-1" } });
    expect(cloudwatch).toMatchObject({ uid: CLOUDWATCH.uid, type: "cloudwatch", jsonData: { authType: "default", defaultRegion: "eu-west-1" } });
    // The plugin is installed, pinned, before Grafana starts; the core datasource's deprecated SigV4 switch stays off.
    expect(values.plugins).toEqual(["grafana-amazonprometheus-datasource@3.3.5"]);
    expect(values["grafana.ini"].auth).toBeUndefined();
    expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(/^\$\{aws_iam_role\./);
  });

  it("may only read the workspace's metrics and CloudWatch metrics", () => {
    const [[, policy]] = resourcesOfType(json, "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([
      { Sid: "QueryPrometheus", Effect: "Allow", Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"], Resource: GRAFANA.prometheusWorkspaceArn },
      { Sid: "ReadCloudWatchMetrics", Effect: "Allow", Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], Resource: "*" },
    ]);
    const [[, role]] = resourcesOfType(json, "aws_iam_role");
    expect(JSON.stringify(policyOf(role, "assume_role_policy"))).toContain("system:serviceaccount:monitoring:grafana");
  });

  it("loads the dashboards' ConfigMaps from its own namespace, and keeps no edit made in the UI", () => {
    expect(values.sidecar.dashboards).toEqual({
      enabled: true,
      label: "grafana_dashboard",
      labelValue: "1",
      resource: "configmap",
      searchNamespace: null,
      provider: { allowUiUpdates: false, disableDelete: true },
    });
  });
});

describe("DcgmExporter", () => {
  it("runs on GPU nodes, behind a ClusterIP service on 9400, without a ServiceMonitor", () => {
    const stack = helmStack();
    new DcgmExporter(stack, "Dcgm", { version: "4.8.2" });
    const [[, release]] = resourcesOfType(synthJson(stack), "helm_release") as [string, Attributes][];
    expect(release).toMatchObject({ chart: "dcgm-exporter", repository: "https://nvidia.github.io/dcgm-exporter/helm-charts", version: "4.8.2", namespace: "kube-system" });
    expect(JSON.parse(release.values[0])).toMatchObject({
      serviceMonitor: { enabled: false },
      service: { enable: true, type: "ClusterIP", port: 9400 },
      nodeSelector: { "nvidia.com/gpu.present": "true" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    });
  });
});
