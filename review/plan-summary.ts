import { STATEFUL_RESOURCE_TYPES } from "../constructs/core/stateful";
import { EvaluatedResource, Finding, evaluate } from "../guardrails/engine";
import { UNKNOWN_VALUE, type Rule } from "../guardrails/rule";
import { ALL_RULES } from "../guardrails/rules";
import { AttributeChange, Segment, diffAttributes, formatPath } from "./attribute-diff";
import { KNOWN_AFTER_APPLY, type AttributeDiff } from "./diff";
import { isObject } from "./json-file";
import type { ConfigModuleJson, ModuleJson, PlanChangeJson, ResourceChangeJson, TerraformPlan } from "./plan-json";
import { configAddress, configuredAttributes, planReferencing } from "./plan-references";
import { forcesReplacement } from "./replacement";
import { MASK, isSensitive } from "./sensitive";

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  replace: number;
  read: number;
  noop: number;
}

/** create, update, delete, replace, read; or what Terraform said (`forget`, ...) for anything else. */
export type PlanAction = keyof Omit<PlanSummary, "noop"> | "no-op" | string;

export interface PlanChange {
  readonly address: string;
  readonly type: string;
  readonly action: PlanAction;
  readonly stateful: boolean;
  /** Why Terraform plans it this way (`replace_because_tainted`, `delete_because_no_resource_config`...). */
  readonly actionReason?: string;
  readonly attributes?: readonly AttributeDiff[];
}

export interface PlanReport {
  readonly formatVersion: string;
  readonly terraformVersion?: string;
  /** Resource changes counted by action (no-op apart). */
  readonly summary: PlanSummary;
  /** Destructive first; no-ops left out; output changes last (type "output", not counted). */
  readonly changes: readonly PlanChange[];
  /** Changes made outside Terraform since the last apply (`resource_drift`). */
  readonly drift: readonly PlanChange[];
  /** Guardrail findings over the planned values. */
  readonly findings: readonly Finding[];
  readonly protected: boolean;
}

export interface PlanOptions {
  /** @default ALL_RULES */
  readonly rules?: readonly Rule[];
  /** @default - read from the configuration (`prevent_destroy` on a stateful resource), else false */
  readonly protected?: boolean;
}

export function actionOf(actions: readonly string[]): PlanAction {
  const key = actions.join(",");
  if (key === "delete,create" || key === "create,delete") return "replace";
  return key === "" ? "no-op" : key.replace(/,/g, "+");
}

const ORDER: Record<string, number> = { delete: 0, replace: 1, create: 2, update: 3, read: 4 };
const orderOf = (action: string) => ORDER[action] ?? 5;

/** Replaces the parts of `after` that Terraform knows only after apply with a marker. */
function withUnknowns(after: unknown, unknown: unknown, placeholder: string = KNOWN_AFTER_APPLY): unknown {
  if (unknown === true) return placeholder;
  if (Array.isArray(unknown)) {
    const list = Array.isArray(after) ? [...after] : [];
    unknown.forEach((u, i) => {
      if (u === true || isObject(u) || Array.isArray(u)) list[i] = withUnknowns(list[i], u, placeholder);
    });
    return list;
  }
  if (isObject(unknown)) {
    const object: Record<string, unknown> = isObject(after) ? { ...after } : {};
    for (const [key, u] of Object.entries(unknown)) if (u === true || isObject(u) || Array.isArray(u)) object[key] = withUnknowns(object[key], u, placeholder);
    return object;
  }
  return after;
}

/** True when Terraform marks the path (or a block around it) sensitive in a `*_sensitive` tree. */
function markedSensitive(tree: unknown, segments: readonly Segment[]): boolean {
  let node = tree;
  for (const segment of segments) {
    if (node === true) return true;
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isObject(node) && typeof segment === "string") node = node[segment];
    else return false;
  }
  return node === true;
}

const startsWith = (segments: readonly Segment[], prefix: readonly Segment[]) => prefix.length <= segments.length && prefix.every((p, i) => p === segments[i]);

function attributesOf(type: string, change: PlanChangeJson, action: PlanAction): AttributeDiff[] {
  const after = withUnknowns(change.after, change.after_unknown);
  return diffAttributes(change.before ?? {}, after ?? {}).map((c: AttributeChange) => {
    const hide = (value: unknown, tree: unknown) =>
      value === undefined ? undefined : value === KNOWN_AFTER_APPLY ? value : markedSensitive(tree, c.segments) || isSensitive(type, c.segments, value) ? MASK : value;
    const before = hide(c.before, change.before_sensitive);
    const afterValue = hide(c.after, change.after_sensitive);
    const forces =
      action === "replace" &&
      (change.replace_paths ? change.replace_paths.some((p) => startsWith(c.segments, p) || startsWith(p, c.segments)) : forcesReplacement(type, c));
    return {
      path: formatPath(c.segments),
      ...(before !== undefined ? { before } : {}),
      ...(afterValue !== undefined ? { after: afterValue } : {}),
      ...(forces ? { forcesReplacement: true } : {}),
    };
  });
}

