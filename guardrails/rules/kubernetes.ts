/**
 * Kubernetes workloads (Terraform kubernetes provider): namespaced, bounded, unprivileged, pinned; team
 * namespaces fenced by a resource quota and a default-deny network policy.
 */
import { compliant, nonCompliant, notApplicable, type ResourceView, type Rule, type RuleContext } from "../rule";
import { type Attributes, attached, block, blocks, bool, defineRule, dig, isObject, isReference, isSet, joinQuoted, str, strings } from "./attributes";

/** Where each workload type keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  kubernetes_deployment: ["spec", "template", "spec"],
  kubernetes_deployment_v1: ["spec", "template", "spec"],
  kubernetes_daemonset: ["spec", "template", "spec"],
  kubernetes_daemon_set_v1: ["spec", "template", "spec"],
  kubernetes_stateful_set: ["spec", "template", "spec"],
  kubernetes_stateful_set_v1: ["spec", "template", "spec"],
  kubernetes_job: ["spec", "template", "spec"],
  kubernetes_job_v1: ["spec", "template", "spec"],
  kubernetes_cron_job: ["spec", "job_template", "spec", "template", "spec"],
  kubernetes_cron_job_v1: ["spec", "job_template", "spec", "template", "spec"],
  kubernetes_pod: ["spec"],
  kubernetes_pod_v1: ["spec"],
};
const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

function podSpec(resource: ResourceView): Attributes | undefined {
  const path = POD_SPEC_PATHS[resource.type];
  return path ? block(dig(resource.attributes, ...path)) : undefined;
}

interface Container {
  readonly label: string;
  readonly spec: Attributes;
}

function containers(pod: Attributes): Container[] {
  const named = (kind: string) => (spec: Attributes, i: number) => ({ label: `${kind} "${str(spec.name) ?? i + 1}"`, spec });
  return [...blocks(pod.container).map(named("container")), ...blocks(pod.init_container).map(named("init_container"))];
}

/**
 * A rule over every container of a workload: `problem` returns what is wrong with one container, or undefined.
 * Not applicable when the pod spec or its containers are not there (unknown in a plan).
 */
function containerRule(spec: {
  id: string;
  rationale: string;
  publicChecks: readonly string[];
  fix: string;
  problem(container: Attributes): string | undefined;
}): Rule {
  return defineRule({
    id: spec.id,
    severity: "error",
    resourceTypes: WORKLOAD_TYPES,
    rationale: spec.rationale,
    publicChecks: spec.publicChecks,
    check(resource) {
      const pod = podSpec(resource);
      const all = pod ? containers(pod) : [];
      if (all.length === 0) return notApplicable;
      const problems = all.flatMap(({ label, spec: container }) => {
        const problem = spec.problem(container);
        return problem === undefined ? [] : [`${label} ${problem}`];
      });
      return problems.length === 0 ? compliant : nonCompliant(problems.join("; "), spec.fix);
    },
  });
}

const securityContext = (container: Attributes): Attributes | undefined => block(container.security_context);

const namespaced = defineRule({
  id: "MLB-K8S-001",
  severity: "error",
  resourceTypes: WORKLOAD_TYPES,
  rationale: 'Workloads in the "default" namespace escape the quotas, network policies and RBAC of team namespaces.',
  publicChecks: ["CKV_K8S_21"],
  check(resource) {
    const namespace = block(resource.attributes.metadata)?.namespace;
    if (isSet(namespace) && str(namespace)?.trim() !== "default") return compliant;
    return nonCompliant(
      isSet(namespace) ? 'metadata.namespace is "default"' : 'metadata.namespace is not set, so the workload lands in "default"',
      "Set metadata.namespace to the team's namespace (a reference to its kubernetes_namespace_v1).",
    );
  },
});

