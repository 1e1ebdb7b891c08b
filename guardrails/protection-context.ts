import { IConstruct } from "constructs";

/** Node context key a stack sets to say its environment is protected (PlatformStack does). */
export const PROTECTED_CONTEXT_KEY = "mlops-blueprint:protected";

export function isProtected(stack: IConstruct): boolean {
  return stack.node.tryGetContext(PROTECTED_CONTEXT_KEY) === true;
}
