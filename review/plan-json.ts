import { ReviewInputError } from "./errors";
import { JsonShape, describe, isObject, jsonPath, readJsonFile } from "./json-file";

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
  /** Terraform 1.5+: the object is imported by this plan (`{ "id": ... }`). */
  readonly importing?: Readonly<Record<string, unknown>>;
}

export interface ResourceChangeJson {
  /** Derived from module, type, name and index where Terraform 1.0.0 left it out of `resource_drift`. */
  readonly address: string;
  readonly module_address?: string;
  /** Terraform 1.1+: where a `moved` block moves the object from. */
  readonly previous_address?: string;
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
  /** Which values Terraform marks sensitive: `true` at their paths. */
  readonly sensitive_values?: unknown;
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
  /** Terraform 1.3+: planning failed; the plan cannot be applied. */
  readonly errored?: boolean;
  readonly resource_changes: readonly ResourceChangeJson[];
  readonly resource_drift?: readonly ResourceChangeJson[];
  readonly output_changes?: Readonly<Record<string, PlanChangeJson>>;
  readonly planned_values?: { readonly root_module?: ModuleJson };
  readonly configuration?: { readonly root_module?: ConfigModuleJson };
  /** Terraform 1.5+: the results of preconditions, postconditions and check blocks. */
  readonly checks?: readonly CheckResultJson[];
}

export interface CheckResultJson {
  readonly address?: { readonly to_display?: string };
  readonly status?: string;
  readonly instances?: readonly { readonly address?: { readonly to_display?: string }; readonly status?: string; readonly problems?: readonly { readonly message?: string }[] }[];
}

/**
 * Format versions read: every 0.x and 1.x (0.1 to 1.2 are known; Terraform changes the major version
 * only for incompatible changes, so later 1.x minors only add fields).
 */
export function isSupportedFormatVersion(version: string): boolean {
  return /^[01]\.\d+$/.test(version);
}

/** Checks the shape of each part of a plan the review reads; the first wrong one throws, naming the file and the JSON path. */
class PlanShape extends JsonShape {
  change(value: unknown, path: string): void {
    const change = this.object(value, path);
    this.list(change.actions, jsonPath(path, "actions")).forEach((a, i) => this.string(a, jsonPath(jsonPath(path, "actions"), i)));
    this.optional(change, "replace_paths", path, (paths, p) =>
      this.list(paths, p).forEach((steps, i) =>
        this.list(steps, jsonPath(p, i)).forEach((s, j) => (typeof s === "string" || typeof s === "number" ? s : this.fail(jsonPath(jsonPath(p, i), j), `expected a string or number, found ${describe(s)}`))),
      ),
    );
    this.optional(change, "importing", path, (v, p) => this.object(v, p));
  }

  /** A `resource_changes` or `resource_drift` entry; Terraform 1.0.0 wrote drift without `address`. */
  resourceChange(value: unknown, path: string): ResourceChangeJson {
    const entry = this.object(value, path);
    this.string(entry.type, jsonPath(path, "type"));
    for (const key of ["name", "mode", "module_address", "previous_address", "deposed", "action_reason"]) this.optional(entry, key, path, (v, p) => this.string(v, p));
    this.change(entry.change, jsonPath(path, "change"));
    if (entry.address !== undefined) return { ...(entry as unknown as ResourceChangeJson), address: this.string(entry.address, jsonPath(path, "address")) };
    if (typeof entry.name !== "string") this.fail(path, "has neither an address nor a name to derive it from");
    return { ...(entry as unknown as ResourceChangeJson), address: derivedAddress(entry as unknown as ResourceChangeJson & { name: string }) };
  }

  module(value: unknown, path: string): void {
    const module = this.object(value, path);
    this.optional(module, "resources", path, (resources, p) =>
      this.list(resources, p).forEach((r, i) => {
        const resource = this.object(r, jsonPath(p, i));
        this.string(resource.address, jsonPath(jsonPath(p, i), "address"));
        this.string(resource.type, jsonPath(jsonPath(p, i), "type"));
        this.optional(resource, "values", jsonPath(p, i), (v, vp) => this.object(v, vp));
      }),
    );
    this.optional(module, "child_modules", path, (children, p) => this.list(children, p).forEach((child, i) => this.module(child, jsonPath(p, i))));
  }

