export { applyGuardrails, checkGuardrails, GuardrailRun, GuardrailViolationError, type GuardrailOptions, type StackGuardrailResult } from "./apply";
export { evaluate, formatFinding, referencingByAttributes, resourcesOfStackJson, type Finding, type EvaluatedResource, type EvaluateOptions } from "./engine";
export { writeGuardrailReport } from "./report";
export { suppressGuardrail, suppressGuardrailByAddress, MIN_REASON_LENGTH } from "./suppressions";
export { ALL_RULES } from "./rules";
export type { Rule, RuleContext, RuleResult, ResourceView, Severity } from "./rule";
export { PROTECTED_CONTEXT_KEY } from "./protection-context";
