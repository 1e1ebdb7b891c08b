import { parseJsonText } from "../guardrails/json-depth";
import { isObject } from "./json-file";

/** A step into a value: an attribute or block name, or a list index. */
export type Segment = string | number;

/** One attribute that differs. An absent `before` means it is added; an absent `after`, removed. */
export interface AttributeChange {
  readonly segments: readonly Segment[];
  readonly before?: unknown;
  readonly after?: unknown;
}

/** `vpc_config.subnet_ids`, `feature_definition[5].feature_name`, `tags["k8s.io/role"]`. */
export function formatPath(segments: readonly Segment[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** The attribute and block names of a path, list indexes left out: `feature_definition.feature_name`. */
export function namePath(segments: readonly Segment[]): string {
  return segments.filter((s): s is string => typeof s === "string").join(".");
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A JSON document held in a string attribute (IAM policies, dashboards): parsed, so it diffs statement by
 * statement; a document nested too deep to walk safely stays a string.
 */
function embeddedJson(value: unknown): unknown {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!(text.startsWith("{") && text.endsWith("}")) && !(text.startsWith("[") && text.endsWith("]"))) return undefined;
  const parsed = parseJsonText(text);
  return typeof parsed === "object" && parsed !== null ? parsed : undefined;
}

/** `object[key]` when the object itself has it: an attribute named `constructor` is not Object's. */
const ownValue = (object: Record<string, unknown>, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

const isScalar = (value: unknown) => typeof value !== "object" || value === null;

function diffInto(before: unknown, after: unknown, segments: Segment[], out: AttributeChange[]): void {
  if (deepEqual(before, after)) return;
  if (before === undefined || after === undefined) {
    out.push({ segments: [...segments], ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    for (const key of keys) diffInto(ownValue(before, key), ownValue(after, key), [...segments, key], out);
    return;
  }
  // Lists of plain values (subnet ids, actions, instance types) read best whole; lists of blocks go element by element.
  if (Array.isArray(before) && Array.isArray(after) && !(before.every(isScalar) && after.every(isScalar))) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) diffInto(before[i], after[i], [...segments, i], out);
    return;
  }
  const beforeJson = embeddedJson(before);
  const afterJson = embeddedJson(after);
  if (beforeJson !== undefined && afterJson !== undefined) {
    diffInto(beforeJson, afterJson, segments, out);
    return;
  }
  out.push({ segments: [...segments], before, after });
}

/** The attributes that differ between two attribute maps, leaf by leaf. */
export function diffAttributes(before: unknown, after: unknown): AttributeChange[] {
  const out: AttributeChange[] = [];
  diffInto(before, after, [], out);
  return out;
}
