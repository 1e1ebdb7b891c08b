import type { Segment } from "./attribute-diff";
import { own } from "./json-file";

/** What a masked value shows instead of itself. */
export const MASK = "(sensitive)";

/** An attribute named like a credential: password, secret, token, private key (snake, kebab or camel case). */
const SENSITIVE_WORD = /(^|_)(password|passwd|passphrase|secret|secrets|token|private_key|client_secret|secret_key|api_key)(_|$)/;

/** Resource types whose values are secret as a whole, but for the attributes listed. */
const SECRET_TYPES: Readonly<Record<string, readonly string[]>> = {
  kubernetes_secret: ["metadata", "type", "immutable", "wait_for_service_account_token", "timeouts", "lifecycle", "depends_on"],
  kubernetes_secret_v1: ["metadata", "type", "immutable", "wait_for_service_account_token", "timeouts", "lifecycle", "depends_on"],
  aws_ssm_parameter: ["name", "type", "description", "tier", "key_id", "data_type", "overwrite", "allowed_pattern", "tags", "tags_all", "lifecycle", "depends_on"],
};

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[-.:/\s]+/g, "_")
    .toLowerCase();
}

/** True when a key of the path is named like a credential. */
export function isSensitiveName(segments: readonly Segment[]): boolean {
  return segments.some((s) => typeof s === "string" && SENSITIVE_WORD.test(words(s)));
}

/**
 * Whether the value at `segments` of a resource (or block) of `type` must not be shown: named like a
 * credential, or any value of a secret type (Kubernetes secrets, SSM parameters) but its metadata.
 * Booleans are shown: `automount_service_account_token = false` reveals nothing.
 */
export function isSensitive(type: string, segments: readonly Segment[], value?: unknown): boolean {
  if (typeof value === "boolean") return false;
  const visible = own(SECRET_TYPES, type);
  if (visible && segments.length > 0 && !visible.includes(String(segments[0]))) return true;
  return isSensitiveName(segments);
}

/**
 * The value, or MASK when it is sensitive (absent stays absent). A block or list shown whole (added, removed)
 * keeps its shape, with every value inside it that is sensitive by its own path masked.
 */
export function masked(type: string, segments: readonly Segment[], value: unknown): unknown {
  if (value === undefined) return undefined;
  if (isSensitive(type, segments, value)) return MASK;
  if (Array.isArray(value)) return value.map((v, i) => masked(type, [...segments, i], v));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(type, [...segments, k], v)]));
  }
  return value;
}
