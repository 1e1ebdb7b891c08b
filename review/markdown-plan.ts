import { formatFinding } from "../guardrails/engine";
import { MAX_COMMENT_LENGTH, PLAN_MARKER, append, attributeLine, code, countsText, details, escapeText, plural } from "./markdown-format";
import { PlanChange, PlanReport, destroyedStatefulInPlan } from "./plan-summary";
import { own } from "./json-file";

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
  const guardrails = errors > 0 ? `; ${plural(errors, "guardrail error")}` : "";
  if (report.errored) {
    return `❌ plan errored: Terraform stopped at an error and will not apply this plan (see its output)${counts ? `; planned before the error: ${counts}` : ""}${guardrails}`;
  }
  if (counts === "") return `✅ plan: no changes${s.noop > 0 ? ` (${s.noop} unchanged)` : ""}${guardrails}`;
  const tail = destroyed > 0 ? `destroys ${plural(destroyed, "stateful resource")}` : s.delete + s.replace > 0 ? "no stateful resource destroyed" : "nothing destroyed";
  const icon = destroyed > 0 || errors > 0 ? "⚠️" : "✅";
  return `${icon} plan: ${counts}, ${tail}${guardrails}`;
}

/** `replace (create before destroy)`, `import + update`, `no-op` for a pure move or import. */
function actionLabel(c: PlanChange): string {
  const action = c.replacement ? `${c.action} (${c.replacement.replace(/-/g, " ")})` : c.action;
  const parts = [c.imported ? "import" : "", c.movedFrom ? "move" : "", c.action === "no-op" ? "" : action].filter((p) => p !== "");
  return `**${parts.length > 0 ? parts.join(" + ") : action}**`;
}

function changeLine(c: PlanChange, withAttributes: boolean): string[] {
  const reason = c.actionReason ? ` — ${own(REASONS, c.actionReason) ?? c.actionReason} (${code(c.actionReason)})` : "";
  const moved = c.movedFrom ? ` (${code(c.movedFrom)} moved to ${code(c.address)})` : "";
  const imported = c.imported?.id !== undefined ? ` (import id ${code(c.imported.id)})` : "";
  const head = `- ${actionLabel(c)} ${code(c.address)}${c.stateful ? " (stateful)" : ""}${moved}${imported}${reason}`;
  return withAttributes && c.attributes ? [head, ...c.attributes.map((a) => attributeLine(a))] : [head];
}

function render(report: PlanReport, withAttributes: boolean): string {
  const s = report.summary;
  const lines = [planVerdict(report), ""];
  const destroyed = destroyedStatefulInPlan(report);
  if (report.errored || report.failedChecks.length > 0 || destroyed.length > 0 || report.findings.length > 0) {
    lines.push("#### Warnings", "");
    if (report.errored) lines.push("- 🛑 **Errored plan**: `terraform plan` failed; nothing can be applied until the error is fixed and the plan is made again");
    for (const check of report.failedChecks) lines.push(`- 🛑 **Check failed** ${code(check.address)}: ${escapeText(check.problems.join("; ") || "(no message)")}`);
    for (const c of destroyed) lines.push(`- 🛑 **${c.action === "delete" ? "Destroys" : "Replaces"} stateful resource** ${code(c.address)}: what it holds is lost`);
    for (const f of report.findings) lines.push(`- ${f.severity === "error" ? "🛑" : "⚠️"} **Guardrail** ${f.severity}: ${escapeText(formatFinding(f))}`);
    lines.push("");
  }
  lines.push(
    "| create | update | replace | destroy | forget | read | no-op | import | move |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.forget} | ${s.read} | ${s.noop} | ${s.import} | ${s.move} |`,
    "",
  );
  const resources = report.changes.filter((c) => c.type !== "output");
  const destructive = resources.filter((c) => c.action === "delete" || c.action === "replace");
  if (destructive.length > 0) {
    lines.push("#### Destructive changes", "");
    for (const c of destructive) append(lines, changeLine(c, false));
    lines.push("");
  }
  const other = resources.filter((c) => c.action !== "delete" && c.action !== "replace");
  const section = (summary: string, changes: readonly PlanChange[]) => {
    const body: string[] = [];
    for (const c of changes) append(body, changeLine(c, withAttributes));
    append(lines, details(summary, body));
  };
  if (resources.length > 0) section(plural(resources.length, "change"), [...destructive, ...other]);
  if (report.drift.length > 0) section(`Drift: ${plural(report.drift.length, "resource")} changed outside Terraform`, report.drift);
  const outputs = report.changes.filter((c) => c.type === "output");
  if (outputs.length > 0) section(plural(outputs.length, "output change"), outputs);
  if (!withAttributes) lines.push("_Attribute detail left out to fit a comment; `--format json` has it._", "");
  lines.push(PLAN_MARKER);
  return `${lines.join("\n")}\n`;
}

/** A plan summary for a pull request comment (CI appends one per stack below the diff). */
export function renderPlanMarkdown(report: PlanReport, maxLength = MAX_COMMENT_LENGTH): string {
  const full = render(report, true);
  return full.length <= maxLength ? full : render(report, false);
}
