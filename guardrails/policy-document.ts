import { parseJsonText } from "./json-depth";

/**
 * Reads IAM policy documents as rules see them: JSON strings whose values may hold Terraform references
 * (`${aws_s3_bucket.x.arn}`), or already-decoded objects in a plan.
 */
export interface PolicyStatementView {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Terraform interpolations (`${...}`, possibly nested) replaced by a placeholder, so the JSON parses. */
function withoutInterpolations(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      out += "<ref>";
      i = j;
    } else out += text[i];
  }
  return out;
}

/** The statements of a policy attribute, or undefined when it is absent, unknown or not a policy. */
export function statementsOf(policy: unknown): PolicyStatementView[] | undefined {
  let document: unknown = policy;
  if (typeof policy === "string") {
    document = parseJsonText(withoutInterpolations(policy));
    if (document === undefined) return undefined;
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (statement === undefined) return undefined;
  return (Array.isArray(statement) ? statement : [statement]) as PolicyStatementView[];
}

/**
 * A policy value as text: strings as they are, numbers and booleans printed; anything else (an object, a list
 * where one value belongs) is no text a rule can match. Never String(): a document's object may define toString.
 */
export const textOf = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : "");

export const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(textOf) : [textOf(value)]);

/** A statement's Effect, lower case ("allow", "deny"), or "" when it is not a string. */
export const effectOf = (statement: PolicyStatementView): string => textOf(statement.Effect).toLowerCase();
