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

function checkReason(ruleId: string, reason: string | undefined, where: string): string {
  const trimmed = (reason ?? "").trim();
  if (!/^MLB-[A-Z0-9]+-\d{3}$/.test(ruleId)) throw new Error(`${where}: "${ruleId}" is not a guardrail rule id (MLB-<AREA>-<NNN>)`);
  if (trimmed.length < MIN_REASON_LENGTH) {
    throw new Error(`${where}: suppressing ${ruleId} needs a reason of at least ${MIN_REASON_LENGTH} characters that a reviewer can judge; got "${trimmed}"`);
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

/** The rule ids suppressed anywhere under `scope`'s app, with where each was suppressed. */
export function suppressedRuleIds(scope: IConstruct): { ruleId: string; where: string }[] {
  return registryOf(scope).map((s) => ({ ruleId: s.ruleId, where: s.pathPrefix ?? `${s.stackId}/${s.addressPattern?.source ?? ""}` }));
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
