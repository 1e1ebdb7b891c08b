import { Construct } from "constructs";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { parseCidr } from "../core/cidr";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { EncryptedLogGroup } from "../core/log-group";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { IrsaRole } from "./irsa-role";
import { NodePool } from "./node-pool";
import { SYSTEM_NODE_TAINT } from "./system-nodes";
import { ControlPlaneLogType, SUPPORTED_KUBERNETES_VERSIONS, versionMismatchProblems } from "./versions";
import { ConstructPropsError } from "../core/errors";

export interface NodePoolSpec {
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly diskSizeGiB: number;
}

export interface AddonVersions {
  readonly vpcCni: string;
  readonly coreDns: string;
  readonly kubeProxy: string;
  readonly ebsCsiDriver: string;
}

/** EKS's support policy once a Kubernetes version leaves standard support. */
export type UpgradePolicy = "STANDARD" | "EXTENDED";

/** Who may reach the cluster's API endpoint from inside the network, on HTTPS (443). */
export interface ApiAccessSources {
  /**
   * IPv4 ranges: a VPN, a runner subnet, the VPC itself.
   * @default []
   */
  readonly cidrs?: readonly string[];
  /**
   * Security groups whose members may connect (a runner's, a bastion's).
   * @default []
   */
  readonly securityGroupIds?: readonly string[];
}

export interface GpuTrainingClusterProps {
  readonly clusterName: string;
  /** Kubernetes minor version, e.g. "1.33". */
  readonly kubernetesVersion: string;
  /** Private subnets for the control plane's interfaces and the nodes. */
  readonly subnetIds: readonly string[];
  /** Encrypts Kubernetes secrets and the control plane log group (see EncryptedLogGroupProps for an imported key). */
  readonly encryptionKey: IKmsKey;
  readonly logRetentionDays: number;
  /** Control plane log types sent to CloudWatch Logs. */
  readonly controlPlaneLogTypes: readonly ControlPlaneLogType[];
  readonly addonVersions: AddonVersions;
  /**
   * Cluster services (CoreDNS, Karpenter and the other controllers): an on-demand managed node group of
   * `minSize` nodes. GPU nodes are not a node group: Karpenter launches them (see KarpenterInfrastructure).
   */
  readonly systemPool: NodePoolSpec;
  /**
   * CIDRs that may reach the public API endpoint.
   * @default [] - the endpoint is private; reach it from inside the VPC
   */
  readonly publicApiCidrs?: readonly string[];
  /**
   * IAM roles with cluster-admin access entries.
   * @default []
   */
  readonly adminRoleArns?: readonly string[];
  /**
   * IAM roles with cluster-wide read-only access entries (no secrets).
   * @default []
   */
  readonly readOnlyRoleArns?: readonly string[];
  /**
   * EKS-optimized AMI release of the system pool.
   * @default - the latest release at node group creation
   */
  readonly nodeAmiReleaseVersion?: string;
  /**
   * Who may reach the API endpoint from the network. The cluster security group admits only itself: without
   * a source here (or allowApiAccessFrom), nothing outside the cluster reaches a private endpoint.
   * @default - none
   */
  readonly apiAccess?: ApiAccessSources;
  /**
   * STANDARD: EKS upgrades the control plane when its version leaves standard support. EXTENDED: it stays,
   * at extended-support prices.
   * @default "STANDARD"
   */
  readonly upgradePolicy?: UpgradePolicy;
  /**
   * Tags of the nodes' instances, volumes and network interfaces (cost allocation).
   * @default {}
   */
  readonly nodeTags?: Readonly<Record<string, string>>;
}

/** EKS access policies, by the name AWS gives them. */
const ACCESS_POLICY = { admin: "AmazonEKSClusterAdminPolicy", readOnly: "AmazonEKSViewPolicy" };

/**
 * An EKS cluster for GPU training: secrets encrypted with KMS, control plane logs in an encrypted
 * log group, API access through access entries only (no aws-auth ConfigMap, no implicit admin for
 * whoever created it), an OIDC provider for IRSA, managed add-ons at pinned versions, and a system pool of fixed
 * size for the cluster's controllers. GPU capacity comes from Karpenter (KarpenterInfrastructure).
 */
export class GpuTrainingCluster extends Construct {
  readonly cluster: EksCluster;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly endpoint: string;
  /** Base64 PEM of the cluster's certificate authority. */
  readonly certificateAuthorityData: string;
  readonly oidcProviderArn: string;
  /** `https://oidc.eks.<region>.amazonaws.com/id/<id>` */
  readonly oidcIssuerUrl: string;
  /** The system pool's node role (Karpenter's nodes have their own: KarpenterInfrastructure). */
  readonly nodeRoleArn: string;
  /** The security group EKS attaches to the control plane and managed nodes (Karpenter's nodes find it by its discovery tag). */
  readonly clusterSecurityGroupId: string;
  readonly systemPool: NodePool;
  private apiAccessRules = 0;

