import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";
import { KmsKey } from "../../constructs/core/kms-key";
import { GpuTrainingCluster, GpuTrainingClusterProps } from "../../constructs/training-cluster/gpu-training-cluster";
import { NodePool } from "../../constructs/training-cluster/node-pool";
import { testStack } from "../support/stack";
import { TerraformJson, allResources, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const VIEWER = "arn:aws:iam::123456789012:role/viewer";

function synthCluster(props: Partial<GpuTrainingClusterProps> = {}, stack = testStack()): TerraformJson {
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  new GpuTrainingCluster(stack, "Cluster", {
    clusterName: "mlops-test-training",
    kubernetesVersion: "1.33",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    encryptionKey: key,
    logRetentionDays: 365,
    controlPlaneLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    addonVersions: { vpcCni: "v1.20.4-eksbuild.1", coreDns: "v1.12.2-eksbuild.4", kubeProxy: "v1.33.3-eksbuild.6", ebsCsiDriver: "v1.48.0-eksbuild.2" },
    systemPool: { instanceTypes: ["m6i.large"], minSize: 2, maxSize: 3, diskSizeGiB: 50 },
    adminRoleArns: [ADMIN],
    readOnlyRoleArns: [VIEWER],
    nodeAmiReleaseVersion: "1.33.5-20251103",
    ...props,
  });
  return synthJson(stack);
}

const only = (json: TerraformJson, type: string) => {
  const all = resourcesOfType(json, type);
  expect(all).toHaveLength(1);
  return all[0][1];
};
const attributesOf = (json: TerraformJson, type: string) => resourcesOfType(json, type).map(([, a]) => a);

describe("GpuTrainingCluster", () => {
  const json = synthCluster();

  it("runs the configured Kubernetes version with secrets encrypted by the key", () => {
    expect(only(json, "aws_eks_cluster")).toMatchObject({
      name: "mlops-test-training",
      version: "1.33",
      encryption_config: { resources: ["secrets"], provider: { key_arn: expect.stringContaining("aws_kms_key.Key") } },
      bootstrap_self_managed_addons: false,
    });
  });

  it("sends the chosen control plane logs to an encrypted log group with retention, created before the cluster", () => {
    const cluster = only(json, "aws_eks_cluster");
    expect(cluster.enabled_cluster_log_types).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/eks/mlops-test-training/cluster",
      retention_in_days: 365,
      kms_key_id: expect.stringContaining("aws_kms_key.Key"),
    });
    expect(cluster.depends_on).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\./), expect.stringMatching(/^aws_iam_role_policy_attachment\..*AmazonEKSClusterPolicy/)]);
    const fewer = synthCluster({ controlPlaneLogTypes: ["api", "audit"] });
    expect(only(fewer, "aws_eks_cluster").enabled_cluster_log_types).toEqual(["api", "audit"]);
  });

  it("keeps the API endpoint private unless CIDRs are given, and then opens it to those only", () => {
    expect(only(json, "aws_eks_cluster").vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect((only(json, "aws_eks_cluster").vpc_config as Record<string, unknown>).public_access_cidrs).toBeUndefined();
    const open = synthCluster({ publicApiCidrs: ["203.0.113.0/24"] });
    expect(only(open, "aws_eks_cluster").vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] });
  });

  it("authenticates through access entries only: admin and read-only roles from props, no implicit creator admin", () => {
    expect(only(json, "aws_eks_cluster").access_config).toEqual({ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false });
    expect(attributesOf(json, "aws_eks_access_entry").map((e) => e.principal_arn).sort()).toEqual([ADMIN, VIEWER].sort());
    const policies = attributesOf(json, "aws_eks_access_policy_association").map((a) => a.policy_arn);
    expect(policies.sort()).toEqual([
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
    ]);
  });

  it("names the access policies in the stack's partition", () => {
    const stack = new TerraformStack(Testing.app(), "gov");
    setAwsEnvironment(stack, { accountId: "123456789012", region: "us-gov-west-1", partition: "aws-us-gov" });
    const policies = attributesOf(synthCluster({}, stack), "aws_eks_access_policy_association").map((a) => a.policy_arn);
    expect(policies.sort()).toEqual([
      "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
    ]);
  });

  it("exposes the cluster's ARN, for the metrics collector and Karpenter's role", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const cluster = new GpuTrainingCluster(stack, "Cluster", {
      clusterName: "mlops-test-training",
      kubernetesVersion: "1.33",
      subnetIds: ["subnet-a", "subnet-b"],
      encryptionKey: key,
      logRetentionDays: 30,
      controlPlaneLogTypes: ["audit"],
      addonVersions: { vpcCni: "v1.20.4-eksbuild.1", coreDns: "v1.12.2-eksbuild.4", kubeProxy: "v1.33.3-eksbuild.6", ebsCsiDriver: "v1.48.0-eksbuild.2" },
      systemPool: { instanceTypes: ["m6i.large"], minSize: 1, maxSize: 1, diskSizeGiB: 50 },
    });
    new TerraformOutput(stack, "arn", { value: cluster.clusterArn });
    const json = synthJson(stack) as { output?: Record<string, { value: string }> };
    expect(json.output?.arn.value).toMatch(/^\$\{aws_eks_cluster\.Cluster_.*\.arn\}$/);
  });

  it("has an OIDC provider for IRSA on the cluster's issuer", () => {
    expect(only(json, "aws_iam_openid_connect_provider")).toMatchObject({
      client_id_list: ["sts.amazonaws.com"],
      url: expect.stringMatching(/aws_eks_cluster\..*\.identity\[0\]\.oidc\[0\]\.issuer/),
    });
  });

  it("pins every managed add-on to its configured version; the CNI enforces network policies", () => {
    const addons = Object.fromEntries(attributesOf(json, "aws_eks_addon").map((a) => [a.addon_name, a]));
    expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    expect(addons["vpc-cni"]).toMatchObject({ addon_version: "v1.20.4-eksbuild.1", configuration_values: '{"enableNetworkPolicy":"true"}' });
    expect(addons.coredns.addon_version).toBe("v1.12.2-eksbuild.4");
    expect(addons["kube-proxy"].addon_version).toBe("v1.33.3-eksbuild.6");
    expect(addons["aws-ebs-csi-driver"]).toMatchObject({ addon_version: "v1.48.0-eksbuild.2", service_account_role_arn: expect.stringContaining("aws_iam_role.") });
  });

  it("trusts the EBS CSI driver's role only for its service account", () => {
    const role = attributesOf(json, "aws_iam_role").find((r) => r.name === "mlops-test-training-ebs-csi")!;
    const [statement] = policyOf(role, "assume_role_policy").Statement;
    expect(statement).toMatchObject({ Action: "sts:AssumeRoleWithWebIdentity" });
    expect(JSON.stringify(statement.Condition)).toContain("system:serviceaccount:kube-system:ebs-csi-controller-sa");
  });
});

