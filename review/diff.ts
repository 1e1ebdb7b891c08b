import { STATEFUL_RESOURCE_TYPES } from "../constructs/core/stateful";
import { AttributeChange, Segment, deepEqual, diffAttributes, formatPath } from "./attribute-diff";
import { isObject } from "./json-file";
import { orderEnvironments, orderStacks } from "./order";
import { referringValues } from "./references";
import { forcesReplacement } from "./replacement";
import { masked } from "./sensitive";
import { StackResource, SynthOutput, SynthStack, resourcesOf, settingsOf } from "./synth-output";

export type ChangeAction = "create" | "update" | "delete" | "replace";

/** What a value becomes when it depends on a resource that is replaced (Terraform's "known after apply"). */
export const KNOWN_AFTER_APPLY = "(known after apply)";

export interface AttributeDiff {
  readonly path: string;
  /** Absent when the attribute is added. Sensitive values read "(sensitive)". */
  readonly before?: unknown;
  /** Absent when the attribute is removed. */
  readonly after?: unknown;
  /** This change makes Terraform destroy the resource and create a new one. */
  readonly forcesReplacement?: boolean;
  /** Plans only: the value stays, only whether Terraform hides it changes (the value is never shown). */
  readonly sensitivity?: "became sensitive" | "no longer sensitive";
}

export interface Change {
  /** `<type>.<name>` for resources; `terraform.backend`, `provider.<name>`, `output.<name>`, `data.<type>.<name>`... for stack settings. */
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  readonly stateful: boolean;
  /** For updates and replacements: what differs, attribute by attribute. */
  readonly attributes?: readonly AttributeDiff[];
  /** A stack setting rather than a managed resource: not counted in the summary. */
  readonly setting?: boolean;
  /** Replaced or updated only because these resources it refers to are replaced or change. */
  readonly dependsOnChanged?: readonly string[];
  /** A replacement of a resource with `lifecycle.prevent_destroy`: Terraform will refuse to apply it. */
  readonly preventDestroy?: boolean;
}

export interface Summary {
  create: number;
  update: number;
  delete: number;
  replace: number;
}

export interface StackDiff {
  readonly stack: string;
  readonly environment: string;
  /** `added`: only in head; `removed`: only in base (no longer synthesized). */
  readonly status: "added" | "removed" | "changed" | "unchanged";
  readonly summary: Summary;
  readonly changes: readonly Change[];
}

const ACTION_ORDER: Record<ChangeAction, number> = { delete: 0, replace: 1, update: 2, create: 3 };

interface Pending {
  resource: StackResource;
  base?: StackResource;
  action: ChangeAction | "none";
  changes: AttributeChange[];
  causes: Set<string>;
}

/** True when a change is at this path, inside it or around it. */
const hasChangeAt = (changes: readonly AttributeChange[], segments: readonly Segment[]) =>
  changes.some((c) => {
    const length = Math.min(c.segments.length, segments.length);
    return c.segments.slice(0, length).every((s, i) => s === segments[i]);
  });

/**
 * Terraform resolves references when it plans, so a change travels along them: a replaced model gets a
 * new name, and the endpoint configuration that names it must be replaced in turn. Until nothing moves:
 * a value that refers to an attribute that changes (set in config and changed, or computed by a resource
 * being replaced) changes too, and replaces its resource when that attribute forces it.
 */
function propagate(pending: Map<string, Pending>): void {
  for (let round = 0, moved = true; moved && round < pending.size + 1; round++) {
    moved = false;
    for (const entry of pending.values()) {
      if (!entry.base || entry.action === "replace") continue;
      for (const value of referringValues(entry.resource.attributes)) {
        const changedRefs = value.references.filter((ref) => {
          const target = pending.get(ref.address);
          if (!target?.base || target.action === "none") return false;
          const setInConfig = ref.attribute in target.resource.attributes;
          if (setInConfig) return target.changes.some((c) => c.segments[0] === ref.attribute);
          return target.action === "replace";
        });
        if (changedRefs.length === 0 || hasChangeAt(entry.changes, value.segments)) continue;
        const single = value.value === `\${${changedRefs[0].address}.${changedRefs[0].attribute}}` ? changedRefs[0] : undefined;
        const target = single ? pending.get(single.address) : undefined;
        const before = single && target?.base ? target.base.attributes[single.attribute] : undefined;
        const after = single && target ? target.resource.attributes[single.attribute] : undefined;
        const known = before !== undefined && after !== undefined && typeof before !== "object" && typeof after !== "object";
        const change: AttributeChange = known ? { segments: value.segments, before, after } : { segments: value.segments, before: value.value, after: KNOWN_AFTER_APPLY };
        entry.changes.push(change);
        changedRefs.forEach((ref) => entry.causes.add(ref.address));
        if (forcesReplacement(entry.resource.type, change)) entry.action = "replace";
        else if (entry.action === "none") entry.action = "update";
        moved = true;
        if (entry.action === "replace") break;
      }
    }
  }
}

