import { ReviewInputError } from "./errors";
import { isObject, readJsonFile } from "./json-file";

/** The parts of `terraform show -json <planfile>` the review reads (Terraform's "JSON Output Format"). */
export interface PlanChangeJson {
  readonly actions: readonly string[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  /** Format 1.1+: the attribute paths that force replacement. */
  readonly replace_paths?: readonly (readonly (string | number)[])[];
}

export interface ResourceChangeJson {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly name?: string;
  readonly index?: unknown;
  readonly deposed?: string;
  readonly change: PlanChangeJson;
  readonly action_reason?: string;
}

export interface PlannedResourceJson {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly name?: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface ModuleJson {
  readonly address?: string;
  readonly resources?: readonly PlannedResourceJson[];
  readonly child_modules?: readonly ModuleJson[];
}

export interface ConfigModuleJson {
  readonly resources?: readonly Readonly<Record<string, unknown>>[];
  readonly module_calls?: Readonly<Record<string, { readonly module?: ConfigModuleJson }>>;
}

export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes: readonly ResourceChangeJson[];
  readonly resource_drift?: readonly ResourceChangeJson[];
  readonly output_changes?: Readonly<Record<string, PlanChangeJson>>;
  readonly planned_values?: { readonly root_module?: ModuleJson };
  readonly configuration?: { readonly root_module?: ConfigModuleJson };
}

/**
 * Format versions read: every 0.x and 1.x (0.1 to 1.2 are known; Terraform changes the major version
 * only for incompatible changes, so later 1.x minors only add fields).
 */
export function isSupportedFormatVersion(version: string): boolean {
  return /^[01]\.\d+$/.test(version);
}

function checkChanges(file: string, key: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ReviewInputError(`${file}: "${key}" is not a list`);
  value.forEach((entry, i) => {
    const where = `${file}: ${key}[${i}]`;
    if (!isObject(entry) || typeof entry.address !== "string" || typeof entry.type !== "string") throw new ReviewInputError(`${where} has no address or type`);
    if (!isObject(entry.change) || !Array.isArray(entry.change.actions)) throw new ReviewInputError(`${where} (${entry.address}) has no change.actions`);
  });
}

/** Reads a plan JSON file; throws ReviewInputError naming the file when it is missing, not JSON, not a plan or of an unknown format. */
export function loadPlan(file: string): TerraformPlan {
  const json = readJsonFile(file, "a plan as written by terraform show -json <planfile>");
  if (!isObject(json) || typeof json.format_version !== "string") {
    throw new ReviewInputError(`${file}: is not a Terraform plan: no "format_version" (expected the output of terraform show -json <planfile>)`);
  }
  if (!isSupportedFormatVersion(json.format_version)) {
    throw new ReviewInputError(`${file}: plan format_version "${json.format_version}" is not supported (supported: 0.x and 1.x, e.g. 0.1 to 1.2)`);
  }
  if (json.resource_changes === undefined && json.planned_values === undefined) {
    const what = json.values !== undefined ? "it is a state (terraform show -json without a plan file), not a plan" : 'no "resource_changes" and no "planned_values"';
    throw new ReviewInputError(`${file}: is not a Terraform plan: ${what}`);
  }
  checkChanges(file, "resource_changes", json.resource_changes);
  checkChanges(file, "resource_drift", json.resource_drift);
  if (json.output_changes !== undefined && !isObject(json.output_changes)) throw new ReviewInputError(`${file}: "output_changes" is not an object`);
  // Terraform leaves resource_changes out of a plan that changes nothing.
  return { ...(json as unknown as TerraformPlan), resource_changes: (json.resource_changes as ResourceChangeJson[] | undefined) ?? [] };
}
