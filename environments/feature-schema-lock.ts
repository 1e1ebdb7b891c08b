import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { EnvironmentConfigError, Problem } from "./errors";
import type { EnvironmentConfig } from "./schema";

/** `<name>-v<version>` -> hash of that version's schema. Committed, like a package lock. */
export type FeatureSchemaLock = Readonly<Record<string, string>>;

/** Where the lock lives, relative to the project root (the directory synth and `npm run lock` run in). */
export const FEATURE_SCHEMA_LOCK_FILE = "environments/feature-schemas.lock.json";

type FeatureGroup = EnvironmentConfig["data"]["featureStore"]["featureGroups"][number];

/** What makes a version's data readable: identifier, event time and the features in order. */
export function featureSchemaHash(group: FeatureGroup): string {
  const schema = {
    recordIdentifier: group.recordIdentifier,
    eventTime: group.eventTime,
    features: group.features.map((f) => [f.name, f.type]),
  };
  return `sha256-${createHash("sha256").update(JSON.stringify(schema)).digest("hex")}`;
}

const lockKey = (group: FeatureGroup) => `${group.name}-v${group.version}`;

/** The next version no environment and no lock entry uses for the group's name. */
function nextFreeVersion(name: string, environments: readonly EnvironmentConfig[], lock: FeatureSchemaLock): number {
  const used = [
    ...Object.keys(lock).flatMap((key) => (key.startsWith(`${name}-v`) ? [Number(key.slice(name.length + 2))] : [])),
    ...environments.flatMap((env) => env.data.featureStore.featureGroups.filter((g) => g.name === name).map((g) => g.version)),
  ];
  return Math.max(0, ...used.filter(Number.isInteger)) + 1;
}

function groupsOf(environments: readonly EnvironmentConfig[]) {
  return environments.flatMap((env) =>
    env.data.featureStore.featureGroups.map((group, i) => ({ env, group, path: `data.featureStore.featureGroups.${i}` })),
  );
}

/**
 * Refuses what would change a feature group's data in place: a schema that differs from the locked
 * one under the same name and version, and a version the lock does not know yet.
 */
export function checkFeatureSchemaLock(environments: readonly EnvironmentConfig[], lock: FeatureSchemaLock): Problem[] {
  return groupsOf(environments).flatMap(({ env, group, path }): Problem[] => {
    const locked = lock[lockKey(group)];
    if (locked === undefined) {
      return [{ environment: env.name, path, message: `"${lockKey(group)}" is not in ${FEATURE_SCHEMA_LOCK_FILE}; run \`npm run lock\` and commit the lock` }];
    }
    if (locked === featureSchemaHash(group)) return [];
    const next = nextFreeVersion(group.name, environments, lock);
    return [
      {
        environment: env.name,
        path,
        message:
          `the schema of "${lockKey(group)}" differs from the one locked in ${FEATURE_SCHEMA_LOCK_FILE}; ` +
          `changing it in place would replace the feature group and drop its data. Keep v${group.version} as it was and add the new schema as version ${next}`,
      },
    ];
  });
}

/**
 * The lock with every new `<name>-v<version>` added. Existing entries are never rewritten: a schema that
 * differs from its entry, or two environments that disagree on a new version, throw instead.
 */
export function lockFeatureSchemas(environments: readonly EnvironmentConfig[], lock: FeatureSchemaLock): { lock: FeatureSchemaLock; added: string[] } {
  const next: Record<string, string> = { ...lock };
  const added: string[] = [];
  const problems: Problem[] = [];
  for (const { env, group, path } of groupsOf(environments)) {
    const key = lockKey(group);
    const hash = featureSchemaHash(group);
    if (next[key] === undefined) {
      next[key] = hash;
      added.push(key);
    } else if (next[key] !== hash) {
      const where = added.includes(key) ? "another environment's" : "the locked";
      problems.push({ environment: env.name, path, message: `the schema of "${key}" differs from ${where}; one name and version must mean one schema. Use a new version` });
    }
  }
  if (problems.length > 0) throw new EnvironmentConfigError(problems);
  return { lock: Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b))), added };
}

/** Reads the lock file; a missing file is an empty lock, a malformed one an error naming the file. */
export function readFeatureSchemaLock(file: string): FeatureSchemaLock {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw lockFileError(file, `is not valid JSON (${(error as Error).message}); restore it from git and run \`npm run lock\``);
  }
  const valid =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) &&
    Object.values(parsed).every((hash) => typeof hash === "string" && /^sha256-[0-9a-f]{64}$/.test(hash));
  if (!valid) throw lockFileError(file, 'must map "<group>-v<version>" to "sha256-<hex>"; restore it from git and run `npm run lock`');
  return parsed as FeatureSchemaLock;
}

function lockFileError(file: string, message: string): EnvironmentConfigError {
  return new EnvironmentConfigError([{ environment: "(all environments)", path: file, message }]);
}
