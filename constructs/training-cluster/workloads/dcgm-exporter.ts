import { Construct } from "constructs";
import { GPU_TAINT } from "../gpu-instances";
import { CHARTS } from "../versions";
import { GPU_PRESENT_LABEL } from "./gpu-node-pools";
import { PinnedRelease } from "./helm";

/** Where the managed collector scrapes GPU metrics (the chart's ClusterIP service, kube-system). */
export const DCGM_EXPORTER = { namespace: "kube-system", port: 9400 } as const;

/** What the blueprint sets of the `dcgm-exporter` chart's values (deployment/values.yaml). */
export interface DcgmExporterValues {
  /** Off: there is no Prometheus operator (the chart's default, true, fails without its CRD). */
  readonly serviceMonitor: { readonly enabled: false };
  /** Inside the cluster only. */
  readonly service: { readonly enable: true; readonly type: "ClusterIP"; readonly port: number };
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly { readonly key: string; readonly operator: "Exists"; readonly effect: "NoSchedule" }[];
  readonly priorityClassName: "system-node-critical";
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
}

export interface DcgmExporterProps {
  /** Exact version of the `dcgm-exporter` chart (its image comes with it). */
  readonly version: string;
}

/**
 * NVIDIA's DCGM exporter on every GPU node: utilization, memory and profiling counters per GPU, labelled with
 * the namespace and pod the GPU is allocated to (the kubelet's pod-resources API), for the managed collector
 * to scrape on 9400. No ServiceMonitor, no LoadBalancer: the endpoint stays inside the cluster.
 */
export class DcgmExporter extends Construct {
  readonly release: PinnedRelease;
  readonly values: DcgmExporterValues;

  constructor(scope: Construct, id: string, props: DcgmExporterProps) {
    super(scope, id);
    const { dcgmExporter } = CHARTS;
    this.values = {
      serviceMonitor: { enabled: false },
      service: { enable: true, type: "ClusterIP", port: DCGM_EXPORTER.port },
      nodeSelector: { [GPU_PRESENT_LABEL]: "true" },
      tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
      priorityClassName: "system-node-critical",
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "512Mi" } },
    };
    this.release = new PinnedRelease(this, "Release", {
      name: dcgmExporter.chart,
      namespace: DCGM_EXPORTER.namespace,
      chart: { repository: dcgmExporter.repository, chart: dcgmExporter.chart, version: props.version },
      values: this.values,
    });
  }
}
