import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PriorityClassV1 } from "@cdktf/provider-kubernetes/lib/priority-class-v1";
import { IrsaRole } from "../../constructs/training-cluster/irsa-role";
import { NvidiaDevicePlugin } from "../../constructs/training-cluster/workloads/nvidia-device-plugin";
import { PlatformNamespace } from "../../constructs/training-cluster/workloads/platform-namespace";
import { ApsCollectorRbac } from "../../constructs/training-cluster/workloads/aps-collector-rbac";
import { TrainingPriorityClasses } from "../../constructs/training-cluster/workloads/priority-classes";
import { TeamNamespace, TeamNamespaceProps } from "../../constructs/training-cluster/workloads/team-namespace";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789";
const OIDC = {
  oidcProviderArn: `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/${ISSUER}`,
  oidcIssuerUrl: `https://${ISSUER}`,
};
const TEAM: TeamNamespaceProps = { ...OIDC, team: "vision", gpuQuota: 12, cpuQuota: "192", memoryQuota: "768Gi", roleName: "vision-training" };

/** A test stack that can hold Kubernetes resources. */
function kubernetesStack(): TerraformStack {
  const stack = testStack();
  new KubernetesProvider(stack, "kubernetes", {});
  return stack;
}

type Attributes = Record<string, any>;
const attributesOf = (json: TerraformJson, type: string): Attributes[] => resourcesOfType(json, type).map(([, attributes]) => attributes);
const named = (json: TerraformJson, type: string, name: string): Attributes => attributesOf(json, type).find((r) => r.metadata.name === name)!;
const trustOf = (role: Attributes) => policyOf(role, "assume_role_policy").Statement;

/** The trust an IRSA role must have: this provider, this issuer, this one service account, for STS. */
const irsaTrust = (subject: string) => [
  {
    Effect: "Allow",
    Principal: { Federated: OIDC.oidcProviderArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [`${ISSUER}:sub`]: subject, [`${ISSUER}:aud`]: "sts.amazonaws.com" } },
  },
];

