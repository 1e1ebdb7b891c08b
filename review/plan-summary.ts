import { STATEFUL_RESOURCE_TYPES } from "../constructs/core/stateful";
import { EvaluatedResource, Finding, evaluate } from "../guardrails/engine";
import { UNKNOWN_VALUE, type Rule } from "../guardrails/rule";
import { ALL_RULES } from "../guardrails/rules";
import { AttributeChange, Segment, deepEqual, diffAttributes, formatPath } from "./attribute-diff";
import { KNOWN_AFTER_APPLY, type AttributeDiff } from "./diff";
import { isObject, own } from "./json-file";
import type { ConfigModuleJson, ModuleJson, PlanChangeJson, ResourceChangeJson, TerraformPlan } from "./plan-json";
import { configAddress, configuredAttributes, planReferencing } from "./plan-references";
import { forcesReplacement } from "./replacement";
import { MASK, masked } from "./sensitive";

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  replace: number;
  /** Terraform 1.7+ `removed` blocks: out of the state, left in the cloud. */
  forget: number;
  read: number;
  noop: number;
  /** Objects imported by the plan (`import` blocks), whatever else happens to them. */
  import: number;
  /** Objects moved to a new address (`moved` blocks), whatever else happens to them. */
  move: number;
  /** Action combinations this review does not know (e.g. `create+forget` of a newer Terraform): listed, never silent. */
  other: number;
}

/** create, update, delete, replace, forget, read; or what Terraform said for anything else (`create+forget`...). */
export type PlanAction = "create" | "update" | "delete" | "replace" | "forget" | "read" | "no-op" | string;

export interface PlanChange {
  readonly address: string;
  readonly type: string;
  readonly action: PlanAction;
  readonly stateful: boolean;
  /** For replacements: Terraform creates the new object before destroying the old one, or the other way round. */
  readonly replacement?: "create-before-destroy" | "destroy-before-create";
  /** Imported by this plan, with the import id where Terraform gives one. */
  readonly imported?: { readonly id?: string };
  /** The address a `moved` block moves it from. */
  readonly movedFrom?: string;
  /** Why Terraform plans it this way (`replace_because_tainted`, `delete_because_no_resource_config`...). */
  readonly actionReason?: string;
  readonly attributes?: readonly AttributeDiff[];
}

export interface PlanReport {
  readonly formatVersion: string;
  readonly terraformVersion?: string;
  /** Planning failed: Terraform will not apply this plan; what it lists is what it had planned before the error. */
  readonly errored: boolean;
  /** Resource changes counted by action (no-op apart), plus imports and moves. */
  readonly summary: PlanSummary;
  /** Destructive first; no-ops left out unless imported or moved; output changes last (type "output", not counted). */
  readonly changes: readonly PlanChange[];
  /** Changes made outside Terraform since the last apply (`resource_drift`). */
  readonly drift: readonly PlanChange[];
  /** Preconditions, postconditions and check blocks that failed, with their messages. */
  readonly failedChecks: readonly { readonly address: string; readonly problems: readonly string[] }[];
  /** Guardrail findings over the planned values (resources the plan deletes or forgets are not judged). */
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

const ORDER: Readonly<Record<string, number>> = { delete: 0, replace: 1, forget: 2, create: 3, update: 4, read: 5, "no-op": 6 };
// An unknown combination that deletes sorts with the deletes.
const orderOf = (action: string) => own(ORDER, action) ?? (action.split("+").includes("delete") ? 0 : 6);
const COUNTED = new Set(["create", "update", "delete", "replace", "forget", "read"]);

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
    for (const [key, u] of Object.entries(unknown)) {
      // defineProperty, not assignment: a key named __proto__ must stay a key.
      if (u === true || isObject(u) || Array.isArray(u)) Object.defineProperty(object, key, { value: withUnknowns(Object.hasOwn(object, key) ? object[key] : undefined, u, placeholder), enumerable: true, writable: true, configurable: true });
    }
    return object;
  }
  return after;
}

/** The part of a `*_sensitive` tree at a path: `true` when the path or a block around it is marked. */
function sensitiveAt(tree: unknown, segments: readonly Segment[]): unknown {
  let node = tree;
  for (const segment of segments) {
    if (node === true) return true;
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isObject(node) && typeof segment === "string" && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

/** True when Terraform marks the path (or a block around it) sensitive. */
const markedSensitive = (tree: unknown, segments: readonly Segment[]): boolean => sensitiveAt(tree, segments) === true;

/** True when the value at the path holds anything Terraform marks sensitive: a value shown whole must then be masked whole. */
function holdsSensitive(tree: unknown, segments: readonly Segment[]): boolean {
  const stack = [sensitiveAt(tree, segments)];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === true) return true;
    if (Array.isArray(node)) stack.push(...node);
    else if (isObject(node)) stack.push(...Object.values(node));
  }
  return false;
}

