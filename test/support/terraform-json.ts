import { Testing, TerraformStack } from "cdktf";

/** A synthesized stack as Terraform JSON. */
export interface TerraformJson {
  terraform?: { backend?: Record<string, Record<string, unknown>> };
  provider?: Record<string, Record<string, unknown>[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

const synthesized = new WeakMap<TerraformStack, TerraformJson>();

/** The stack's Terraform JSON, synthesized once per stack: add nothing to a stack after its first synth. */
export function synthJson(stack: TerraformStack): TerraformJson {
  let json = synthesized.get(stack);
  if (!json) {
    json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    synthesized.set(stack, json);
  }
  return json;
}

/** Resources of one type, as [name, attributes] pairs. */
export function resourcesOfType(json: TerraformJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.resource?.[type] ?? {});
}

/** Every resource of the stack with its type. */
export function allResources(json: TerraformJson): { type: string; name: string; attributes: Record<string, unknown> }[] {
  return Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, attributes]) => ({ type, name, attributes })),
  );
}

/** Parses a policy document attribute (rendered as a JSON string). */
export function policyOf(attributes: Record<string, unknown>, key = "policy"): { Statement: Record<string, unknown>[] } {
  return JSON.parse(attributes[key] as string) as { Statement: Record<string, unknown>[] };
}
