/**
 * Helm releases (hashicorp/helm `helm_release`): charts pinned to an exact version from a trusted source, and
 * values that expose nothing outside the VPC. Also how the other rules read Kubernetes objects of custom kinds
 * (NodePool, EC2NodeClass, ClusterQueue, …): from a release's values (`{ "objects": [...] }`, as the repository's
 * `cluster-objects` chart takes them) and from `kubernetes_manifest.manifest`.
 */
import { EXACT_SEMVER } from "../../constructs/training-cluster/versions";
import { MAX_JSON_DEPTH, jsonPath, parseJsonText } from "../json-depth";
import { compliant, nonCompliant, notApplicable, type ResourceView, type Rule, type RuleContext, type RuleResult } from "../rule";
import { type Attributes, block, blocks, bool, defineRule, isObject, isReference, resourcesOfType, str } from "./attributes";

export const HELM_RELEASE = "helm_release";
export const KUBERNETES_MANIFEST = "kubernetes_manifest";
/** Where Kubernetes objects of custom kinds appear in Terraform JSON. */
export const OBJECT_CARRIER_TYPES = [HELM_RELEASE, KUBERNETES_MANIFEST] as const;

// ---------------------------------------------------------------------------------------------------------------
// Reading values and objects

/**
 * The documents of a release's `values` that are JSON objects (JSON is YAML: the blueprint writes JSON). YAML
 * that is not JSON, and values known only at apply, are left out: they are not judged here.
 */
export function releaseValues(release: ResourceView): Attributes[] {
  const values = release.attributes.values;
  const texts = Array.isArray(values) ? values : typeof values === "string" ? [values] : [];
  return texts.flatMap((text) => {
    if (typeof text !== "string") return [];
    const parsed = parseJsonText(text);
    return isObject(parsed) ? [parsed] : [];
  });
}

/** A Kubernetes object as a rule sees it. */
export interface ObjectView {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly body: Attributes;
  /** `NodePool "g5-spot"` (with `in <namespace>` for namespaced objects), for messages. */
  readonly label: string;
}

function objectView(body: unknown): ObjectView | undefined {
  if (!isObject(body)) return undefined;
  const kind = str(body.kind);
  const apiVersion = str(body.apiVersion) ?? str(body.api_version);
  if (kind === undefined || apiVersion === undefined) return undefined;
  const metadata = block(body.metadata);
  const name = str(metadata?.name) ?? "(unnamed)";
  const namespace = str(metadata?.namespace);
  return { apiVersion, kind, name, namespace, body, label: `${kind} "${name}"${namespace ? ` in ${namespace}` : ""}` };
}

// Every object rule reads every release: parsed once per resource, kept beside it.
const objectCache = new WeakMap<ResourceView, readonly ObjectView[]>();

/** The Kubernetes objects a resource declares: a manifest's one, or those of a release's `objects` values. */
export function objectsOf(resource: ResourceView): readonly ObjectView[] {
  if (typeof resource !== "object" || resource === null) return [];
  let objects = objectCache.get(resource);
  if (!objects) objectCache.set(resource, (objects = Object.freeze(readObjects(resource))));
  return objects;
}

function readObjects(resource: ResourceView): ObjectView[] {
  if (!isObject(resource.attributes)) return [];
  if (resource.type === KUBERNETES_MANIFEST) {
    const object = objectView(block(resource.attributes.manifest));
    return object ? [object] : [];
  }
  if (resource.type !== HELM_RELEASE) return [];
  return releaseValues(resource).flatMap((values) => (Array.isArray(values.objects) ? values.objects : [])).flatMap((o) => objectView(o) ?? []);
}

/** The objects of `kind` in an API group (`karpenter.sh`, `kueue.x-k8s.io`) that a resource declares. */
export function objectsOfKind(resource: ResourceView, group: string, kind: string): ObjectView[] {
  return objectsOf(resource).filter((o) => o.kind === kind && o.apiVersion.startsWith(`${group}/`));
}

/** Every object of `kind` in `group` that the stack declares, through releases or manifests. */
export function stackObjectsOfKind(context: RuleContext, group: string, kind: string): ObjectView[] {
  return OBJECT_CARRIER_TYPES.flatMap((type) => resourcesOfType(context.resources, type)).flatMap((r) => objectsOfKind(r, group, kind));
}

/**
 * A rule over the objects of one kind: `problems` lists what is wrong with one object. Not applicable to a
 * resource that declares none.
 */
