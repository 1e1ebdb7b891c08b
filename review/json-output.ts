import type { Change } from "./diff";
import type { DiffReport } from "./diff-report";
import type { PlanReport } from "./plan-summary";

function change(c: Change) {
  return { address: c.address, type: c.type, action: c.action, stateful: c.stateful, ...(c.attributes ? { attributes: c.attributes } : {}) };
}

/**
 * `review diff --format json` (contract): `{ stacks: [{ stack, environment, summary, changes }], warnings, versions, maturity }`.
 * `changes` lists stack settings too (`terraform.backend`, `provider.aws`, `output.x`, `data.x.y`), which the
 * summary, like Terraform's, does not count.
 */
export function renderDiffJson(report: DiffReport): string {
  const json = {
    stacks: report.stacks.map((s) => ({ stack: s.stack, environment: s.environment, summary: s.summary, changes: s.changes.map(change) })),
    warnings: report.warnings,
    versions: report.versions,
    maturity: report.maturity,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** `review plan --format json` (contract): `{ errored, failedChecks, summary, changes, drift, findings }`. */
export function renderPlanJson(report: PlanReport): string {
  const json = { errored: report.errored, failedChecks: report.failedChecks, summary: report.summary, changes: report.changes, drift: report.drift, findings: report.findings };
  return `${JSON.stringify(json, null, 2)}\n`;
}
