import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { EnvironmentConfigError } from "./errors";
import { FEATURE_SCHEMA_LOCK_FILE, lockFeatureSchemas, readFeatureSchemaLock } from "./feature-schema-lock";
import { environmentInputs } from "./inputs";
import { parseEnvironments } from "./schema";

/** `npm run lock`: records the schema of every new feature group version; never rewrites an entry. */
function main(): void {
  const file = resolve(FEATURE_SCHEMA_LOCK_FILE);
  const { lock, added } = lockFeatureSchemas(parseEnvironments(environmentInputs), readFeatureSchemaLock(file));
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length > 0 ? `Locked ${added.join(", ")} in ${FEATURE_SCHEMA_LOCK_FILE}` : `${FEATURE_SCHEMA_LOCK_FILE} is up to date`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof EnvironmentConfigError ? `${error.message}\nThe lock was not changed.` : String((error as Error).message ?? error));
  process.exitCode = 1;
}
