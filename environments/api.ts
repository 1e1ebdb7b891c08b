/** The environment schema's API without the shipped environments: what the package root re-exports, free of side effects. */
export { EnvironmentConfigError, formatProblem, type Problem } from "./errors";
export {
  parseEnvironment,
  parseEnvironments,
  type EnvironmentConfig,
  type EnvironmentInput,
  type EnvironmentTier,
  type MonitoringConfig,
  type NetworkConfig,
} from "./schema";
// The layers' parts of a config: what the layer stacks take.
export type { DataConfig } from "./data-schema";
export type { EndpointConfig, ServingConfig } from "./serving-schema";
export type { TrainingConfig } from "./training-schema";
export {
  checkFeatureSchemaLock,
  featureSchemaHash,
  lockFeatureSchemas,
  readFeatureSchemaLock,
  FEATURE_SCHEMA_LOCK_FILE,
  type FeatureSchemaLock,
} from "./feature-schema-lock";
export { MATURITY_LEVELS, environmentMaturity, type EnvironmentMaturity } from "./maturity";
