import { STATEFUL_RESOURCE_TYPES } from "../constructs/core/stateful";
import { Finding, evaluate, resourcesOfStackJson } from "../guardrails/engine";
import type { Rule } from "../guardrails/rule";
import { isObject } from "./json-file";
import { SynthOutput, SynthStack, findingKey, resourcesOf } from "./synth-output";

type StackJson = Parameters<typeof resourcesOfStackJson>[0];

/** True when a stateful resource of the stack carries `lifecycle.prevent_destroy`. */
function hasPreventDestroy(stack: SynthStack): boolean {
  // Bootstrap stacks protect their state bucket and key in every environment: they say nothing of the environment.
  if (stack.id.endsWith("-bootstrap")) return false;
  return [...resourcesOf(stack).values()].some(
    (r) => STATEFUL_RESOURCE_TYPES.has(r.type) && isObject(r.attributes.lifecycle) && r.attributes.lifecycle.prevent_destroy === true,
  );
}

/**
 * Whether each stack counts as protected for the guardrails. The synth output does not record the
 * environment's protection level, so it is read from what protection leaves behind: an environment is
 * protected when any stateful resource of any of its stacks has `lifecycle.prevent_destroy` (the
 * blueprint puts it on every stateful resource of a protected environment, and elsewhere only on the
 * bootstrap stack's state bucket and key, which are left out of this reading).
 * A `guardrails.json` report beside the stacks, when the app wrote one, says it exactly and wins.
 */
export function protectionOf(output: SynthOutput): Map<string, boolean> {
  const protectedEnvironments = new Set(output.stacks.filter(hasPreventDestroy).map((s) => s.environment));
  return new Map(output.stacks.map((s) => [s.id, output.guardrails?.get(s.id)?.protected ?? protectedEnvironments.has(s.environment)]));
}

/** Every rule over every stack; finding addresses are `<stack>/<type>.<name>`. Suppressions known from guardrails.json are marked. */
export function synthFindings(output: SynthOutput, rules: readonly Rule[]): Finding[] {
  const protection = protectionOf(output);
  return output.stacks.flatMap((stack) => {
    const suppressed = output.guardrails?.get(stack.id)?.suppressed;
    return evaluate(resourcesOfStackJson(stack.json as StackJson), {
      rules,
      protected: protection.get(stack.id) ?? false,
      addressPrefix: stack.id,
      ...(suppressed ? { suppressions: (ruleId, resource) => (suppressed.has(findingKey(ruleId, `${stack.id}/${resource.address}`)) ? "suppressed in the app (guardrails.json)" : undefined) } : {}),
    });
  });
}

/**
 * Findings the change introduces: in head, unsuppressed, and not in base (same rule, same address).
 * Suppressions are made in code and are not visible in Terraform JSON; head's `guardrails.json` tells them.
 */
export function introducedFindings(base: SynthOutput, head: SynthOutput, rules: readonly Rule[]): Finding[] {
  if (rules.length === 0) return [];
  const before = new Set(synthFindings(base, rules).map((f) => findingKey(f.ruleId, f.address)));
  return synthFindings(head, rules).filter((f) => !f.suppressed && !before.has(findingKey(f.ruleId, f.address)));
}
