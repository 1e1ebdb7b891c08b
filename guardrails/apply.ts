import { IConstruct } from "constructs";
import { Aspects, IAspect, TerraformStack } from "cdktf";
import { ConstructPropsError } from "../constructs/core/errors";
import { Finding, evaluate, formatFinding, resourcesOfStackJson } from "./engine";
import { isProtected } from "./protection-context";
import type { Rule } from "./rule";
import { ALL_RULES } from "./rules";
import { checkSuppressedRuleIds, suppressionsFor } from "./suppressions";

export interface GuardrailOptions {
  /**
   * The rules to run, instead of the blueprint's: add your own with `[...ALL_RULES, ...yours]`.
   * @default ALL_RULES
   */
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
  constructor(public rules: readonly Rule[]) {}

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
const checkers = new WeakMap<IConstruct, (stack: TerraformStack) => string[]>();
const guarded = new WeakSet<TerraformStack>();
/** Each stack's JSON as checked, until the synthesizer takes it to write (`takeCheckedJson`). */
const checkedJson = new WeakMap<TerraformStack, unknown>();

/**
 * The JSON the guardrails just checked for `stack`, once: a stack that returns it from `toTerraform()` (PlatformStack
 * does) is written exactly as checked and made once per synthesis, not twice.
 */
export function takeCheckedJson(stack: TerraformStack): unknown {
  const json = checkedJson.get(stack);
  checkedJson.delete(stack);
  return json;
}

/** The stacks at or under `scope`, without walking into them: a stack holds no stack, and its tree is most of the app. */
function stacksUnder(scope: IConstruct): TerraformStack[] {
  if (TerraformStack.isStack(scope)) return [scope];
  return scope.node.children.flatMap(stacksUnder);
}

/**
 * Runs the Aspects of a stack's tree, as cdktf's synthesizer does before it writes the stack, through the public
 * Aspects API: the check must see what will be written (protection adds `prevent_destroy`). The synthesizer runs
 * them again, so an Aspect must give the same result twice: the blueprint's and cdktf's do; one of yours that adds a
 * construct must look for it first (`node.tryFindChild`).
 */
function invokeStackAspects(stack: TerraformStack): void {
  const visit = (node: IConstruct, inherited: readonly IAspect[]): void => {
    const aspects = [...inherited, ...Aspects.of(node).all];
    for (const aspect of aspects) aspect.visit(node);
    for (const child of node.node.children) visit(child, aspects);
  };
  visit(stack, []);
}

/**
 * Checks the stacks under `scope` at synth, and with them every other stack of the app, before any is written:
 * cdktf validates a stack just before writing it, after every stack was prepared, so the first guarded stack's
 * validation makes each stack's final Terraform JSON, runs the rules over all of them and fails with every
 * unsuppressed error at once. A `PlatformStack` guards itself; call this after creating stacks of your own (a stack
 * added later is still checked, but written first if it comes first). `rules` replaces the app's rules; calling it
 * again without them guards the new stacks and changes nothing else.
 */
export function applyGuardrails(scope: IConstruct, options: GuardrailOptions = {}): GuardrailRun {
  const stacks = stacksUnder(scope);
  if (stacks.length === 0) {
    throw new ConstructPropsError(`applyGuardrails(${scope.node.path || "app"}): there is no stack under it to guard yet; call it after creating your stacks (a PlatformStack guards itself)`);
  }
  const root = scope.node.root;
  let run = runs.get(root);
  if (!run) {
    run = new GuardrailRun(ALL_RULES);
    runs.set(root, run);
  }
  if (options.rules) run.rules = options.rules;
  const checkAll = checkAllOnce(root, run);
  for (const stack of stacks) {
    if (guarded.has(stack)) continue;
    guarded.add(stack);
    stack.node.addValidation({ validate: () => checkAll(stack) });
  }
  return run;
}

/**
 * One check of every stack per synthesis, made by the first guarded stack validated. A synthesis validates each
 * stack it writes once: a stack validated again means a new synthesis, which checks anew.
 */
function checkAllOnce(root: IConstruct, run: GuardrailRun): (stack: TerraformStack) => string[] {
  const existing = checkers.get(root);
  if (existing) return existing;
  let pending = new Set<TerraformStack>();
  // Throws, rather than returning messages, so that the app's synth() fails with the typed error in any app.
  const checker = (validated: TerraformStack): string[] => {
    if (pending.delete(validated)) return [];
    checkSuppressedRuleIds(root, [...ALL_RULES, ...run.rules]);
    const stacks = stacksUnder(root);
    pending = new Set(stacks.filter((stack) => stack !== validated));
    for (const stack of stacks) {
      invokeStackAspects(stack);
      checkedJson.delete(stack);
      const json = stack.toTerraform();
      checkedJson.set(stack, json);
      run.record(checkStack(stack, json as StackJson, run.rules));
    }
    const violations = run.violations;
    if (violations.length > 0) {
      // Nothing is written after a refusal: no JSON may wait for a later synthesis.
      for (const stack of stacks) checkedJson.delete(stack);
      throw new GuardrailViolationError(violations);
    }
    return [];
  };
  checkers.set(root, checker);
  return checker;
}

/**
 * Runs every rule over the synthesized JSON of the stacks under `scope` and returns the findings,
 * suppressed ones included, without throwing. For tests and for teams that compose their own stacks.
 */
export function checkGuardrails(scope: IConstruct, options: GuardrailOptions = {}): Finding[] {
  const rules = options.rules ?? ALL_RULES;
  checkSuppressedRuleIds(scope, [...ALL_RULES, ...rules]);
  return stacksUnder(scope).flatMap((stack) => {
    // Aspects first (protection adds prevent_destroy); the JSON keeps its construct paths, which suppressions use.
    invokeStackAspects(stack);
    return checkStack(stack, stack.toTerraform() as StackJson, rules).findings;
  });
}
