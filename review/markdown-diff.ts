import type { Change, StackDiff } from "./diff";
import { DiffReport, destroyedStateful } from "./diff-report";
import { COMMENT_MARKER, MAX_COMMENT_LENGTH, attributeLine, code, countsText, details, escapeText, plural } from "./markdown-format";
import { expectedReplacement } from "./replacement";
import type { MaturityRow } from "./maturity";
import type { VersionCell, VersionsTable } from "./versions";
import type { Warning } from "./warnings";

/** How much detail fits: everything, attributes cut per resource, no attributes, no detail blocks. */
type Detail = "full" | "short" | "addresses" | "none";
const ATTRIBUTES_WHEN_SHORT = 12;

/** The first line: one sentence a reviewer can act on. */
export function diffVerdict(report: DiffReport): string {
  const envs = plural(report.environments.length, "environment");
  const changed = report.stacks.filter((s) => s.status !== "unchanged");
  if (changed.length === 0) return `✅ ${envs}, no change`;
  const total = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const s of changed) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += s.summary[k];
  const counts = countsText(total) || "stack settings only";
  const destroyed = destroyedStateful(report).length;
  const tail =
    destroyed > 0
      ? `destroys ${plural(destroyed, "stateful resource")}`
      : total.delete + total.replace > 0
        ? "no stateful resource destroyed"
        : "nothing destroyed";
  const others = report.warnings.filter((w) => w.kind !== "destroy-stateful" && w.kind !== "replace-stateful").length;
  const icon = report.warnings.length > 0 ? "⚠️" : "✅";
  const stacks = `${plural(changed.length, "stack")} ${changed.length === 1 ? "changes" : "change"}`;
  return `${icon} ${envs}, ${stacks}: ${counts}, ${tail}${others > 0 ? `; ${plural(others, "warning")}` : ""}`;
}

function warningLine(w: Warning): string {
  const loud = w.kind === "destroy-stateful" || w.kind === "replace-stateful" || w.kind === "protection-removed" || (w.kind === "guardrail" && w.message.startsWith("error"));
  const label: Record<Warning["kind"], string> = {
    "destroy-stateful": "Destroys stateful resource",
    "replace-stateful": "Replaces stateful resource",
    "protection-removed": "Protection removed",
    guardrail: "Guardrail",
    "stack-removed": "Stack removed",
    backend: "State backend",
    iam: "IAM",
    "security-group": "Security groups",
  };
  // Addresses read as code; the rest is text.
  let message = escapeText(w.message);
  for (const address of [...w.addresses].sort((a, b) => b.length - a.length)) message = message.split(escapeText(address)).join(code(address));
  return `- ${loud ? "🛑" : "⚠️"} **${label[w.kind]}** ${message}`;
}

function changeLines(c: Change, detail: Detail): string[] {
  const notes: string[] = [];
  if (c.stateful) notes.push("stateful");
  if (c.dependsOnChanged) notes.push(`follows ${c.dependsOnChanged.map((a) => code(a)).join(", ")}`);
  const expected = c.action === "replace" ? expectedReplacement(c.type) : undefined;
  if (expected) notes.push(`expected: ${expected}`);
  const head = `- **${c.action}** ${code(c.address)}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  if (detail === "addresses" || !c.attributes) return [head];
  const attributes = detail === "short" ? c.attributes.slice(0, ATTRIBUTES_WHEN_SHORT) : c.attributes;
  const cut = c.attributes.length - attributes.length;
  return [head, ...attributes.map((a) => attributeLine(a)), ...(cut > 0 ? [`  - … and ${plural(cut, "more attribute")} (see --format json)`] : [])];
}

function stackSummary(s: StackDiff): string {
  const counts = countsText(s.summary);
  const settings = s.changes.filter((c) => c.setting).length;
  const parts = [counts, settings > 0 ? `${plural(settings, "setting")} changed` : ""].filter((p) => p !== "");
  const status = s.status === "added" ? " (new stack)" : s.status === "removed" ? " (no longer synthesized)" : "";
  return `${s.stack}${status}: ${parts.join(", ")}`;
}

function environmentSection(env: string, stacks: readonly StackDiff[], detail: Detail): string[] {
  const changed = stacks.filter((s) => s.status !== "unchanged");
  const unchanged = stacks.filter((s) => s.status === "unchanged");
  if (changed.length === 0) return [`### ${env}: no change (${plural(stacks.length, "stack")})`, ""];
  const lines = [
    `### ${env}: ${plural(changed.length, "stack")} of ${stacks.length} ${changed.length === 1 ? "changes" : "change"}`,
    "",
    "| stack | create | update | replace | destroy | stateful destroyed |",
    "|---|--:|--:|--:|--:|--:|",
    ...changed.map((s) => {
      const lost = s.changes.filter((c) => c.stateful && (c.action === "delete" || c.action === "replace")).length;
      const note = s.status === "added" ? " (new)" : s.status === "removed" ? " (removed)" : "";
      return `| ${s.stack}${note} | ${s.summary.create} | ${s.summary.update} | ${s.summary.replace} | ${s.summary.delete} | ${lost > 0 ? `🛑 ${lost}` : "0"} |`;
    }),
    "",
  ];
  if (unchanged.length > 0) lines.push(`No change: ${unchanged.map((s) => s.stack).join(", ")}.`, "");
  if (detail !== "none") {
    for (const s of changed) lines.push(...details(stackSummary(s), s.changes.flatMap((c) => changeLines(c, detail))));
  }
  return lines;
}

