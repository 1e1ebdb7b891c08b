/**
 * The MLOps maturity report the synthesis writes beside the stacks (`maturity.json`, see environments/maturity.ts):
 * read back, and shown in the pull request comment with what the change moves.
 */
import { ReviewInputError } from "./errors";
import { JsonShape, isObject, jsonPath, readJsonFile } from "./json-file";

export interface MaturityRow {
  readonly environment: string;
  readonly endpoint: string;
  readonly level: number;
  readonly name: string;
  /** The environment's `maturity.minimumLevel`, when it sets one. */
  readonly minimumLevel?: number;
  /** What the next level needs. */
  readonly missing: readonly string[];
  /** The level before the change; undefined where base had no such endpoint (or no report). */
  readonly baseLevel?: number;
}

/** One row per endpoint of `maturity.json`; refuses a file of another shape, naming the JSON path. */
export function readMaturityReport(file: string): MaturityRow[] {
  const json = readJsonFile(file, "a maturity report");
  if (!isObject(json) || !Array.isArray(json.environments)) throw new ReviewInputError(`${file}: is not a maturity report: no "environments" list`);
  const shape = new JsonShape(file);
  const level = (value: unknown, path: string): number => {
    if (typeof value !== "number" || !Number.isInteger(value)) shape.fail(path, "expected a whole level");
    return value as number;
  };
  return (json.environments as unknown[]).flatMap((value, i) => {
    const path = jsonPath("environments", i);
    const env = shape.object(value, path);
    const environment = shape.string(env.environment, jsonPath(path, "environment"));
    const minimumLevel = shape.optional(env, "minimumLevel", path, level);
    return shape.list(env.endpoints, jsonPath(path, "endpoints")).map((e, j) => {
      const where = jsonPath(jsonPath(path, "endpoints"), j);
      const row = shape.object(e, where);
      return {
        environment,
        endpoint: shape.string(row.endpoint, jsonPath(where, "endpoint")),
        level: level(row.level, jsonPath(where, "level")),
        name: shape.string(row.name, jsonPath(where, "name")),
        ...(minimumLevel !== undefined ? { minimumLevel } : {}),
        missing: shape.list(row.missing, jsonPath(where, "missing")).map((m, k) => shape.string(m, jsonPath(jsonPath(where, "missing"), k))),
      };
    });
  });
}

/** Head's rows with the level each endpoint had in base. */
export function maturityChanges(base: readonly MaturityRow[] | undefined, head: readonly MaturityRow[]): MaturityRow[] {
  return head.map((row) => {
    const before = base?.find((b) => b.environment === row.environment && b.endpoint === row.endpoint);
    return before ? { ...row, baseLevel: before.level } : row;
  });
}
