import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { IrsaRole } from "../irsa-role";
import { AMAZON_PROMETHEUS_PLUGIN, CLOUDWATCH, PROMETHEUS } from "../../observability/dashboards/model";
import { NODE_GROUP_LABEL, SYSTEM_NODE_TOLERATION } from "../system-nodes";
import { CHARTS, GRAFANA_PLUGINS } from "../versions";
import { PinnedRelease } from "./helm";

/** Label of the ConfigMaps the dashboards sidecar loads (the chart's default). */
export const DASHBOARD_LABEL = "grafana_dashboard";
export const DASHBOARD_LABEL_VALUE = "1";
const NAME = "grafana";

export interface GrafanaProps {
  /** Exact version of the `grafana` chart (grafana-community). */
  readonly version: string;
  /** Its namespace (made by a PlatformNamespace; a reference). */
  readonly namespace: string;
  /** The namespace's name as a literal, for the IRSA trust (`system:serviceaccount:<namespace>:grafana`). */
  readonly namespaceName: string;
  readonly region: string;
  /** The Amazon Managed Service for Prometheus workspace Grafana queries (training stack). */
  readonly prometheusWorkspaceArn: string;
  /** Its Prometheus endpoint, `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`. */
  readonly prometheusEndpoint: string;
  readonly roleName: string;
  /** The system node group (`<cluster>-system`): Grafana runs there, beside the cluster's controllers. */
  readonly systemNodeGroupName: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuerUrl: string;
  /**
   * What must exist first (the namespace's quota and policies).
   * @default - nothing
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** A Grafana datasource as provisioned from a file (`apiVersion: 1`). */
export interface GrafanaDatasource {
  readonly name: string;
  readonly uid: string;
  readonly type: typeof AMAZON_PROMETHEUS_PLUGIN | "cloudwatch";
  readonly access: "proxy";
  readonly url?: string;
  readonly isDefault: boolean;
  readonly editable: false;
  readonly jsonData: Readonly<Record<string, string | boolean>>;
}

/** What the blueprint sets of the `grafana` chart's values (charts/grafana/values.yaml). */
export interface GrafanaValues {
  readonly replicas: 1;
  readonly testFramework: { readonly enabled: false };
  /** Plugins installed before Grafana starts, each `id@version`. */
  readonly plugins: readonly string[];
  /** A Role in its own namespace only: the sidecar reads no other namespace. */
  readonly rbac: { readonly create: true; readonly namespaced: true };
  readonly serviceAccount: { readonly create: true; readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  readonly service: { readonly enabled: true; readonly type: "ClusterIP" };
  readonly ingress: { readonly enabled: false };
  /** No volume: dashboards and datasources come from this repository; the admin password from a chart-made Secret. */
  readonly persistence: { readonly enabled: false };
  readonly resources: Resources;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly (typeof SYSTEM_NODE_TOLERATION)[];
  readonly "grafana.ini": Readonly<Record<string, Readonly<Record<string, string | boolean>>>>;
  readonly datasources: { readonly "datasources.yaml": { readonly apiVersion: 1; readonly datasources: readonly GrafanaDatasource[] } };
  readonly sidecar: {
    readonly resources: Resources;
    readonly dashboards: {
      readonly enabled: true;
      readonly label: string;
      readonly labelValue: string;
      readonly resource: "configmap";
      /** Null: its own namespace only. */
      readonly searchNamespace: null;
      readonly provider: { readonly allowUiUpdates: false; readonly disableDelete: true };
    };
  };
}

/**
 * Grafana in the cluster (no Identity Center or SAML needed, no per-user price, dashboards as plain
 * ConfigMaps): a ClusterIP service reached with `kubectl port-forward`, no ingress, no volume. It queries
 * Amazon Managed Service for Prometheus (its datasource plugin, SigV4) and CloudWatch (SageMaker endpoints) as an IRSA role that
 * may only read them, and loads every ConfigMap labelled `grafana_dashboard` in its namespace.
 */
export class Grafana extends Construct {
  readonly role: IrsaRole;
  readonly release: PinnedRelease;
  readonly values: GrafanaValues;

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    this.role = new IrsaRole(this, "Role", {
      roleName: props.roleName,
      description: "Grafana of the training cluster: reads Prometheus and CloudWatch metrics",
      oidcProviderArn: props.oidcProviderArn,
      oidcIssuerUrl: props.oidcIssuerUrl,
      namespace: props.namespaceName,
      serviceAccountName: NAME,
    });
    this.role.addToPrincipalPolicy({
      Sid: "QueryPrometheus",
      Effect: "Allow",
      Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
      Resource: props.prometheusWorkspaceArn,
    });
    this.role.addToPrincipalPolicy({
      Sid: "ReadCloudWatchMetrics",
      Effect: "Allow",
      // No resource-level permissions for these reads: "*" is the only resource they accept.
      Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
      Resource: "*",
    });

    const datasources: GrafanaDatasource[] = [
      {
        name: "Amazon Managed Prometheus",
        uid: PROMETHEUS.uid,
        type: AMAZON_PROMETHEUS_PLUGIN,
        access: "proxy",
        url: props.prometheusEndpoint,
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: "POST", sigV4Auth: true, sigV4AuthType: "default", sigV4Region: props.region },
      },
      {
        name: "CloudWatch",
        uid: CLOUDWATCH.uid,
        type: "cloudwatch",
        access: "proxy",
        isDefault: false,
        editable: false,
        jsonData: { authType: "default", defaultRegion: props.region },
      },
    ];
    this.values = {
      replicas: 1,
      testFramework: { enabled: false },
      // Downloaded from grafana.com at start (HTTPS egress, as the namespace's baseline policies allow).
      plugins: Object.entries(GRAFANA_PLUGINS).map(([id, version]) => `${id}@${version}`),
      rbac: { create: true, namespaced: true },
      serviceAccount: { create: true, name: NAME, annotations: { "eks.amazonaws.com/role-arn": this.role.roleArn } },
      service: { enabled: true, type: "ClusterIP" },
      ingress: { enabled: false },
      persistence: { enabled: false },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      nodeSelector: { [NODE_GROUP_LABEL]: props.systemNodeGroupName },
      tolerations: [SYSTEM_NODE_TOLERATION],
      "grafana.ini": {
        "auth.anonymous": { enabled: false },
        users: { allow_sign_up: false },
        analytics: { check_for_updates: false, reporting_enabled: false },
      },
      datasources: { "datasources.yaml": { apiVersion: 1, datasources } },
      sidecar: {
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        dashboards: {
          enabled: true,
          label: DASHBOARD_LABEL,
          labelValue: DASHBOARD_LABEL_VALUE,
          resource: "configmap",
          searchNamespace: null,
          // Dashboards are code: edits in the UI are not kept.
          provider: { allowUiUpdates: false, disableDelete: true },
        },
      },
    };
    const { grafana } = CHARTS;
    this.release = new PinnedRelease(this, "Release", {
      name: NAME,
      namespace: props.namespace,
      chart: { repository: grafana.repository, chart: grafana.chart, version: props.version },
      values: this.values,
      dependsOn: [...(props.dependsOn ?? []), ...this.role.policyResources],
    });
  }
}