  configModule(value: unknown, path: string): void {
    const module = this.object(value, path);
    this.optional(module, "resources", path, (resources, p) => this.list(resources, p).forEach((r, i) => this.object(r, jsonPath(p, i))));
    this.optional(module, "module_calls", path, (calls, p) => {
      for (const [name, call] of Object.entries(this.object(calls, p))) {
        const callObject = this.object(call, jsonPath(p, name));
        this.optional(callObject, "module", jsonPath(p, name), (m, mp) => this.configModule(m, mp));
      }
    });
  }
}

/** `module.a["x"].data.aws_iam_policy_document.b[0]`, as Terraform writes addresses. */
export function derivedAddress(entry: { module_address?: string; mode?: string; type: string; name: string; index?: unknown }): string {
  const index = typeof entry.index === "number" ? `[${entry.index}]` : typeof entry.index === "string" ? `[${JSON.stringify(entry.index)}]` : "";
  return `${entry.module_address ? `${entry.module_address}.` : ""}${entry.mode === "data" ? "data." : ""}${entry.type}.${entry.name}${index}`;
}

/**
 * Reads a plan JSON file. Throws ReviewInputError naming the file (and the JSON path) when it is missing, not
 * JSON, not a plan, of an unknown format, or shaped unlike Terraform's plan format where the review reads it.
 */
export function loadPlan(file: string): TerraformPlan {
  const json = readJsonFile(file, "a plan as written by terraform show -json <planfile>");
  if (!isObject(json) || typeof json.format_version !== "string") {
    throw new ReviewInputError(`${file}: is not a Terraform plan: no "format_version" (expected the output of terraform show -json <planfile>)`);
  }
  if (!isSupportedFormatVersion(json.format_version)) {
    throw new ReviewInputError(`${file}: plan format_version ${describe(json.format_version).replace(/^string /, "")} is not supported (supported: 0.x and 1.x, e.g. 0.1 to 1.2)`);
  }
  const errored = json.errored === true;
  if (json.resource_changes === undefined && json.planned_values === undefined && !errored) {
    const what = json.values !== undefined ? "it is a state (terraform show -json without a plan file), not a plan" : 'no "resource_changes" and no "planned_values"';
    throw new ReviewInputError(`${file}: is not a Terraform plan: ${what}`);
  }
  const shape = new PlanShape(file);
  if (json.errored !== undefined && typeof json.errored !== "boolean") shape.fail("errored", `expected true or false, found ${describe(json.errored)}`);
  const changes = (key: string) => shape.optional(json, key, "", (list, path) => shape.list(list, path).map((entry, i) => shape.resourceChange(entry, jsonPath(path, i))));
  const resourceChanges = changes("resource_changes");
  const drift = changes("resource_drift");
  shape.optional(json, "output_changes", "", (outputs, path) => {
    for (const [name, change] of Object.entries(shape.object(outputs, path))) shape.change(change, jsonPath(path, name));
  });
  shape.optional(json, "planned_values", "", (values, path) => shape.optional(shape.object(values, path), "root_module", path, (m, p) => shape.module(m, p)));
  shape.optional(json, "checks", "", (checks, path) =>
    shape.list(checks, path).forEach((check, i) => {
      const entry = shape.object(check, jsonPath(path, i));
      shape.optional(entry, "address", jsonPath(path, i), (a, p) => shape.object(a, p));
      shape.optional(entry, "instances", jsonPath(path, i), (instances, p) =>
        shape.list(instances, p).forEach((instance, j) => {
          const object = shape.object(instance, jsonPath(p, j));
          shape.optional(object, "address", jsonPath(p, j), (a, ap) => shape.object(a, ap));
          shape.optional(object, "problems", jsonPath(p, j), (problems, pp) => shape.list(problems, pp).forEach((problem, k) => shape.object(problem, jsonPath(pp, k))));
        }),
      );
    }),
  );
  shape.optional(json, "configuration", "", (config, path) => shape.optional(shape.object(config, path), "root_module", path, (m, p) => shape.configModule(m, p)));
  // Terraform leaves resource_changes out of a plan that changes nothing (and out of some errored plans).
  return {
    ...(json as unknown as TerraformPlan),
    errored,
    resource_changes: resourceChanges ?? [],
    ...(drift ? { resource_drift: drift } : {}),
  };
}
