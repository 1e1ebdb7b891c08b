import { Construct } from "constructs";
import { GPU_TAINT, GpuSharing } from "../gpu-instances";
import { CHARTS } from "../versions";
import { GPU_PRESENT_LABEL } from "./gpu-node-pools";
import { PinnedRelease } from "./helm";
import { PropsProblem, throwPropsProblems } from "../../core/errors";

/** The config map entry of nodes that name none (and of pools that share nothing). */
export const DEFAULT_PLUGIN_CONFIG = "default";

/** The device plugin's configuration file (`version: v1`), the fields the blueprint sets. */
export interface DevicePluginConfig {
  readonly version: "v1";
  readonly flags: {
    /** `single`: every GPU of the node is cut alike and each MIG instance is advertised as `nvidia.com/gpu`. */
    readonly migStrategy: "none" | "single";
    /** A node whose GPUs the plugin cannot use fails loudly instead of advertising none. */
    readonly failOnInitError: boolean;
  };
  readonly sharing?: {
    readonly timeSlicing: {
      /** Keep the name `nvidia.com/gpu`: Kueue, quotas and NodePool limits count one resource. */
      readonly renameByDefault: false;
      /** A pod asking for more than one share would get several slices of one GPU, not more GPU. */
      readonly failRequestsGreaterThanOne: true;
      readonly resources: readonly { readonly name: "nvidia.com/gpu"; readonly replicas: number }[];
    };
  };
}

/** What the blueprint sets of the `nvidia-device-plugin` chart's values (deployments/helm/nvidia-device-plugin/values.yaml). */
export interface NvidiaDevicePluginValues {
  readonly image: { readonly tag: string };
  /** GPU feature discovery (and its node feature discovery) stays off: the NodePools label the nodes. */
  readonly gfd: { readonly enabled: false };
  readonly config: {
    /** One configuration per entry (a YAML document; JSON here); a node picks its entry by its config label. */
    readonly map: Readonly<Record<string, string>>;
    readonly default: string;
  };
  readonly priorityClassName: "system-node-critical";
  readonly podSecurityContext: { readonly seccompProfile: { readonly type: "RuntimeDefault" } };
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
  readonly affinity: {
    readonly nodeAffinity: {
      readonly requiredDuringSchedulingIgnoredDuringExecution: {
        readonly nodeSelectorTerms: readonly { readonly matchExpressions: readonly { readonly key: string; readonly operator: "In"; readonly values: readonly string[] }[] }[];
      };
    };
  };
  readonly tolerations: readonly { readonly key: string; readonly operator: "Exists"; readonly effect: "NoSchedule" }[];
}

export interface NvidiaDevicePluginProps {
  /** Exact version of the `nvidia-device-plugin` chart; the image is the same release. */
  readonly version: string;
  /** The GPU pools and how each shares its GPUs: one config map entry per pool, named after it. */
  readonly pools: readonly { readonly name: string; readonly sharing: GpuSharing }[];
}

/** A pool's device plugin configuration: time-slicing replicas, or MIG's single strategy, or plain GPUs. */
export function devicePluginConfig(sharing: GpuSharing): DevicePluginConfig {
  const flags = { migStrategy: sharing.mode === "mig" ? "single" : "none", failOnInitError: true } as const;
  if (sharing.mode !== "timeSlicing") return { version: "v1", flags };
  return {
    version: "v1",
    flags,
    sharing: {
      timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas: sharing.replicas }] },
    },
  };
}

/**
 * What would clash in the plugin's configuration map, at each pool's name (`pools.<i>.name`). Shared by
 * NvidiaDevicePlugin (which throws them all) and the environment schema (training.gpuPools).
 */
export function devicePluginProblems(pools: readonly Pick<NvidiaDevicePluginProps["pools"][number], "name">[]): PropsProblem[] {
  return pools.flatMap((pool, i) =>
    pool.name === DEFAULT_PLUGIN_CONFIG ? [{ path: `pools.${i}.name`, message: `"${DEFAULT_PLUGIN_CONFIG}" is the name of the device plugin's default configuration entry; rename the pool` }] : [],
  );
}

/**
 * The NVIDIA device plugin (Helm chart, pinned) on GPU nodes: it advertises each node's GPUs as
 * `nvidia.com/gpu`, shared as the node's pool says. Its config-manager sidecar reads the node's
 * `nvidia.com/device-plugin.config` label (set by the pool's NodePool) and applies that entry of the config
 * map: time-slicing replicas, MIG's single strategy, or whole GPUs.
 */
export class NvidiaDevicePlugin extends Construct {
  readonly release: PinnedRelease;
  readonly values: NvidiaDevicePluginValues;
  /** The configuration of each entry, by entry name (`default` and one per pool). */
  readonly configs: Readonly<Record<string, DevicePluginConfig>>;

  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, devicePluginProblems(props.pools));
    const { nvidiaDevicePlugin } = CHARTS;
    this.configs = {
      [DEFAULT_PLUGIN_CONFIG]: devicePluginConfig({ mode: "none" }),
      ...Object.fromEntries(props.pools.map((pool) => [pool.name, devicePluginConfig(pool.sharing)])),
    };
    this.values = {
      image: { tag: `v${props.version}` },
      gfd: { enabled: false },
      config: {
        map: Object.fromEntries(Object.entries(this.configs).map(([name, config]) => [name, JSON.stringify(config)])),
        default: DEFAULT_PLUGIN_CONFIG,
      },
      priorityClassName: "system-node-critical",
      podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      // GPU nodes only: the NodePools label them (no node feature discovery needed).
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: GPU_PRESENT_LABEL, operator: "In", values: ["true"] }] }] },
        },
      },
      tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
    };
    this.release = new PinnedRelease(this, "Release", {
      name: nvidiaDevicePlugin.chart,
      namespace: "kube-system",
      chart: { repository: nvidiaDevicePlugin.repository, chart: nvidiaDevicePlugin.chart, version: props.version },
      values: this.values,
    });
  }
}
