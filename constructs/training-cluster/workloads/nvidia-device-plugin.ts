import { Construct } from "constructs";
import { DaemonSetV1 } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { GPU_NODE_LABEL, GPU_TAINT } from "../gpu-instances";

export interface NvidiaDevicePluginProps {
  /** Release of `nvcr.io/nvidia/k8s-device-plugin`, e.g. `v0.17.4`; never `latest`. */
  readonly version: string;
  /**
   * Labels a node must carry for the plugin to run on it: the GPU pools' node labels.
   * @default { "nvidia.com/gpu": "true" } (GPU_NODE_LABEL, which GPU node pools carry)
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
}

const PINNED_TAG = /^v?\d+\.\d+\.\d+$/;
const DEVICE_PLUGIN_DIR = "/var/lib/kubelet/device-plugins";

/**
 * The NVIDIA device plugin as a DaemonSet in kube-system, on GPU nodes only: it advertises each node's GPUs
 * to the kubelet as `nvidia.com/gpu`, which is what pods request and team quotas count.
 */
export class NvidiaDevicePlugin extends Construct {
  readonly daemonSet: DaemonSetV1;
  readonly namespace = "kube-system";
  readonly name = "nvidia-device-plugin";
  readonly image: string;

  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps) {
    super(scope, id);
    if (!PINNED_TAG.test(props.version)) {
      throw new Error(`${this.node.path}: version "${props.version}" must be a pinned release such as v0.17.4 (never latest)`);
    }
    const nodeSelector = props.nodeSelector ?? { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value };
    if (Object.keys(nodeSelector).length === 0) {
      throw new Error(`${this.node.path}: nodeSelector is empty; it must select the GPU nodes, or the plugin runs on every node`);
    }
    this.image = `nvcr.io/nvidia/k8s-device-plugin:${props.version}`;
    const labels = { "app.kubernetes.io/name": this.name };

    this.daemonSet = new DaemonSetV1(this, "DaemonSet", {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: "system-node-critical",
            nodeSelector: { ...nodeSelector },
            toleration: [{ key: GPU_TAINT.key, operator: "Exists", effect: "NoSchedule" }],
            // It talks to the kubelet over a socket, never to the API server.
            automountServiceAccountToken: false,
            // Root: the kubelet's device-plugin directory is root-owned and the plugin creates its socket there.
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            container: [
              {
                name: "nvidia-device-plugin",
                image: this.image,
                // Without a GPU driver (a node still booting) the plugin waits instead of crash-looping.
                env: [{ name: "FAIL_ON_INIT_ERROR", value: "false" }],
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "200m", memory: "256Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  // Not read-only: the NVIDIA container runtime mounts the driver's libraries into this container's
                  // root filesystem and rebuilds its ld cache when it starts, which fails on a read-only root.
                  readOnlyRootFilesystem: false,
                },
                volumeMount: [{ name: "device-plugin", mountPath: DEVICE_PLUGIN_DIR }],
              },
            ],
            volume: [{ name: "device-plugin", hostPath: { path: DEVICE_PLUGIN_DIR, type: "Directory" } }],
          },
        },
      },
    });
  }
}
