import { Dashboard, dashboard, labelVariable, promQuery } from "./model";

const POOL = 'nodepool=~"$pool"';

/** Karpenter's provisioning of the GPU pools: nodes launched, GPUs against each pool's limit, launch failures. */
export function karpenterDashboard(): Dashboard {
  return dashboard({
    uid: "mlops-karpenter",
    title: "GPU capacity (Karpenter)",
    description: "Nodes Karpenter launches per GPU pool, the pools' GPUs against their limits, pods waiting for a node and failed launches.",
    tags: ["karpenter", "gpu"],
    variables: [labelVariable("pool", "GPU pool", "karpenter_nodepools_limit", "nodepool")],
    panels: [
      {
        type: "timeseries",
        title: "Nodes launched",
        description: "NodeClaims created per pool and reason (karpenter_nodeclaims_created_total).",
        targets: [promQuery(`sum by (nodepool, reason) (increase(karpenter_nodeclaims_created_total{${POOL}}[$__rate_interval]))`, "{{nodepool}} {{reason}}")],
        min: 0,
      },
      {
        type: "timeseries",
        title: "GPUs provisioned against the pool's limit",
        description: "nvidia.com/gpu of each pool's nodes (karpenter_nodepools_usage) and the NodePool's limit (karpenter_nodepools_limit).",
        targets: [
          promQuery(`sum by (nodepool) (karpenter_nodepools_usage{${POOL}, resource_type="nvidia.com/gpu"})`, "{{nodepool}} provisioned"),
          promQuery(`sum by (nodepool) (karpenter_nodepools_limit{${POOL}, resource_type="nvidia.com/gpu"})`, "{{nodepool}} limit"),
        ],
        min: 0,
      },
      {
        type: "timeseries",
        title: "Instance launch failures",
        description: "Failed CreateFleet offerings per capacity type and reason (insufficient capacity, Spot unavailable, quota).",
        targets: [promQuery("sum by (capacity_type, reason) (increase(karpenter_cloudprovider_instance_launch_failures_total[$__rate_interval]))", "{{capacity_type}} {{reason}}")],
        min: 0,
      },
      {
        type: "timeseries",
        title: "Pods waiting for a node",
        description: "Pods Karpenter could not place on any node or new NodeClaim (karpenter_scheduler_unschedulable_pods_count), and cloud provider errors.",
        targets: [
          promQuery("sum (karpenter_scheduler_unschedulable_pods_count)", "unschedulable pods"),
          promQuery("sum (increase(karpenter_cloudprovider_errors_total[$__rate_interval]))", "cloud provider errors"),
        ],
        min: 0,
      },
    ],
  });
}
