import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PriorityClassV1 } from "@cdktf/provider-kubernetes/lib/priority-class-v1";
import { IrsaRole } from "../../constructs/training-cluster/irsa-role";
import { ClusterAutoscaler } from "../../constructs/training-cluster/workloads/cluster-autoscaler";
import { NvidiaDevicePlugin } from "../../constructs/training-cluster/workloads/nvidia-device-plugin";
import { TrainingPriorityClasses } from "../../constructs/training-cluster/workloads/priority-classes";
import { TeamNamespace, TeamNamespaceProps } from "../../constructs/training-cluster/workloads/team-namespace";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789";
const OIDC = {
  oidcProviderArn: `arn:aws:iam::${TEST_ACCOUNT}:oidc-provider/${ISSUER}`,
  oidcIssuerUrl: `https://${ISSUER}`,
};
const CLUSTER = "mlops-test";
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

describe("NvidiaDevicePlugin", () => {
  it("runs a pinned image in kube-system on GPU nodes only, tolerating their taint, as a node-critical pod", () => {
    const stack = kubernetesStack();
    new NvidiaDevicePlugin(stack, "DevicePlugin", { version: "v0.17.4" });
    const [daemonSet] = attributesOf(synthJson(stack), "kubernetes_daemon_set_v1");
    expect(daemonSet.metadata.namespace).toBe("kube-system");
    const pod = daemonSet.spec.template.spec;
    expect(pod.node_selector).toEqual({ "nvidia.com/gpu": "true" });
    expect(pod.toleration).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(pod.priority_class_name).toBe("system-node-critical");
    expect(pod.volume).toEqual([{ name: "device-plugin", host_path: { path: "/var/lib/kubelet/device-plugins", type: "Directory" } }]);
    const [container] = pod.container;
    expect(container.image).toBe("nvcr.io/nvidia/k8s-device-plugin:v0.17.4");
    expect(container.env).toEqual([{ name: "FAIL_ON_INIT_ERROR", value: "false" }]);
    expect(container.volume_mount).toEqual([{ name: "device-plugin", mount_path: "/var/lib/kubelet/device-plugins" }]);
  });

  it.each([
    [{ version: "latest" }, /test\/DevicePlugin: version "latest" must be a pinned release/],
    [{ version: "v0.17.4", nodeSelector: {} }, /nodeSelector is empty/],
  ])("refuses %p", (props, message) => {
    expect(() => new NvidiaDevicePlugin(kubernetesStack(), "DevicePlugin", props)).toThrow(message);
  });
});

