import { Construct } from "constructs";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { endpointsDashboard } from "./endpoints";
import { gpuTeamsDashboard } from "./gpu-teams";
import { karpenterDashboard } from "./karpenter";
import { kueueDashboard } from "./kueue";
import type { Dashboard } from "./model";
import { ConstructPropsError } from "../../core/errors";

export type { Dashboard } from "./model";

export interface PlatformDashboardOptions {
  /** Idle GPU threshold and window, as the alerts have them. */
  readonly idleGpuUtilPercent: number;
  readonly idleForMinutes: number;
  /** The environment's SageMaker endpoint names. */
  readonly endpointNames: readonly string[];
}

/** Every dashboard of the platform, by ConfigMap name. */
export function platformDashboards(options: PlatformDashboardOptions): Record<string, Dashboard> {
  return {
    "dashboard-gpu-teams": gpuTeamsDashboard(options),
    "dashboard-kueue": kueueDashboard(),
    "dashboard-karpenter": karpenterDashboard(),
    "dashboard-endpoints": endpointsDashboard(options),
  };
}

/**
 * Terraform interpolates `${…}` and `%{…}` in every string it is given: a dashboard must use Grafana's `$var`
 * form, or its JSON would be changed (or refused) by Terraform.
 */
export function dashboardJson(dashboard: Dashboard): string {
  const json = JSON.stringify(dashboard, null, 1);
  if (/[$%]\{/.test(json)) throw new ConstructPropsError(`dashboard ${dashboard.uid}: uses \${…} or %{…}, which Terraform would interpolate; write Grafana variables as $name`);
  return json;
}

export interface DashboardConfigMapsProps {
  /** Grafana's namespace (a reference). */
  readonly namespace: string;
  /** The label and value the Grafana sidecar loads dashboards by. */
  readonly label: string;
  readonly labelValue: string;
  readonly dashboards: Readonly<Record<string, Dashboard>>;
}

/** One ConfigMap per dashboard (a review shows each dashboard's diff on its own), for Grafana's sidecar. */
export class DashboardConfigMaps extends Construct {
  readonly configMaps: Readonly<Record<string, ConfigMapV1>>;

  constructor(scope: Construct, id: string, props: DashboardConfigMapsProps) {
    super(scope, id);
    this.configMaps = Object.fromEntries(
      Object.entries(props.dashboards).map(([name, dashboard]) => [
        name,
        new ConfigMapV1(this, name, {
          metadata: { name, namespace: props.namespace, labels: { [props.label]: props.labelValue, "app.kubernetes.io/part-of": "mlops-platform" } },
          data: { [`${dashboard.uid}.json`]: dashboardJson(dashboard) },
        }),
      ]),
    );
  }
}
