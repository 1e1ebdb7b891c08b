import { IConstruct } from "constructs";
import { Aspects, IAspect, TerraformResource } from "cdktf";
import { DELETION_PROTECTION, STATEFUL_RESOURCE_TYPES } from "./stateful";

/**
 * Puts `lifecycle.prevent_destroy` and the service's own deletion protection on every stateful
 * resource under a scope, including resources added after this call and those of other teams' constructs.
 */
export class StatefulResourceProtection implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource) || !STATEFUL_RESOURCE_TYPES.has(node.terraformResourceType)) return;
    node.lifecycle = { ...node.lifecycle, preventDestroy: true };
    for (const [attribute, value] of Object.entries(DELETION_PROTECTION[node.terraformResourceType] ?? {})) {
      node.addOverride(attribute, value);
    }
  }
}

/** Protects every stateful resource under `scope` (see StatefulResourceProtection). */
export function protectStatefulResources(scope: IConstruct): void {
  Aspects.of(scope).add(new StatefulResourceProtection());
}
