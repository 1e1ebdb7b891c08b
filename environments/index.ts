import { environmentInputs } from "./inputs";
import { parseEnvironments } from "./schema";

export { EnvironmentConfigError, formatProblem, type Problem } from "./errors";
export { parseEnvironment, parseEnvironments, type EnvironmentConfig, type EnvironmentInput, type EnvironmentTier } from "./schema";
export { environmentInputs } from "./inputs";

/** The shipped environments, validated. Importing this module throws if any of them is invalid. */
export const environments = parseEnvironments(environmentInputs);
export {
  checkFeatureSchemaLock,
  featureSchemaHash,
  lockFeatureSchemas,
  readFeatureSchemaLock,
  FEATURE_SCHEMA_LOCK_FILE,
  type FeatureSchemaLock,
} from "./feature-schema-lock";
