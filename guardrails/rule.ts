/**
 * A guardrail rule is a pure function over one Terraform resource as it appears in JSON (a synthesized
 * stack or a plan's planned values), with the rest of the stack around it. Rules import no construct.
 */

export type Severity = "error" | "warning";

/** One resource: `type`, `address` (`<type>.<name>`) and its attributes in Terraform's snake_case. */
export interface ResourceView {
  readonly type: string;
  readonly address: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface RuleContext {
  /** Every resource of the stack (or plan) the resource belongs to. */
  readonly resources: readonly ResourceView[];
  /** The environment's protection level: protected environments must not lose stateful resources. */
  readonly protected: boolean;
  /** Resources of `type` that refer to the resource at `address` (e.g. the public access block of a bucket). */
  referencing(address: string, type: string): readonly ResourceView[];
  /**
   * Whether the JSON shows meta-arguments such as `lifecycle`: synthesized JSON does, a plan does not.
   * @default true
   */
  readonly lifecycleVisible?: boolean;
}

/**
 * How a value that a plan knows only after apply reaches the rules: an expression, like a reference in
 * synthesized JSON, so no rule reads "unknown" as "not set".
 */
export const UNKNOWN_VALUE = "${known after apply}";

export type RuleResult =
  | { readonly status: "compliant" }
  | { readonly status: "not-applicable" }
  | { readonly status: "non-compliant"; readonly message: string; readonly fix: string };

export interface Rule {
  /** Ours, stable: `MLB-<SERVICE>-<NNN>`, e.g. `MLB-S3-001`. */
  readonly id: string;
  readonly severity: Severity;
  /** Resource types the rule looks at. */
  readonly resourceTypes: readonly string[];
  /** One line: why the rule exists. */
  readonly rationale: string;
  /** Public checks it matches (checkov, trivy, cdk-nag ids); empty where the rule is our own. */
  readonly publicChecks: readonly string[];
  check(resource: ResourceView, context: RuleContext): RuleResult;
}

export const compliant: RuleResult = { status: "compliant" };
export const notApplicable: RuleResult = { status: "not-applicable" };
export function nonCompliant(message: string, fix: string): RuleResult {
  return { status: "non-compliant", message, fix };
}
