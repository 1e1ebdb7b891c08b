import { Construct } from "constructs";
import { Token } from "cdktf";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1, ClusterRoleV1Rule } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1, RoleV1Rule } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { awsEnvironmentOf } from "../../core/aws-environment";
import { IrsaRole } from "../irsa-role";

export interface ClusterAutoscalerProps {
  /** The EKS cluster whose node groups it scales (may be a reference to another stack). */
  readonly clusterName: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL (`https://oidc.eks...`). */
  readonly oidcIssuerUrl: string;
  /** Name of the IAM role the autoscaler runs as. */
  readonly roleName: string;
  /** Release of `registry.k8s.io/autoscaling/cluster-autoscaler`, e.g. `v1.33.1`; match the cluster's minor version. */
  readonly version: string;
}

const NAME = "cluster-autoscaler";
const NAMESPACE = "kube-system";
const PORT = 8085;
const PINNED_TAG = /^v?\d+\.\d+\.\d+$/;
const READ = ["get", "list", "watch"];

/** What the autoscaler reads and changes cluster-wide: the upstream AWS example's rules, without wildcards. */
const CLUSTER_RULES: ClusterRoleV1Rule[] = [
  { apiGroups: [""], resources: ["events", "endpoints"], verbs: ["create", "patch"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
  { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
  { apiGroups: [""], resources: ["endpoints"], resourceNames: [NAME], verbs: ["get", "update"] },
  { apiGroups: [""], resources: ["nodes"], verbs: [...READ, "update"] },
  {
    apiGroups: [""],
    resources: ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"],
    verbs: READ,
  },
  { apiGroups: ["apps"], resources: ["statefulsets", "replicasets", "daemonsets"], verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: [...READ, "patch"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["list", "watch"] },
  // volumeattachments is missing from the upstream example, but autoscaler 1.32+ watches them and fails without it.
  {
    apiGroups: ["storage.k8s.io"],
    resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
    verbs: READ,
  },
];

/** Its status config map and leader-election lease, in its own namespace only. */
const NAMESPACE_RULES: RoleV1Rule[] = [
  { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
  {
    apiGroups: [""],
    resources: ["configmaps"],
    resourceNames: ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
    verbs: ["delete", "get", "update", "watch"],
  },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [NAME], verbs: ["get", "update"] },
];

/**
 * The Kubernetes cluster autoscaler for EKS managed node groups: it discovers the cluster's node groups by their
 * auto-scaling group tags, adds nodes when pods cannot be scheduled and removes nodes that stay unneeded for
 * 10 minutes, so GPU pools scale to zero. It runs as an IRSA role that can scale only this cluster's groups.
 */
export class ClusterAutoscaler extends Construct {
  readonly role: IrsaRole;
  readonly serviceAccount: ServiceAccountV1;
  readonly deployment: DeploymentV1;
  readonly namespace = NAMESPACE;
  readonly serviceAccountName = NAME;
  readonly image: string;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    this.validate(props);
    const { accountId, region, partition } = awsEnvironmentOf(this);
    this.image = `registry.k8s.io/autoscaling/cluster-autoscaler:${props.version}`;

    this.role = new IrsaRole(this, "Role", {
      roleName: props.roleName,
      description: `Cluster autoscaler of ${props.clusterName}`,
      oidcProviderArn: props.oidcProviderArn,
      oidcIssuerUrl: props.oidcIssuerUrl,
      namespace: NAMESPACE,
      serviceAccountName: NAME,
    });
    this.role.addToPrincipalPolicy({
      Sid: "DescribeScalingInputs",
      Effect: "Allow",
      // These describe actions do not support resource-level permissions: "*" is the only resource they accept.
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "autoscaling:DescribeTags",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
      ],
      Resource: "*",
    });
    this.role.addToPrincipalPolicy({
      Sid: "DescribeThisClustersNodeGroups",
      Effect: "Allow",
      Action: "eks:DescribeNodegroup",
      Resource: `arn:${partition}:eks:${region}:${accountId}:nodegroup/${props.clusterName}/*/*`,
    });
    this.role.addToPrincipalPolicy({
      Sid: "ScaleThisClustersNodeGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: "*",
      // EKS tags the auto-scaling group of each managed node group with this key: only this cluster's groups match.
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${props.clusterName}`]: "owned" } },
    });

    const labels = { "app.kubernetes.io/name": NAME };
    this.serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
      metadata: { name: NAME, namespace: NAMESPACE, labels, annotations: { "eks.amazonaws.com/role-arn": this.role.roleArn } },
      automountServiceAccountToken: true,
    });
    const subject = [{ kind: "ServiceAccount", name: NAME, namespace: NAMESPACE }];
    const clusterRole = new ClusterRoleV1(this, "ClusterRole", { metadata: { name: NAME, labels }, rule: CLUSTER_RULES });
    new ClusterRoleBindingV1(this, "ClusterRoleBinding", {
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
      subject,
    });
    const role = new RoleV1(this, "NamespaceRole", { metadata: { name: NAME, namespace: NAMESPACE, labels }, rule: NAMESPACE_RULES });
    new RoleBindingV1(this, "NamespaceRoleBinding", {
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject,
    });

    const healthCheck = { httpGet: { path: "/health-check", port: String(PORT) }, periodSeconds: 10, timeoutSeconds: 5 };
    this.deployment = new DeploymentV1(this, "Deployment", {
      metadata: { name: NAME, namespace: NAMESPACE, labels },
      spec: {
        replicas: "1",
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: this.serviceAccount.metadata.name,
            priorityClassName: "system-cluster-critical",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: "65534",
              runAsGroup: "65534",
              // Lets the non-root process read the web identity token the EKS webhook mounts for IRSA.
              fsGroup: "65534",
              seccompProfile: { type: "RuntimeDefault" },
            },
            container: [
              {
                name: NAME,
                image: this.image,
                command: [
                  "./cluster-autoscaler",
                  "--cloud-provider=aws",
                  `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${props.clusterName}`,
                  "--balance-similar-node-groups",
                  "--skip-nodes-with-system-pods=false",
                  // Training and notebook pods keep scratch data in emptyDir; with the default (true) a node
                  // running any such pod is never scaled down, so a GPU pool might never return to zero.
                  "--skip-nodes-with-local-storage=false",
                  "--expander=least-waste",
                  "--scale-down-unneeded-time=10m",
                ],
                env: [{ name: "AWS_REGION", value: region }],
                port: [{ name: "http", containerPort: PORT }],
                livenessProbe: { ...healthCheck, initialDelaySeconds: 30 },
                readinessProbe: healthCheck,
                resources: {
                  requests: { cpu: "100m", memory: "600Mi" },
                  limits: { cpu: "1", memory: "600Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                },
              },
            ],
          },
        },
      },
    });
  }

  private validate(props: ClusterAutoscalerProps): void {
    if (!PINNED_TAG.test(props.version)) {
      throw new Error(`${this.node.path}: version "${props.version}" must be a pinned release such as v1.33.1 (never latest)`);
    }
    if (!Token.isUnresolved(props.clusterName) && !/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(props.clusterName)) {
      throw new Error(`${this.node.path}: clusterName "${props.clusterName}" is not an EKS cluster name (1-100 letters, digits, - and _)`);
    }
  }
}
