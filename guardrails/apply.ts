import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
// Not re-exported by the package root; it is what Testing.synth and the real synthesizer call.
import { invokeAspects } from "cdktf/lib/synthesize/synthesizer";
import { Finding, evaluate, formatFinding, resourcesOfStackJson } from "./engine";
import { isProtected } from "./protection-context";
import type { Rule } from "./rule";
import { ALL_RULES } from "./rules";
import { suppressedRuleIds, suppressionsFor } from "./suppressions";

export interface GuardrailOptions {
  /** @default ALL_RULES */
  readonly rules?: readonly Rule[];
}

/** What one stack's check found. */
export interface StackGuardrailResult {
  readonly stack: string;
  readonly protected: boolean;
  readonly rulesRun: number;
  readonly findings: readonly Finding[];
}

/** Thrown when synthesis meets unsuppressed errors; lists every one. */
export class GuardrailViolationError extends Error {
  constructor(readonly violations: readonly Finding[]) {
    super(`Guardrails found ${violations.length} violation${violations.length === 1 ? "" : "s"}:\n${violations.map(formatFinding).join("\n")}`);
    this.name = "GuardrailViolationError";
  }
}

type StackJson = Parameters<typeof resourcesOfStackJson>[0];

function checkStack(stack: TerraformStack, json: StackJson, rules: readonly Rule[]): StackGuardrailResult {
  const prot = isProtected(stack);
  const findings = evaluate(resourcesOfStackJson(json), {
    rules,
    protected: prot,
    addressPrefix: stack.node.id,
    suppressions: suppressionsFor(stack),
  });
  return { stack: stack.node.id, protected: prot, rulesRun: rules.length, findings };
}

/** The results of the stacks synthesized so far under an app where applyGuardrails was called. */
export class GuardrailRun {
  private readonly results = new Map<string, StackGuardrailResult>();
  constructor(readonly rules: readonly Rule[]) {}

  record(result: StackGuardrailResult): void {
    this.results.set(result.stack, result);
  }

  get stacks(): readonly StackGuardrailResult[] {
    return [...this.results.values()];
  }

  get violations(): Finding[] {
    return this.stacks.flatMap((s) => s.findings).filter((f) => f.severity === "error" && !f.suppressed);
  }
}

const runs = new WeakMap<IConstruct, GuardrailRun>();

/**
 * Checks every stack under `scope` at synth, including stacks added after this call, before any is written: the
 * first stack's validation (cdktf runs a stack's validations before writing it, after every stack was prepared)
 * makes every stack's final Terraform JSON, runs the rules over all of them and fails with every unsuppressed error
 * at once, so a refused synthesis writes no stack; the JSON made then is the JSON written (no second synthesis).
 * Calling it again on the same app changes nothing.
 */
export function applyGuardrails(scope: IConstruct, options: GuardrailOptions = {}): GuardrailRun {
  const root = scope.node.root;
  const existing = runs.get(root);
  if (existing) return existing;
  const run = new GuardrailRun(options.rules ?? ALL_RULES);
  runs.set(root, run);
  const hooked = new WeakSet<TerraformStack>();
  const made = new Map<TerraformStack, unknown>();
  let checked = false;
  const stacks = () => root.node.findAll().filter((node): node is TerraformStack => TerraformStack.isStack(node));
  /** Every stack's JSON, checked once per synthesis; the violations, for the first stack's validation to report. */
  const checkAll = (): string[] => {
    if (checked) return [];
    checked = true;
    // A suppression of a rule that does not exist hides nothing and says it does: refused.
    const known = new Set([...ALL_RULES, ...run.rules].map((rule) => rule.id));
    const unknown = suppressedRuleIds(root).filter((s) => !known.has(s.ruleId));
    if (unknown.length > 0) return unknown.map((s) => `${s.where}: suppresses ${s.ruleId}, which is no guardrail rule (a typo, or a rule since removed); fix or drop the suppression`);
    for (const stack of stacks()) {
      invokeAspects(stack);
      stack.toTerraform();
    }
    return run.violations.map(formatFinding);
  };
  const hookStacks = () => {
    for (const node of stacks()) {
      if (hooked.has(node)) continue;
      hooked.add(node);
      const toTerraform = node.toTerraform.bind(node);
      node.toTerraform = () => {
        if (!made.has(node)) {
          const json = toTerraform();
          made.set(node, json);
          run.record(checkStack(node, json as StackJson, run.rules));
        }
        return made.get(node) as ReturnType<typeof toTerraform>;
      };
      node.node.addValidation({ validate: checkAll });
    }
  };
  hookStacks();
  // Stacks added after this call are hooked when the app synthesizes (app-level Aspects do not reach stacks).
  const app = root as IConstruct & { synth?: () => void };
  if (typeof app.synth === "function") {
    const synth = app.synth.bind(app);
    app.synth = () => {
      hookStacks();
      checked = false;
      made.clear();
      synth();
    };
  }
  return run;
}

/**
 * Runs every rule over the synthesized JSON of the stacks under `scope` and returns the findings,
 * suppressed ones included, without throwing. For tests and for teams that compose their own stacks.
 */
export function checkGuardrails(scope: IConstruct, options: GuardrailOptions = {}): Finding[] {
  const rules = options.rules ?? ALL_RULES;
  const stacks = scope.node.findAll().filter((node): node is TerraformStack => TerraformStack.isStack(node));
  return stacks.flatMap((stack) => {
    // Aspects first (protection adds prevent_destroy); the JSON keeps its construct paths, which suppressions use.
    invokeAspects(stack);
    return checkStack(stack, stack.toTerraform() as StackJson, rules).findings;
  });
}