describe("the system pool", () => {
  const json = synthCluster();
  const groups = attributesOf(json, "aws_eks_node_group");
  const [system] = groups;

  it("is the only node group: GPU capacity is Karpenter's", () => {
    expect(groups.map((g) => g.node_group_name)).toEqual(["mlops-test-training-system"]);
  });

  it("is on-demand, of a fixed size the plan owns (nothing scales it, nothing ignores its size)", () => {
    expect(system).toMatchObject({
      ami_type: "AL2023_x86_64_STANDARD",
      capacity_type: "ON_DEMAND",
      scaling_config: { min_size: 2, max_size: 3, desired_size: 2 },
      release_version: "1.33.5-20251103",
      labels: { "mlops/pool": "system" },
    });
    // The controllers' nodes: teams' pods, which do not tolerate this, go to Karpenter's pools.
    expect(system.taint).toEqual([{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
    expect(system.lifecycle).toBeUndefined();
    expect(system.tags).toBeUndefined();
    expect(attributesOf(json, "aws_autoscaling_group_tag")).toEqual([]);
  });

  it("launches every node with IMDSv2 required, hop limit 1 and an encrypted root volume of the pool's size", () => {
    const templates = attributesOf(json, "aws_launch_template");
    expect(templates).toHaveLength(1);
    expect(templates[0].metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 });
    expect(templates[0].block_device_mappings).toEqual([
      expect.objectContaining({ ebs: expect.objectContaining({ encrypted: "true", volume_type: "gp3", volume_size: 50 }) }),
    ]);
  });

  it("runs nodes with a role that has only the node policies, not admin", () => {
    const attachments = attributesOf(json, "aws_iam_role_policy_attachment").map((a) => a.policy_arn as string);
    expect(attachments).toEqual(expect.arrayContaining(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"]));
    expect(attachments.some((arn) => arn.endsWith("/AdministratorAccess"))).toBe(false);
  });

  it("tags instances, volumes and network interfaces for cost allocation", () => {
    const tagged = synthCluster({ nodeTags: { "mlops:environment": "test", "mlops:layer": "training" } });
    for (const template of attributesOf(tagged, "aws_launch_template")) {
      const specs = template.tag_specifications as { resource_type: string; tags: Record<string, string> }[];
      expect(specs.map((s) => s.resource_type)).toEqual(["instance", "volume", "network-interface"]);
      for (const spec of specs) expect(spec.tags).toMatchObject({ "mlops:environment": "test", "mlops:layer": "training", Name: "mlops-test-training-system" });
    }
  });

  it("is created after the node role's policies and the network add-ons, which a node needs to become Ready", () => {
    expect(system.depends_on).toEqual([
      expect.stringContaining("AmazonEKSWorkerNodePolicy"),
      expect.stringContaining("AmazonEC2ContainerRegistryPullOnly"),
      expect.stringMatching(/^aws_eks_addon\.Cluster_VpcCni_/),
      expect.stringMatching(/^aws_eks_addon\.Cluster_KubeProxy_/),
    ]);
    const cni = attributesOf(json, "aws_eks_addon").find((a) => a.addon_name === "vpc-cni")!;
    expect(cni.depends_on).toEqual([expect.stringContaining("AmazonEKS_CNI_Policy")]);
  });

  it("runs the VPC CNI with its own IRSA role; the node role has no CNI permissions", () => {
    const attachments = attributesOf(json, "aws_iam_role_policy_attachment");
    const cni = attachments.filter((a) => String(a.policy_arn).endsWith("/AmazonEKS_CNI_Policy"));
    expect(cni).toHaveLength(1);
    expect(cni[0].role).toContain("VpcCniRole");
    const addon = attributesOf(json, "aws_eks_addon").find((a) => a.addon_name === "vpc-cni")!;
    expect(addon.service_account_role_arn).toContain("VpcCniRole");
    const role = attributesOf(json, "aws_iam_role").find((r) => String(r.name).endsWith("-vpc-cni"))!;
    expect(JSON.stringify(policyOf(role, "assume_role_policy"))).toContain("system:serviceaccount:kube-system:aws-node");
  });

  it("puts every resource in the stack under the cluster's name, with nothing of Kubernetes in it", () => {
    expect(allResources(json).some((r) => r.type.startsWith("kubernetes_"))).toBe(false);
  });
});

describe("API access and upgrades", () => {
  it("admits nothing to the private API unless sources are given, then each on 443 to the cluster security group", () => {
    expect(attributesOf(synthCluster(), "aws_vpc_security_group_ingress_rule")).toEqual([]);
    const open = synthCluster({ apiAccess: { cidrs: ["10.200.0.0/16"], securityGroupIds: ["sg-0123456789abcdef0"] } });
    const rules = attributesOf(open, "aws_vpc_security_group_ingress_rule");
    expect(rules).toEqual([
      expect.objectContaining({ cidr_ipv4: "10.200.0.0/16", from_port: 443, to_port: 443, ip_protocol: "tcp" }),
      expect.objectContaining({ referenced_security_group_id: "sg-0123456789abcdef0", from_port: 443, to_port: 443, ip_protocol: "tcp" }),
    ]);
    for (const rule of rules) expect(rule.security_group_id).toMatch(/^\$\{aws_eks_cluster\.Cluster_.*\.vpc_config\[0\]\.cluster_security_group_id\}$/);
  });

  it("has an explicit upgrade policy, STANDARD by default", () => {
    expect(only(synthCluster(), "aws_eks_cluster").upgrade_policy).toEqual({ support_type: "STANDARD" });
    expect(only(synthCluster({ upgradePolicy: "EXTENDED" }), "aws_eks_cluster").upgrade_policy).toEqual({ support_type: "EXTENDED" });
  });
});

describe("refusals", () => {
  it.each([
    [{ kubernetesVersion: "1.27" }, /^test\/Cluster: kubernetesVersion: is "1\.27"; EKS versions supported here: 1\.29, .*1\.35$/],
    [{ subnetIds: ["subnet-a"] }, /: subnetIds: lists 1; EKS needs subnets in at least 2 availability zones$/],
    [{ publicApiCidrs: ["0.0.0.0/0"] }, /: publicApiCidrs\.0: 0\.0\.0\.0\/0 opens the API to the internet; list your networks$/],
    [{ publicApiCidrs: ["0.0.0.0/1"] }, /: publicApiCidrs: together open the API to 2,147,483,648 addresses \(50\.0 % of the internet\); list your networks, a \/8 at most in all$/],
    [{ publicApiCidrs: Array.from({ length: 41 }, (_, i) => `203.0.${i}.0/24`) }, /: publicApiCidrs: lists 41 ranges; EKS allows at most 40 per cluster$/],
    // The private endpoint admits networks, never a range wider than a /8 (what the environment schema always allowed).
    [{ apiAccess: { cidrs: ["0.0.0.0/0"] } }, /: apiAccess\.cidrs\.0: 0\.0\.0\.0\/0 is wider than a \/8; list the networks that deploy and operate the cluster$/],
    [{ apiAccess: { cidrs: ["10.0.0.0/7"] } }, /: apiAccess\.cidrs\.0: 10\.0\.0\.0\/7 is wider than a \/8/],
    [{ apiAccess: { securityGroupIds: ["default"] } }, /: apiAccess\.securityGroupIds\.0: is "default"; must be a security group id such as sg-0123456789abcdef0$/],
    [{ adminRoleArns: ["arn:aws:iam::123456789012:user/alice"] }, /: adminRoleArns\.0: is "arn:aws:iam::123456789012:user\/alice"; must be an IAM role ARN/],
    [{ adminRoleArns: ["arn:aws:iam::999999999999:role/admin"] }, /: adminRoleArns\.0: is a role of account 999999999999, not the cluster's 123456789012$/],
    [
      { adminRoleArns: ["arn:aws:iam::123456789012:role/ops"], readOnlyRoleArns: ["arn:aws:iam::123456789012:role/ops"] },
      /: readOnlyRoleArns\.0: arn:aws:iam::123456789012:role\/ops is already in adminRoleArns; EKS allows one access entry per principal/,
    ],
    [{ systemPool: { instanceTypes: ["m6i.large"], minSize: 0, maxSize: 2, diskSizeGiB: 50 } }, /: systemPool\.minSize: is 0; the system pool runs cluster services and must keep at least 1 node$/],
    [{ systemPool: { instanceTypes: ["m6i.large"], minSize: 1, maxSize: 2, diskSizeGiB: 10 } }, /: systemPool\.diskSizeGiB: is 10; it must be whole GiB 20-16384/],
  ])("refuses %p", (props, message) => {
    expect(() => synthCluster(props)).toThrow(message);
  });

  it.each([
    [{ instanceTypes: [] }, /^test\/Pool: instanceTypes: lists none; give at least one instance type$/],
    [{ instanceTypes: ["m6i large"] }, /^test\/Pool: instanceTypes\.0: is "m6i large"; it must be an EC2 instance type such as m6i\.large$/],
    [{ minSize: 3, maxSize: 2 }, /^test\/Pool: minSize: is 3, above maxSize 2; minSize must be <= maxSize$/],
    [{ minSize: 0, maxSize: 2 }, /^test\/Pool: minSize: is 0; the system pool runs cluster services and must keep at least 1 node$/],
    [{ name: "x".repeat(62) }, /is over 63 characters/],
  ])("refuses a node pool with %p", (pool, message) => {
    const stack = testStack();
    const base = { clusterName: "c", name: "system", nodeRoleArn: "r", subnetIds: ["s"], instanceTypes: ["m6i.large"], minSize: 1, maxSize: 2, diskSizeGiB: 100 };
    expect(() => new NodePool(stack, "Pool", { ...base, ...pool })).toThrow(message);
  });
});
