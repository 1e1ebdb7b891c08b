import { relative, resolve } from "node:path";
import { EnvironmentConfigError } from "./environments/errors";
import { GuardrailViolationError } from "./guardrails/apply";
import { GuardrailSuppressionError } from "./guardrails/suppressions";
import { FEATURE_SCHEMA_LOCK_FILE, readFeatureSchemaLock } from "./environments/feature-schema-lock";
import { environmentInputs } from "./environments/inputs";
import { parseEnvironments } from "./environments/schema";
import { awaitingModel } from "./environments/serving-schema";
import type { StateLocation } from "./stacks/remote-state";
import { failedGuardrailsReport, synthesizePlatform } from "./stacks/synthesize";
import { skipTokenCreationTraces } from "./stacks/token-traces";

/** MLOPS_BOOTSTRAP_STATE=local is set only for a bootstrap stack's first apply (see README). */
function bootstrapState(): StateLocation {
  const value = process.env.MLOPS_BOOTSTRAP_STATE ?? "s3";
  if (value !== "s3" && value !== "local") {
    throw new EnvironmentConfigError([
      { environment: "(all)", path: "MLOPS_BOOTSTRAP_STATE", message: `is "${value}"; allowed: "local" (first bootstrap apply) or "s3"` },
    ]);
  }
  return value;
}

skipTokenCreationTraces();
try {
  const stacks = synthesizePlatform(environmentInputs, {
    bootstrapState: bootstrapState(),
    featureSchemaLock: readFeatureSchemaLock(resolve(FEATURE_SCHEMA_LOCK_FILE)),
  });
  console.log(`Synthesized ${stacks.length} stacks: ${stacks.join(", ")}`);
  const waiting = parseEnvironments(environmentInputs).flatMap(awaitingModel);
  if (waiting.length > 0) console.log(`Declared without a model version, so not created yet: ${waiting.join("; ")}`);
} catch (error) {
  if (!(error instanceof EnvironmentConfigError) && !(error instanceof GuardrailViolationError) && !(error instanceof GuardrailSuppressionError)) throw error;
  const after = error instanceof GuardrailViolationError ? `No stack was written; every finding is in ${relative(process.cwd(), failedGuardrailsReport())}.` : "Nothing was synthesized.";
  console.error(`${error.message}\n${after}`);
  process.exitCode = 1;
}
