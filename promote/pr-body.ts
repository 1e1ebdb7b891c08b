/** The pull request a promotion opens: what changes, and the evidence a reviewer approves it on. */
import type { Promotion } from "./promotion";

const versionOf = (arn: string) => arn.split("/").slice(-2).join("/");
const cell = (value: number | undefined) => (value === undefined ? "–" : String(value));
/** Markdown-safe text from the registry (approver names, descriptions). */
const safe = (text: string) => text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");

export function pullRequestBody(promotion: Promotion): string {
  const { environment, endpointIndex, fromArn, toArn, gate, evidence } = promotion;
  const endpoint = environment.serving.endpoints[endpointIndex];
  const approver = evidence.LastModifiedBy?.UserProfileName ?? evidence.LastModifiedBy?.IamIdentity?.Arn;
  const baseline = evidence.DriftCheckBaselines?.ModelDataQuality?.Constraints?.S3Uri ?? evidence.ModelMetrics?.ModelDataQuality?.Constraints?.S3Uri;
  const sampling = endpoint.dataCapture.samplingPercent;
  const lines = [
    `### Promote ${endpoint.name} in ${environment.name}: \`${versionOf(fromArn)}\` → \`${versionOf(toArn)}\``,
    "",
    `- From \`${fromArn}\``,
    `- To \`${toArn}\` (${evidence.ModelApprovalStatus}${approver ? ` by ${safe(approver)}` : ""}${evidence.LastModifiedTime ? ` at ${safe(evidence.LastModifiedTime)}` : ""})`,
    ...(evidence.ApprovalDescription ? [`- Approval note: ${safe(evidence.ApprovalDescription)}`] : []),
    "",
    "| metric | this version | minimum | served now | |",
    "|---|---|---|---|---|",
    ...gate.metrics.map((m) => `| ${safe(m.name)} | ${cell(m.value)} | ${cell(m.minimum)} | ${cell(m.current)} | ${m.ok ? "✅" : "❌"} |`),
    ...(gate.metrics.length === 0 ? ["| (none declared or reported) | | | | |"] : []),
    "",
    `- Baseline constraints: ${baseline ? `\`${baseline}\` (the package's)` : "none in the package"}${endpoint.drift ? `; drift monitoring compares with \`${endpoint.drift.baselineConstraintsUri}\`` : ""}`,
    `- Data capture: ${sampling > 0 ? `on, ${sampling} % of requests` : "off"}${endpoint.drift ? ", drift monitoring on" : ""}`,
    `- Rollout: ${endpoint.rollout.type}${"canaryPercent" in endpoint.rollout ? ` (${endpoint.rollout.canaryPercent} % first)` : ""}, rolled back on the endpoint's alarms`,
    "",
    "Checked by `npm run promote`: the version is approved, every declared minimum is met, and the schema accepts every environment with this change.",
  ];
  return `${lines.join("\n")}\n`;
}
