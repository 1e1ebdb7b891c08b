import { isObject } from "./json-file";
import { referencesIn } from "./references";
import { StackResource, SynthOutput, resourcesOf } from "./synth-output";

export type VersionKind = "kubernetes" | "node-ami" | "chart" | "feature-group" | "model";

export interface VersionCell {
  /** After the change; null where the environment does not have the item. */
  readonly value: string | null;
  /** Before the change. */
  readonly base: string | null;
  /** This pull request changes it. */
  readonly changed: boolean;
  /** It differs from the nearest environment before it (promotion order: dev -> staging -> prod) that has the item. */
  readonly differs: boolean;
}

export interface VersionRow {
  readonly kind: VersionKind;
  /** What is versioned, the same in every environment: `Kubernetes version (mlops-{env}-training)`. */
  readonly item: string;
  readonly cells: Readonly<Record<string, VersionCell>>;
}

export interface VersionsTable {
  readonly environments: readonly string[];
  readonly rows: readonly VersionRow[];
}

const KIND_ORDER: readonly VersionKind[] = ["kubernetes", "node-ami", "chart", "feature-group", "model"];

/** A name with its environment's name replaced by `{env}`, so one item has one name in every environment. */
export function withoutEnvironment(name: string, environment: string): string {
  const escaped = environment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return name.replace(new RegExp(`(^|[^A-Za-z0-9])${escaped}(?=$|[^A-Za-z0-9])`, "g"), "$1{env}");
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const text = (value: unknown): string | undefined => (typeof value === "string" || typeof value === "number" ? String(value) : undefined);

/** The model a SageMaker model serves: its model package (a registry version), else its image. */
function servedBy(model: StackResource): string | undefined {
  const containers = [...asList(model.attributes.primary_container), ...asList(model.attributes.container)].filter(isObject);
  const served = containers.map((c) => text(c.model_package_name) ?? text(c.image)).filter((v): v is string => v !== undefined);
  return served.length > 0 ? served.join(", ") : undefined;
}

/** The resources a value refers to, of one type. */
function referred(value: unknown, type: string, resources: ReadonlyMap<string, StackResource>): StackResource[] {
  const found = typeof value === "string" ? referencesIn(value) : [];
  return found.map((r) => resources.get(r.address)).filter((r): r is StackResource => r?.type === type);
}

/** The model versions an endpoint serves, through its endpoint configuration's variants. */
function endpointModels(endpoint: StackResource, resources: ReadonlyMap<string, StackResource>): string | undefined {
  const configs = referred(endpoint.attributes.endpoint_config_name, "aws_sagemaker_endpoint_configuration", resources);
  const variants = configs.flatMap((c) => [...asList(c.attributes.production_variants), ...asList(c.attributes.shadow_production_variants)]).filter(isObject);
  const models = variants.flatMap((v) => referred(v.model_name, "aws_sagemaker_model", resources));
  const served = models.map(servedBy).filter((v): v is string => v !== undefined);
  return served.length > 0 ? [...new Set(served)].join(", ") : undefined;
}

interface Item {
  kind: VersionKind;
  item: string;
  value: string;
}

/** The versioned items of one synth output: item key -> environment -> value. */
function itemsOf(output: SynthOutput): Map<string, { kind: VersionKind; item: string; values: Map<string, string> }> {
  const items = new Map<string, { kind: VersionKind; item: string; values: Map<string, string> }>();
  const add = (env: string, { kind, item, value }: Item) => {
    const key = `${kind} ${item}`;
    let entry = items.get(key);
    if (!entry) items.set(key, (entry = { kind, item, values: new Map() }));
    const previous = entry.values.get(env);
    entry.values.set(env, previous === undefined ? value : [...new Set([...previous.split(", "), value])].sort().join(", "));
  };
  const featureGroups = new Map<string, Map<string, string[]>>();
  for (const stack of output.stacks) {
    const env = stack.environment;
    const resources = resourcesOf(stack);
    const nameOf = (r: StackResource, attribute: string) => withoutEnvironment(text(r.attributes[attribute]) ?? r.name, env);
    for (const r of resources.values()) {
      if (r.type === "aws_eks_cluster") {
        add(env, { kind: "kubernetes", item: `Kubernetes version (${nameOf(r, "name")})`, value: text(r.attributes.version) ?? "(EKS default)" });
      } else if (r.type === "aws_eks_node_group") {
        add(env, { kind: "node-ami", item: `Node AMI release (${nameOf(r, "node_group_name")})`, value: text(r.attributes.release_version) ?? "(not pinned)" });
      } else if (r.type === "helm_release" && text(r.attributes.repository) !== undefined) {
        // Charts from a repository; the repository's own chart (a local path) is versioned with the code.
        const [chart, release] = [text(r.attributes.chart) ?? r.name, nameOf(r, "name")];
        add(env, { kind: "chart", item: `Helm chart ${chart}${release === chart ? "" : ` (release ${release})`}`, value: text(r.attributes.version) ?? "(not pinned)" });
      } else if (r.type === "aws_sagemaker_feature_group") {
        const name = text(r.attributes.feature_group_name) ?? r.name;
        const match = /^(.*)-v(\d+)$/.exec(name);
        const [group, version] = match ? [match[1], `v${match[2]}`] : [name, "(unversioned)"];
        const byGroup = featureGroups.get(env) ?? new Map<string, string[]>();
        featureGroups.set(env, byGroup.set(group, [...(byGroup.get(group) ?? []), version]));
      } else if (r.type === "aws_sagemaker_endpoint") {
        add(env, { kind: "model", item: `Model served by ${nameOf(r, "name")}`, value: endpointModels(r, resources) ?? "(unresolved)" });
      }
    }
  }
  for (const [env, byGroup] of featureGroups) {
    for (const [group, versions] of byGroup) {
      const sorted = [...new Set(versions)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      add(env, { kind: "feature-group", item: `Feature group ${group}`, value: sorted.join(", ") });
    }
  }
  return items;
}

/**
 * What runs where, after the change: Kubernetes version, node AMI releases (the GPU nodes' Karpenter alias is
 * derived from the same release), Helm chart versions, feature group versions and the model version each
 * endpoint serves, one row per item and one column per environment.
 */
export function versionsTable(base: SynthOutput, head: SynthOutput, environments: readonly string[]): VersionsTable {
  const before = itemsOf(base);
  const after = itemsOf(head);
  const keys = [...new Set([...after.keys(), ...before.keys()])];
  const rows = keys.map((key): VersionRow => {
    const entry = (after.get(key) ?? before.get(key))!;
    const cells: Record<string, VersionCell> = {};
    // Compared with the nearest environment before it that has the item: a pool only prod has is no difference.
    let previous: string | undefined;
    for (const env of environments) {
      const value = after.get(key)?.values.get(env) ?? null;
      const old = before.get(key)?.values.get(env) ?? null;
      cells[env] = { value, base: old, changed: value !== old, differs: value !== null && previous !== undefined && value !== previous };
      if (value !== null) previous = value;
    }
    return { kind: entry.kind, item: entry.item, cells };
  });
  rows.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.item.localeCompare(b.item));
  return { environments: [...environments], rows };
}
