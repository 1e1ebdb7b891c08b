import { IConstruct } from "constructs";
import type { EvaluatedResource, SuppressionLookup } from "./engine";

/** A suppression's reason must say why, in words a reviewer can judge: at least this long. */
export const MIN_REASON_LENGTH = 10;

interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
  /** Resources under this construct path (`prod-data/FeatureStore`). */
  readonly pathPrefix?: string;
  /** Or: resources of this stack whose address matches. */
  readonly stackId?: string;
  readonly addressPattern?: RegExp;
}

const registries = new WeakMap<IConstruct, Suppression[]>();

function registryOf(scope: IConstruct): Suppression[] {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) registries.set(root, (registry = []));
  return registry;
}

/** A suppression that hides nothing it says it hides: a malformed or unknown rule id, or no reason a reviewer can judge. */
export class GuardrailSuppressionError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "GuardrailSuppressionError";
  }
}

/** `<OWNER>-<AREA>-<NNN>`: ours are `MLB-S3-001`; a team's own rules take their own prefix. */
const RULE_ID = /^[A-Z][A-Z0-9]*-[A-Z0-9]+-\d{3}$/;

function checkReason(ruleId: string, reason: string | undefined, where: string): string {
  const trimmed = (reason ?? "").trim();
  if (!RULE_ID.test(ruleId)) throw new GuardrailSuppressionError([`${where}: "${ruleId}" is not a guardrail rule id (<OWNER>-<AREA>-<NNN>, e.g. MLB-S3-001)`]);
  if (trimmed.length < MIN_REASON_LENGTH) {
    throw new GuardrailSuppressionError([`${where}: suppressing ${ruleId} needs a reason of at least ${MIN_REASON_LENGTH} characters that a reviewer can judge; got "${trimmed}"`]);
  }
  return trimmed;
}

/** Suppresses a rule for every resource under `scope` (a construct and its children), with a reason. */
export function suppressGuardrail(scope: IConstruct, ruleId: string, reason: string): void {
  const checked = checkReason(ruleId, reason, scope.node.path);
  registryOf(scope).push({ ruleId, reason: checked, pathPrefix: scope.node.path });
}

/**
 * Suppresses a rule for the resources of a stack whose address (`<type>.<name>`) matches a glob
 * (`*` for any run of characters), for resources no construct of yours wraps.
 */
export function suppressGuardrailByAddress(stack: IConstruct, ruleId: string, addressGlob: string, reason: string): void {
  const checked = checkReason(ruleId, reason, stack.node.path);
  const pattern = new RegExp(`^${addressGlob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  registryOf(stack).push({ ruleId, reason: checked, stackId: stack.node.id, addressPattern: pattern });
}

/**
 * Refuses the suppressions under `scope`'s app of rule ids no rule in `rules` has (a typo, or a rule since removed):
 * they would hide nothing and say they do.
 */
export function checkSuppressedRuleIds(scope: IConstruct, rules: readonly { readonly id: string }[]): void {
  const known = new Set(rules.map((rule) => rule.id));
  const unknown = registryOf(scope).filter((s) => !known.has(s.ruleId));
  if (unknown.length === 0) return;
  throw new GuardrailSuppressionError(
    unknown.map((s) => `${s.pathPrefix ?? `${s.stackId}/${s.addressPattern?.source ?? ""}`}: suppresses ${s.ruleId}, which is no guardrail rule (a typo, or a rule since removed); fix or drop the suppression`),
  );
}

/** The suppressions that apply to the resources of one stack. */
export function suppressionsFor(stack: IConstruct): SuppressionLookup {
  const entries = registryOf(stack);
  const stackPath = stack.node.path;
  return (ruleId: string, resource: EvaluatedResource) =>
    entries.find(
      (s) =>
        s.ruleId === ruleId &&
        (s.pathPrefix !== undefined
          ? resource.constructPath !== undefined && (resource.constructPath === s.pathPrefix || resource.constructPath.startsWith(`${s.pathPrefix}/`))
          : s.stackId === stack.node.id && stackPath.length > 0 && s.addressPattern!.test(resource.address)),
    )?.reason;
}
