/**
 * Protected environments must not be able to lose stateful resources: `lifecycle.prevent_destroy` on every type in
 * STATEFUL_RESOURCE_TYPES, and the service's own deletion protection (DELETION_PROTECTION) at its protected value.
 * Not applicable in unprotected environments.
 *
 * `lifecycle` is a meta-argument: Terraform keeps it out of a plan's planned values (and out of the plan's
 * configuration section), so MLB-PROTECT-001 can only be judged on synthesized JSON; over a plan it does not apply.
 */
import { DELETION_PROTECTION, STATEFUL_RESOURCE_TYPES } from "../../constructs/core/stateful";
import { Rule, compliant, nonCompliant, notApplicable } from "../rule";
import { block, bool, defineRule, isReference, shown } from "./attributes";

const preventDestroy = defineRule({
  id: "MLB-PROTECT-001",
  severity: "error",
  resourceTypes: [...STATEFUL_RESOURCE_TYPES],
  rationale: "In a protected environment, a plan that would destroy (or replace) a resource holding data must fail instead of losing it.",
  publicChecks: [],
  check(resource, context) {
    if (!context.protected || context.lifecycleVisible === false) return notApplicable;
    const value = block(resource.attributes.lifecycle)?.prevent_destroy;
    if (bool(value) === true) return compliant;
    return nonCompliant(
      `lifecycle.prevent_destroy is ${shown(value)}: a plan can destroy or replace this ${resource.type} and its data`,
      "set lifecycle.prevent_destroy = true (the protection aspect of PlatformStack does it for stacks of protected environments)",
    );
  },
});

/** What losing each protection allows, for the message. */
const CONSEQUENCE: Readonly<Record<string, string>> = {
  force_destroy: "destroying the bucket deletes every object in it",
  force_delete: "destroying the repository deletes every image in it",
  deletion_protection_enabled: "anyone allowed to delete it can, without turning protection off first",
  deletion_protection: "anyone allowed to delete it can, without turning protection off first",
};

const deletionProtection = defineRule({
  id: "MLB-PROTECT-002",
  severity: "error",
  resourceTypes: Object.keys(DELETION_PROTECTION),
  rationale: "In a protected environment, the service's own deletion protection also stops deletions made outside Terraform (console, CLI, another tool).",
  publicChecks: [],
  check(resource, context) {
    if (!context.protected) return notApplicable;
    const expected = DELETION_PROTECTION[resource.type] ?? {};
    const attributes = resource.attributes;
    const wrong = Object.entries(expected).filter(([attribute, protectedValue]) => {
      const value = attributes[attribute];
      if (isReference(value)) return false;
      // Every one of these flags defaults to false when unset.
      return (bool(value) ?? false) !== protectedValue;
    });
    if (wrong.length === 0) return compliant;
    return nonCompliant(
      wrong.map(([attribute]) => `${attribute} is ${shown(attributes[attribute])}: ${CONSEQUENCE[attribute] ?? "the resource is not protected against deletion"}`).join("; "),
      `set ${wrong.map(([attribute, protectedValue]) => `${attribute} = ${protectedValue}`).join(", ")}`,
    );
  },
});

export const protectionRules: readonly Rule[] = [preventDestroy, deletionProtection];