describe("ClusterAutoscaler", () => {
  const synthAutoscaler = (): TerraformJson => {
    const stack = kubernetesStack();
    new ClusterAutoscaler(stack, "Autoscaler", { ...OIDC, clusterName: CLUSTER, roleName: "autoscaler", version: "v1.33.1" });
    return synthJson(stack);
  };
  const json = synthAutoscaler();
  const statements = policyOf(attributesOf(json, "aws_iam_role_policy")[0]).Statement;
  const statement = (sid: string) => statements.find((s) => s.Sid === sid)!;

  it("runs as an IAM role only kube-system:cluster-autoscaler can assume, annotated on that service account", () => {
    const [role] = attributesOf(json, "aws_iam_role");
    expect(trustOf(role)).toEqual(irsaTrust("system:serviceaccount:kube-system:cluster-autoscaler"));
    const account = named(json, "kubernetes_service_account_v1", "cluster-autoscaler");
    expect(account.metadata.namespace).toBe("kube-system");
    expect(account.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": expect.stringMatching(/^\$\{aws_iam_role\..+\.arn\}$/) });
  });

  it("may set capacity and terminate instances only in auto-scaling groups tagged as this cluster's", () => {
    expect(statement("ScaleThisClustersNodeGroups")).toEqual({
      Sid: "ScaleThisClustersNodeGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${CLUSTER}`]: "owned" } },
    });
  });

  it("describes only this cluster's node groups, and has nothing else but read-only describe actions", () => {
    expect(statement("DescribeThisClustersNodeGroups").Resource).toBe(`arn:aws:eks:${TEST_REGION}:${TEST_ACCOUNT}:nodegroup/${CLUSTER}/*/*`);
    const unconditioned = statements.filter((s) => s.Resource === "*" && !s.Condition);
    expect(unconditioned.flatMap((s) => s.Action as string[]).every((action) => /^(autoscaling|ec2):(Describe|Get)/.test(action))).toBe(true);
    expect(statements).toHaveLength(3);
  });

  it("has the upstream RBAC rules with no wildcard, its config maps and lease in kube-system only", () => {
    const clusterRole = named(json, "kubernetes_cluster_role_v1", "cluster-autoscaler");
    const role = named(json, "kubernetes_role_v1", "cluster-autoscaler");
    for (const rule of [...clusterRole.rule, ...role.rule]) {
      expect([...rule.verbs, ...rule.resources, ...rule.api_groups]).not.toContain("*");
    }
    expect(clusterRole.rule).toEqual(
      expect.arrayContaining([
        { api_groups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "update"] },
        { api_groups: [""], resources: ["pods/eviction"], verbs: ["create"] },
      ]),
    );
    expect(role.metadata.namespace).toBe("kube-system");
    expect(role.rule.flatMap((r: Attributes) => r.resources).sort()).toEqual(["configmaps", "configmaps", "leases", "leases"]);
    const subject = [{ kind: "ServiceAccount", name: "cluster-autoscaler", namespace: "kube-system" }];
    expect(named(json, "kubernetes_cluster_role_binding_v1", "cluster-autoscaler")).toMatchObject({ role_ref: { kind: "ClusterRole" }, subject });
    expect(named(json, "kubernetes_role_binding_v1", "cluster-autoscaler")).toMatchObject({
      metadata: { namespace: "kube-system" },
      role_ref: { kind: "Role" },
      subject,
    });
  });

  it("runs one cluster-critical replica that discovers this cluster's node groups, with health checks", () => {
    const [deployment] = attributesOf(json, "kubernetes_deployment_v1");
    expect(deployment.spec.replicas).toBe("1");
    const pod = deployment.spec.template.spec;
    expect(pod.priority_class_name).toBe("system-cluster-critical");
    expect(pod.service_account_name).toMatch(/^\$\{kubernetes_service_account_v1\./);
    const [container] = pod.container;
    expect(container.image).toBe("registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.1");
    expect(container.command).toEqual(
      expect.arrayContaining([
        "--cloud-provider=aws",
        `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${CLUSTER}`,
        "--balance-similar-node-groups",
        "--skip-nodes-with-system-pods=false",
        "--expander=least-waste",
        "--scale-down-unneeded-time=10m",
      ]),
    );
    for (const probe of [container.liveness_probe, container.readiness_probe]) {
      expect(probe.http_get).toEqual({ path: "/health-check", port: "8085" });
    }
  });

  it.each([
    [{ version: "latest" }, /test\/Autoscaler: version "latest" must be a pinned release/],
    [{ clusterName: "no spaces" }, /clusterName "no spaces" is not an EKS cluster name/],
  ])("refuses %p", (props, message) => {
    const create = () =>
      new ClusterAutoscaler(kubernetesStack(), "Autoscaler", { ...OIDC, clusterName: CLUSTER, roleName: "a", version: "v1.33.1", ...props });
    expect(create).toThrow(message);
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
    [{ team: "Vision" }, /test\/Team: team "Vision" must be 1-63 lowercase/],
    [{ gpuQuota: -1 }, /gpuQuota is -1; it must be a whole number of GPUs >= 0/],
    [{ memoryQuota: "lots" }, /memoryQuota "lots" must be a Kubernetes quantity/],
    [{ defaultContainerRequests: { cpu: "2", memory: "4 GiB" } }, /defaultContainerRequests.memory "4 GiB" must be a Kubernetes quantity/],
  ])("refuses %p", (props, message) => {
    expect(() => synthTeam(props)).toThrow(message);
  });
});

describe("TrainingPriorityClasses", () => {
  it("has critical, default and preemptible classes; the preemptible one never preempts and none is the global default", () => {
    const stack = kubernetesStack();
    const classes = new TrainingPriorityClasses(stack, "PriorityClasses");
    expect([classes.criticalClassName, classes.defaultClassName, classes.preemptibleClassName]).toEqual([
      "training-critical",
      "training-default",
      "training-preemptible",
    ]);
    const synthesized = Testing.synth(stack);
    for (const [name, value] of [["training-critical", 100000], ["training-default", 10000]] as const) {
      expect(synthesized).toHaveResourceWithProperties(PriorityClassV1, { metadata: { name }, value, global_default: false });
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

describe("every workload", () => {
  const stack = kubernetesStack();
  new NvidiaDevicePlugin(stack, "DevicePlugin", { version: "v0.17.4" });
  new ClusterAutoscaler(stack, "Autoscaler", { ...OIDC, clusterName: CLUSTER, roleName: "autoscaler", version: "v1.33.1" });
  new TeamNamespace(stack, "Team", TEAM);
  const json = synthJson(stack);
  const workloads = ["kubernetes_deployment_v1", "kubernetes_daemon_set_v1"].flatMap((type) => attributesOf(json, type));
  const containers = workloads.flatMap((w) => [...(w.spec.template.spec.container ?? []), ...(w.spec.template.spec.init_container ?? [])]);

  it("includes the device plugin and the autoscaler", () => {
    expect(workloads).toHaveLength(2);
    expect(containers).toHaveLength(2);
  });

  it.each(containers.map((c) => [c.name, c]))("%s runs a pinned image with CPU and memory requests and limits", (_, container) => {
    expect(container.image).toMatch(/:v\d+\.\d+\.\d+$/);
    for (const bound of ["requests", "limits"]) {
      expect(Object.keys(container.resources[bound]).sort()).toEqual(["cpu", "memory"]);
    }
  });

  it.each(containers.map((c) => [c.name, c]))("%s cannot escalate privileges and has no capabilities", (_, container) => {
    expect(container.security_context).toMatchObject({ allow_privilege_escalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.security_context).not.toHaveProperty("privileged", true);
  });

  it("sets a pod security context with the runtime's default seccomp profile, and never uses the default namespace", () => {
    for (const workload of workloads) {
      expect(workload.spec.template.spec.security_context.seccomp_profile).toEqual({ type: "RuntimeDefault" });
    }
    const namespaced = Object.entries(json.resource ?? {}).flatMap(([, byName]) => Object.values(byName) as Attributes[]);
    expect(namespaced.filter((r) => r.metadata?.namespace === "default" || r.metadata?.namespace === "")).toEqual([]);
  });
});
