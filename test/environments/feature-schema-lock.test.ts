import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EnvironmentConfigError, formatProblem } from "../../environments/errors";
import {
  FEATURE_SCHEMA_LOCK_FILE,
  checkFeatureSchemaLock,
  featureSchemaHash,
  lockFeatureSchemas,
  readFeatureSchemaLock,
} from "../../environments/feature-schema-lock";
import { environmentInputs } from "../../environments/inputs";
import { parseEnvironments } from "../../environments/schema";
import { environments } from "../../environments";
import { inputsWith, mutated } from "../support/config-errors";
import { dev } from "../../environments/dev";
import { prod } from "../../environments/prod";

const committedLock = readFeatureSchemaLock(path.resolve(__dirname, "../..", FEATURE_SCHEMA_LOCK_FILE));
const lines = (problems: readonly { environment: string; path: string; message: string }[]) => problems.map(formatProblem);

/** dev's first feature group, and the next version of it that neither the lock nor any environment has. */
const GROUP = dev.data.featureStore.featureGroups[0];
const OLD = `${GROUP.name}-v${GROUP.version}`;
const NEXT = 1 + Math.max(
  ...Object.keys(committedLock).flatMap((key) => (key.startsWith(`${GROUP.name}-v`) ? [Number(key.slice(GROUP.name.length + 2))] : [])),
  ...environments.flatMap((env) => env.data.featureStore.featureGroups.filter((g) => g.name === GROUP.name).map((g) => g.version)),
);
const NEW = `${GROUP.name}-v${NEXT}`;

/** dev with its first group given one more feature, without a new version. */
const devWithChangedV2 = mutated(dev, (c) => c.data.featureStore.featureGroups[0].features.push({ name: "churn_score", type: "Fractional" }));

describe("the committed lock", () => {
  it("covers every feature group version of every shipped environment with its current schema", () => {
    expect(checkFeatureSchemaLock(environments, committedLock)).toEqual([]);
  });

  it("is what `npm run lock` would write: sorted, with nothing left to add", () => {
    const { lock, added } = lockFeatureSchemas(environments, committedLock);
    expect(added).toEqual([]);
    expect(Object.keys(committedLock)).toEqual(Object.keys(lock));
  });
});

describe("a schema changed under an old version", () => {
  const changed = parseEnvironments(environmentInputs.map((input) => (input === dev ? devWithChangedV2 : input)));

  it("is refused at synth, naming the group and the version to use instead", () => {
    expect(lines(checkFeatureSchemaLock(changed, committedLock))).toEqual([
      `dev: data.featureStore.featureGroups.0: the schema of "${OLD}" differs from the one locked in environments/feature-schemas.lock.json; ` +
        `changing it in place would replace the feature group and drop its data. Keep v${GROUP.version} as it was and add the new schema as version ${NEXT}`,
    ]);
  });

  it("is refused by `npm run lock`, which rewrites no entry", () => {
    expect(() => lockFeatureSchemas(changed, committedLock)).toThrow(EnvironmentConfigError);
    expect(() => lockFeatureSchemas(changed, committedLock)).toThrow(`"${OLD}" differs from the locked; one name and version must mean one schema`);
  });
});

describe("a new version", () => {
  // Beside the old one, which stays while models read it (the feature/model contract refuses dropping it).
  const newIndex = dev.data.featureStore.featureGroups.length;
  const withNew = (c: any) =>
    c.data.featureStore.featureGroups.push({ ...c.data.featureStore.featureGroups[0], version: NEXT, features: [...c.data.featureStore.featureGroups[0].features, { name: "churn_score", type: "Fractional" }] });
  const withV3 = parseEnvironments(inputsWith("dev", withNew));

  it("is refused until it is locked", () => {
    expect(lines(checkFeatureSchemaLock(withV3, committedLock))).toEqual([
      `dev: data.featureStore.featureGroups.${newIndex}: "${NEW}" is not in environments/feature-schemas.lock.json; run \`npm run lock\` and commit the lock`,
    ]);
  });

  it("is accepted after `npm run lock`, which adds it and keeps every existing entry", () => {
    const { lock, added } = lockFeatureSchemas(withV3, committedLock);
    expect(added).toEqual([NEW]);
    expect(lock).toMatchObject(committedLock);
    expect(checkFeatureSchemaLock(withV3, lock)).toEqual([]);
  });

  it("must mean the same schema in every environment", () => {
    const prodIndex = prod.data.featureStore.featureGroups.length;
    const both = inputsWith("dev", withNew).map((input) =>
      input === prod
        ? mutated(prod, (c) => c.data.featureStore.featureGroups.push({ ...c.data.featureStore.featureGroups[0], version: NEXT, features: [...c.data.featureStore.featureGroups[0].features, { name: "other_score", type: "Fractional" }] }))
        : input,
    );
    expect(() => lockFeatureSchemas(parseEnvironments(both), committedLock)).toThrow(
      new RegExp(`prod: data\\.featureStore\\.featureGroups\\.${prodIndex}: the schema of "${NEW}" differs from another environment's`),
    );
  });
});

describe("the schema hash", () => {
  const [group] = environments[0].data.featureStore.featureGroups;

  it("changes with the identifier, the event time, a feature's name, type or position", () => {
    const variants = [
      { ...group, recordIdentifier: "plan" },
      { ...group, eventTime: "monthly_spend" },
      { ...group, features: group.features.map((f, i) => (i === 2 ? { ...f, name: "tenure" } : f)) },
      { ...group, features: group.features.map((f, i) => (i === 2 ? { ...f, type: "Fractional" as const } : f)) },
      { ...group, features: [...group.features].reverse() },
    ];
    const hashes = new Set([group, ...variants].map(featureSchemaHash));
    expect(hashes.size).toBe(variants.length + 1);
  });

  it("ignores what can change without touching the data: description and store settings", () => {
    expect(featureSchemaHash({ ...group, description: "other words", onlineStore: { enabled: false } })).toBe(featureSchemaHash(group));
  });
});

describe("reading the lock file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-lock-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it("treats a missing file as an empty lock", () => {
    expect(readFeatureSchemaLock(path.join(dir, "absent.json"))).toEqual({});
  });

  it.each([
    ["truncated.json", '{"customer-profile-v1": "sha256-', /truncated\.json: is not valid JSON/],
    ["wrong-shape.json", '["customer-profile-v1"]', /wrong-shape\.json: must map "<group>-v<version>" to "sha256-<hex>"/],
    ["bad-hash.json", '{"customer-profile-v1": "md5-abc"}', /bad-hash\.json: must map/],
  ])("refuses %s with a message naming the file", (name, text, message) => {
    expect(() => readFeatureSchemaLock(write(name, text))).toThrow(message);
  });
});
