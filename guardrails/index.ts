export { applyGuardrails, checkGuardrails, GuardrailRun, GuardrailViolationError, type GuardrailOptions, type StackGuardrailResult } from "./apply";
export { evaluate, formatFinding, referencingByAttributes, resourcesOfStackJson, type Finding, type EvaluatedResource, type EvaluateOptions } from "./engine";
export { writeGuardrailReport } from "./report";
export { GuardrailSuppressionError, suppressGuardrail, suppressGuardrailByAddress, MIN_REASON_LENGTH } from "./suppressions";
export { ALL_RULES } from "./rules";
// What a team's own rules are written with: the same vocabulary as ours.
export {
  attached,
  block,
  blocks,
  bool,
  defineRule,
  dig,
  isReference,
  isSet,
  num,
  policyStatements,
  refersTo,
  resourcesOfType,
  str,
  strings,
  type Attributes,
} from "./rules/attributes";
export { compliant, nonCompliant, notApplicable, type Rule, type RuleContext, type RuleResult, type ResourceView, type Severity } from "./rule";
export { PROTECTED_CONTEXT_KEY } from "./protection-context";
