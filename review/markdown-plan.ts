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
  const checks = report.failedChecks.length;
  const guardrails = `${errors > 0 ? `; ${plural(errors, "guardrail error")}` : ""}${checks > 0 ? `; ${plural(checks, "failed check")}` : ""}`;
  if (report.errored) {
    return `❌ plan errored: Terraform stopped at an error and will not apply this plan (see its output)${counts ? `; planned before the error: ${counts}` : ""}${guardrails}`;
  }
  const icon = destroyed > 0 || errors > 0 || checks > 0 ? "⚠️" : "✅";
  if (counts === "") {
    const outputs = report.changes.filter((c) => c.type === "output").length;
    return `${icon} plan: ${outputs > 0 ? `no resource changes, ${plural(outputs, "output change")}` : "no changes"}${s.noop > 0 ? ` (${s.noop} unchanged)` : ""}${guardrails}`;
  }
  const tail = destroyed > 0 ? `destroys ${plural(destroyed, "stateful resource")}` : s.delete + s.replace > 0 ? "no stateful resource destroyed" : "nothing destroyed";
  return `${icon} plan: ${counts}, ${tail}${guardrails}`;
}

/** `replace (create before destroy)`, `import + update`, `no-op` for a pure move or import. */
function actionLabel(c: PlanChange): string {
  const action = c.replacement ? `${c.action} (${c.replacement.replace(/-/g, " ")})` : c.action;
  const parts = [c.imported ? "import" : "", c.movedFrom ? "move" : "", c.action === "no-op" ? "" : action].filter((p) => p !== "");
  return `**${parts.length > 0 ? parts.join(" + ") : action}**`;
}

/** Addresses are short; one that is not (a damaged plan) is cut rather than carried whole into a comment. */
const shortened = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

function changeLine(c: PlanChange, withAttributes: boolean): string[] {
  const reason = c.actionReason ? ` — ${own(REASONS, c.actionReason) ?? c.actionReason} (${code(c.actionReason)})` : "";
  const moved = c.movedFrom ? ` (${code(c.movedFrom)} moved to ${code(c.address)})` : "";
  const imported = c.imported?.id !== undefined ? ` (import id ${code(c.imported.id)})` : "";
  const head = `- ${actionLabel(c)} ${code(shortened(c.address))}${c.stateful ? " (stateful)" : ""}${moved}${imported}${reason}`;
  return withAttributes && c.attributes ? [head, ...c.attributes.map((a) => attributeLine(a))] : [head];
}

/** How much a comment can carry: everything, the changes without attribute detail, or counts and warnings only. */
type Detail = "attributes" | "addresses" | "summary";

/** At most `max` lines, then one that says how many were left out. */
const capped = (lines: readonly string[], max: number): string[] => (lines.length <= max ? [...lines] : [...lines.slice(0, max), `- … and ${lines.length - max} more (\`--format json\` lists them all)`]);

function render(report: PlanReport, detail: Detail): string {
  const s = report.summary;
  const lines = [planVerdict(report), ""];
  const destroyed = destroyedStatefulInPlan(report);
  const limit = detail === "summary" ? 50 : Number.POSITIVE_INFINITY;
  if (report.errored || report.failedChecks.length > 0 || destroyed.length > 0 || report.findings.length > 0) {
    lines.push("#### Warnings", "");
    if (report.errored) lines.push("- 🛑 **Errored plan**: `terraform plan` failed; nothing can be applied until the error is fixed and the plan is made again");
    const warnings = [
      ...report.failedChecks.map((check) => `- 🛑 **Check failed** ${code(shortened(check.address))}: ${escapeText(check.problems.join("; ") || "(no message)")}`),
      ...destroyed.map((c) => `- 🛑 **${c.action === "replace" ? "Replaces" : "Destroys"} stateful resource** ${code(shortened(c.address))}: what it holds is lost`),
      ...report.findings.map((f) => `- ${f.severity === "error" ? "🛑" : "⚠️"} **Guardrail** ${f.severity}: ${escapeText(formatFinding(f))}`),
    ];
    append(lines, capped(warnings, limit));
    lines.push("");
  }
  lines.push(
    "| create | update | replace | destroy | forget | read | no-op | import | move | other |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.forget} | ${s.read} | ${s.noop} | ${s.import} | ${s.move} | ${s.other} |`,
    "",
  );
  const resources = report.changes.filter((c) => c.type !== "output");
  const destructive = resources.filter((c) => c.action === "replace" || c.action.split("+").includes("delete"));
  if (destructive.length > 0) {
    lines.push("#### Destructive changes", "");
    append(lines, capped(destructive.flatMap((c) => changeLine(c, false)), limit));
    lines.push("");
  }
  if (detail === "summary") {
    lines.push("_The list of changes is left out to fit a comment; `--format json` has every change and its attributes._", "", PLAN_MARKER);
    return `${lines.join("\n")}\n`;
  }
  const rest = resources.filter((c) => !destructive.includes(c));
  const section = (summary: string, changes: readonly PlanChange[]) => {
    const body: string[] = [];
    for (const c of changes) append(body, changeLine(c, detail === "attributes"));
    append(lines, details(summary, body));
  };
  if (resources.length > 0) section(plural(resources.length, "change"), [...destructive, ...rest]);
  if (report.drift.length > 0) section(`Drift: ${plural(report.drift.length, "resource")} changed outside Terraform`, report.drift);
  const outputs = report.changes.filter((c) => c.type === "output");
  if (outputs.length > 0) section(plural(outputs.length, "output change"), outputs);
  if (detail === "addresses") lines.push("_Attribute detail left out to fit a comment; `--format json` has it._", "");
  lines.push(PLAN_MARKER);
  return `${lines.join("\n")}\n`;
}

/** A plan summary for a pull request comment (CI appends one per stack below the diff). */
export function renderPlanMarkdown(report: PlanReport, maxLength = MAX_COMMENT_LENGTH): string {
  for (const detail of ["attributes", "addresses"] as const) {
    const text = render(report, detail);
    if (text.length <= maxLength) return text;
  }
  return render(report, "summary");
}