export function objectRule(spec: {
  id: string;
  severity?: "error" | "warning";
  group: string;
  kind: string;
  rationale: string;
  publicChecks?: readonly string[];
  fix: string;
  problems(object: ObjectView, context: RuleContext): string[];
}): Rule {
  return defineRule({
    id: spec.id,
    severity: spec.severity ?? "error",
    resourceTypes: OBJECT_CARRIER_TYPES,
    rationale: spec.rationale,
    publicChecks: spec.publicChecks ?? [],
    check(resource, context): RuleResult {
      const objects = objectsOfKind(resource, spec.group, spec.kind);
      if (objects.length === 0) return notApplicable;
      const problems = objects.flatMap((object) => spec.problems(object, context).map((p) => `${object.label} ${p}`));
      return problems.length === 0 ? compliant : nonCompliant(problems.join("; "), spec.fix);
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

const TRUSTED_REPOSITORY = /^(oci|https):\/\/\S+$/i;
/** A chart the stack ships itself: a cdktf asset folder beside the stack's JSON. */
const ASSET_CHART = /^(\.\/)?assets\/\S+$/;

const pinnedChart = defineRule({
  id: "MLB-HELM-001",
  severity: "error",
  resourceTypes: [HELM_RELEASE],
  rationale: "A chart without an exact version installs whatever is newest at apply, and one from http:// or a local helm repo alias can be swapped: what runs is not what was reviewed.",
  publicChecks: [],
  check(release) {
    const { version, repository, chart } = release.attributes;
    const problems: string[] = [];
    const versionText = str(version);
    if (versionText === undefined || versionText.trim() === "") problems.push("version is not set, so Helm installs the newest chart");
    else if (!isReference(versionText) && !EXACT_SEMVER.test(versionText.trim())) problems.push(`version ${JSON.stringify(versionText)} is not an exact version (such as 1.14.1)`);
    const chartText = str(chart) ?? "";
    const repositoryText = str(repository) ?? "";
    const fromRepository = repositoryText !== "" && (TRUSTED_REPOSITORY.test(repositoryText) || isReference(repositoryText));
    const fromUrl = TRUSTED_REPOSITORY.test(chartText) && /^oci:\/\//i.test(chartText);
    const fromAsset = repositoryText === "" && ASSET_CHART.test(chartText);
    if (!fromRepository && !fromUrl && !fromAsset && !isReference(chartText)) {
      problems.push(
        repositoryText !== ""
          ? `repository ${JSON.stringify(repositoryText)} is neither oci:// nor https://`
          : `chart ${JSON.stringify(chartText)} names no oci:// or https:// repository and is not a chart shipped with the stack (assets/)`,
      );
    }
    return problems.length === 0
      ? compliant
      : nonCompliant(
          problems.join("; "),
          "Set version to the exact chart version (helm show chart <chart> --version <v>), and take the chart from an oci:// or https:// repository or ship it as a TerraformAsset.",
        );
  },
});

const EXPOSED_SERVICE_TYPES = new Set(["loadbalancer", "nodeport"]);

/** Where a values document asks for a service outside the cluster or an ingress: `path: what`. */
function exposures(values: unknown): string[] {
  const found: string[] = [];
  const stack: [unknown, string, number][] = [[values, "", 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) continue;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push([child, jsonPath(path, i), depth + 1]));
      continue;
    }
    if (!isObject(node)) continue;
    // A chart's `service: { type }` and `ingress: { enabled }` (at any depth: controller.service, server.ingress, …).
    const service = node.service;
    if (isObject(service) && EXPOSED_SERVICE_TYPES.has((str(service.type) ?? "").toLowerCase())) found.push(`${jsonPath(jsonPath(path, "service"), "type")} is ${JSON.stringify(service.type)}`);
    const ingress = node.ingress;
    if (isObject(ingress) && bool(ingress.enabled) === true) found.push(`${jsonPath(jsonPath(path, "ingress"), "enabled")} is true`);
    // A Service object among the objects a release renders.
    if (str(node.kind) === "Service" && EXPOSED_SERVICE_TYPES.has((str(block(node.spec)?.type) ?? "").toLowerCase())) {
      found.push(`${path || "(top level)"} is a Service of type ${JSON.stringify(block(node.spec)?.type)}`);
    }
    if (str(node.kind) === "Ingress" && str(node.apiVersion)?.startsWith("networking.k8s.io/")) found.push(`${path || "(top level)"} is an Ingress`);
    for (const [key, child] of Object.entries(node)) if (typeof child === "object" && child !== null) stack.push([child, jsonPath(path, key), depth + 1]);
  }
  return found.sort();
}

const valuesNotExposed = defineRule({
  id: "MLB-HELM-002",
  severity: "error",
  resourceTypes: [HELM_RELEASE],
  rationale: "Metrics (DCGM, Prometheus), dashboards (Grafana) and controllers stay inside the cluster: no LoadBalancer or NodePort service and no ingress from a chart's values.",
  publicChecks: [],
  check(release) {
    const found = releaseValues(release).flatMap((values, i, all) => exposures(values).map((e) => (all.length > 1 ? `values[${i}] ${e}` : `values ${e}`)));
    for (const set of blocks(release.attributes.set)) {
      const name = str(set.name) ?? "";
      const value = str(set.value) ?? "";
      if (/(^|\.)service\.type$/.test(name) && EXPOSED_SERVICE_TYPES.has(value.toLowerCase())) found.push(`set ${name} is ${JSON.stringify(value)}`);
      if (/(^|\.)ingress\.enabled$/.test(name) && bool(value) === true) found.push(`set ${name} is true`);
    }
    if (found.length === 0) return compliant;
    return nonCompliant(
      `${found.join("; ")}: the release is reachable from outside the cluster`,
      "Keep the chart's services ClusterIP and its ingress disabled; reach them with kubectl port-forward, or through an internal load balancer declared as a kubernetes_service_v1 with the internal annotation (MLB-K8S-012).",
    );
  },
});

export const helmRules: readonly Rule[] = [pinnedChart, valuesNotExposed];
