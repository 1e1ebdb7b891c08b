import { BLUEPRINT_VERSION } from "./version";

/** Tags every resource of a stack carries (through the AWS provider's default_tags). */
export function platformTags(environment: string, layer: string): Record<string, string> {
  return {
    "mlops:environment": environment,
    "mlops:layer": layer,
    "mlops:managed-by": "mlops-blueprint",
    "mlops:blueprint-version": BLUEPRINT_VERSION,
  };
}
