import { formatFinding, type Finding } from "../guardrails/engine";
import type { Change, StackDiff } from "./diff";
import { environmentOf } from "./order";
import { replacementAdvice } from "./replacement";

export type WarningKind =
  | "destroy-stateful"
  | "replace-stateful"
  | "protection-removed"
  | "guardrail"
  | "iam"
  | "security-group"
  | "backend"
  | "stack-removed";

/** Something a reviewer must look at before approving, loudest first. */
export interface Warning {
  readonly kind: WarningKind;
  readonly environment: string;
  readonly stack: string;
  /** The resources (or finding addresses) concerned. */
  readonly addresses: readonly string[];
  readonly message: string;
}

const KIND_ORDER: readonly WarningKind[] = ["destroy-stateful", "replace-stateful", "protection-removed", "guardrail", "stack-removed", "backend", "iam", "security-group"];

export const isIamType = (type: string) => type.startsWith("aws_iam_");
export const isSecurityGroupType = (type: string) => /^aws_(default_)?security_group/.test(type) || type.startsWith("aws_vpc_security_group_");

/** True when the change removes `lifecycle.prevent_destroy` from a resource. */
function removesProtection(change: Change): boolean {
  return (change.attributes ?? []).some((a) => a.path === "lifecycle.prevent_destroy" && a.before === true && a.after !== true);
}

function listed(changes: readonly Change[]): string {
  const byAction = new Map<string, string[]>();
  for (const c of changes) byAction.set(c.action, [...(byAction.get(c.action) ?? []), c.address]);
  const verbs: Record<string, string> = { create: "created", update: "updated", replace: "replaced", delete: "deleted" };
  return [...byAction].map(([action, addresses]) => `${addresses.length} ${verbs[action]} (${addresses.join(", ")})`).join("; ");
}

/** The warnings a change deserves: stateful losses, introduced guardrail findings, IAM, security groups, state backends. */
export function warningsOf(stacks: readonly StackDiff[], introduced: readonly Finding[]): Warning[] {
  const warnings: Warning[] = [];
  for (const s of stacks) {
    const at = { environment: s.environment, stack: s.stack };
    const removed = s.status === "removed";
    for (const c of s.changes) {
      if (!c.stateful) continue;
      if (c.action === "delete") {
        warnings.push({
          kind: "destroy-stateful",
          ...at,
          addresses: [c.address],
          message: removed
            ? `${s.stack}: ${c.address} belongs to a stack that is no longer synthesized: destroying that stack loses what it holds`
            : `${s.stack}: ${c.address} is destroyed: what it holds is lost`,
        });
      } else if (c.action === "replace") {
        const forced = (c.attributes ?? []).filter((a) => a.forcesReplacement).map((a) => a.path);
        const why = forced.length > 0 ? `${forced.join(", ")} cannot change in place` : "a value it depends on changes";
        const guard = c.preventDestroy ? "; it has lifecycle.prevent_destroy, so the apply will stop here" : "";
        const advice = replacementAdvice(c.type);
        warnings.push({
          kind: "replace-stateful",
          ...at,
          addresses: [c.address],
          message: `${s.stack}: ${c.address} is replaced (${why}): the old one is destroyed with what it holds${guard}${advice ? `. Instead: ${advice}` : ""}`,
        });
      } else if (c.action === "update" && removesProtection(c)) {
        warnings.push({ kind: "protection-removed", ...at, addresses: [c.address], message: `${s.stack}: ${c.address} loses lifecycle.prevent_destroy` });
      }
    }
    if (removed) {
      warnings.push({
        kind: "stack-removed",
        ...at,
        addresses: [],
        message: `${s.stack} is no longer synthesized: \`cdktf deploy\` leaves its ${s.changes.length} resources in place, unmanaged; run \`cdktf destroy ${s.stack}\` first if they are to go`,
      });
    }
    const backend = s.changes.find((c) => c.address === "terraform.backend" && c.action === "update");
    if (backend) {
      warnings.push({ kind: "backend", ...at, addresses: [backend.address], message: `${s.stack}: the state backend changes: its state must be migrated (terraform init -migrate-state) before the next deploy` });
    }
    const iam = s.changes.filter((c) => isIamType(c.type) && !removed);
    if (iam.length > 0) warnings.push({ kind: "iam", ...at, addresses: iam.map((c) => c.address), message: `${s.stack}: IAM changes: ${listed(iam)}` });
    const groups = s.changes.filter((c) => isSecurityGroupType(c.type) && !removed);
    if (groups.length > 0) warnings.push({ kind: "security-group", ...at, addresses: groups.map((c) => c.address), message: `${s.stack}: security group changes: ${listed(groups)}` });
  }
  for (const finding of introduced) {
    const stack = finding.address.split("/")[0];
    warnings.push({ kind: "guardrail", environment: environmentOf(stack), stack, addresses: [finding.address], message: `${finding.severity}: ${formatFinding(finding)}` });
  }
  return warnings
    .map((w, i) => ({ w, i }))
    .sort((a, b) => KIND_ORDER.indexOf(a.w.kind) - KIND_ORDER.indexOf(b.w.kind) || a.i - b.i)
    .map(({ w }) => w);
}
