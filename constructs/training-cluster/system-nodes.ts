/**
 * The system node group is for the cluster's own controllers. Its nodes carry this taint, so a team's pod (which
 * does not tolerate it) goes to Karpenter's pools instead of crowding CoreDNS, Karpenter and Kueue. EKS's CoreDNS
 * and EBS CSI add-ons and Karpenter's chart tolerate it by default; the blueprint's other controllers are given the
 * toleration and a node selector.
 */
export const SYSTEM_NODE_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" } as const;

/** The toleration of {@link SYSTEM_NODE_TAINT}, as a pod spec writes it. */
export const SYSTEM_NODE_TOLERATION = { key: SYSTEM_NODE_TAINT.key, operator: "Exists", effect: "NoSchedule" } as const;

/** The label EKS puts on a managed node group's nodes: its name. */
export const NODE_GROUP_LABEL = "eks.amazonaws.com/nodegroup";
