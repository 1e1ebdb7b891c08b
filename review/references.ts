import type { Segment } from "./attribute-diff";
import { isObject } from "./json-file";

/** A reference to another resource's attribute inside a Terraform expression: `${aws_s3_bucket.data.arn}`. */
export interface Reference {
  /** `<type>.<name>` of the resource referred to. */
  readonly address: string;
  /** The attribute read (`arn`, `name`, `id`...). */
  readonly attribute: string;
}

/** A value of a resource that holds references, and where it is. */
export interface ReferringValue {
  readonly segments: readonly Segment[];
  readonly value: string;
  readonly references: readonly Reference[];
}

const INTERPOLATION = /\$\{([^{}]*)\}/g;
// Bounded repetitions: names and index keys are short, and unbounded ones backtrack quadratically on hostile text.
const RESOURCE_ATTRIBUTE = /(?<![\w.-])([a-z][a-z0-9_]{0,127})\.([A-Za-z0-9_-]{1,255})(?:\[[^\][]{0,255}\])?\.([a-z_][a-z0-9_]{0,127})/g;

/** The resources (not data sources or remote state) a string refers to, with the attribute read. */
export function referencesIn(text: string): Reference[] {
  const found: Reference[] = [];
  for (const match of text.matchAll(INTERPOLATION)) {
    for (const ref of match[1].matchAll(RESOURCE_ATTRIBUTE)) {
      if (ref[1] === "data" || ref[1] === "var" || ref[1] === "local" || ref[1] === "module") continue;
      found.push({ address: `${ref[1]}.${ref[2]}`, attribute: ref[3] });
    }
  }
  return found;
}

/** Every string of an attribute map that refers to another resource; meta-arguments are left out. */
export function referringValues(attributes: Readonly<Record<string, unknown>>): ReferringValue[] {
  const out: ReferringValue[] = [];
  const walk = (value: unknown, segments: Segment[]) => {
    if (typeof value === "string") {
      const references = referencesIn(value);
      if (references.length > 0) out.push({ segments, value, references });
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, i]));
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...segments, k]);
  };
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "depends_on" || key === "lifecycle" || key === "provider") continue;
    walk(value, [key]);
  }
  return out;
}