/** The value at a path of a plan's before/after, own properties only. */
function valueAt(value: unknown, segments: readonly Segment[]): unknown {
  let node = value;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isObject(node) && typeof segment === "string" && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

/** The paths a `*_sensitive` tree marks sensitive. */
function sensitivePaths(tree: unknown, segments: Segment[] = [], out: Segment[][] = []): Segment[][] {
  if (tree === true) out.push(segments);
  else if (Array.isArray(tree)) tree.forEach((t, i) => sensitivePaths(t, [...segments, i], out));
  else if (isObject(tree)) for (const [k, t] of Object.entries(tree)) sensitivePaths(t, [...segments, k], out);
  return out;
}

/** Attributes whose value stays but whose sensitivity changes: said, never shown. */
function sensitivityChanges(change: PlanChangeJson): AttributeDiff[] {
  const unchanged = (p: Segment[]) => deepEqual(valueAt(change.before, p), valueAt(change.after, p));
  const became = sensitivePaths(change.after_sensitive).filter((p) => !markedSensitive(change.before_sensitive, p) && unchanged(p));
  const ceased = sensitivePaths(change.before_sensitive).filter((p) => !markedSensitive(change.after_sensitive, p) && unchanged(p));
  return [
    ...became.map((p) => ({ path: formatPath(p), sensitivity: "became sensitive" as const })),
    ...ceased.map((p) => ({ path: formatPath(p), sensitivity: "no longer sensitive" as const })),
  ];
}

const startsWith = (segments: readonly Segment[], prefix: readonly Segment[]) => prefix.length <= segments.length && prefix.every((p, i) => p === segments[i]);

function attributesOf(type: string, change: PlanChangeJson, action: PlanAction): AttributeDiff[] {
  const after = withUnknowns(change.after, change.after_unknown);
  const values = diffAttributes(change.before ?? {}, after ?? {}).map((c: AttributeChange) => {
    const hide = (value: unknown, tree: unknown) =>
      value === undefined ? undefined : value === KNOWN_AFTER_APPLY ? value : holdsSensitive(tree, c.segments) ? MASK : masked(type, c.segments, value);
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
  return [...values, ...sensitivityChanges(change)];
}

function planChange(rc: ResourceChangeJson): PlanChange {
  const action = actionOf(rc.change.actions);
  const importId = rc.change.importing?.id;
  return {
    address: rc.deposed !== undefined ? `${rc.address} (deposed ${rc.deposed})` : rc.address,
    type: rc.type,
    action,
    stateful: rc.mode !== "data" && STATEFUL_RESOURCE_TYPES.has(rc.type),
    ...(action === "replace" ? { replacement: rc.change.actions[0] === "create" ? "create-before-destroy" : "destroy-before-create" } : {}),
    ...(rc.change.importing ? { imported: typeof importId === "string" || typeof importId === "number" ? { id: String(importId) } : {} } : {}),
    ...(rc.previous_address && rc.previous_address !== rc.address ? { movedFrom: rc.previous_address } : {}),
    ...(rc.action_reason ? { actionReason: rc.action_reason } : {}),
    ...(action === "update" || action === "replace" ? { attributes: attributesOf(rc.type, rc.change, action) } : {}),
  };
}

function outputChange(name: string, change: PlanChangeJson): PlanChange {
  const action = actionOf(change.actions);
  const after = withUnknowns(change.after, change.after_unknown);
  const attributes = diffAttributes({ value: change.before }, { value: after }).map((c) => {
    const path = c.segments.slice(1);
    const hide = (value: unknown, sensitive: unknown) => (value === null || value === KNOWN_AFTER_APPLY || !holdsSensitive(sensitive, path) ? value : MASK);
    return {
      path: formatPath(path),
      ...(c.before !== undefined ? { before: hide(c.before, change.before_sensitive) } : {}),
      ...(c.after !== undefined ? { after: hide(c.after, change.after_sensitive) } : {}),
    };
  });
  return { address: `output.${name}`, type: "output", action, stateful: false, ...(attributes.length > 0 ? { attributes } : {}) };
}

/** Addresses whose current object the plan deletes or forgets: nothing of them remains to be judged. */
function leaving(plan: TerraformPlan): Set<string> {
  return new Set(plan.resource_changes.filter((rc) => rc.deposed === undefined && ["delete", "forget"].includes(actionOf(rc.change.actions))).map((rc) => rc.address));
}

/**
 * Every managed resource of the planned values, child modules included, but those the plan deletes or forgets.
 * Planned values leave out what is known only after apply; where the configuration sets it, it is filled in
 * from `after_unknown` as UNKNOWN_VALUE, which rules read as set. What the configuration does not set is the
 * provider's to compute and stays absent.
 */
export function plannedResources(plan: TerraformPlan): EvaluatedResource[] {
  const unknownByAddress = new Map(plan.resource_changes.map((rc) => [rc.address, rc.change?.after_unknown]));
  const configured = configuredAttributes(plan);
  const gone = leaving(plan);
  const out: EvaluatedResource[] = [];
  const walk = (module: ModuleJson | undefined) => {
    for (const r of module?.resources ?? []) {
      if ((r.mode !== undefined && r.mode !== "managed") || gone.has(r.address)) continue;
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
    (module?.resources ?? []).some((r) => typeof r.type === "string" && STATEFUL_RESOURCE_TYPES.has(r.type) && protects(r)) ||
    Object.values(module?.module_calls ?? {}).some((call) => walk(call.module));
  return walk(plan.configuration?.root_module);
}

/** The checks whose status is "fail", per failing instance, with their problems' messages. */
function failedChecks(plan: TerraformPlan): PlanReport["failedChecks"] {
  return (plan.checks ?? [])
    .filter((c) => c.status === "fail")
    .flatMap((c) => {
      const instances = (c.instances ?? []).filter((i) => i.status === "fail");
      const problems = (i: NonNullable<typeof c.instances>[number]) => (i.problems ?? []).map((p) => p.message).filter((m): m is string => typeof m === "string");
      const display = (...candidates: unknown[]) => candidates.find((d): d is string => typeof d === "string") ?? "(unnamed check)";
      return instances.length > 0
        ? instances.map((i) => ({ address: display(i.address?.to_display, c.address?.to_display), problems: problems(i) }))
        : [{ address: display(c.address?.to_display), problems: [] }];
    });
}

/** The string values a plan marks sensitive (in planned values and in changes), to keep them out of what is printed. */
function sensitiveStrings(plan: TerraformPlan): Set<string> {
  const found = new Set<string>();
  const collect = (value: unknown, tree: unknown) => {
    const stack: [unknown, unknown][] = [[value, tree]];
    while (stack.length > 0) {
      const [v, t] = stack.pop()!;
      if (t === true) {
        const strings: unknown[] = [v];
        while (strings.length > 0) {
          const s = strings.pop();
          if (typeof s === "string" && s.length >= 4) found.add(s);
          else if (Array.isArray(s)) strings.push(...s);
          else if (isObject(s)) strings.push(...Object.values(s));
        }
      } else if (Array.isArray(t) && Array.isArray(v)) t.forEach((sub, i) => stack.push([v[i], sub]));
      else if (isObject(t) && isObject(v)) for (const [k, sub] of Object.entries(t)) if (Object.hasOwn(v, k)) stack.push([v[k], sub]);
    }
  };
  const walk = (module: ModuleJson | undefined) => {
    for (const r of module?.resources ?? []) collect(r.values, r.sensitive_values);
    (module?.child_modules ?? []).forEach(walk);
  };
  walk(plan.planned_values?.root_module);
  for (const rc of plan.resource_changes) {
    collect(rc.change.before, rc.change.before_sensitive);
    collect(rc.change.after, rc.change.after_sensitive);
  }
  return found;
}

/** A finding whose message or fix quotes a value the plan marks sensitive, with that value masked. */
function redacted(finding: Finding, secrets: ReadonlySet<string>): Finding {
  if (secrets.size === 0) return finding;
  const hide = (text: string) => [...secrets].reduce((out, secret) => (out.includes(secret) ? out.split(secret).join(MASK) : out), text);
  const message = hide(finding.message);
  const fix = hide(finding.fix);
  return message === finding.message && fix === finding.fix ? finding : { ...finding, message, fix };
}

/** Whether a change is worth listing: it does something, or it imports or moves an object. */
const listed = (c: PlanChange) => c.action !== "no-op" || c.imported !== undefined || c.movedFrom !== undefined;

export function summarizePlan(plan: TerraformPlan, options: PlanOptions = {}): PlanReport {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, replace: 0, forget: 0, read: 0, noop: 0, import: 0, move: 0, other: 0 };
  const changes: PlanChange[] = [];
  for (const rc of plan.resource_changes) {
    const change = planChange(rc);
    if (change.action === "no-op") summary.noop++;
    else if (COUNTED.has(change.action)) summary[change.action as keyof PlanSummary]++;
    else summary.other++;
    if (change.imported) summary.import++;
    if (change.movedFrom) summary.move++;
    if (listed(change)) changes.push(change);
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
  const secrets = sensitiveStrings(plan);
  const findings =
    rules.length === 0
      ? []
      : evaluate(resources, { rules, protected: isProtected, referencing: planReferencing(plan, resources), lifecycleVisible: false }).map((f) => redacted(f, secrets));
  return {
    formatVersion: plan.format_version,
    ...(plan.terraform_version ? { terraformVersion: plan.terraform_version } : {}),
    errored: plan.errored === true,
    failedChecks: failedChecks(plan),
    summary,
    changes,
    drift,
    findings,
    protected: isProtected,
  };
}

/** Stateful resources the plan destroys: deleted, replaced, or any other combination that deletes (a forgotten one stays in the cloud). */
export function destroyedStatefulInPlan(report: PlanReport): PlanChange[] {
  return report.changes.filter((c) => c.stateful && (c.action === "replace" || c.action.split("+").includes("delete")));
}