  constructor(scope: Construct, id: string, props: GpuTrainingClusterProps) {
    super(scope, id);
    this.validate(props);
    const { accountId } = awsEnvironmentOf(this);
    const publicApiCidrs = props.publicApiCidrs ?? [];

    const logGroup = new EncryptedLogGroup(this, "ControlPlaneLogs", {
      // The name EKS writes to; made here first so it is encrypted and has a retention.
      logGroupName: `/aws/eks/${props.clusterName}/cluster`,
      encryptionKey: props.encryptionKey,
      retentionDays: props.logRetentionDays,
    });

    const clusterRole = new ServiceRole(this, "ClusterRole", {
      roleName: resourceName([props.clusterName, "cluster"], { maxLength: 64 }),
      description: `EKS control plane of ${props.clusterName}`,
      trust: [serviceTrust("eks.amazonaws.com", accountId)],
    });
    const clusterPolicy = clusterRole.attachManagedPolicy("AmazonEKSClusterPolicy");

    this.cluster = new EksCluster(this, "Cluster", {
      name: props.clusterName,
      version: props.kubernetesVersion,
      roleArn: clusterRole.roleArn,
      vpcConfig: {
        subnetIds: [...props.subnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicApiCidrs.length > 0,
        publicAccessCidrs: publicApiCidrs.length > 0 ? [...publicApiCidrs] : undefined,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: props.encryptionKey.keyArn } },
      enabledClusterLogTypes: [...props.controlPlaneLogTypes],
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      // Add-ons are managed below at pinned versions; EKS must not install its own defaults.
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: props.upgradePolicy ?? "STANDARD" },
      // Without its policy, EKS cannot manage the cluster's network interfaces and creating it fails.
      dependsOn: [logGroup.logGroup, clusterPolicy],
    });
    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
    this.oidcIssuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;

    const oidcProvider = new IamOpenidConnectProvider(this, "OidcProvider", { url: this.oidcIssuerUrl, clientIdList: ["sts.amazonaws.com"] });
    this.oidcProviderArn = oidcProvider.arn;

    for (const cidr of props.apiAccess?.cidrs ?? []) this.allowApiAccessFrom({ cidr });
    for (const securityGroupId of props.apiAccess?.securityGroupIds ?? []) this.allowApiAccessFrom({ securityGroupId });

    this.grantAccess("Admin", props.adminRoleArns ?? [], ACCESS_POLICY.admin);
    this.grantAccess("ReadOnly", props.readOnlyRoleArns ?? [], ACCESS_POLICY.readOnly);

    const nodeRole = new ServiceRole(this, "NodeRole", {
      roleName: resourceName([props.clusterName, "node"], { maxLength: 64 }),
      description: `Nodes of ${props.clusterName}`,
      trust: [serviceTrust("ec2.amazonaws.com")],
    });
    // The VPC CNI has its own IRSA role (below): the node role does not carry its network permissions.
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"].map((policy) => nodeRole.attachManagedPolicy(policy));
    this.nodeRoleArn = nodeRole.roleArn;

    const networkAddons = this.addNetworkAddons(props.clusterName, props.addonVersions);
    const poolBase = {
      clusterName: props.clusterName,
      clusterNameReference: this.clusterName,
      nodeRoleArn: nodeRole.roleArn,
      subnetIds: props.subnetIds,
      amiReleaseVersion: props.nodeAmiReleaseVersion,
      tags: props.nodeTags,
      dependsOn: [...nodePolicies, ...networkAddons],
    };
    this.systemPool = new NodePool(this, "SystemPool", { ...poolBase, ...props.systemPool, name: "system", taints: [SYSTEM_NODE_TAINT] });

