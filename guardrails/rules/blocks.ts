/**
 * Reading Terraform JSON attributes the way rules need them, in both shapes they arrive in:
 * - synthesized cdktf JSON: a single nested block is an object (`"vpc_config": { ... }`), a repeated one a list;
 * - a plan's planned values: every nested block is a list of objects (`"vpc_config": [{ ... }]`), unset values are
 *   `null`, and values unknown until apply are left out.
 *
 * Conventions the rules of this folder share (as guardrails/rules/attributes.ts states them):
 * - a reference (`"${aws_kms_key.x.arn}"`, any string holding `${`) counts as set, and is never flagged for its
 *   value, which only apply knows;
 * - an absent (or null) attribute is flagged only where Terraform's default for it is the insecure choice.
 */
import { notApplicable, type Rule, type RuleContext, type RuleResult, type ResourceView } from "../rule";
import { block, blocks, defineRule as defineTypedRule, isObject, isReference, nested, parseBoolean, parseNumber } from "./attributes";

export { block, blocks, isObject, isReference };
export type Block = Readonly<Record<string, unknown>>;


/** Follows nested blocks from `value`, taking the first block at each step: `dig(attrs, "vpc_config", "subnet_ids")`. */
export const dig = (value: unknown, ...path: readonly string[]): unknown => nested(value as Block | undefined, ...path);
/** A boolean from `true`/`false` or their string forms; undefined when absent, unknown (a reference) or other. */
export const bool = (value: unknown): boolean | undefined => parseBoolean(typeof value === "string" ? value.trim().toLowerCase() : value);
/** A number from a number or a numeric string; undefined otherwise (absent, a reference, text). */
export const num = parseNumber;

/** A string from a string or a number; undefined otherwise. */
export function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The strings of a list attribute (or of a single string); other elements are dropped. */
export function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map(str).filter((s): s is string => s !== undefined);
}

/**
 * True when a value is set: a non-blank string (a reference counts: it names a value that exists at apply),
 * a number, a boolean, a non-empty list or an object.
 */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** True when `value` is a string that refers to the resource at `address` (`${<address>.attr}`). */
export function refersTo(value: unknown, address: string): boolean {
  return typeof value === "string" && value.includes("${" + address + ".");
}

/** Quoted items for a message, the first `max` of them and how many more. */
export function joinQuoted(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).map((item) => `"${item}"`);
  return items.length > max ? `${shown.join(", ")} and ${items.length - max} more` : shown.join(", ");
}

/** Everything of a rule but the type guard, which `defineRule` adds. */
export interface RuleSpec extends Omit<Rule, "check"> {
  evaluate(resource: ResourceView, context: RuleContext): RuleResult;
}

/** A rule that answers not-applicable for resource types outside its `resourceTypes` and for attribute-less resources. */
export function defineRule(spec: RuleSpec): Rule {
  const { evaluate, ...rest } = spec;
  return defineTypedRule({ ...rest, check: (resource, context) => (isObject(resource.attributes) ? evaluate(resource, context) : notApplicable) });
}
