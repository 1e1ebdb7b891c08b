import { Dashboard, dashboard, labelVariable, promQuery } from "./model";

export interface GpuTeamsDashboardProps {
  /** A GPU allocated to a pod counts as idle below this utilization, percent (the alert's threshold). */
  readonly idleGpuUtilPercent: number;
  /** Over how long utilization is averaged before a GPU counts as idle. */
  readonly idleForMinutes: number;
}

const GPU = 'resource="nvidia.com/gpu"';
/** DCGM labels a GPU with the namespace and pod it is allocated to; a team is its namespace. */
const TEAM = 'namespace=~"$team"';

/**
 * GPU use per team against its quota: utilization and memory of the GPUs allocated to the team's pods (DCGM),
 * the units Kueue admitted against the team's nominal quota, and the GPUs allocated but idle.
 */
export function gpuTeamsDashboard(props: GpuTeamsDashboardProps): Dashboard {
  const window = `${props.idleForMinutes}m`;
  return dashboard({
    uid: "mlops-gpu-teams",
    title: "GPU use by team",
    description: "Utilization and memory of each team's GPUs against its Kueue quota, and GPUs allocated but idle.",
    tags: ["gpu", "kueue"],
    variables: [
      // Teams are the ClusterQueues (and namespaces) of the cohort, without the queue of unassigned capacity.
      labelVariable("team", "Team", `kueue_cluster_queue_nominal_quota{${GPU}}`, "cluster_queue", "/^(?!unassigned$).*$/"),
    ],
    panels: [
      {
        type: "timeseries",
        title: "GPU utilization by team",
        description: "Mean utilization of the GPUs allocated to each team's pods (DCGM_FI_DEV_GPU_UTIL).",
        targets: [promQuery(`avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{${TEAM}, pod!=""})`, "{{namespace}}")],
        unit: "percent",
        min: 0,
        max: 100,
      },
      {
        type: "timeseries",
        title: "GPU memory used by team",
        description: "Frame buffer memory used on each team's GPUs (DCGM_FI_DEV_FB_USED, MiB).",
        targets: [promQuery(`sum by (namespace) (DCGM_FI_DEV_FB_USED{${TEAM}, pod!=""})`, "{{namespace}}")],
        unit: "decmbytes",
        min: 0,
      },
      {
        type: "timeseries",
        title: "GPU units admitted against quota",
        description: "nvidia.com/gpu units Kueue admitted for each team (usage above quota is borrowed), and the team's nominal quota over all pools.",
        targets: [
          promQuery(`sum by (cluster_queue) (kueue_cluster_queue_resource_usage{${GPU}, cluster_queue=~"$team"})`, "{{cluster_queue}} admitted"),
          promQuery(`sum by (cluster_queue) (kueue_cluster_queue_nominal_quota{${GPU}, cluster_queue=~"$team"})`, "{{cluster_queue}} quota"),
        ],
        min: 0,
        width: 24,
      },
      {
        type: "table",
        title: `GPUs allocated but idle (below ${props.idleGpuUtilPercent} % for ${props.idleForMinutes} min)`,
        description: "Pods holding a GPU whose mean utilization over the window stays below the idle threshold: the same condition as the GpuAllocatedIdle alert.",
        targets: [
          {
            ...promQuery(`avg by (namespace, pod) (avg_over_time(DCGM_FI_DEV_GPU_UTIL{${TEAM}, pod!=""}[${window}])) < ${props.idleGpuUtilPercent}`, "{{namespace}}/{{pod}}"),
            instant: true,
          },
        ],
        unit: "percent",
        width: 24,
      },
    ],
  });
}
