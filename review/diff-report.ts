import type { Finding } from "../guardrails/engine";
import type { Rule } from "../guardrails/rule";
import { ALL_RULES } from "../guardrails/rules";
import { StackDiff, diffStacks, environmentsOf } from "./diff";
import { introducedFindings } from "./findings";
import type { SynthOutput } from "./synth-output";
import { type MaturityRow, maturityChanges } from "./maturity";
import { VersionsTable, versionsTable } from "./versions";
import { Warning, warningsOf } from "./warnings";

/** Everything `review diff` reports about a change between two synth outputs. */
export interface DiffReport {
  /** Environments of base and head, in promotion order. */
  readonly environments: readonly string[];
  readonly stacks: readonly StackDiff[];
  /** Loudest first. */
  readonly warnings: readonly Warning[];
  readonly versions: VersionsTable;
  /** Each endpoint's MLOps maturity level after the change (and before it), when head has a maturity report. */
  readonly maturity: readonly MaturityRow[];
  /** Guardrail findings in head that base did not have (unsuppressed). */
  readonly introducedFindings: readonly Finding[];
  /** The git ref the base was synthesized from, when it was one. */
  readonly baseRef?: string;
}

export interface DiffOptions {
  /** @default ALL_RULES */
  readonly rules?: readonly Rule[];
  readonly baseRef?: string;
}

export function reviewDiff(base: SynthOutput, head: SynthOutput, options: DiffOptions = {}): DiffReport {
  const environments = environmentsOf(base, head);
  const stacks = diffStacks(base, head);
  const introduced = introducedFindings(base, head, options.rules ?? ALL_RULES);
  return {
    environments,
    stacks,
    warnings: warningsOf(stacks, introduced),
    versions: versionsTable(base, head, environments),
    maturity: maturityChanges(base.maturity, head.maturity ?? []),
    introducedFindings: introduced,
    ...(options.baseRef !== undefined ? { baseRef: options.baseRef } : {}),
  };
}

/** Stateful resources the change destroys: deleted or replaced (a replacement destroys the old one). */
export function destroyedStateful(report: DiffReport): { stack: string; address: string }[] {
  return report.stacks.flatMap((s) =>
    s.changes.filter((c) => c.stateful && (c.action === "delete" || c.action === "replace")).map((c) => ({ stack: s.stack, address: c.address })),
  );
}
