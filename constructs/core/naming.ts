import { createHash } from "node:crypto";
import { ConstructPropsError } from "./errors";

export interface ResourceNameOptions {
  /** The longest name the AWS service accepts for this resource type. */
  readonly maxLength: number;
  /** @default "-" */
  readonly separator?: "-" | "_";
}

const HASH_LENGTH = 6;

/** An environment's name, the start of its stack ids and (as `mlops-<name>`) of its resources' names. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,10}[a-z0-9]$/;
export const ENVIRONMENT_NAME_RULE = "must be 2-12 characters of lowercase letters, digits and inner hyphens, starting with a letter";

/**
 * Builds a resource name from parts: lowercase, `[a-z0-9]` plus the separator, deterministic.
 * A name over `maxLength` keeps its beginning and ends in a short hash of the whole name,
 * so two long names that share a prefix still differ and the same input always gives the same name.
 */
export function resourceName(parts: readonly string[], options: ResourceNameOptions): string {
  const separator = options.separator ?? "-";
  if (options.maxLength < HASH_LENGTH + 2) {
    throw new ConstructPropsError(`resourceName: maxLength ${options.maxLength} is too short; it must be at least ${HASH_LENGTH + 2}`);
  }
  const full = parts
    .map((part) =>
      part
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, separator)
        .split(separator)
        .filter(Boolean)
        .join(separator),
    )
    .filter(Boolean)
    .join(separator);
  if (full.length === 0) throw new ConstructPropsError("resourceName: the parts give an empty name");
  if (full.length <= options.maxLength) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, HASH_LENGTH);
  const head = full.slice(0, options.maxLength - HASH_LENGTH - 1).replace(/[-_]+$/, "");
  return `${head}${separator}${hash}`;
}

/** `mlops-<env>`: the start of every resource name of an environment (stacks and the schema's checks agree on it). */
export function environmentPrefix(environment: string): string {
  return resourceName(["mlops", environment], { maxLength: 24 });
}
