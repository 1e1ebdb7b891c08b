import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { ReviewInputError } from "./errors";
import { JsonShape, describe, isObject, jsonPath, readJsonFile } from "./json-file";
import { type MaturityRow, readMaturityReport } from "./maturity";
import { environmentOf, orderStacks } from "./order";

/** A synthesized stack: its Terraform JSON (`cdk.tf.json`) as written by `cdktf synth`. */
export interface SynthStack {
  readonly id: string;
  readonly environment: string;
  readonly json: Readonly<Record<string, unknown>>;
  /** Ids of the stacks it depends on (cross-stack references), from the manifest. */
  readonly dependencies: readonly string[];
}

/** What a `guardrails.json` report beside the stacks says about one stack. */
export interface GuardrailReportStack {
  readonly protected?: boolean;
  /** `<ruleId> <address>` of the findings suppressed (with a reason) in the app. */
  readonly suppressed: ReadonlySet<string>;
  /** `<ruleId> <address>` of every finding, suppressed or not. */
  readonly findings: ReadonlySet<string>;
}

export interface SynthOutput {
  /** In review order: environments in promotion order, stacks in dependency order. */
  readonly stacks: readonly SynthStack[];
  /** From `<dir>/guardrails.json`, when the app wrote one. */
  readonly guardrails?: ReadonlyMap<string, GuardrailReportStack>;
  /** From `<dir>/maturity.json`, when the app wrote one. */
  readonly maturity?: readonly MaturityRow[];
}

/** One resource of a stack: `<type>.<name>` and its attributes without cdktf's `//` metadata. */
export interface StackResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The construct path cdktf records in `//` (e.g. `prod-data/FeatureStore/Bucket`). */
  readonly constructPath?: string;
}

export const findingKey = (ruleId: string, address: string): string => `${ruleId} ${address}`;

function withoutMetadata(value: Record<string, unknown>): Record<string, unknown> {
  const { "//": _meta, ...rest } = value;
  return rest;
}

/** The managed resources of a stack, by address. */
export function resourcesOf(stack: SynthStack): Map<string, StackResource> {
  const resources = new Map<string, StackResource>();
  const byType = isObject(stack.json.resource) ? stack.json.resource : {};
  for (const [type, byName] of Object.entries(byType)) {
    if (!isObject(byName)) continue;
    for (const [name, attributes] of Object.entries(byName)) {
      if (!isObject(attributes)) continue;
      const meta = attributes["//"] as { metadata?: { path?: unknown } } | undefined;
      const path = meta?.metadata?.path;
      resources.set(`${type}.${name}`, {
        address: `${type}.${name}`,
        type,
        name,
        attributes: withoutMetadata(attributes),
        ...(typeof path === "string" ? { constructPath: path } : {}),
      });
    }
  }
  return resources;
}

/**
 * Everything of a stack that is not a managed resource, as addressable blocks: `terraform.backend`,
 * `terraform.required_providers`, `provider.<name>`, `data.<type>.<name>`, `output.<name>`, `locals`,
 * `var.<name>`, `module.<name>`, and any other top-level block by its name. cdktf's `//` metadata is left out.
 */
export function settingsOf(stack: SynthStack): Map<string, { type: string; value: unknown }> {
  const settings = new Map<string, { type: string; value: unknown }>();
  const json = stack.json;
  const terraform = isObject(json.terraform) ? withoutMetadata(json.terraform) : {};
  for (const [key, value] of Object.entries(terraform)) settings.set(`terraform.${key}`, { type: "terraform", value });
  const named = (block: string, prefix: string) => {
    const entries = isObject(json[block]) ? Object.entries(withoutMetadata(json[block] as Record<string, unknown>)) : [];
    for (const [name, value] of entries) settings.set(`${prefix}.${name}`, { type: block, value: isObject(value) ? withoutMetadata(value) : value });
  };
  named("provider", "provider");
  named("output", "output");
  named("variable", "var");
  named("module", "module");
  if (isObject(json.locals)) settings.set("locals", { type: "locals", value: withoutMetadata(json.locals) });
  // Blocks cdktf writes rarely (moved, import, check...), whole.
  const known = new Set(["//", "resource", "terraform", "provider", "output", "variable", "module", "locals", "data"]);
  for (const [key, value] of Object.entries(json)) if (!known.has(key)) settings.set(key, { type: key, value });
  const data = isObject(json.data) ? json.data : {};
  for (const [type, byName] of Object.entries(data)) {
    if (!isObject(byName)) continue;
    for (const [name, value] of Object.entries(byName)) {
      settings.set(`data.${type}.${name}`, { type, value: isObject(value) ? withoutMetadata(value) : value });
    }
  }
  return settings;
}