const resourceBounds = containerRule({
  id: "MLB-K8S-002",
  rationale: "Without requests the scheduler overcommits nodes; without limits one container can starve the others of CPU or memory.",
  publicChecks: ["CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"],
  fix: "Set resources { requests = { cpu, memory }, limits = { cpu, memory } } on every container.",
  problem(container) {
    const resources = block(container.resources);
    const missing = (["requests", "limits"] as const).flatMap((kind) => {
      const values = block(resources?.[kind]);
      return (["cpu", "memory"] as const).filter((r) => !isSet(values?.[r])).map((r) => `${kind}.${r}`);
    });
    return missing.length === 0 ? undefined : `lacks resources ${missing.join(", ")}`;
  },
});

const notPrivileged = containerRule({
  id: "MLB-K8S-003",
  rationale: "A privileged container has every capability and the host's devices: it is root on the node.",
  publicChecks: ["CKV_K8S_16"],
  fix: "Remove security_context.privileged (or set it to false); grant the one capability needed instead.",
  problem: (container) => (bool(securityContext(container)?.privileged) === true ? "is privileged" : undefined),
});

const noPrivilegeEscalation = containerRule({
  id: "MLB-K8S-004",
  rationale: "Unless allow_privilege_escalation is false, a process can gain more privileges than its parent (setuid binaries).",
  publicChecks: ["CKV_K8S_20"],
  fix: "Set security_context { allow_privilege_escalation = false } on every container.",
  problem(container) {
    const value = securityContext(container)?.allow_privilege_escalation;
    if (bool(value) === false || isReference(value)) return undefined;
    return bool(value) === true ? "sets allow_privilege_escalation = true" : "does not set allow_privilege_escalation = false";
  },
});

/** The tag and digest of an image reference (`registry:5000/team/image:tag@sha256:...`); references become opaque. */
export function imageParts(image: string): { tag?: string; digest?: string; opaque: boolean } {
  const text = image.replace(/\$\{[^}]*\}/g, "ref");
  if (text.trim() === "ref") return { opaque: true };
  const at = text.indexOf("@");
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const name = at >= 0 ? text.slice(0, at) : text;
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
  return { tag, digest, opaque: false };
}

const pinnedImage = containerRule({
  id: "MLB-K8S-005",
  rationale: "An image without a tag, or tagged latest, changes under the workload: what runs is not what was reviewed.",
  publicChecks: ["CKV_K8S_14", "CKV_K8S_43"],
  fix: "Pin the image to a version tag (not latest), or better to a digest (image@sha256:...).",
  problem(container) {
    const image = str(container.image);
    if (image === undefined || image.trim() === "") return "has no image";
    const { tag, digest, opaque } = imageParts(image.trim());
    if (opaque) return undefined; // a reference: only apply knows the image
    if (digest !== undefined && /^sha256:[0-9a-f]{64}$/i.test(digest)) return undefined;
    if (tag !== undefined && tag !== "" && tag.toLowerCase() !== "latest") return undefined;
    return `has image "${image}", which is not pinned (${tag === undefined || tag === "" ? "no tag" : "tag latest"})`;
  },
});

const dropsCapabilities = containerRule({
  id: "MLB-K8S-006",
  rationale: "The default capabilities include NET_RAW (packet spoofing on the pod network); containers should drop ALL and add back what they need.",
  publicChecks: ["CKV_K8S_28"],
  fix: 'Set security_context { capabilities { drop = ["ALL"] } } on every container (add back single capabilities if one is needed).',
  problem(container) {
    const drop = dig(securityContext(container), "capabilities", "drop");
    const dropped = strings(drop).map((c) => c.trim().toUpperCase());
    return dropped.includes("ALL") || dropped.includes("NET_RAW") || isReference(drop) ? undefined : 'does not drop "ALL" (or "NET_RAW") capabilities';
  },
});

const podSecurityContext = defineRule({
  id: "MLB-K8S-007",
  severity: "error",
  resourceTypes: WORKLOAD_TYPES,
  rationale: "The pod security context sets who the pod runs as (non-root, fs group) and its seccomp profile; without it the image decides.",
  publicChecks: ["CKV_K8S_29"],
  check(resource) {
    const pod = podSpec(resource);
    if (pod === undefined) return notApplicable;
    return block(pod.security_context) !== undefined
      ? compliant
      : nonCompliant(
          "the pod spec has no security_context",
          'Set the pod spec\'s security_context { run_as_non_root = true, run_as_user, fs_group, seccomp_profile { type = "RuntimeDefault" } }.',
        );
  },
});