    this.addNodeAddons(props.clusterName, props.addonVersions);
  }

  /** Lets a network range or a security group's members reach the API endpoint on HTTPS. */
  allowApiAccessFrom(source: { readonly cidr: string } | { readonly securityGroupId: string }): VpcSecurityGroupIngressRule {
    const from = "cidr" in source ? source.cidr : source.securityGroupId;
    return new VpcSecurityGroupIngressRule(this, `ApiAccess${this.apiAccessRules++}`, {
      securityGroupId: this.clusterSecurityGroupId,
      description: `Kubernetes API from ${from}`,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      ...("cidr" in source ? { cidrIpv4: source.cidr } : { referencedSecurityGroupId: source.securityGroupId }),
    });
  }

  private grantAccess(kind: string, principalArns: readonly string[], policyName: string): void {
    const policyArn = formatArn(this, { service: "eks", region: "", account: "aws", resource: `cluster-access-policy/${policyName}` });
    principalArns.forEach((principalArn, i) => {
      const entry = new EksAccessEntry(this, `${kind}Access${i}`, { clusterName: this.clusterName, principalArn, type: "STANDARD" });
      new EksAccessPolicyAssociation(this, `${kind}Policy${i}`, {
        clusterName: this.clusterName,
        principalArn: entry.principalArn,
        policyArn,
        accessScope: { type: "cluster" },
      });
    });
  }

  private addon(id: string, addonName: string, addonVersion: string, extra: Partial<ConstructorParameters<typeof EksAddon>[2]> = {}): EksAddon {
    return new EksAddon(this, id, {
      clusterName: this.clusterName,
      addonName,
      addonVersion,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      ...extra,
    });
  }

  /**
   * The VPC CNI and kube-proxy, before any node: the cluster bootstraps no add-on of its own
   * (bootstrap_self_managed_addons = false), and a node without them never becomes Ready.
   */
  private addNetworkAddons(clusterName: string, versions: AddonVersions): EksAddon[] {
    const { role: cniRole, policy: cniPolicy } = this.addonRole("VpcCniRole", clusterName, "vpc-cni", "VPC CNI (aws-node): pod network interfaces and addresses", "aws-node", "AmazonEKS_CNI_Policy");
    return [
      // Network policies (each team namespace's default-deny) are enforced by the VPC CNI's agent.
      this.addon("VpcCni", "vpc-cni", versions.vpcCni, {
        configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
        serviceAccountRoleArn: cniRole.roleArn,
        dependsOn: [cniPolicy],
      }),
      this.addon("KubeProxy", "kube-proxy", versions.kubeProxy),
    ];
  }

  /** The IRSA role of an add-on's kube-system service account, with the AWS-managed policy AWS defines for it. */
  private addonRole(id: string, clusterName: string, suffix: string, description: string, serviceAccountName: string, managedPolicy: string) {
    const role = new IrsaRole(this, id, {
      roleName: resourceName([clusterName, suffix], { maxLength: 64 }),
      description,
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuerUrl: this.oidcIssuerUrl,
      namespace: "kube-system",
      serviceAccountName,
    });
    return { role, policy: role.attachManagedPolicy(managedPolicy) };
  }

  /** CoreDNS and the EBS CSI driver run as pods: after the system pool has nodes. */
  private addNodeAddons(clusterName: string, versions: AddonVersions): void {
    this.addon("CoreDns", "coredns", versions.coreDns, { dependsOn: [this.systemPool.nodeGroup] });
    const { role: ebsCsiRole } = this.addonRole("EbsCsiRole", clusterName, "ebs-csi", "EBS CSI driver controller", "ebs-csi-controller-sa", "AmazonEBSCSIDriverPolicy");
    this.addon("EbsCsiDriver", "aws-ebs-csi-driver", versions.ebsCsiDriver, {
      serviceAccountRoleArn: ebsCsiRole.roleArn,
      dependsOn: [this.systemPool.nodeGroup],
    });
  }

  private validate(props: GpuTrainingClusterProps): void {
    const where = this.node.path;
    if (!(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(props.kubernetesVersion)) {
      throw new ConstructPropsError(`${where}: kubernetesVersion "${props.kubernetesVersion}" is not supported; use one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`);
    }
    for (const problem of versionMismatchProblems({ kubernetesVersion: props.kubernetesVersion, nodeAmiReleaseVersion: props.nodeAmiReleaseVersion, ...props.addonVersions })) {
      throw new ConstructPropsError(`${where}: ${problem.field} ${problem.message}`);
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/.test(props.clusterName)) throw new ConstructPropsError(`${where}: clusterName "${props.clusterName}" must be 1-100 letters, digits, - and _`);
    if (props.subnetIds.length < 2) throw new ConstructPropsError(`${where}: subnetIds must list subnets in at least 2 availability zones (EKS requires it)`);
    if (props.systemPool.minSize < 1) throw new ConstructPropsError(`${where}: systemPool.minSize must be at least 1; cluster services need a node`);
    for (const cidr of props.publicApiCidrs ?? []) {
      const parsed = parseCidr(cidr);
      if (!parsed || parsed.prefixLength === 0) throw new ConstructPropsError(`${where}: publicApiCidrs "${cidr}" must be an IPv4 CIDR narrower than 0.0.0.0/0`);
    }
    for (const cidr of props.apiAccess?.cidrs ?? []) {
      const parsed = parseCidr(cidr);
      if (!parsed || parsed.prefixLength === 0) throw new ConstructPropsError(`${where}: apiAccess.cidrs "${cidr}" must be an IPv4 CIDR narrower than 0.0.0.0/0`);
    }
    for (const id of props.apiAccess?.securityGroupIds ?? []) {
      if (!/^sg-[0-9a-f]{8,17}$/.test(id) && !id.includes("${")) throw new ConstructPropsError(`${where}: apiAccess.securityGroupIds "${id}" must be a security group id (sg-...)`);
    }
  }
}
