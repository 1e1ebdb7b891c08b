import { formatFinding } from "../guardrails/engine";
import { MAX_COMMENT_LENGTH, PLAN_MARKER, attributeLine, code, countsText, details, escapeText, plural } from "./markdown-format";
import { PlanChange, PlanReport, destroyedStatefulInPlan } from "./plan-summary";

/** Terraform's `action_reason` values, in words. */
const REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "the object is tainted",
  replace_because_cannot_update: "an attribute that cannot change in place changes",
  replace_by_request: "replacement was requested (-replace)",
  replace_by_triggers: "replace_triggered_by fired",
  delete_because_no_resource_config: "its resource block was removed from the configuration",
  delete_because_no_module: "its module call was removed",
  delete_because_wrong_repetition: "count/for_each was added or removed",
  delete_because_count_index: "its count index is out of range",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_move_target: "its moved block has no target",
  read_because_config_unknown: "its configuration is known only after apply",
  read_because_dependency_pending: "a dependency has pending changes",
  read_because_check_nested: "a check block reads it",
};

export function planVerdict(report: PlanReport): string {
  const s = report.summary;
  const counts = countsText(s);
  const destroyed = destroyedStatefulInPlan(report).length;
  const errors = report.findings.filter((f) => f.severity === "error").length;
  if (counts === "") return `✅ plan: no changes${s.noop > 0 ? ` (${s.noop} unchanged)` : ""}${errors > 0 ? `; ${plural(errors, "guardrail error")}` : ""}`;
  const tail = destroyed > 0 ? `destroys ${plural(destroyed, "stateful resource")}` : s.delete + s.replace > 0 ? "no stateful resource destroyed" : "nothing destroyed";
  const icon = destroyed > 0 || errors > 0 ? "⚠️" : "✅";
  return `${icon} plan: ${counts}, ${tail}${errors > 0 ? `; ${plural(errors, "guardrail error")}` : ""}`;
}

function changeLine(c: PlanChange, withAttributes: boolean): string[] {
  const reason = c.actionReason ? ` — ${REASONS[c.actionReason] ?? c.actionReason} (${code(c.actionReason)})` : "";
  const head = `- **${c.action}** ${code(c.address)}${c.stateful ? " (stateful)" : ""}${reason}`;
  return withAttributes && c.attributes ? [head, ...c.attributes.map((a) => attributeLine(a))] : [head];
}

function render(report: PlanReport, withAttributes: boolean): string {
  const s = report.summary;
  const lines = [planVerdict(report), ""];
  const destroyed = destroyedStatefulInPlan(report);
  if (destroyed.length > 0 || report.findings.length > 0) {
    lines.push("#### Warnings", "");
    for (const c of destroyed) lines.push(`- 🛑 **${c.action === "delete" ? "Destroys" : "Replaces"} stateful resource** ${code(c.address)}: what it holds is lost`);
    for (const f of report.findings) lines.push(`- ${f.severity === "error" ? "🛑" : "⚠️"} **Guardrail** ${f.severity}: ${escapeText(formatFinding(f))}`);
    lines.push("");
  }
  lines.push("| create | update | replace | destroy | read | no-op |", "|--:|--:|--:|--:|--:|--:|", `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.read} | ${s.noop} |`, "");
  const resources = report.changes.filter((c) => c.type !== "output");
  const destructive = resources.filter((c) => c.action === "delete" || c.action === "replace");
  if (destructive.length > 0) lines.push("#### Destructive changes", "", ...destructive.flatMap((c) => changeLine(c, false)), "");
  const other = resources.filter((c) => c.action !== "delete" && c.action !== "replace");
  if (resources.length > 0) {
    lines.push(...details(`${plural(resources.length, "change")}`, [...destructive, ...other].flatMap((c) => changeLine(c, withAttributes))));
  }
  if (report.drift.length > 0) lines.push(...details(`Drift: ${plural(report.drift.length, "resource")} changed outside Terraform`, report.drift.flatMap((c) => changeLine(c, withAttributes))));
  const outputs = report.changes.filter((c) => c.type === "output");
  if (outputs.length > 0) lines.push(...details(`${plural(outputs.length, "output change")}`, outputs.flatMap((c) => changeLine(c, withAttributes))));
  if (!withAttributes) lines.push("_Attribute detail left out to fit a comment; `--format json` has it._", "");
  lines.push(PLAN_MARKER);
  return `${lines.join("\n")}\n`;
}

/** A plan summary for a pull request comment (CI appends one per stack below the diff). */
export function renderPlanMarkdown(report: PlanReport, maxLength = MAX_COMMENT_LENGTH): string {
  const full = render(report, true);
  return full.length <= maxLength ? full : render(report, false);
}