const defaultServiceAccount = defineRule({
  id: "MLB-K8S-008",
  severity: "error",
  resourceTypes: ["kubernetes_service_account_v1", "kubernetes_service_account"],
  rationale: "Every pod that names no service account gets the default one; its token must not be mounted into them.",
  publicChecks: ["CKV_K8S_41"],
  check(resource) {
    if (str(block(resource.attributes.metadata)?.name)?.trim() !== "default") return notApplicable;
    const automount = resource.attributes.automount_service_account_token;
    return bool(automount) === false || isReference(automount)
      ? compliant
      : nonCompliant(
          'the "default" service account does not set automount_service_account_token = false',
          "Set automount_service_account_token = false on the default service account; give workloads that call the API their own service account.",
        );
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Per namespace

const NAMESPACE_TYPES = ["kubernetes_namespace_v1", "kubernetes_namespace"];
/** Namespaces Kubernetes owns; every other namespace is a team namespace. */
const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** Resources of `types` whose metadata.namespace is the namespace: a reference to it, or its name. */
function inNamespace(namespace: ResourceView, context: RuleContext, types: readonly string[]): ResourceView[] {
  return types.flatMap((type) => attached(namespace, context, type, ["metadata", "namespace"], [dig(namespace.attributes, "metadata", "name")]));
}

/** Rules over team namespaces: not applicable to Kubernetes' own namespaces. */
function namespaceRule(spec: Rule): Rule {
  return defineRule({
    ...spec,
    check(resource, context) {
      const name = str(block(resource.attributes.metadata)?.name);
      if (name !== undefined && SYSTEM_NAMESPACES.has(name.trim())) return notApplicable;
      return spec.check(resource, context);
    },
  });
}

const namespaceQuota = namespaceRule({
  id: "MLB-K8S-009",
  severity: "error",
  resourceTypes: NAMESPACE_TYPES,
  rationale: "Without a resource quota one team's jobs can take every GPU and node of the shared cluster.",
  publicChecks: [],
  check(resource, context) {
    return inNamespace(resource, context, ["kubernetes_resource_quota_v1", "kubernetes_resource_quota"]).length > 0
      ? compliant
      : nonCompliant(
          "no kubernetes_resource_quota_v1 is created in this namespace",
          "Add a kubernetes_resource_quota_v1 in the namespace bounding requests.cpu, requests.memory and requests.nvidia.com/gpu.",
        );
  },
});

/** True when a pod selector selects every pod: absent, or no labels and no expressions. */
function selectsEveryPod(selector: unknown): boolean {
  return blocks(selector).every((s) => {
    const labels = s.match_labels;
    const noLabels = labels === undefined || labels === null || (isObject(labels) && Object.keys(labels).length === 0);
    return noLabels && blocks(s.match_expressions).length === 0;
  });
}

/** Which directions a network policy denies for every pod of its namespace. */
function deniedDirections(policy: ResourceView): { ingress: boolean; egress: boolean } {
  const spec = block(policy.attributes.spec);
  if (spec === undefined || !selectsEveryPod(spec.pod_selector)) return { ingress: false, egress: false };
  const declared = strings(spec.policy_types).map((t) => t.trim().toLowerCase());
  // Kubernetes' default when policy_types is left out: Ingress, plus Egress if there are egress rules.
  const types = declared.length > 0 ? declared : ["ingress"];
  return {
    ingress: types.includes("ingress") && blocks(spec.ingress).length === 0,
    egress: types.includes("egress") && blocks(spec.egress).length === 0,
  };
}

const namespaceDefaultDeny = namespaceRule({
  id: "MLB-K8S-010",
  severity: "error",
  resourceTypes: NAMESPACE_TYPES,
  rationale: "Without a default-deny network policy every pod of the namespace accepts traffic from, and sends it to, anywhere.",
  publicChecks: [],
  check(resource, context) {
    const denied = inNamespace(resource, context, ["kubernetes_network_policy_v1", "kubernetes_network_policy"]).map(deniedDirections);
    const ingress = denied.some((d) => d.ingress);
    const egress = denied.some((d) => d.egress);
    if (ingress && egress) return compliant;
    const missing = [!ingress && "ingress", !egress && "egress"].filter((d): d is string => typeof d === "string");
    return nonCompliant(
      `no network policy in this namespace denies ${missing.join(" and ")} by default (empty pod_selector, policy_types ${joinQuoted(
        missing.map((d) => d.charAt(0).toUpperCase() + d.slice(1)),
      )}, no rules)`,
      'Add a kubernetes_network_policy_v1 "default-deny" in the namespace: spec { pod_selector {}, policy_types = ["Ingress", "Egress"] } with no ingress or egress rules, then allow what is needed in other policies.',
    );
  },
});

const RBAC_TYPES = ["kubernetes_cluster_role_v1", "kubernetes_cluster_role", "kubernetes_role_v1", "kubernetes_role"];

const rbacWithoutWildcards = defineRule({
  id: "MLB-K8S-011",
  severity: "error",
  resourceTypes: RBAC_TYPES,
  rationale: "A wildcard verb, resource or API group in a Role or ClusterRole grants everything a later Kubernetes version adds too.",
  publicChecks: ["CKV_K8S_49"],
  check(role) {
    const wildcards = blocks(role.attributes.rule).flatMap((rule) =>
      (["verbs", "resources", "api_groups"] as const).filter((field) => strings(rule[field]).includes("*")),
    );
    if (wildcards.length === 0) return compliant;
    return nonCompliant(`a rule uses "*" in ${[...new Set(wildcards)].join(", ")}`, "list the verbs, resources and API groups the workload needs");
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Services

const SERVICE_TYPES = ["kubernetes_service_v1", "kubernetes_service"];
/** Annotations that keep an AWS load balancer inside the VPC (in-tree controller, and AWS Load Balancer Controller). */
const INTERNAL_ANNOTATIONS: Readonly<Record<string, (value: string) => boolean>> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": (v) => v.trim() === "true" || v.trim() === "0.0.0.0/0",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": (v) => v.trim().toLowerCase() === "internal",
};

const servicesInternal = defineRule({
  id: "MLB-K8S-012",
  severity: "error",
  resourceTypes: SERVICE_TYPES,
  rationale: "A LoadBalancer or NodePort service without the internal annotation gets an internet-facing load balancer: metrics, dashboards and APIs of the cluster are not public.",
  publicChecks: [],
  check(service) {
    const type = str(block(service.attributes.spec)?.type)?.trim();
    if (type === undefined || isReference(type) || !["LoadBalancer", "NodePort"].includes(type)) return type === undefined || isReference(type) ? notApplicable : compliant;
    const annotations = block(block(service.attributes.metadata)?.annotations) ?? {};
    const internal = Object.entries(INTERNAL_ANNOTATIONS).some(([key, ok]) => {
      const value = annotations[key];
      return isReference(value) || (typeof value === "string" && ok(value));
    });
    return internal
      ? compliant
      : nonCompliant(
          `spec.type is ${type} and metadata.annotations has neither service.beta.kubernetes.io/aws-load-balancer-internal = "true" nor service.beta.kubernetes.io/aws-load-balancer-scheme = "internal"`,
          'Keep the service ClusterIP (reach it with kubectl port-forward), or annotate it service.beta.kubernetes.io/aws-load-balancer-scheme = "internal".',
        );
  },
});

export const kubernetesRules: readonly Rule[] = [
  rbacWithoutWildcards,
  servicesInternal,
  namespaced,
  resourceBounds,
  notPrivileged,
  noPrivilegeEscalation,
  pinnedImage,
  dropsCapabilities,
  podSecurityContext,
  defaultServiceAccount,
  namespaceQuota,
  namespaceDefaultDeny,
];
