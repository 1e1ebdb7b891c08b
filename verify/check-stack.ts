import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformPlan, loadPlan } from "../review/plan-json";
import { configAddress } from "../review/plan-references";
import { summarizePlan } from "../review/plan-summary";
import { SynthStack, findingKey, resourcesOf } from "../review/synth-output";
import { DroppedAttribute, OfflineOptions, offlineStack } from "./offline-stack";
import { terraform } from "./terraform";

export interface StackVerdict {
  readonly stack: string;
  readonly passed: boolean;
  /** What went wrong; empty when passed. */
  readonly problems: readonly string[];
  readonly dropped: readonly DroppedAttribute[];
  /** Resources the plan creates / synthesized, when it got that far. */
  readonly created?: number;
  readonly synthesized?: number;
  /** Guardrail findings at plan time (equal to synth time when passed). */
  readonly findings?: number;
  readonly seconds: number;
}

export interface StackCheck {
  readonly stack: SynthStack;
  readonly stacks: readonly SynthStack[];
  /** The stack's findings at synth time (`<rule> <stack>/<address>`) and protection, from guardrails.json. */
  readonly synthFindings: ReadonlySet<string>;
  readonly protected: boolean;
  readonly workdir: string;
  /**
   * The stack's synthesized folder (`<synth dir>/stacks/<id>`): its `assets/` (local Helm charts) are copied
   * beside the plan's main.tf.json, where the Terraform JSON names them by relative path.
   */
  readonly stackDir?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly offline: OfflineOptions;
}

const tail = (text: string, lines = 25) => text.trim().split("\n").slice(-lines).join("\n");

/** Validate diagnostics as lines: `error: <summary>: <detail> (<file>:<line>)`. */
function diagnostics(validateJson: string): string[] {
  try {
    const parsed = JSON.parse(validateJson) as { diagnostics?: { severity: string; summary: string; detail?: string; range?: { filename: string; start: { line: number } } }[] };
    return (parsed.diagnostics ?? [])
      .filter((d) => d.severity === "error")
      .map((d) => `validate: ${d.summary}${d.detail ? `: ${d.detail}` : ""}${d.range ? ` (${d.range.filename}:${d.range.start.line})` : ""}`);
  } catch {
    return [`validate: ${tail(validateJson)}`];
  }
}

/** Puts the dropped attributes back into the planned values, as the pinned provider would plan them. */
function restoreDropped(plan: TerraformPlan, dropped: readonly DroppedAttribute[]): TerraformPlan {
  if (dropped.length === 0) return plan;
  const byAddress = new Map<string, DroppedAttribute[]>();
  for (const d of dropped) byAddress.set(d.address, [...(byAddress.get(d.address) ?? []), d]);
  const resources = (plan.planned_values?.root_module?.resources ?? []).map((r) => {
    const restore = byAddress.get(r.address);
    return restore ? { ...r, values: { ...r.values, ...Object.fromEntries(restore.map((d) => [d.attribute, d.value])) } } : r;
  });
  return { ...plan, planned_values: { ...plan.planned_values, root_module: { ...plan.planned_values?.root_module, resources } } };
}

/** What the plan of an empty state must be: every synthesized resource created, nothing else changed. */
function compareResources(stack: SynthStack, plan: TerraformPlan): { problems: string[]; created: number; synthesized: number } {
  const synthesized = new Set(resourcesOf(stack).keys());
  const created = new Set<string>();
  const problems: string[] = [];
  for (const rc of plan.resource_changes) {
    if (rc.mode === "data") continue;
    const actions = rc.change.actions.join(",");
    if (actions === "create") created.add(configAddress(rc.address));
    else problems.push(`plan: ${rc.address} is planned as ${actions}, expected create on an empty state`);
  }
  const missing = [...synthesized].filter((a) => !created.has(a));
  const extra = [...created].filter((a) => !synthesized.has(a));
  if (missing.length > 0) problems.push(`plan: creates none of ${missing.length} synthesized resource(s): ${missing.join(", ")}`);
  if (extra.length > 0) problems.push(`plan: creates ${extra.length} resource(s) that were not synthesized: ${extra.join(", ")}`);
  return { problems, created: created.size, synthesized: synthesized.size };
}

/** Synth-time and plan-time guardrail findings must be the same set (suppressed ones included). */
function compareFindings(check: StackCheck, plan: TerraformPlan): { problems: string[]; findings: number } {
  const report = summarizePlan(plan, { protected: check.protected });
  const atPlan = new Set(report.findings.map((f) => findingKey(f.ruleId, `${check.stack.id}/${f.address}`)));
  const problems = [
    ...[...atPlan].filter((k) => !check.synthFindings.has(k)).map((k) => `guardrails: only at plan time: ${k}`),
    ...[...check.synthFindings].filter((k) => !atPlan.has(k)).map((k) => `guardrails: only at synth time: ${k}`),
  ];
  return { problems, findings: atPlan.size };
}

/** The stack's `assets/` folder (charts and files its resources name by relative path), copied into the working folder. */
export function copyAssets(stackDir: string | undefined, workdir: string): void {
  if (stackDir === undefined) return;
  const assets = join(stackDir, "assets");
  if (existsSync(assets)) cpSync(assets, join(workdir, "assets"), { recursive: true, dereference: true });
}

/** init, validate, an offline plan, then the plan through `review plan`'s reader and summary. */
export async function checkStack(check: StackCheck): Promise<StackVerdict> {
  const started = Date.now();
  const dir = join(check.workdir, check.stack.id);
  mkdirSync(dir, { recursive: true });
  const offline = offlineStack(check.stack, check.stacks, check.offline);
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(offline.json, null, 1));
  for (const stub of offline.stubStates) writeFileSync(join(dir, stub.file), JSON.stringify(stub.state, null, 1));
  copyAssets(check.stackDir, dir);
  const verdict = (problems: string[], extra: Partial<StackVerdict> = {}): StackVerdict => ({
    stack: check.stack.id,
    passed: problems.length === 0,
    problems,
    dropped: offline.dropped,
    seconds: (Date.now() - started) / 1000,
    ...extra,
  });
  const run = (args: string[]) => terraform(args, dir, check.env);

  const init = await run(["init", "-input=false", "-no-color"]);
  if (init.code !== 0) return verdict([`init: ${tail(init.stderr || init.stdout)}`]);
  const validate = await run(["validate", "-json", "-no-color"]);
  if (validate.code !== 0) return verdict(diagnostics(validate.stdout));
  const plan = await run(["plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=plan.bin"]);
  if (plan.code !== 0) return verdict([`plan: ${tail(plan.stderr || plan.stdout)}`]);
  const show = await run(["show", "-json", "-no-color", "plan.bin"]);
  if (show.code !== 0) return verdict([`show: ${tail(show.stderr)}`]);
  const planFile = join(dir, "plan.json");
  writeFileSync(planFile, show.stdout);

  const planned = loadPlan(planFile);
  if ((planned as { errored?: unknown }).errored === true) return verdict(["plan: Terraform marks the plan errored"]);
  const resources = compareResources(check.stack, planned);
  const findings = compareFindings(check, restoreDropped(planned, offline.dropped));
  return verdict([...resources.problems, ...findings.problems], { created: resources.created, synthesized: resources.synthesized, findings: findings.findings });
}
