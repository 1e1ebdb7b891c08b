import { Construct } from "constructs";
import { Token } from "cdktf";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { Ipv4Cidr, addressesCovered, parseCidr } from "../core/cidr";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { EncryptedLogGroup } from "../core/log-group";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { IrsaRole } from "./irsa-role";
import { NodePool, nodePoolProblems } from "./node-pool";
import { SYSTEM_NODE_TAINT } from "./system-nodes";
import { ControlPlaneLogType, SUPPORTED_KUBERNETES_VERSIONS, versionMismatchProblems } from "./versions";
import { PropsProblem, problemsAt, throwPropsProblems } from "../core/errors";

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
    const { accountId } = awsEnvironmentOf(this);
    throwPropsProblems(this.node.path, trainingClusterProblems(props, accountId));
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
}

/** EKS's quota of public access CIDR blocks per cluster (Amazon EKS User Guide, "Service quotas"). */
const MAX_PUBLIC_ACCESS_CIDRS = 40;
/** The most of the IPv4 space the public API may open to, all ranges together: a /8. */
const MAX_PUBLIC_ADDRESSES = 2 ** 24;
/** The widest range let in to the private endpoint: a /8. */
const WIDEST_API_ACCESS_PREFIX = 8;
const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
/** `1.33.0-20251104`: the Kubernetes version the AMI is built for, and its date. */
const NODE_AMI_RELEASE = /^\d+\.\d+\.\d+-\d{8}$/;

/**
 * What EKS would refuse in a cluster's props, or the blueprint does not allow (the API open to the internet,
 * versions built for another Kubernetes minor), each at its field (`publicApiCidrs.0`, `apiAccess.cidrs.1`,
 * `addonVersions.coreDns`, `systemPool.minSize`, ...); only the fields given are judged. `accountId` is the
 * cluster's: the roles given access are of that account. Shared by GpuTrainingCluster (which throws them all) and
 * the environment schema (the training section), so config the schema accepts always builds.
 */
export function trainingClusterProblems(
  props: Partial<Omit<GpuTrainingClusterProps, "encryptionKey" | "addonVersions">> & { readonly addonVersions?: Partial<AddonVersions> },
  accountId: string | undefined,
): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  const version = props.kubernetesVersion;
  if (version !== undefined && !(SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
    fail("kubernetesVersion", `is "${version}"; EKS versions supported here: ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`);
  }
  const ami = props.nodeAmiReleaseVersion;
  if (ami !== undefined && !NODE_AMI_RELEASE.test(ami)) fail("nodeAmiReleaseVersion", `is "${ami}"; must be an EKS AMI release such as 1.33.0-20251104`);
  if (version !== undefined && (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
    const addons = props.addonVersions ?? {};
    for (const problem of versionMismatchProblems({ kubernetesVersion: version, nodeAmiReleaseVersion: ami, kubeProxy: addons.kubeProxy, coreDns: addons.coreDns })) {
      fail(problem.path === "nodeAmiReleaseVersion" ? problem.path : `addonVersions.${problem.path}`, problem.message);
    }
  }
  if (props.clusterName !== undefined && !CLUSTER_NAME.test(props.clusterName)) fail("clusterName", `is "${props.clusterName}"; it must be 1-100 letters, digits, - and _`);
  if (props.subnetIds !== undefined && props.subnetIds.length < 2) fail("subnetIds", `lists ${props.subnetIds.length}; EKS needs subnets in at least 2 availability zones`);
  if (props.systemPool) problems.push(...problemsAt("systemPool", nodePoolProblems(props.systemPool)));

  const publicCidrs = props.publicApiCidrs ?? [];
  publicCidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (!parsed) fail(`publicApiCidrs.${i}`, `is ${JSON.stringify(cidr)}; must be an IPv4 CIDR`);
    else if (parsed.prefixLength === 0) fail(`publicApiCidrs.${i}`, "0.0.0.0/0 opens the API to the internet; list your networks");
  });
  // 0.0.0.0/0 itself is reported above; the sum is for the internet opened in pieces.
  const open = addressesCovered(publicCidrs.map(parseCidr).filter((r) => r !== undefined && r.prefixLength > 0) as Ipv4Cidr[]);
  if (publicCidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
    fail("publicApiCidrs", `lists ${publicCidrs.length} ranges; EKS allows at most ${MAX_PUBLIC_ACCESS_CIDRS} per cluster`);
  } else if (open > MAX_PUBLIC_ADDRESSES) {
    fail("publicApiCidrs", `together open the API to ${open.toLocaleString("en-US")} addresses (${((open / 2 ** 32) * 100).toFixed(1)} % of the internet); list your networks, a /8 at most in all`);
  }
  (props.apiAccess?.cidrs ?? []).forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (!parsed) fail(`apiAccess.cidrs.${i}`, `is ${JSON.stringify(cidr)}; must be an IPv4 CIDR`);
    else if (parsed.prefixLength < WIDEST_API_ACCESS_PREFIX) fail(`apiAccess.cidrs.${i}`, `${cidr} is wider than a /${WIDEST_API_ACCESS_PREFIX}; list the networks that deploy and operate the cluster`);
  });
  (props.apiAccess?.securityGroupIds ?? []).forEach((id, i) => {
    if (!SECURITY_GROUP_ID.test(id) && !Token.isUnresolved(id)) fail(`apiAccess.securityGroupIds.${i}`, `is "${id}"; must be a security group id such as sg-0123456789abcdef0`);
  });
  // EKS keeps one access entry per principal; a role in another account is a copied file's leftover.
  const seenRoles = new Map<string, string>();
  for (const list of ["adminRoleArns", "readOnlyRoleArns"] as const) {
    (props[list] ?? []).forEach((arn, i) => {
      const at = `${list}.${i}`;
      if (Token.isUnresolved(arn)) return;
      const roleAccount = ROLE_ARN.exec(arn)?.[1];
      if (roleAccount === undefined) fail(at, `is "${arn}"; must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
      else if (seenRoles.has(arn)) fail(at, `${arn} is already in ${seenRoles.get(arn)}; EKS allows one access entry per principal, so give each role one level`);
      else if (accountId !== undefined && roleAccount !== accountId) fail(at, `is a role of account ${roleAccount}, not the cluster's ${accountId}`);
      seenRoles.set(arn, seenRoles.get(arn) ?? list);
    });
  }
  return problems;
}
