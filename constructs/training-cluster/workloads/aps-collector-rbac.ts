import { Construct } from "constructs";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1, ClusterRoleV1Rule } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";

/**
 * The Kubernetes user the managed collector's access entry maps to (training stack, `user_name` of the
 * scraper's EKS access entry): this binding and that entry must name the same user.
 */
export const APS_COLLECTOR_USER = "aps-collector-user";
export const APS_COLLECTOR_ROLE = "aps-collector-role";

const READ = ["get", "list", "watch"];

/** What the collector reads to find and scrape targets (AMP User Guide, "Configuring your Amazon EKS cluster"), without wildcards. */
export const APS_COLLECTOR_RULES: ClusterRoleV1Rule[] = [
  { apiGroups: [""], resources: ["nodes", "nodes/metrics", "pods", "services", "endpoints"], verbs: READ },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
  // Metrics endpoints behind Kubernetes authorization (Kueue's secure metrics).
  { nonResourceUrls: ["/metrics"], verbs: ["get"] },
];

/**
 * Read access for Amazon Managed Service for Prometheus's managed collector: it discovers pods, services and
 * endpoints and scrapes `/metrics`, as the user its EKS access entry names. Nothing it could change.
 */
export class ApsCollectorRbac extends Construct {
  readonly clusterRole: ClusterRoleV1;
  readonly binding: ClusterRoleBindingV1;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const labels = { "app.kubernetes.io/part-of": "mlops-platform" };
    this.clusterRole = new ClusterRoleV1(this, "ClusterRole", { metadata: { name: APS_COLLECTOR_ROLE, labels }, rule: APS_COLLECTOR_RULES });
    this.binding = new ClusterRoleBindingV1(this, "ClusterRoleBinding", {
      metadata: { name: APS_COLLECTOR_ROLE, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.clusterRole.metadata.name },
      subject: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: APS_COLLECTOR_USER }],
    });
  }
}