function cellText(cell: VersionCell): string {
  const value = cell.value === null ? "—" : code(shortVersion(cell.value), true);
  const marked = cell.changed ? `**${value}** (was ${cell.base === null ? "—" : code(shortVersion(cell.base), true)})` : value;
  return cell.differs ? `≠ ${marked}` : marked;
}

/** A model package ARN as `<group>/<version>`; other values as they are. */
function shortVersion(value: string): string {
  return value.replace(/arn:aws[\w-]*:sagemaker:[\w-]+:\d+:model-package\//g, "");
}

function versionsSection(table: VersionsTable): string[] {
  if (table.rows.length === 0) return [];
  return [
    "### Versions across environments",
    "",
    `| | ${table.environments.join(" | ")} |`,
    `|---|${table.environments.map(() => "---").join("|")}|`,
    ...table.rows.map((row) => `| ${row.item} | ${table.environments.map((env) => cellText(row.cells[env])).join(" | ")} |`),
    "",
    "**bold**: changed by this pull request · ≠: differs from the nearest environment before it that has it",
    "",
  ];
}

function maturitySection(rows: readonly MaturityRow[]): string[] {
  if (rows.length === 0) return [];
  const level = (row: MaturityRow) =>
    row.baseLevel !== undefined && row.baseLevel !== row.level ? `**${row.level} ${row.name}** (was ${row.baseLevel})` : `${row.level} ${row.name}`;
  return [
    "### MLOps maturity",
    "",
    "| environment | endpoint | level | required | next level needs |",
    "|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.environment} | ${row.endpoint} | ${level(row)} | ${row.minimumLevel ?? "–"} | ${row.missing.join("; ") || "–"} |`),
    "",
    "Levels and their criteria: README, \"The continuous training loop\".",
    "",
  ];
}

function render(report: DiffReport, detail: Detail): string {
  const lines = [diffVerdict(report), ""];
  if (report.warnings.length > 0) lines.push("#### Warnings", "", ...report.warnings.map(warningLine), "");
  for (const env of report.environments) lines.push(...environmentSection(env, report.stacks.filter((s) => s.environment === env), detail));
  lines.push(...versionsSection(report.versions));
  lines.push(...maturitySection(report.maturity));
  if (detail !== "full") lines.push(`_Detail shortened to fit a comment; \`npm run review -- diff ... --format json\` has all of it._`, "");
  const base = report.baseRef ? ` against ${code(report.baseRef)}` : "";
  lines.push(`<sub>Offline review of the synthesized Terraform${base}; a \`terraform plan\` is the authority on what applies.</sub>`, "", COMMENT_MARKER);
  return `${lines.join("\n")}\n`;
}

/** The pull request comment for a diff: verdict, warnings, a table per environment, collapsed detail, versions. */
export function renderDiffMarkdown(report: DiffReport, maxLength = MAX_COMMENT_LENGTH): string {
  let text = "";
  for (const detail of ["full", "short", "addresses", "none"] as const) {
    text = render(report, detail);
    if (text.length <= maxLength) break;
  }
  return text;
}