function planChange(rc: ResourceChangeJson): PlanChange {
  const action = actionOf(rc.change.actions);
  return {
    address: rc.deposed ? `${rc.address} (deposed ${rc.deposed})` : rc.address,
    type: rc.type,
    action,
    stateful: rc.mode !== "data" && STATEFUL_RESOURCE_TYPES.has(rc.type),
    ...(rc.action_reason ? { actionReason: rc.action_reason } : {}),
    ...(action === "update" || action === "replace" ? { attributes: attributesOf(rc.type, rc.change, action) } : {}),
  };
}

function outputChange(name: string, change: PlanChangeJson): PlanChange {
  const action = actionOf(change.actions);
  const hide = (value: unknown, sensitive: unknown) => (value === null || value === KNOWN_AFTER_APPLY || sensitive !== true ? value : MASK);
  const after = withUnknowns(change.after, change.after_unknown);
  const attributes = diffAttributes({ value: change.before }, { value: after }).map((c) => ({
    path: formatPath(c.segments.slice(1)),
    ...(c.before !== undefined ? { before: hide(c.before, change.before_sensitive) } : {}),
    ...(c.after !== undefined ? { after: hide(c.after, change.after_sensitive) } : {}),
  }));
  return { address: `output.${name}`, type: "output", action, stateful: false, ...(attributes.length > 0 ? { attributes } : {}) };
}


/**
 * Every managed resource of the planned values, child modules included. Planned values leave out what is known
 * only after apply; it is filled in from `after_unknown` as UNKNOWN_VALUE, which rules read as set.
 */
export function plannedResources(plan: TerraformPlan): EvaluatedResource[] {
  const unknownByAddress = new Map(plan.resource_changes.map((rc) => [rc.address, rc.change?.after_unknown]));
  const configured = configuredAttributes(plan);
  const out: EvaluatedResource[] = [];
  const walk = (module: ModuleJson | undefined) => {
    for (const r of module?.resources ?? []) {
      if (r.mode !== undefined && r.mode !== "managed") continue;
      const set = configured.get(configAddress(r.address));
      const unknown = unknownByAddress.get(r.address);
      const configuredUnknown = set && isObject(unknown) ? Object.fromEntries(Object.entries(unknown).filter(([key]) => set.has(key))) : unknown;
      const attributes = withUnknowns(r.values ?? {}, configuredUnknown, UNKNOWN_VALUE) as Record<string, unknown>;
      out.push({ type: r.type, address: r.address, attributes });
    }
    (module?.child_modules ?? []).forEach(walk);
  };
  walk(plan.planned_values?.root_module);
  return out;
}

/** Whether the configuration puts `prevent_destroy` on a stateful resource (Terraform's JSON usually leaves lifecycle out). */
function configuredProtection(plan: TerraformPlan): boolean {
  const protects = (value: unknown): boolean =>
    Array.isArray(value) ? value.some(protects) : isObject(value) ? value.prevent_destroy === true || Object.values(value).some(protects) : false;
  const walk = (module: ConfigModuleJson | undefined): boolean =>
    (module?.resources ?? []).some((r) => STATEFUL_RESOURCE_TYPES.has(String(r.type)) && protects(r)) ||
    Object.values(module?.module_calls ?? {}).some((call) => walk(call.module));
  return walk(plan.configuration?.root_module);
}

export function summarizePlan(plan: TerraformPlan, options: PlanOptions = {}): PlanReport {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, replace: 0, read: 0, noop: 0 };
  const changes: PlanChange[] = [];
  for (const rc of plan.resource_changes) {
    const change = planChange(rc);
    if (change.action === "no-op") summary.noop++;
    else {
      if (change.action in summary) summary[change.action as keyof PlanSummary]++;
      changes.push(change);
    }
  }
  changes.sort((a, b) => orderOf(a.action) - orderOf(b.action) || Number(b.stateful) - Number(a.stateful));
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const output = outputChange(name, change);
    if (output.action !== "no-op") changes.push(output);
  }
  const drift = (plan.resource_drift ?? []).map(planChange).filter((c) => c.action !== "no-op");
  const resources = plannedResources(plan);
  const isProtected = options.protected ?? configuredProtection(plan);
  const rules = options.rules ?? ALL_RULES;
  const findings = rules.length === 0 ? [] : evaluate(resources, { rules, protected: isProtected, referencing: planReferencing(plan, resources), lifecycleVisible: false });
  return {
    formatVersion: plan.format_version,
    ...(plan.terraform_version ? { terraformVersion: plan.terraform_version } : {}),
    summary,
    changes,
    drift,
    findings,
    protected: isProtected,
  };
}

/** Stateful resources the plan destroys: deleted or replaced. */
export function destroyedStatefulInPlan(report: PlanReport): PlanChange[] {
  return report.changes.filter((c) => c.stateful && (c.action === "delete" || c.action === "replace"));
}
