import { resolve } from "node:path";
import { EnvironmentConfigError } from "./environments/errors";
import { FEATURE_SCHEMA_LOCK_FILE, readFeatureSchemaLock } from "./environments/feature-schema-lock";
import { environmentInputs } from "./environments/inputs";
import type { StateLocation } from "./stacks/remote-state";
import { synthesizePlatform } from "./stacks/synthesize";
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
} catch (error) {
  if (!(error instanceof EnvironmentConfigError)) throw error;
  console.error(`${error.message}\nNothing was synthesized.`);
  process.exitCode = 1;
}
