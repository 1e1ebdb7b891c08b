import { Testing } from "cdktf";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { environments } from "../../environments";
import type { EnvironmentConfig } from "../../environments/schema";
import { baseStackProps, workloadsStackProps } from "../../stacks/platform";
import { PlatformStack } from "../../stacks/platform-stack";
import { ClusterConnection, WorkloadsStack } from "../../stacks/workloads-stack";
import { poolCapacity } from "../../constructs/training-cluster/workloads/gpu-node-pools";
import { teamGpuCap } from "../../constructs/training-cluster/workloads/kueue-queues";
import { allResources, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

/** What the training stack outputs for the workloads stack, as literals. */
const trainingOutputs = (env: EnvironmentConfig) => ({
  clusterSecurityGroupId: "sg-0123456789abcdef0",
  clusterKeyArn: `arn:aws:kms:${env.account.region}:${env.account.id}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  karpenterControllerRoleArn: `arn:aws:iam::${env.account.id}:role/mlops-${env.name}-karpenter`,
  karpenterInterruptionQueueName: `mlops-${env.name}-training-karpenter`,
  karpenterNodeInstanceProfileName: `mlops-${env.name}-karpenter-node`,
  prometheusWorkspaceArn: `arn:aws:aps:${env.account.region}:${env.account.id}:workspace/ws-EXAMPLE`,
  prometheusEndpoint: `https://aps-workspaces.${env.account.region}.amazonaws.com/workspaces/ws-EXAMPLE/`,
});

const fakeCluster = (env: EnvironmentConfig): ClusterConnection => ({
  clusterName: `mlops-${env.name}`,
  endpoint: "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
  certificateAuthorityData: "Q0VSVElGSUNBVEU=",
  oidcProviderArn: `arn:aws:iam::${env.account.id}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`,
  oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
  ...trainingOutputs(env),
});

type Attributes = Record<string, any>;

describe.each(environments.map((env) => [env.name, env] as const))("%s workloads stack", (name, env) => {
  const stack = new WorkloadsStack(Testing.app(), `${env.name}-workloads`, workloadsStackProps(env, fakeCluster(env)));
  const json = synthJson(stack);
  const resources = allResources(json);
  const attributesOf = (type: string): Attributes[] => resourcesOfType(json, type).map(([, attributes]) => attributes);

  it("is <env>-workloads", () => {
    expect(stack.node.id).toBe(`${name}-workloads`);
  });

  it("reaches the cluster with its CA and a short-lived token from `aws eks get-token`", () => {
    expect(Testing.synth(stack)).toHaveProviderWithProperties(KubernetesProvider, {
      host: "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
      cluster_ca_certificate: '${base64decode("Q0VSVElGSUNBVEU=")}',
      exec: [
        {
          api_version: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: ["eks", "get-token", "--cluster-name", `mlops-${name}`, "--region", env.account.region],
        },
      ],
    });
  });

  it("configures the Helm provider like the Kubernetes provider: same endpoint, CA and `aws eks get-token`", () => {
    const [kubernetes] = json.provider!.kubernetes;
    const [helm] = json.provider!.helm;
    expect(helm).toEqual({
      kubernetes: {
        host: kubernetes.host,
        cluster_ca_certificate: kubernetes.cluster_ca_certificate,
        exec: (kubernetes.exec as Attributes[])[0],
      },
    });
  });

  it("installs every chart at the environment's pinned version, and no cluster autoscaler", () => {
    const releases = Object.fromEntries(attributesOf("helm_release").map((r) => [r.name, r]));
    const { charts } = env.training;
    expect(Object.keys(releases).sort()).toEqual(["cpu-capacity", "dcgm-exporter", "gpu-capacity", "grafana", "karpenter", "karpenter-crd", "kueue", "kueue-queues", "nvidia-device-plugin"]);
    expect([releases.karpenter.version, releases["karpenter-crd"].version]).toEqual([charts.karpenter, charts.karpenter]);
    expect(releases.kueue.version).toBe(charts.kueue);
    expect(releases["nvidia-device-plugin"].version).toBe(charts.nvidiaDevicePlugin);
    expect(releases["dcgm-exporter"].version).toBe(charts.dcgmExporter);
    expect(releases.grafana.version).toBe(charts.grafana);
    expect(JSON.stringify(json)).not.toMatch(/cluster-autoscaler/);
    expect(attributesOf("kubernetes_deployment_v1")).toEqual([]);
    expect(attributesOf("kubernetes_daemon_set_v1")).toEqual([]);
    expect(attributesOf("kubernetes_priority_class_v1")).toHaveLength(3);
  });

  it("applies Karpenter's CRDs, then its controller, then the GPU NodePools; Kueue, then its queues", () => {
    const address = (name: string) => `helm_release.${resourcesOfType(json, "helm_release").find(([, r]) => r.name === name)![0]}`;
    const release = (name: string) => attributesOf("helm_release").find((r) => r.name === name)!;
    expect(release("karpenter").depends_on).toEqual([address("karpenter-crd")]);
    expect(release("karpenter").skip_crds).toBe(true);
    expect(release("gpu-capacity").depends_on).toEqual([address("karpenter")]);
    expect(release("kueue-queues").depends_on).toEqual(expect.arrayContaining([address("kueue")]));
    for (const r of attributesOf("helm_release")) expect(r).toMatchObject({ wait: true, atomic: true });
  });

  it("gives the GPU nodes the training stack's instance profile, security group, KMS key and the environment's AMI release", () => {
    const outputs = trainingOutputs(env);
    const objects = JSON.parse(attributesOf("helm_release").find((r) => r.name === "gpu-capacity")!.values[0]).objects as Attributes[];
    const nodeClasses = objects.filter((o) => o.kind === "EC2NodeClass");
    expect(nodeClasses.map((c) => c.metadata.name).sort()).toEqual(env.training.gpuPools.map((p) => p.name).sort());
    for (const nodeClass of nodeClasses) {
      expect(nodeClass.spec).toMatchObject({
        instanceProfile: outputs.karpenterNodeInstanceProfileName,
        securityGroupSelectorTerms: [{ id: outputs.clusterSecurityGroupId }],
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": `mlops-${name}` } }],
        amiSelectorTerms: [{ alias: `al2023@v${env.training.nodeAmiReleaseVersion.split("-")[1]}` }],
      });
      expect(nodeClass.spec.blockDeviceMappings[0].ebs.kmsKeyID).toBe(outputs.clusterKeyArn);
    }
    const karpenter = JSON.parse(attributesOf("helm_release").find((r) => r.name === "karpenter")!.values[0]);
    expect(karpenter.settings).toMatchObject({ clusterName: `mlops-${name}`, interruptionQueue: outputs.karpenterInterruptionQueueName });
    expect(karpenter.serviceAccount.annotations).toEqual({ "eks.amazonaws.com/role-arn": outputs.karpenterControllerRoleArn });
    expect(karpenter.replicas).toBe(env.training.karpenter.controllerReplicas);
  });

  it("lets Grafana query the training stack's Prometheus workspace and nothing else of it", () => {
    const outputs = trainingOutputs(env);
    const grafana = JSON.parse(attributesOf("helm_release").find((r) => r.name === "grafana")!.values[0]);
    expect(grafana.datasources["datasources.yaml"].datasources[0].url).toBe(outputs.prometheusEndpoint);
    const role = attributesOf("aws_iam_role").find((r) => r.name === `mlops-${name}-grafana`)!;
    expect(policyOf(role, "assume_role_policy").Statement[0].Condition).toMatchObject({ StringEquals: expect.objectContaining({}) });
    const policy = attributesOf("aws_iam_role_policy").find((p) => policyOf(p).Statement.some((s) => s.Sid === "QueryPrometheus"))!;
    expect(policyOf(policy).Statement.find((s) => s.Sid === "QueryPrometheus")!.Resource).toBe(outputs.prometheusWorkspaceArn);
  });

  it("gives every configured team its namespace, quota, service account and role", () => {
    expect(Object.keys(stack.teams).sort()).toEqual(env.training.teams.map((t) => t.name).sort());
    expect(attributesOf("kubernetes_namespace_v1").map((n) => n.metadata.name).sort()).toEqual([...env.training.teams.map((t) => t.name), "kueue-system", "monitoring"].sort());
    const quotas = attributesOf("kubernetes_resource_quota_v1").map((q) => q.spec.hard);
    const pools = env.training.gpuPools.map((pool) => ({ name: pool.name, capacity: poolCapacity(pool) }));
    for (const team of env.training.teams) {
      // The hard cap behind Kueue: quota plus what the team may borrow, per pool, never above the pool.
      expect(quotas).toContainEqual({
        "requests.nvidia.com/gpu": String(teamGpuCap(team, pools)),
        "requests.cpu": team.cpuQuota,
        "requests.memory": team.memoryQuota,
      });
      const role = attributesOf("aws_iam_role").find((r) => r.name === `mlops-${name}-${team.name}-training`)!;
      const [trust] = policyOf(role, "assume_role_policy").Statement;
      expect(Object.values((trust.Condition as Attributes).StringEquals)).toContain(`system:serviceaccount:${team.name}:${team.name}-training`);
    }
    const inTeamNamespace = (p: Attributes) => /^\$\{kubernetes_namespace_v1\.Team-/.test(p.metadata.namespace);
    expect(attributesOf("kubernetes_network_policy_v1").filter(inTeamNamespace)).toHaveLength(4 * env.training.teams.length);
    // Only the platform may use the critical class: every team namespace has a zero-pod quota in its scope.
    const reserved = attributesOf("kubernetes_resource_quota_v1").filter((q) => q.metadata.name === "reserved-priority-classes");
    expect(reserved).toHaveLength(env.training.teams.length);
    for (const quota of reserved) expect(quota.spec.scope_selector.match_expression[0].values).toEqual([stack.priorityClasses.criticalClassName]);
  });

  it("creates no cluster: the cluster belongs to the training stack", () => {
    expect(resources.filter((r) => r.type.startsWith("aws_eks_"))).toEqual([]);
  });

  it("tells each team where its jobs go: namespace, service account and role, queue", () => {
    const teams = (json as { output?: Record<string, { value: Record<string, Attributes> }> }).output!.teams.value;
    expect(Object.keys(teams).sort()).toEqual(env.training.teams.map((team) => team.name).sort());
    for (const [name, team] of Object.entries(teams)) {
      expect(team).toEqual({ namespace: expect.stringContaining(`kubernetes_namespace_v1.Team-${name}_Namespace`), service_account: expect.any(String), role_arn: expect.stringMatching(/^\$\{aws_iam_role\./), local_queue: "default" });
    }
  });
});

describe("workloads stack wired to a cluster in another stack", () => {
  const env = environments.find((e) => e.name === "staging") ?? environments[0];
  const app = Testing.app();
  const clusterStack = new PlatformStack(app, `${env.name}-cluster`, { ...baseStackProps(env), layer: "cluster" });
  const eks = new EksCluster(clusterStack, "Cluster", {
    name: `mlops-${env.name}`,
    roleArn: `arn:aws:iam::${env.account.id}:role/eks-cluster`,
    vpcConfig: { subnetIds: ["subnet-0a", "subnet-0b"] },
  });
  const oidc = new IamOpenidConnectProvider(clusterStack, "Oidc", {
    url: eks.identity.get(0).oidc.get(0).issuer,
    clientIdList: ["sts.amazonaws.com"],
  });
  const workloads = new WorkloadsStack(app, `${env.name}-workloads`, workloadsStackProps(env, {
    ...trainingOutputs(env),
    clusterName: eks.name,
    endpoint: eks.endpoint,
    certificateAuthorityData: eks.certificateAuthority.get(0).data,
    oidcProviderArn: oidc.arn,
    oidcIssuerUrl: oidc.url,
    clusterSecurityGroupId: eks.vpcConfig.clusterSecurityGroupId,
  }));
  // What `cdktf synth` does before writing: turns references to other stacks into outputs and remote state.
  workloads.prepareStack();
  const json = synthJson(workloads);

  it("configures the Kubernetes and Helm providers from the other stack's outputs", () => {
    const [helm] = json.provider!.helm as { kubernetes: Attributes }[];
    expect(helm.kubernetes.host).toMatch(/^\$\{data\.terraform_remote_state\./);
    expect(helm.kubernetes.exec.args).toContainEqual(expect.stringMatching(/^\$\{data\.terraform_remote_state\./));
    const gpuCapacity = resourcesOfType(json, "helm_release").map(([, r]) => r as Attributes).find((r) => r.name === "gpu-capacity")!;
    expect(gpuCapacity.values[0]).toContain("${data.terraform_remote_state.");
    const [kubernetes] = json.provider!.kubernetes;
    expect(kubernetes.host).toEqual(expect.stringContaining("${"));
    expect(kubernetes.host).toMatch(/^\$\{data\.terraform_remote_state\./);
    expect(kubernetes.cluster_ca_certificate).toMatch(/^\$\{base64decode\(data\.terraform_remote_state\./);
    expect((kubernetes.exec as Attributes[])[0].args).toContainEqual(expect.stringMatching(/^\$\{data\.terraform_remote_state\./));
  });

  it("holds no aws_eks_cluster of its own", () => {
    expect(allResources(json).filter((r) => r.type === "aws_eks_cluster")).toEqual([]);
    expect(allResources(synthJson(clusterStack)).filter((r) => r.type === "aws_eks_cluster")).toHaveLength(1);
  });

  it("trusts the other stack's OIDC provider in the IRSA roles", () => {
    const issuerHosts = Object.values((json as { locals?: Record<string, string> }).locals ?? {});
    expect(issuerHosts.length).toBeGreaterThan(0);
    for (const host of issuerHosts) expect(host).toMatch(/^\$\{replace\(data\.terraform_remote_state\.[^,]+, "https:\/\/", ""\)\}$/);
    for (const [, role] of resourcesOfType(json, "aws_iam_role")) {
      const [trust] = policyOf(role, "assume_role_policy").Statement;
      expect(trust.Principal).toEqual({ Federated: expect.stringMatching(/^\$\{data\.terraform_remote_state\./) });
      expect(Object.keys((trust.Condition as Attributes).StringEquals)).toEqual([
        expect.stringMatching(/^\$\{local\.[^}]+\}:sub$/),
        expect.stringMatching(/^\$\{local\.[^}]+\}:aud$/),
      ]);
    }
  });
});
