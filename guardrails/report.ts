import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GuardrailRun } from "./apply";
import { formatFinding } from "./engine";

/**
 * Writes `<name>.json` and `<name>.md` (by default `guardrails.json` and `guardrails.md`) into `outdir`: per stack,
 * rules run, findings, suppressions with reasons.
 */
export function writeGuardrailReport(run: GuardrailRun, outdir: string, name = "guardrails"): void {
  const stacks = run.stacks;
  const json = {
    rules: run.rules.map((r) => ({ id: r.id, severity: r.severity, rationale: r.rationale, publicChecks: r.publicChecks })),
    stacks: stacks.map((s) => ({ stack: s.stack, protected: s.protected, rulesRun: s.rulesRun, findings: s.findings })),
  };
  writeFileSync(join(outdir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);

  const lines = [
    "# Guardrails report",
    "",
    `${run.rules.length} rules over ${stacks.length} stacks: ${run.violations.length} unsuppressed errors.`,
    "",
    "| stack | protected | errors | warnings | suppressed |",
    "|---|---|---|---|---|",
    ...stacks.map((s) => {
      const open = s.findings.filter((f) => !f.suppressed);
      return `| ${s.stack} | ${s.protected ? "yes" : "no"} | ${open.filter((f) => f.severity === "error").length} | ${open.filter((f) => f.severity === "warning").length} | ${s.findings.length - open.length} |`;
    }),
  ];
  for (const s of stacks.filter((stack) => stack.findings.length > 0)) {
    lines.push("", `## ${s.stack}`, "");
    for (const f of s.findings) {
      lines.push(`- ${f.suppressed ? "suppressed" : f.severity}: ${formatFinding(f)}${f.suppressed ? ` — reason: ${f.reason}` : ""}`);
    }
  }
  writeFileSync(join(outdir, `${name}.md`), `${lines.join("\n")}\n`);
}
