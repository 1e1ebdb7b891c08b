import { KmsKey } from "../../constructs/core/kms-key";
import { INTERRUPTION_EVENTS, KarpenterInfrastructure, KarpenterInfrastructureProps } from "../../constructs/training-cluster/karpenter-infrastructure";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

type Statement = Record<string, any>;

const CLUSTER = "mlops-test-training";
const OIDC_ARN = `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/oidc.eks.${TEST_REGION}.amazonaws.com/id/ABCDEF0123456789`;
const OIDC_URL = `https://oidc.eks.${TEST_REGION}.amazonaws.com/id/ABCDEF0123456789`;
const QUEUE_ARN = `arn:aws:sqs:${TEST_REGION}:${TEST_ACCOUNT}:${CLUSTER}-karpenter`;
const KEY_REF = /^\$\{aws_kms_key\.Key_.*\.arn\}$/;
const ec2 = (type: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:${type}/*`;
const LAUNCHED = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2);

function synth(props: Partial<KarpenterInfrastructureProps> = {}): TerraformJson {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "training", description: "cluster key" });
  new KarpenterInfrastructure(stack, "Karpenter", {
    clusterName: CLUSTER,
    oidcProviderArn: OIDC_ARN,
    oidcIssuerUrl: OIDC_URL,
    encryptionKey: key,
    clusterSecurityGroupId: "sg-0123456789abcdef0",
    spot: true,
    ...props,
  });
  return synthJson(stack);
}

const attributesOf = (json: TerraformJson, type: string) => resourcesOfType(json, type).map(([, a]) => a as Record<string, any>);
const only = (json: TerraformJson, type: string) => {
  const all = attributesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0];
};
const role = (json: TerraformJson, name: string) => attributesOf(json, "aws_iam_role").find((r) => r.name === name)!;
const keyStatements = (json: TerraformJson): Statement[] => policyOf(only(json, "aws_kms_key")).Statement;

describe("Karpenter's controller role", () => {
  const json = synth();
  const policy = attributesOf(json, "aws_iam_role_policy").find((p) => String(p.role).includes("ControllerRole"))!;
  const statements: Statement[] = policyOf(policy).Statement;
  const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

  it("is assumable only by kube-system/karpenter through the cluster's OIDC provider", () => {
    const [trust] = policyOf(role(json, `${CLUSTER}-karpenter`), "assume_role_policy").Statement as Statement[];
    expect(trust).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: OIDC_ARN } });
    expect(trust.Condition.StringEquals).toEqual({
      [`oidc.eks.${TEST_REGION}.amazonaws.com/id/ABCDEF0123456789:sub`]: "system:serviceaccount:kube-system:karpenter",
      [`oidc.eks.${TEST_REGION}.amazonaws.com/id/ABCDEF0123456789:aud`]: "sts.amazonaws.com",
    });
  });

  it("grants exactly the statements of Karpenter's template it needs, and no instance-profile management", () => {
    expect(Object.keys(bySid).sort()).toEqual(
      [
        "AllowScopedEC2InstanceAccessActions",
        "AllowScopedEC2LaunchTemplateAccessActions",
        "AllowScopedEC2InstanceActionsWithTags",
        "AllowScopedResourceCreationTagging",
        "AllowScopedResourceTagging",
        "AllowScopedDeletion",
        "AllowRegionalReadActions",
        "AllowSSMReadActions",
        "AllowPricingReadActions",
        "AllowInterruptionQueueActions",
        "AllowPassingInstanceRole",
        "AllowInstanceProfileReadActions",
        "AllowAPIServerEndpointDiscovery",
        "AllowClusterKeyThroughEc2",
        "AllowClusterKeyGrantsForVolumes",
        "AllowInterruptionQueueDecrypt",
      ].sort(),
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    for (const forbidden of ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile", "iam:RemoveRoleFromInstanceProfile"]) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions.some((a) => a === "*" || a.endsWith(":*"))).toBe(false);
  });

  it("launches only from this region's images, snapshots and this account's network, without conditions on them", () => {
    expect(bySid.AllowScopedEC2InstanceAccessActions).toEqual({
      Sid: "AllowScopedEC2InstanceAccessActions",
      Effect: "Allow",
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: [
        `arn:aws:ec2:${TEST_REGION}::image/*`,
        `arn:aws:ec2:${TEST_REGION}::snapshot/*`,
        ec2("security-group"),
        ec2("subnet"),
        ec2("capacity-reservation"),
        ec2("placement-group"),
      ],
    });
  });

  it("uses only launch templates owned by this cluster and made for a NodePool", () => {
    expect(bySid.AllowScopedEC2LaunchTemplateAccessActions).toMatchObject({
      Action: ["ec2:RunInstances", "ec2:CreateFleet"],
      Resource: ec2("launch-template"),
      Condition: {
        StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]: "owned" },
        StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
      },
    });
  });

  it("creates instances, fleets, volumes and launch templates only tagged as this cluster's, for a NodePool", () => {
    expect(bySid.AllowScopedEC2InstanceActionsWithTags).toMatchObject({
      Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
      Resource: LAUNCHED,
      Condition: {
        StringEquals: { [`aws:RequestTag/kubernetes.io/cluster/${CLUSTER}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": CLUSTER },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    });
  });

  it("tags at creation only with this cluster's tags, and only in the calls that create", () => {
    expect(bySid.AllowScopedResourceCreationTagging).toMatchObject({
      Action: "ec2:CreateTags",
      Resource: LAUNCHED,
      Condition: {
        StringEquals: {
          [`aws:RequestTag/kubernetes.io/cluster/${CLUSTER}`]: "owned",
          "aws:RequestTag/eks:eks-cluster-name": CLUSTER,
          "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
        },
        StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
      },
    });
  });

  it("retags only its own instances, and only with the node claim, name and cluster-name tags", () => {
    expect(bySid.AllowScopedResourceTagging).toMatchObject({
      Action: "ec2:CreateTags",
      Resource: ec2("instance"),
      Condition: {
        StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]: "owned" },
        StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
        StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": CLUSTER },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
      },
    });
  });

  it("terminates only its own instances and deletes only its own launch templates", () => {
    expect(bySid.AllowScopedDeletion).toMatchObject({
      Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
      Resource: [ec2("instance"), ec2("launch-template")],
      Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`]: "owned" }, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
    });
  });

  it("reads EC2 only in its region, public SSM parameters only, and prices", () => {
    expect(bySid.AllowRegionalReadActions.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": TEST_REGION } });
    expect(bySid.AllowRegionalReadActions.Resource).toBe("*");
    expect([bySid.AllowRegionalReadActions.Action].flat().every((a: string) => a.startsWith("ec2:Describe") && !a.includes("*"))).toBe(true);
    expect(bySid.AllowSSMReadActions).toMatchObject({ Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${TEST_REGION}::parameter/aws/service/*` });
    expect(bySid.AllowPricingReadActions).toMatchObject({ Action: "pricing:GetProducts", Resource: "*" });
  });

  it("reads and deletes messages of its interruption queue only", () => {
    expect(bySid.AllowInterruptionQueueActions).toMatchObject({ Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: QUEUE_ARN });
  });

  it("passes only the node role, and only to EC2", () => {
    expect(bySid.AllowPassingInstanceRole).toMatchObject({
      Action: "iam:PassRole",
      Resource: expect.stringMatching(/^\$\{aws_iam_role\.Karpenter_NodeRole_.*\.arn\}$/),
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    });
  });

  it("only reads instance profiles of this account (an EC2NodeClass's finalizer lists and looks them up)", () => {
    expect(bySid.AllowInstanceProfileReadActions).toEqual({
      Sid: "AllowInstanceProfileReadActions",
      Effect: "Allow",
      Action: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"],
      Resource: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/*`,
    });
  });

  it("describes only its own cluster", () => {
    expect(bySid.AllowAPIServerEndpointDiscovery).toMatchObject({ Action: "eks:DescribeCluster", Resource: `arn:aws:eks:${TEST_REGION}:${TEST_ACCOUNT}:cluster/${CLUSTER}` });
  });

  it("uses the cluster key only through EC2 (node volumes) and SQS (its queue), and grants only for AWS resources", () => {
    expect(bySid.AllowClusterKeyThroughEc2).toMatchObject({
      Action: ["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"],
      Resource: expect.stringMatching(KEY_REF),
      Condition: { StringEquals: { "kms:ViaService": `ec2.${TEST_REGION}.amazonaws.com` } },
    });
    expect(bySid.AllowClusterKeyGrantsForVolumes).toMatchObject({
      Action: "kms:CreateGrant",
      Resource: expect.stringMatching(KEY_REF),
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, StringEquals: { "kms:ViaService": `ec2.${TEST_REGION}.amazonaws.com` } },
    });
    expect(bySid.AllowInterruptionQueueDecrypt).toMatchObject({
      Action: "kms:Decrypt",
      Resource: expect.stringMatching(KEY_REF),
      Condition: { StringEquals: { "kms:ViaService": `sqs.${TEST_REGION}.amazonaws.com`, "kms:EncryptionContext:aws:sqs:arn": QUEUE_ARN } },
    });
  });

  it("names every launched resource type only with an ownership condition (role scoped to the cluster)", () => {
    const scoped = /:(instance|fleet|launch-template|volume|network-interface|spot-instances-request)\/\*$/;
    for (const statement of statements) {
      const resources = [statement.Resource].flat() as string[];
      if (!resources.some((r) => scoped.test(r))) continue;
      const keys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c as object));
      expect([statement.Sid, keys.some((k) => k.startsWith(`aws:ResourceTag/kubernetes.io/cluster/${CLUSTER}`) || k.startsWith(`aws:RequestTag/kubernetes.io/cluster/${CLUSTER}`))]).toEqual([statement.Sid, true]);
    }
  });
});

describe("the interruption queue", () => {
  const json = synth();
  const queue = only(json, "aws_sqs_queue");
  const policy = policyOf(only(json, "aws_sqs_queue_policy")).Statement as Statement[];
  const ruleArns = INTERRUPTION_EVENTS.map((e) => `arn:aws:events:${TEST_REGION}:${TEST_ACCOUNT}:rule/${CLUSTER}-karpenter-${e.suffix}`);

  it("is encrypted with the cluster key and keeps messages 5 minutes", () => {
    expect(queue).toMatchObject({ name: `${CLUSTER}-karpenter`, kms_master_key_id: expect.stringMatching(KEY_REF), message_retention_seconds: 300 });
    expect(queue.sqs_managed_sse_enabled).toBeUndefined();
  });

  it("takes messages only from the five interruption rules, and nothing without TLS", () => {
    expect(policy).toEqual([
      {
        Sid: "InterruptionRulesSend",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: QUEUE_ARN,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
      { Sid: "DenyWithoutTls", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: QUEUE_ARN, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
    expect(only(json, "aws_sqs_queue_policy").queue_url).toMatch(/^\$\{aws_sqs_queue\..*\.url\}$/);
  });

  it("lets EventBridge encrypt messages with the key only for this queue", () => {
    expect(keyStatements(json).find((s) => s.Sid === "EventBridgeWritesKarpenterInterruptionQueue")).toEqual({
      Sid: "EventBridgeWritesKarpenterInterruptionQueue",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sqs:arn": QUEUE_ARN } },
    });
  });
});

describe("the interruption rules", () => {
  const json = synth();
  const rules = attributesOf(json, "aws_cloudwatch_event_rule");
  const targets = attributesOf(json, "aws_cloudwatch_event_target");

  it("match the five event types of Karpenter's template, each by source and detail-type", () => {
    const patterns = Object.fromEntries(rules.map((r) => [r.name, JSON.parse(r.event_pattern)]));
    expect(patterns).toEqual({
      [`${CLUSTER}-karpenter-health`]: { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
      [`${CLUSTER}-karpenter-spot-interruption`]: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
      [`${CLUSTER}-karpenter-rebalance`]: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
      [`${CLUSTER}-karpenter-state-change`]: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
      [`${CLUSTER}-karpenter-capacity-reservation`]: { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
    });
  });

  it("each send to the queue", () => {
    expect(targets).toHaveLength(5);
    for (const target of targets) {
      expect(target).toMatchObject({ arn: expect.stringMatching(/^\$\{aws_sqs_queue\..*\.arn\}$/), rule: expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\..*\.name\}$/) });
    }
    expect(new Set(targets.map((t) => t.rule)).size).toBe(5);
  });
});

describe("Karpenter's nodes", () => {
  const json = synth();

  it("have a role of their own with only the worker node and ECR pull policies", () => {
    const nodeRole = role(json, `${CLUSTER}-karpenter-node`);
    expect(policyOf(nodeRole, "assume_role_policy").Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const attached = attributesOf(json, "aws_iam_role_policy_attachment").filter((a) => String(a.role).includes("Karpenter_NodeRole"));
    expect(attached.map((a) => a.policy_arn).sort()).toEqual(["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"]);
    expect(attributesOf(json, "aws_iam_role_policy").some((p) => String(p.role).includes("Karpenter_NodeRole"))).toBe(false);
  });

  it("start with an instance profile of that role, made by Terraform", () => {
    expect(only(json, "aws_iam_instance_profile")).toEqual({
      name: `${CLUSTER}-karpenter-node`,
      role: expect.stringMatching(/^\$\{aws_iam_role\.Karpenter_NodeRole_.*\.name\}$/),
    });
  });

  it("join through an EC2_LINUX access entry with no access policy and no Kubernetes groups", () => {
    const entry = only(json, "aws_eks_access_entry");
    expect(entry).toEqual({ cluster_name: CLUSTER, principal_arn: expect.stringMatching(/^\$\{aws_iam_role\.Karpenter_NodeRole_.*\.arn\}$/), type: "EC2_LINUX" });
    expect(attributesOf(json, "aws_eks_access_policy_association")).toEqual([]);
  });

  it("find the cluster security group by its discovery tag", () => {
    expect(only(json, "aws_ec2_tag")).toEqual({ resource_id: "sg-0123456789abcdef0", key: "karpenter.sh/discovery", value: CLUSTER });
  });

  it("on Spot, may have their volumes encrypted by EC2 Spot's service-linked role; without Spot, the key names no such role", () => {
    const spotRole = `arn:aws:iam::${TEST_ACCOUNT}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    const spot = keyStatements(json).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: spotRole }));
    expect(spot).toEqual([
      expect.objectContaining({ Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*" }),
      expect.objectContaining({ Action: "kms:CreateGrant", Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } }),
    ]);
    expect(JSON.stringify(keyStatements(synth({ spot: false })))).not.toContain("AWSServiceRoleForEC2Spot");
  });
});

describe("refusals", () => {
  it("needs the cluster's name as a literal", () => {
    expect(() => synth({ clusterName: "bad name" })).toThrow(/clusterName must be the cluster's name as a literal/);
  });
});
