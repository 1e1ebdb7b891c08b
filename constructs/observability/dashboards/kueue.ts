import { Dashboard, dashboard, labelVariable, promQuery } from "./model";

const QUEUE = 'cluster_queue=~"$queue"';

/** Kueue's queues: what waits and for how long, what is admitted, and each pool's quota against its use. */
export function kueueDashboard(): Dashboard {
  return dashboard({
    uid: "mlops-kueue",
    title: "Kueue queues",
    description: "Pending workloads and admission wait per ClusterQueue, admissions, and GPU quota against usage per pool (flavor).",
    tags: ["kueue"],
    variables: [labelVariable("queue", "ClusterQueue", "kueue_pending_workloads", "cluster_queue")],
    panels: [
      {
        type: "timeseries",
        title: "Pending workloads",
        description: "Workloads waiting per ClusterQueue: active ones wait for quota, inadmissible ones cannot be admitted as they are (kueue_pending_workloads).",
        targets: [promQuery(`sum by (cluster_queue, status) (kueue_pending_workloads{${QUEUE}})`, "{{cluster_queue}} {{status}}")],
        min: 0,
      },
      {
        type: "timeseries",
        title: "Admission wait, p90",
        description: "90th percentile of the time admitted workloads waited in each ClusterQueue (kueue_admission_wait_time_seconds; only admitted workloads are counted).",
        targets: [
          promQuery(`histogram_quantile(0.9, sum by (cluster_queue, le) (rate(kueue_admission_wait_time_seconds_bucket{${QUEUE}}[$__rate_interval])))`, "{{cluster_queue}}"),
        ],
        unit: "s",
        min: 0,
      },
      {
        type: "timeseries",
        title: "Admissions",
        description: "Workloads admitted per minute, per ClusterQueue and priority class.",
        targets: [promQuery(`sum by (cluster_queue, priority_class) (rate(kueue_admitted_workloads_total{${QUEUE}}[$__rate_interval])) * 60`, "{{cluster_queue}} {{priority_class}}")],
        unit: "short",
        min: 0,
      },
      {
        type: "timeseries",
        title: "GPU quota and usage per pool",
        description: "Per flavor (GPU pool): the nominal quotas of all queues (the pool's capacity) and the units admitted.",
        targets: [
          promQuery('sum by (flavor) (kueue_cluster_queue_nominal_quota{resource="nvidia.com/gpu"})', "{{flavor}} capacity"),
          promQuery('sum by (flavor) (kueue_cluster_queue_resource_usage{resource="nvidia.com/gpu"})', "{{flavor}} admitted"),
        ],
        min: 0,
      },
    ],
  });
}
