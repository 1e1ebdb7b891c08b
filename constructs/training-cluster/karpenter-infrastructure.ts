import { Construct, IConstruct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Ec2Tag } from "@cdktf/provider-aws/lib/ec2-tag";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Token } from "cdktf";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { PolicyStatement, policyDocument } from "../core/iam";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { IrsaRole } from "./irsa-role";
import { ConstructPropsError } from "../core/errors";

/** The tag Karpenter's EC2NodeClass selects the cluster's private subnets and security group by; its value is the cluster's name. */
export const KARPENTER_DISCOVERY_TAG_KEY = "karpenter.sh/discovery";

/** Where the Karpenter controller runs: its IRSA role trusts this service account only. */
export const KARPENTER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "karpenter" } as const;

/**
 * What EC2 and AWS Health report that Karpenter acts on before AWS does (drains the node, launches a replacement),
 * one EventBridge rule each, as the getting-started CloudFormation template of Karpenter 1.14 lists them.
 */
export const INTERRUPTION_EVENTS = [
  { id: "Health", suffix: "health", source: "aws.health", detailType: "AWS Health Event" },
  { id: "SpotInterruption", suffix: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  { id: "Rebalance", suffix: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  { id: "StateChange", suffix: "state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  { id: "CapacityReservation", suffix: "capacity-reservation", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
] as const;

/** Describe actions Karpenter 1.14 calls (its CloudFormation template's AllowRegionalReadActions): listed, not `ec2:Describe*`. */
const REGIONAL_READ_ACTIONS = [
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeCapacityReservations",
  "ec2:DescribeImages",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeInstanceTypeOfferings",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribePlacementGroups",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSpotPriceHistory",
  "ec2:DescribeSubnets",
];

export interface KarpenterInfrastructureProps {
  /** The cluster's name as a literal: resource names, the role's tag conditions and the discovery tag are built from it. */
  readonly clusterName: string;
  /**
   * The cluster's name as a reference, so the node access entry is created after the cluster.
   * @default clusterName
   */
  readonly clusterNameReference?: string;
  /** ARN of the cluster's IAM OIDC provider (IRSA). */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
  /**
   * The cluster's key: it encrypts the interruption queue and the GPU nodes' volumes (the EC2NodeClass's `kmsKeyID`).
   * Its policy gets what EventBridge (and, with `spot`, EC2 Spot) needs to use it: an imported key's policy must
   * already hold those statements.
   */
  readonly encryptionKey: IKmsKey;
  /** The security group EKS made for the cluster: tagged for discovery, so Karpenter's nodes join it as managed nodes do. */
  readonly clusterSecurityGroupId: string;
  /**
   * Some GPU pool runs on Spot: the key policy lets EC2 Spot's service-linked role (AWSServiceRoleForEC2Spot) use the key
   * for the volumes of the instances it starts. That role must exist in the account before the first deploy (EC2 makes it
   * on the first Spot request; `aws iam create-service-linked-role --aws-service-name spot.amazonaws.com` makes it ahead).
   */
  readonly spot: boolean;
}

/**
 * What Karpenter needs on the AWS side, scoped to one cluster:
 *
 * - the controller's IRSA role (`kube-system/karpenter`), with the least-privilege policy of Karpenter's own CloudFormation
 *   template: it launches, tags and terminates only what carries `kubernetes.io/cluster/<cluster>=owned` and a
 *   `karpenter.sh/nodepool` tag, passes only the node role, to EC2 only, and uses the cluster key only through EC2 and SQS.
 *   It cannot create, change or delete instance profiles: the one its nodes use is made here and named in the EC2NodeClass;
 * - the nodes' own role (not the system pool's: a principal has one access entry), its instance profile, and an EC2_LINUX
 *   access entry (EKS maps it to `system:nodes`; no access policy);
 * - the interruption queue (KMS with the cluster key, TLS only, writable only by the five EventBridge rules below);
 * - the discovery tag on the cluster security group (the private subnets carry it through the network stack).
 */
export class KarpenterInfrastructure extends Construct {
  readonly controllerRole: IrsaRole;
  readonly controllerRoleArn: string;
  readonly nodeRole: ServiceRole;
  readonly nodeRoleArn: string;
  readonly nodeRoleName: string;
  /** The name an EC2NodeClass gives in `spec.instanceProfile`. */
  readonly instanceProfileName: string;
  readonly instanceProfileArn: string;
  /** The queue's name, Karpenter's `settings.interruptionQueue`. */
  readonly interruptionQueueName: string;
  readonly interruptionQueueArn: string;
  readonly rules: readonly CloudwatchEventRule[];
  /** `karpenter.sh/discovery` = the cluster's name: select subnets and security groups by it. */
  readonly discoveryTag: { readonly key: string; readonly value: string };

  constructor(scope: Construct, id: string, props: KarpenterInfrastructureProps) {
    super(scope, id);
    this.validate(props);
    const cluster = props.clusterName;
    const key = props.encryptionKey;
    this.discoveryTag = { key: KARPENTER_DISCOVERY_TAG_KEY, value: cluster };

    // Nodes: their role, the profile EC2 starts them with, and the access entry that lets them join.
    this.nodeRole = new ServiceRole(this, "NodeRole", {
      roleName: resourceName([cluster, "karpenter-node"], { maxLength: 64 }),
      description: `GPU nodes Karpenter launches for ${cluster}`,
      trust: [serviceTrust("ec2.amazonaws.com")],
    });
    // The VPC CNI has its own IRSA role: the node role carries no network permissions.
    for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"]) this.nodeRole.attachManagedPolicy(policy);
    this.nodeRoleArn = this.nodeRole.roleArn;
    this.nodeRoleName = this.nodeRole.roleName;
    const profile = new IamInstanceProfile(this, "InstanceProfile", {
      name: resourceName([cluster, "karpenter-node"], { maxLength: 128 }),
      role: this.nodeRole.roleName,
    });
    this.instanceProfileName = profile.name;
    this.instanceProfileArn = profile.arn;
    new EksAccessEntry(this, "NodeAccess", {
      clusterName: props.clusterNameReference ?? cluster,
      principalArn: this.nodeRole.roleArn,
      type: "EC2_LINUX",
    });
    new Ec2Tag(this, "ClusterSecurityGroupDiscoveryTag", { resourceId: props.clusterSecurityGroupId, key: this.discoveryTag.key, value: this.discoveryTag.value });

    // Interruption: EventBridge rules -> an encrypted queue Karpenter reads.
    const queueName = resourceName([cluster, "karpenter"], { maxLength: 80 });
    const queueArn = formatArn(this, { service: "sqs", resource: queueName });
    const queue = new SqsQueue(this, "InterruptionQueue", {
      name: queueName,
      messageRetentionSeconds: 300,
      kmsMasterKeyId: key.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
    });
    this.interruptionQueueName = queue.name;
    this.interruptionQueueArn = queue.arn;

    const ruleArns: string[] = [];
    this.rules = INTERRUPTION_EVENTS.map((event) => {
      const ruleName = resourceName([cluster, "karpenter", event.suffix], { maxLength: 64 });
      ruleArns.push(formatArn(this, { service: "events", resource: `rule/${ruleName}` }));
      const rule = new CloudwatchEventRule(this, `${event.id}Rule`, {
        name: ruleName,
        description: `${event.detailType} events, for Karpenter of ${cluster}`,
        eventPattern: JSON.stringify({ source: [event.source], "detail-type": [event.detailType] }),
      });
      new CloudwatchEventTarget(this, `${event.id}Target`, { rule: rule.name, targetId: "KarpenterInterruptionQueue", arn: queue.arn });
      return rule;
    });
    new SqsQueuePolicy(this, "InterruptionQueuePolicy", {
      queueUrl: queue.url,
      policy: policyDocument([
        {
          Sid: "InterruptionRulesSend",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queueArn,
          Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
        },
        {
          Sid: "DenyWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: queueArn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });
    key.addToResourcePolicy({
      Sid: "EventBridgeWritesKarpenterInterruptionQueue",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sqs:arn": queueArn } },
    });
    if (props.spot) this.allowSpotToUseKey(key, formatArn(this, { service: "iam", region: "", resource: "role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot" }));

    this.controllerRole = new IrsaRole(this, "ControllerRole", {
      roleName: resourceName([cluster, "karpenter"], { maxLength: 64 }),
      description: `Karpenter controller of ${cluster}: launches and terminates its GPU nodes`,
      oidcProviderArn: props.oidcProviderArn,
      oidcIssuerUrl: props.oidcIssuerUrl,
      namespace: KARPENTER_SERVICE_ACCOUNT.namespace,
      serviceAccountName: KARPENTER_SERVICE_ACCOUNT.name,
    });
    this.controllerRoleArn = this.controllerRole.roleArn;
    for (const statement of controllerStatements(this, { cluster, queueArn, keyArn: key.keyArn, nodeRoleArn: this.nodeRole.roleArn })) {
      this.controllerRole.addToPrincipalPolicy(statement);
    }
  }

  /**
   * EC2 Spot starts Spot instances with its service-linked role, which must be able to use the key of their volumes
   * (karpenter-provider-aws#1407): without this, a Spot launch with a CMK-encrypted volume fails.
   */
  private allowSpotToUseKey(key: IKmsKey, spotRoleArn: string): void {
    key.addToResourcePolicy({
      Sid: "Ec2SpotUsesKeyForNodeVolumes",
      Effect: "Allow",
      Principal: { AWS: spotRoleArn },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
    });
    key.addToResourcePolicy({
      Sid: "Ec2SpotGrantsForNodeVolumes",
      Effect: "Allow",
      Principal: { AWS: spotRoleArn },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  }

  private validate(props: KarpenterInfrastructureProps): void {
    if (Token.isUnresolved(props.clusterName) || !/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/.test(props.clusterName)) {
      throw new ConstructPropsError(`${this.node.path}: clusterName must be the cluster's name as a literal (1-100 letters, digits, - and _): the role's conditions and the discovery tag name it`);
    }
  }
}

interface ControllerScope {
  readonly cluster: string;
  readonly queueArn: string;
  readonly keyArn: string;
  readonly nodeRoleArn: string;
}

/**
 * The Karpenter controller's permissions: the statements of Karpenter 1.14's CloudFormation template
 * (NodeLifecyclePolicy, IAMIntegrationPolicy, EKSIntegrationPolicy, InterruptionPolicy, ResourceDiscoveryPolicy), with
 * this account in every ARN, and without instance-profile management (the profile is Terraform's) or zonal shift (off).
 * Added: the cluster key through EC2 (encrypted node volumes) and SQS (the encrypted interruption queue).
 */
export function controllerStatements(scope: IConstruct, s: ControllerScope): PolicyStatement[] {
  const { region } = awsEnvironmentOf(scope);
  const ec2 = (type: string) => formatArn(scope, { service: "ec2", resource: `${type}/*` });
  const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${s.cluster}`]: "owned" };
  const ownedRequest = { [`aws:RequestTag/kubernetes.io/cluster/${s.cluster}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": s.cluster };
  const launched = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2);
  const instanceProfiles = formatArn(scope, { service: "iam", region: "", resource: "instance-profile/*" });
  return [
    {
      Sid: "AllowScopedEC2InstanceAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [
        formatArn(scope, { service: "ec2", account: "", resource: "image/*" }),
        formatArn(scope, { service: "ec2", account: "", resource: "snapshot/*" }),
        ...["security-group", "subnet", "capacity-reservation", "placement-group"].map(ec2),
      ],
    },
    {
      Sid: "AllowScopedEC2LaunchTemplateAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: ec2("launch-template"),
      Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "AllowScopedEC2InstanceActionsWithTags",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: launched,
      Condition: { StringEquals: ownedRequest, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "AllowScopedResourceCreationTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: launched,
      Condition: {
        StringEquals: { ...ownedRequest, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    },
    {
      Sid: "AllowScopedResourceTagging",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: ec2("instance"),
      Condition: {
        StringEquals: owned,
        StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": s.cluster },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    },
    {
      Sid: "AllowScopedDeletion",
      Effect: "Allow",
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: [ec2("instance"), ec2("launch-template")],
      Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    },
    {
      Sid: "AllowRegionalReadActions",
      Effect: "Allow",
      Action: REGIONAL_READ_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": region } },
    },
    {
      Sid: "AllowSSMReadActions",
      Effect: "Allow",
      Action: "ssm:GetParameter",
      Resource: formatArn(scope, { service: "ssm", account: "", resource: "parameter/aws/service/*" }),
    },
    // The Price List API has no resource type: "*" is the only resource it takes.
    { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
    {
      Sid: "AllowInterruptionQueueActions",
      Effect: "Allow",
      Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
      Resource: s.queueArn,
    },
    {
      Sid: "AllowPassingInstanceRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: s.nodeRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    },
    // Read-only. Karpenter reads the EC2NodeClass's profile, and on deleting an EC2NodeClass (and every 30 minutes) lists
    // the profiles it would have made under /karpenter/ and looks up a legacy one: denied, the class's finalizer never ends.
    { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Action: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], Resource: instanceProfiles },
    {
      Sid: "AllowAPIServerEndpointDiscovery",
      Effect: "Allow",
      Action: "eks:DescribeCluster",
      Resource: formatArn(scope, { service: "eks", resource: `cluster/${s.cluster}` }),
    },
    // Node volumes are encrypted with the cluster key: EC2 uses it on the controller's behalf (karpenter-provider-aws#4935).
    {
      Sid: "AllowClusterKeyThroughEc2",
      Effect: "Allow",
      Action: ["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"],
      Resource: s.keyArn,
      Condition: { StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
    },
    {
      Sid: "AllowClusterKeyGrantsForVolumes",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: s.keyArn,
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
    },
    {
      Sid: "AllowInterruptionQueueDecrypt",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: s.keyArn,
      Condition: { StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com`, "kms:EncryptionContext:aws:sqs:arn": s.queueArn } },
    },
  ];
}