describe("IrsaRole", () => {
  const irsaRole = (stack: TerraformStack, props: Partial<ConstructorParameters<typeof IrsaRole>[2]> = {}) =>
    new IrsaRole(stack, "Role", { ...OIDC, roleName: "r", description: "d", namespace: "team-a", serviceAccountName: "runner", ...props });

  it("is assumable only with a token the cluster minted for its one service account, for STS", () => {
    const stack = testStack();
    irsaRole(stack);
    const [role] = attributesOf(synthJson(stack), "aws_iam_role");
    expect(trustOf(role)).toEqual(irsaTrust("system:serviceaccount:team-a:runner"));
  });

  it("strips the issuer's scheme in Terraform when the issuer is a reference, keeping the policy valid JSON", () => {
    const stack = testStack();
    const issuer = new TerraformVariable(stack, "issuer", { type: "string" });
    irsaRole(stack, { oidcIssuerUrl: issuer.stringValue });
    const json = synthJson(stack) as TerraformJson & { locals: Record<string, string> };
    const [[localName, expression]] = Object.entries(json.locals);
    expect(expression).toBe('${replace(var.issuer, "https://", "")}');
    const [role] = attributesOf(json, "aws_iam_role");
    expect((trustOf(role)[0].Condition as Attributes).StringEquals).toEqual({
      [`\${local.${localName}}:sub`]: "system:serviceaccount:team-a:runner",
      [`\${local.${localName}}:aud`]: "sts.amazonaws.com",
    });
  });

  it("gets its permissions from grants only", () => {
    const stack = testStack();
    const role = irsaRole(stack);
    expect(attributesOf(JSON.parse(Testing.synth(stack)), "aws_iam_role_policy")).toEqual([]);
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::features/*" });
    const [policy] = attributesOf(synthJson(stack), "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::features/*" }]);
  });

  it.each([
    [{ namespace: "Team_A" }, /test\/Role: namespace "Team_A" must be a Kubernetes name/],
    [{ serviceAccountName: "" }, /serviceAccountName "" must be a Kubernetes name/],
    [{ oidcIssuerUrl: ISSUER }, /oidcIssuerUrl ".*" must be the cluster's issuer URL, starting with https:\/\//],
    [{ oidcProviderArn: "arn:aws:iam::123:role/x" }, /oidcProviderArn ".*" must be an IAM OIDC provider ARN/],
  ])("refuses %p", (props, message) => {
    expect(() => irsaRole(testStack(), props)).toThrow(message);
  });
});

describe("TeamNamespace", () => {
  const synthTeam = (props: Partial<TeamNamespaceProps> = {}): TerraformJson => {
    const stack = kubernetesStack();
    new TeamNamespace(stack, "Team", { ...TEAM, ...props });
    return synthJson(stack);
  };
  const json = synthTeam();
  const inNamespace = expect.stringMatching(/^\$\{kubernetes_namespace_v1\..+\.metadata\[0\]\.name\}$/);

  it("is a namespace named after the team, enforcing baseline pod security and warning about restricted", () => {
    expect(attributesOf(json, "kubernetes_namespace_v1")).toEqual([
      {
        metadata: {
          name: "vision",
          labels: {
            team: "vision",
            "mlops/team": "vision",
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
    ]);
  });

  it("caps GPU, CPU and memory requests at the team's quota and gives containers default requests, never a default limit", () => {
    expect(attributesOf(json, "kubernetes_resource_quota_v1")).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ namespace: inNamespace }),
        spec: { hard: { "requests.nvidia.com/gpu": "12", "requests.cpu": "192", "requests.memory": "768Gi" } },
      }),
    ]);
    // A GPU job without limits must not get a small default memory limit that OOM-kills it mid-training.
    expect(attributesOf(json, "kubernetes_limit_range_v1")).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ namespace: inNamespace }),
        spec: { limit: [{ type: "Container", default_request: { cpu: "500m", memory: "1Gi" } }] },
      }),
    ]);
  });

  it("keeps reserved priority classes from the team's pods with a zero-pod quota in their scope", () => {
    const stack = kubernetesStack();
    new TeamNamespace(stack, "Team", { ...TEAM, reservedPriorityClasses: ["training-critical"] });
    const reserved = attributesOf(synthJson(stack), "kubernetes_resource_quota_v1").find((q) => q.metadata.name === "reserved-priority-classes");
    expect(reserved?.spec).toEqual({
      hard: { pods: "0" },
      scope_selector: { match_expression: [{ scope_name: "PriorityClass", operator: "In", values: ["training-critical"] }] },
    });
  });

  it("denies all traffic by default and allows the namespace, DNS to kube-dns and HTTPS out", () => {
    const policies: Record<string, Attributes> = Object.fromEntries(
      attributesOf(json, "kubernetes_network_policy_v1").map((p) => [p.metadata.name, p]),
    );
    expect(Object.keys(policies).sort()).toEqual(["allow-dns", "allow-https-egress", "allow-same-namespace", "default-deny"]);
    for (const policy of Object.values(policies)) {
      expect(policy.metadata.namespace).toEqual(inNamespace);
      expect(policy.spec.pod_selector).toEqual({});
    }
    expect(policies["default-deny"].spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
    expect(policies["allow-same-namespace"].spec).toMatchObject({
      ingress: [{ from: [{ pod_selector: {} }] }],
      egress: [{ to: [{ pod_selector: {} }] }],
    });
    expect(policies["allow-dns"].spec.egress).toEqual([
      {
        to: [
          {
            namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "kube-system" } },
            pod_selector: { match_labels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: "53" },
          { protocol: "TCP", port: "53" },
        ],
      },
    ]);
    expect(policies["allow-https-egress"].spec).toEqual({
      pod_selector: {},
      policy_types: ["Egress"],
      egress: [{ to: [{ ip_block: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: "443" }] }],
    });
  });

  it("has a training service account annotated with an IAM role only that service account can assume", () => {
    const account = named(json, "kubernetes_service_account_v1", "vision-training");
    expect(account).toMatchObject({
      automount_service_account_token: true,
      metadata: { namespace: inNamespace, annotations: { "eks.amazonaws.com/role-arn": expect.stringMatching(/^\$\{aws_iam_role\..+\.arn\}$/) } },
    });
    const [role] = attributesOf(json, "aws_iam_role");
    expect(role.name).toBe("vision-training");
    expect(trustOf(role)).toEqual(irsaTrust("system:serviceaccount:vision:vision-training"));
  });

  it("exposes the role so other layers can grant it data access", () => {
    const stack = kubernetesStack();
    const team = new TeamNamespace(stack, "Team", TEAM);
    team.role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::features/*" });
    expect(attributesOf(synthJson(stack), "aws_iam_role_policy")).toHaveLength(1);
  });

  it.each([
    [{ team: "Vision" }, /^test\/Team: team: is "Vision"; it must be 1-63 lowercase letters/],
    [{ team: "kube-system" }, /^test\/Team: team: "kube-system" is a namespace Kubernetes keeps for itself; name the team otherwise$/],
    [{ gpuQuota: -1 }, /^test\/Team: gpuQuota: is -1; it must be a whole number of GPUs >= 0$/],
    [{ memoryQuota: "lots" }, /^test\/Team: memoryQuota: is "lots"; must be a Kubernetes quantity/],
    [{ defaultContainerRequests: { cpu: "2", memory: "4 GiB" } }, /^test\/Team: defaultContainerRequests\.memory: is "4 GiB"; must be a Kubernetes quantity/],
  ])("refuses %p", (props, message) => {
    expect(() => synthTeam(props)).toThrow(message);
  });
});

describe("TrainingPriorityClasses", () => {
  it("has critical, default and preemptible classes; the preemptible one never preempts; the default one is the global default", () => {
    const stack = kubernetesStack();
    const classes = new TrainingPriorityClasses(stack, "PriorityClasses");
    expect([classes.criticalClassName, classes.defaultClassName, classes.preemptibleClassName]).toEqual([
      "training-critical",
      "training-default",
      "training-preemptible",
    ]);
    const synthesized = Testing.synth(stack);
    // A job naming no class gets the default one (Kueue reads the global default too): never below preemptible work.
    for (const [name, value, globalDefault] of [["training-critical", 100000, false], ["training-default", 10000, true]] as const) {
      expect(synthesized).toHaveResourceWithProperties(PriorityClassV1, { metadata: { name }, value, global_default: globalDefault });
    }
    expect(synthesized).toHaveResourceWithProperties(PriorityClassV1, {
      metadata: { name: "training-preemptible" },
      value: 1000,
      global_default: false,
      preemption_policy: "Never",
    });
    for (const priorityClass of attributesOf(JSON.parse(synthesized), "kubernetes_priority_class_v1")) {
      expect(priorityClass.description).toEqual(expect.any(String));
    }
  });
});

describe("PlatformNamespace", () => {
  const synthNamespace = (props: Partial<ConstructorParameters<typeof PlatformNamespace>[2]> = {}): TerraformJson => {
    const stack = kubernetesStack();
    new PlatformNamespace(stack, "Namespace", { name: "kueue-system", cpuQuota: "2", memoryQuota: "2Gi", vpcCidr: "10.0.0.0/16", ingressPorts: [9443, 8443], ...props });
    return synthJson(stack);
  };
  const json = synthNamespace();
  const policies: Record<string, Attributes> = Object.fromEntries(attributesOf(json, "kubernetes_network_policy_v1").map((p) => [p.metadata.name, p]));

  it("caps the namespace's requests, takes no GPU and gives containers default requests", () => {
    expect(attributesOf(json, "kubernetes_resource_quota_v1").map((q) => q.spec.hard)).toEqual([
      { "requests.cpu": "2", "requests.memory": "2Gi", pods: "20", "requests.nvidia.com/gpu": "0" },
    ]);
    expect(attributesOf(json, "kubernetes_limit_range_v1")[0].spec.limit[0].default_request).toEqual({ cpu: "100m", memory: "128Mi" });
  });

  it("denies by default, allows DNS and HTTPS out, and lets in only the listed ports from the VPC", () => {
    expect(Object.keys(policies).sort()).toEqual(["allow-dns", "allow-https-egress", "allow-same-namespace", "allow-vpc-ingress", "default-deny"]);
    expect(policies["default-deny"].spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
    expect(policies["allow-vpc-ingress"].spec.ingress).toEqual([
      {
        from: [{ ip_block: { cidr: "10.0.0.0/16" } }],
        ports: [
          { protocol: "TCP", port: "9443" },
          { protocol: "TCP", port: "8443" },
        ],
      },
    ]);
  });

  it("has no ingress policy when no port is listed", () => {
    const names = attributesOf(synthNamespace({ ingressPorts: [] }), "kubernetes_network_policy_v1").map((p) => p.metadata.name);
    expect(names).not.toContain("allow-vpc-ingress");
  });

  it.each([
    [{ cpuQuota: "two" }, /cpuQuota "two" must be a Kubernetes quantity/],
    [{ ingressPorts: [0] }, /ingress port 0 is not a TCP port/],
  ])("refuses %p", (props, message) => {
    expect(() => synthNamespace(props)).toThrow(message);
  });
});

describe("ApsCollectorRbac", () => {
  const stack = kubernetesStack();
  new ApsCollectorRbac(stack, "Collector");
  const json = synthJson(stack);

  it("binds the collector's user to read-only discovery and /metrics, without wildcards", () => {
    const [role] = attributesOf(json, "kubernetes_cluster_role_v1");
    expect(role.metadata.name).toBe("aps-collector-role");
    for (const rule of role.rule) {
      expect(rule.verbs.every((verb: string) => ["get", "list", "watch"].includes(verb))).toBe(true);
      expect([...rule.verbs, ...(rule.resources ?? []), ...(rule.api_groups ?? [])]).not.toContain("*");
    }
    expect(role.rule).toContainEqual({ non_resource_urls: ["/metrics"], verbs: ["get"] });
    const [binding] = attributesOf(json, "kubernetes_cluster_role_binding_v1");
    expect(binding.subject).toEqual([{ api_group: "rbac.authorization.k8s.io", kind: "User", name: "aps-collector-user" }]);
    expect(binding.role_ref).toMatchObject({ kind: "ClusterRole" });
  });
});

describe("NvidiaDevicePlugin", () => {
  it("is a Helm release at the pinned chart version, not a raw DaemonSet", () => {
    const stack = kubernetesStack();
    new NvidiaDevicePlugin(stack, "DevicePlugin", { version: "0.20.0", pools: [{ name: "a10g", sharing: { mode: "none" } }] });
    const json = synthJson(stack);
    expect(attributesOf(json, "kubernetes_daemon_set_v1")).toEqual([]);
    const [release] = attributesOf(json, "helm_release");
    expect(release).toMatchObject({ chart: "nvidia-device-plugin", repository: "https://nvidia.github.io/k8s-device-plugin", version: "0.20.0", namespace: "kube-system" });
  });
});
