/** Kubernetes minor versions EKS supports in standard or extended support at this release of the blueprint. */
export const SUPPORTED_KUBERNETES_VERSIONS = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"] as const;

/** Control plane log types EKS can send to CloudWatch Logs. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