function attributeDiffs(type: string, changes: readonly AttributeChange[], replaces: boolean): AttributeDiff[] {
  return changes.map((c) => {
    const before = masked(type, c.segments, c.before);
    const after = c.after === KNOWN_AFTER_APPLY ? c.after : masked(type, c.segments, c.after);
    return {
      path: formatPath(c.segments),
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(replaces && forcesReplacement(type, c) ? { forcesReplacement: true } : {}),
    };
  });
}

function resourceChanges(base: SynthStack | undefined, head: SynthStack | undefined): Change[] {
  const before = base ? resourcesOf(base) : new Map<string, StackResource>();
  const after = head ? resourcesOf(head) : new Map<string, StackResource>();
  const pending = new Map<string, Pending>();
  for (const [address, resource] of after) {
    const old = before.get(address);
    if (!old) {
      pending.set(address, { resource, action: "create", changes: [], causes: new Set() });
      continue;
    }
    const changes = diffAttributes(old.attributes, resource.attributes);
    const action = changes.length === 0 ? "none" : changes.some((c) => forcesReplacement(resource.type, c)) ? "replace" : "update";
    pending.set(address, { resource, base: old, action, changes, causes: new Set() });
  }
  propagate(pending);
  const changes: Change[] = [];
  for (const entry of pending.values()) {
    if (entry.action === "none") continue;
    const { address, type } = entry.resource;
    changes.push({
      address,
      type,
      action: entry.action,
      stateful: STATEFUL_RESOURCE_TYPES.has(type),
      ...(entry.action === "create" ? {} : { attributes: attributeDiffs(type, entry.changes, entry.action === "replace") }),
      ...(entry.causes.size > 0 ? { dependsOnChanged: [...entry.causes].sort() } : {}),
      ...(entry.action === "replace" && isObject(entry.resource.attributes.lifecycle) && entry.resource.attributes.lifecycle.prevent_destroy === true
        ? { preventDestroy: true }
        : {}),
    });
  }
  for (const [address, resource] of before) {
    if (!after.has(address)) changes.push({ address, type: resource.type, action: "delete", stateful: STATEFUL_RESOURCE_TYPES.has(resource.type) });
  }
  return changes.sort((a, b) => ACTION_ORDER[a.action] - ACTION_ORDER[b.action] || a.address.localeCompare(b.address));
}

function settingChanges(base: SynthStack, head: SynthStack): Change[] {
  const before = settingsOf(base);
  const after = settingsOf(head);
  const changes: Change[] = [];
  for (const address of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(address);
    const now = after.get(address);
    if (old && now && deepEqual(old.value, now.value)) continue;
    const type = (now ?? old)!.type;
    // An output marked sensitive shows no value.
    const secret = [old?.value, now?.value].some((v) => isObject(v) && v.sensitive === true);
    const attributes = old && now ? diffAttributes({ value: old.value }, { value: now.value }) : [];
    changes.push({
      address,
      type,
      action: !old ? "create" : !now ? "delete" : "update",
      stateful: false,
      setting: true,
      ...(old && now
        ? {
            attributes: attributeDiffs(type, attributes, false).map((a) => ({
              ...a,
              path: a.path.replace(/^value\.?/, ""),
              ...(secret && "before" in a ? { before: "(sensitive)" } : {}),
              ...(secret && "after" in a ? { after: "(sensitive)" } : {}),
            })),
          }
        : {}),
    });
  }
  return changes;
}

function summarize(changes: readonly Change[]): Summary {
  const summary: Summary = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const change of changes) if (!change.setting) summary[change.action]++;
  return summary;
}

/** Every stack of base and head, compared resource by resource (matched by stack id, then address). */
export function diffStacks(base: SynthOutput, head: SynthOutput): StackDiff[] {
  const baseById = new Map(base.stacks.map((s) => [s.id, s]));
  const headById = new Map(head.stacks.map((s) => [s.id, s]));
  const dependencies = new Map([...base.stacks, ...head.stacks].map((s) => [s.id, s.dependencies]));
  return orderStacks([...headById.keys(), ...baseById.keys()], dependencies).map((id): StackDiff => {
    const b = baseById.get(id);
    const h = headById.get(id);
    const changes = [...resourceChanges(b, h), ...(b && h ? settingChanges(b, h) : [])];
    const status = !b ? "added" : !h ? "removed" : changes.length > 0 ? "changed" : "unchanged";
    return { stack: id, environment: (h ?? b)!.environment, status, summary: summarize(changes), changes };
  });
}

/** Environments of either side, in promotion order. */
export function environmentsOf(base: SynthOutput, head: SynthOutput): string[] {
  return orderEnvironments([...base.stacks, ...head.stacks].map((s) => s.environment));
}