function readStack(id: string, file: string, dependencies: readonly string[]): SynthStack {
  const json = readJsonFile(file, "a synthesized stack (cdk.tf.json)");
  if (!isObject(json)) throw new ReviewInputError(`${file}: is not a synthesized stack: expected a JSON object with "resource", "terraform", ...`);
  // Every block the review and the guardrails walk: resources and data sources by type and name, the rest by name.
  const shape = new JsonShape(file);
  for (const block of ["resource", "data"]) {
    shape.optional(json, block, "", (types, path) => Object.entries(shape.object(types, path)).forEach(([type, byName]) => shape.objectOfObjects(byName, jsonPath(path, type))));
  }
  for (const block of ["output", "variable", "module"]) shape.optional(json, block, "", (v, p) => shape.objectOfObjects(v, p));
  for (const block of ["terraform", "locals"]) shape.optional(json, block, "", (v, p) => shape.object(v, p));
  shape.optional(json, "provider", "", (providers, path) =>
    Object.entries(shape.object(providers, path)).forEach(([name, configs]) =>
      Array.isArray(configs) ? configs.forEach((c, i) => shape.object(c, jsonPath(jsonPath(path, name), i))) : shape.object(configs, jsonPath(path, name)),
    ),
  );
  return { id, environment: environmentOf(id), json, dependencies };
}

function readGuardrailReport(file: string): Map<string, GuardrailReportStack> {
  const json = readJsonFile(file, "a guardrails report");
  if (!isObject(json) || !Array.isArray(json.stacks)) throw new ReviewInputError(`${file}: is not a guardrails report: no "stacks" list`);
  const shape = new JsonShape(file);
  const report = new Map<string, GuardrailReportStack>();
  (json.stacks as unknown[]).forEach((value, i) => {
    const path = jsonPath("stacks", i);
    const entry = shape.object(value, path);
    const stack = shape.string(entry.stack, jsonPath(path, "stack"));
    if (entry.protected !== undefined && typeof entry.protected !== "boolean") shape.fail(jsonPath(path, "protected"), `expected true or false, found ${describe(entry.protected)}`);
    const findings = (shape.optional(entry, "findings", path, (list, p) => shape.list(list, p)) ?? []).map((f, j) => {
      const where = jsonPath(jsonPath(path, "findings"), j);
      const finding = shape.object(f, where);
      return { key: findingKey(shape.string(finding.ruleId, jsonPath(where, "ruleId")), shape.string(finding.address, jsonPath(where, "address"))), suppressed: finding.suppressed === true };
    });
    report.set(stack, {
      ...(typeof entry.protected === "boolean" ? { protected: entry.protected } : {}),
      suppressed: new Set(findings.filter((f) => f.suppressed).map((f) => f.key)),
      findings: new Set(findings.map((f) => f.key)),
    });
  });
  return report;
}

/**
 * Loads a synth output directory (`cdktf.out`): the stacks listed in its `manifest.json`, or, without a
 * manifest, every `stacks/<id>/cdk.tf.json`; and `guardrails.json` and `maturity.json` when present.
 */
export function loadSynthOutput(dir: string): SynthOutput {
  if (!existsSync(dir)) throw new ReviewInputError(`${dir}: no such directory (expected a synth output such as cdktf.out; run npm run synth)`);
  if (!statSync(dir).isDirectory()) throw new ReviewInputError(`${dir}: is not a directory (expected a synth output such as cdktf.out)`);
  const manifestFile = join(dir, "manifest.json");
  const stacks: SynthStack[] = [];
  if (existsSync(manifestFile)) {
    const manifest = readJsonFile(manifestFile, "a cdktf manifest");
    if (!isObject(manifest) || !isObject(manifest.stacks)) throw new ReviewInputError(`${manifestFile}: is not a cdktf manifest: no "stacks" object`);
    for (const [id, entry] of Object.entries(manifest.stacks)) {
      if (!isObject(entry)) throw new ReviewInputError(`${manifestFile}: stack "${id}" is not an object`);
      const relative = typeof entry.synthesizedStackPath === "string" ? entry.synthesizedStackPath : join("stacks", id, "cdk.tf.json");
      // A stack lives inside the synth output; a manifest pointing elsewhere is damaged (or hostile).
      if (!resolve(dir, relative).startsWith(`${resolve(dir)}${sep}`)) throw new ReviewInputError(`${manifestFile}: stacks.${id}: its path ${JSON.stringify(relative)} leaves the synth output`);
      const dependencies = Array.isArray(entry.dependencies) ? entry.dependencies.filter((d): d is string => typeof d === "string") : [];
      stacks.push(readStack(id, join(dir, relative), dependencies));
    }
  } else {
    const stacksDir = join(dir, "stacks");
    const ids = existsSync(stacksDir) ? readdirSync(stacksDir).filter((id) => existsSync(join(stacksDir, id, "cdk.tf.json"))) : [];
    for (const id of ids) stacks.push(readStack(id, join(stacksDir, id, "cdk.tf.json"), []));
  }
  if (stacks.length === 0) throw new ReviewInputError(`${dir}: holds no synthesized stacks (no manifest.json and no stacks/<id>/cdk.tf.json)`);
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const order = orderStacks(byId.keys(), new Map(stacks.map((s) => [s.id, s.dependencies])));
  const guardrailsFile = join(dir, "guardrails.json");
  const maturityFile = join(dir, "maturity.json");
  return {
    stacks: order.map((id) => byId.get(id)!),
    ...(existsSync(guardrailsFile) ? { guardrails: readGuardrailReport(guardrailsFile) } : {}),
    ...(existsSync(maturityFile) ? { maturity: readMaturityReport(maturityFile) } : {}),
  };
}
