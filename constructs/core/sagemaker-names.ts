/**
 * SageMaker's name pattern, `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,N-1}$`: letters, digits and inner hyphens (runs of them
 * allowed), at most N characters. Pure facts, one copy: endpoints, model package groups, monitoring schedules and
 * job definitions take 63; feature groups 64; pipelines 256.
 */
export function sagemakerNamePattern(maxLength?: number): RegExp {
  return new RegExp(`^[a-zA-Z0-9](-*[a-zA-Z0-9])${maxLength === undefined ? "*" : `{0,${maxLength - 1}}`}$`);
}

/** Endpoints, model package groups, monitoring schedules, job definitions. */
export const SAGEMAKER_NAME = sagemakerNamePattern(63);
export const FEATURE_GROUP_NAME = sagemakerNamePattern(64);
export const PIPELINE_NAME = sagemakerNamePattern(256);
