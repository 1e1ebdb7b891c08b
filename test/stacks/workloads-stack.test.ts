import { Testing } from "cdktf";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { environments } from "../../environments";
import type { EnvironmentConfig } from "../../environments/schema";
import { PlatformStack } from "../../stacks/platform-stack";
import { ClusterConnection, WorkloadsStack } from "../../stacks/workloads-stack";
import { allResources, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const fakeCluster = (env: EnvironmentConfig): ClusterConnection => ({
  clusterName: `mlops-${env.name}`,
  endpoint: "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
  certificateAuthorityData: "Q0VSVElGSUNBVEU=",
  oidcProviderArn: `arn:aws:iam::${env.account.id}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`,
  oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
});

type Attributes = Record<string, any>;

describe.each(environments.map((env) => [env.name, env] as const))("%s workloads stack", (name, env) => {
  const stack = new WorkloadsStack(Testing.app(), env, fakeCluster(env));
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

  it("runs the device plugin and the autoscaler at the configured image versions", () => {
    const images = [...attributesOf("kubernetes_daemon_set_v1"), ...attributesOf("kubernetes_deployment_v1")].flatMap((w) =>
      w.spec.template.spec.container.map((c: Attributes) => c.image),
    );
    expect(images.sort()).toEqual([
      `nvcr.io/nvidia/k8s-device-plugin:${env.training.images.nvidiaDevicePlugin}`,
      `registry.k8s.io/autoscaling/cluster-autoscaler:${env.training.images.clusterAutoscaler}`,
    ]);
    expect(attributesOf("kubernetes_priority_class_v1")).toHaveLength(3);
  });

  it("gives every configured team its namespace, quota, service account and role", () => {
    expect(Object.keys(stack.teams).sort()).toEqual(env.training.teams.map((t) => t.name).sort());
    expect(attributesOf("kubernetes_namespace_v1").map((n) => n.metadata.name).sort()).toEqual(env.training.teams.map((t) => t.name).sort());
    const quotas = attributesOf("kubernetes_resource_quota_v1").map((q) => q.spec.hard);
    for (const team of env.training.teams) {
      expect(quotas).toContainEqual({
        "requests.nvidia.com/gpu": String(team.gpuQuota),
        "requests.cpu": team.cpuQuota,
        "requests.memory": team.memoryQuota,
      });
      const role = attributesOf("aws_iam_role").find((r) => r.name === `mlops-${name}-${team.name}-training`)!;
      const [trust] = policyOf(role, "assume_role_policy").Statement;
      expect(Object.values((trust.Condition as Attributes).StringEquals)).toContain(`system:serviceaccount:${team.name}:${team.name}-training`);
    }
    expect(attributesOf("kubernetes_network_policy_v1")).toHaveLength(4 * env.training.teams.length);
    // Only the platform may use the critical class: every team namespace has a zero-pod quota in its scope.
    const reserved = attributesOf("kubernetes_resource_quota_v1").filter((q) => q.metadata.name === "reserved-priority-classes");
    expect(reserved).toHaveLength(env.training.teams.length);
    for (const quota of reserved) expect(quota.spec.scope_selector.match_expression[0].values).toEqual([stack.priorityClasses.criticalClassName]);
  });

  it("runs every container with a pinned image, CPU and memory requests and limits, and no privilege escalation", () => {
    const pods = [...attributesOf("kubernetes_daemon_set_v1"), ...attributesOf("kubernetes_deployment_v1")].map((w) => w.spec.template.spec);
    for (const container of pods.flatMap((pod) => [...pod.container, ...(pod.init_container ?? [])])) {
      expect(container.image).toMatch(/:v\d+\.\d+\.\d+$/);
      const cpuAndMemory = { cpu: expect.any(String), memory: expect.any(String) };
      expect(container.resources).toEqual({ requests: cpuAndMemory, limits: cpuAndMemory });
      expect(container.security_context).toMatchObject({ allow_privilege_escalation: false, capabilities: { drop: ["ALL"] } });
    }
  });

  it("creates no cluster: the cluster belongs to the training stack", () => {
    expect(resources.filter((r) => r.type.startsWith("aws_eks_"))).toEqual([]);
  });
});

describe("workloads stack wired to a cluster in another stack", () => {
  const env = environments.find((e) => e.name === "staging") ?? environments[0];
  const app = Testing.app();
  const clusterStack = new PlatformStack(app, { environment: env, layer: "cluster" });
  const eks = new EksCluster(clusterStack, "Cluster", {
    name: `mlops-${env.name}`,
    roleArn: `arn:aws:iam::${env.account.id}:role/eks-cluster`,
    vpcConfig: { subnetIds: ["subnet-0a", "subnet-0b"] },
  });
  const oidc = new IamOpenidConnectProvider(clusterStack, "Oidc", {
    url: eks.identity.get(0).oidc.get(0).issuer,
    clientIdList: ["sts.amazonaws.com"],
  });
  const workloads = new WorkloadsStack(app, env, {
    clusterName: eks.name,
    endpoint: eks.endpoint,
    certificateAuthorityData: eks.certificateAuthority.get(0).data,
    oidcProviderArn: oidc.arn,
    oidcIssuerUrl: oidc.url,
  });
  // What `cdktf synth` does before writing: turns references to other stacks into outputs and remote state.
  workloads.prepareStack();
  const json = synthJson(workloads);

  it("configures the Kubernetes provider from the other stack's outputs", () => {
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
