import type { ResourceView, RuleContext } from "../guardrails/rule";
import { isObject } from "./json-file";
import type { ConfigModuleJson, TerraformPlan } from "./plan-json";

const NOT_RESOURCES = new Set(["var", "local", "module", "data", "each", "count", "path", "terraform", "self"]);

/** A planned address without instance keys: `module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`. */
export function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]/g, "");
}

function referencesOf(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) value.forEach((v) => referencesOf(v, out));
  else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "references" && Array.isArray(v)) v.filter((r): r is string => typeof r === "string").forEach((r) => out.add(r));
      else referencesOf(v, out);
    }
  }
}

/** Every resource of the plan's configuration, child modules included, with its module prefix (`module.a.`). */
function configResources(plan: TerraformPlan): { prefix: string; resource: Readonly<Record<string, unknown>> }[] {
  const out: { prefix: string; resource: Readonly<Record<string, unknown>> }[] = [];
  const walk = (module: ConfigModuleJson | undefined, prefix: string) => {
    for (const resource of module?.resources ?? []) if (typeof resource.address === "string") out.push({ prefix, resource });
    for (const [name, call] of Object.entries(module?.module_calls ?? {})) walk(call?.module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, "");
  return out;
}

/** Config address -> the resource config addresses its expressions refer to (`references` in the plan's configuration). */
function configReferences(plan: TerraformPlan): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const { prefix, resource } of configResources(plan)) {
    const refs = new Set<string>();
    referencesOf(resource.expressions, refs);
    const targets = new Set<string>();
    for (const ref of refs) {
      const match = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)/.exec(ref);
      if (match && !NOT_RESOURCES.has(match[1])) targets.add(`${prefix}${match[1]}.${match[2]}`);
    }
    index.set(`${prefix}${resource.address}`, targets);
  }
  return index;
}

/**
 * Config address -> the attributes its configuration sets (the keys of `expressions`); no entry when the
 * plan has no configuration. An attribute known only after apply that the configuration does not set is the
 * provider's to compute: for the guardrails it is absent, not "set to something unknown".
 */
export function configuredAttributes(plan: TerraformPlan): Map<string, ReadonlySet<string>> {
  return new Map(
    configResources(plan).map(({ prefix, resource }) => [`${prefix}${resource.address}`, new Set(isObject(resource.expressions) ? Object.keys(resource.expressions) : [])]),
  );
}

const IDENTIFIERS = ["id", "arn", "bucket", "name"];

/**
 * Which resources of a type refer to a resource, for the guardrails over a plan: from the configuration's
 * expression references, else (no configuration) from planned values that equal the resource's id or ARN.
 */
export function planReferencing(plan: TerraformPlan, resources: readonly ResourceView[]): RuleContext["referencing"] {
  // Both indexes are built once, so a plan of n resources is read in O(n), not O(n²).
  const referrers = new Map<string, ResourceView[]>();
  const references = configReferences(plan);
  for (const r of resources) {
    for (const target of references.get(configAddress(r.address)) ?? []) {
      const list = referrers.get(target);
      if (list) list.push(r);
      else referrers.set(target, [r]);
    }
  }
  let byValue: Map<string, ResourceView[]> | undefined;
  const withValue = (value: string) => {
    if (!byValue) {
      byValue = new Map();
      for (const r of resources) {
        for (const v of new Set(Object.values(r.attributes))) {
          if (typeof v !== "string") continue;
          const list = byValue.get(v);
          if (list) list.push(r);
          else byValue.set(v, [r]);
        }
      }
    }
    return byValue.get(value) ?? [];
  };
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  return (address, type) => {
    const viaConfig = (referrers.get(configAddress(address)) ?? []).filter((r) => r.type === type);
    if (viaConfig.length > 0) return viaConfig;
    // Known identifiers only: a value known after apply is the same placeholder everywhere and identifies nothing.
    const identifiers = new Set(IDENTIFIERS.map((k) => byAddress.get(address)?.attributes[k]).filter((v): v is string => typeof v === "string" && v.length > 2 && !v.includes("${")));
    const found = new Set([...identifiers].flatMap(withValue));
    return [...found].filter((r) => r.type === type && r.address !== address);
  };
}
