import { IConstruct } from "constructs";
import { App, Aspects, IAspect, TerraformStack } from "cdktf";
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

/** The rules an app's guardrails run, and what the last check of each stack found. */
export class GuardrailRun {
  private readonly results = new Map<string, StackGuardrailResult>();
  private ruleList: readonly Rule[] = ALL_RULES;

  get rules(): readonly Rule[] {
    return this.ruleList;
  }

  /** Used by applyGuardrails. */
  protected setRules(rules: readonly Rule[]): void {
    this.ruleList = rules;
  }

  /** Checks every stack given (their final JSON, Aspects run), records what it found, and returns each stack's JSON. */
  protected checkStacks(stacks: readonly TerraformStack[]): Map<TerraformStack, unknown> {
    const made = new Map<TerraformStack, unknown>();
    for (const stack of stacks) {
      invokeStackAspects(stack);
      const json = stack.toTerraform();
      made.set(stack, json);
      this.results.set(stack.node.id, checkStack(stack, json as StackJson, this.rules));
    }
    return made;
  }

  get stacks(): readonly StackGuardrailResult[] {
    return [...this.results.values()];
  }

  get violations(): Finding[] {
    return this.stacks.flatMap((s) => s.findings).filter((f) => f.severity === "error" && !f.suppressed);
  }
}

/** The stacks of `scope`'s tree, itself included (cdktf writes every stack of the tree, nested ones too). */
function stacksUnder(scope: IConstruct): TerraformStack[] {
  return scope.node.findAll().filter((node): node is TerraformStack => TerraformStack.isStack(node));
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

/** One App.synth() from the guardrails' side: which stacks the first check covered, and their JSON as checked. */
interface Synthesis {
  checked: boolean;
  /** Stacks checked and not yet validated by cdktf in this synthesis. */
  readonly pending: Set<TerraformStack>;
  json: Map<TerraformStack, unknown>;
  /** The stack cdktf just validated and writes next: the only one whose checked JSON may be taken. */
  ready?: TerraformStack;
}

/**
 * The guardrails of one app. Each guarded stack's validation checks every stack of the app. Inside an App.synth()
 * (from PlatformStack.prepareStack, which only App.synth calls, to a validation of the app itself, which App.synth
 * runs last), the first stack validated checks them all and each stack then writes the JSON that was checked;
 * anywhere else (Testing.synth, Testing.fullSynth) every validation checks every stack and hands nothing over.
 */
class GuardedApp extends GuardrailRun {
  private readonly guarded = new WeakSet<TerraformStack>();
  private synthesis?: Synthesis;

  constructor(private readonly root: IConstruct) {
    super();
    root.node.addValidation({ validate: () => this.end() });
  }

  use(rules: readonly Rule[] | undefined): void {
    if (rules) this.setRules(rules);
  }

  guard(stacks: readonly TerraformStack[]): void {
    for (const stack of stacks) {
      if (this.guarded.has(stack)) continue;
      this.guarded.add(stack);
      stack.node.addValidation({ validate: () => this.validate(stack) });
    }
  }

  /** App.synth prepares its stacks: a synthesis begins (anew, if the last one failed midway). */
  begin(): void {
    if (this.synthesis?.checked === false) return;
    const synthesis: Synthesis = { checked: false, pending: new Set(), json: new Map() };
    this.synthesis = synthesis;
    this.guard(stacksUnder(this.root));
    // A synthesis that failed after the check ends with the code that ran it, not with a later one.
    queueMicrotask(() => {
      if (this.synthesis === synthesis) this.synthesis = undefined;
    });
  }

  /** The JSON checked for `stack`, if cdktf writes it next in this synthesis. */
  take(stack: TerraformStack): unknown {
    const synthesis = this.synthesis;
    if (synthesis?.ready !== stack) return undefined;
    synthesis.ready = undefined;
    const json = synthesis.json.get(stack);
    synthesis.json.delete(stack);
    return json;
  }

  private end(): string[] {
    this.synthesis = undefined;
    return [];
  }

  // Throws, rather than returning messages, so that the app's synth() fails with the typed error in any app.
  private validate(stack: TerraformStack): string[] {
    const synthesis = this.synthesis;
    if (synthesis?.checked && synthesis.pending.delete(stack)) {
      synthesis.ready = stack;
      return [];
    }
    if (synthesis) synthesis.ready = undefined;
    try {
      checkSuppressedRuleIds(this.root, [...ALL_RULES, ...this.rules]);
      const stacks = stacksUnder(this.root);
      const json = this.checkStacks(stacks);
      if (this.violations.length > 0) throw new GuardrailViolationError(this.violations);
      if (synthesis && !synthesis.checked) {
        synthesis.checked = true;
        for (const other of stacks) if (other !== stack) synthesis.pending.add(other);
        synthesis.json = json;
        synthesis.ready = stack;
      }
      return [];
    } catch (error) {
      // Nothing is written after a refusal, and nothing checked waits for a later synthesis.
      this.synthesis = undefined;
      throw error;
    }
  }
}

const apps = new WeakMap<IConstruct, GuardedApp>();

function guardedApp(scope: IConstruct): GuardedApp {
  const root = scope.node.root;
  let app = apps.get(root);
  if (!app) {
    app = new GuardedApp(root);
    apps.set(root, app);
  }
  return app;
}

/**
 * Checks the stacks under `scope` at synth, and with them every other stack of the app, before any is written:
 * cdktf validates a stack just before writing it, after every stack was prepared, so the first guarded stack's
 * validation makes each stack's final Terraform JSON, runs the rules over all of them and fails with every
 * unsuppressed error at once (GuardrailViolationError). A `PlatformStack` guards every stack of its app; in an app
 * of your own stacks, call this after creating them (a stack added later is still checked, but written first if it
 * comes first). `rules` replaces the app's rules; calling it again without them guards the new stacks only.
 */
export function applyGuardrails(scope: IConstruct, options: GuardrailOptions = {}): GuardrailRun {
  const stacks = stacksUnder(scope);
  if (stacks.length === 0) {
    throw new ConstructPropsError(`applyGuardrails(${scope.node.path || "app"}): there is no stack under it to guard yet; call it after creating your stacks (a PlatformStack guards itself)`);
  }
  const root = scope.node.root;
  if (App.isApp(root) && root.skipValidation) {
    throw new ConstructPropsError(`applyGuardrails(${scope.node.path || "app"}): the app skips validation, and with it the guardrails; create it without skipValidation`);
  }
  const app = guardedApp(root);
  app.use(options.rules);
  app.guard(stacks);
  return app;
}

/** Called when App.synth prepares `stack` (PlatformStack does): guards every stack of the app before any is written. */
export function beginGuardedSynthesis(stack: TerraformStack): void {
  guardedApp(stack).begin();
}

/**
 * The JSON the guardrails checked for `stack` in this App.synth(), if cdktf writes it next: a stack that returns it
 * from `toTerraform()` (PlatformStack does) is written exactly as checked, made once per synthesis.
 */
export function takeCheckedJson(stack: TerraformStack): unknown {
  return apps.get(stack.node.root)?.take(stack);
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
