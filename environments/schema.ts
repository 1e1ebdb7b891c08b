import { z } from "zod";
import { ACCOUNT_ID, ACCOUNT_ID_RULE, REGION_RULE } from "../constructs/core/aws-environment";
import { AWS_REGIONS } from "../constructs/core/aws-regions";
import { cidrsOverlap, parseCidr } from "../constructs/core/cidr";
import { kmsKeyProblems } from "../constructs/core/kms-key";
import { logGroupProblems } from "../constructs/core/log-group";
import { networkProblems } from "../constructs/network/network";
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE, environmentPrefix } from "../constructs/core/naming";
import { EnvironmentConfigError, Problem, problemsFromZod } from "./errors";
import { checkData, dataSchema, featureGroupKey } from "./data-schema";
import { maturityProblems } from "./maturity";
import { MODEL_PACKAGE_ARN, packageGroupOf } from "../constructs/serving/model-source";
import { checkMonitoring, checkServing, monitoringSchema, servingSchema } from "./serving-schema";
import { checkTraining, trainingSchema } from "./training-schema";
import { type AddProblem, type Loose, addPropsProblems, numberOrUndefined, objectOrUndefined, stringsOrUndefined } from "./rule-helpers";

const MIN_AZS = { unprotected: 2, protected: 3 } as const;

const environmentName = z.string().regex(ENVIRONMENT_NAME, { error: ENVIRONMENT_NAME_RULE });

// Types here; what each value may be is the constructs' check (networkProblems, kmsKeyProblems, logGroupProblems, in crossFieldRules).
const networkSchema = z.strictObject({
  /** The VPC range; /16 to /20. Must not overlap another environment's VPC. */
  vpcCidr: z.string(),
  /** Availability zones of the environment's region (at most MAX_ZONES), one private and one public subnet each. */
  availabilityZones: z.array(z.string()),
  /** `single`: one NAT gateway (cheap, one AZ failure cuts egress); `perAz`: one per AZ (highly available). */
  natGateways: z.enum(["single", "perAz"]),
  /**
   * AWS services reached through interface endpoints (`com.amazonaws.<region>.<suffix>`), e.g. "sts", "ecr.api".
   * Each costs per hour and AZ; S3's gateway endpoint is always there and free.
   */
  interfaceEndpoints: z.array(z.string()),
});

const protectionSchema = z.strictObject({
  /** Puts `prevent_destroy` and the service's own deletion protection on every stateful resource. */
  enabled: z.boolean(),
  /** Waiting period before a scheduled KMS key deletion happens, 7-30 days. */
  kmsKeyDeletionWindowDays: z.number(),
});

const environmentObject = z.strictObject({
  /** The environment's name; every stack id starts with it (`<name>-<layer>`). */
  name: environmentName,
  /** What the environment is for. A `production` environment must be protected. */
  tier: z.enum(["development", "staging", "production"]),
  /** The AWS account and region the environment lives in; the provider refuses any other account. */
  account: z.strictObject({
    id: z.string().regex(ACCOUNT_ID, { error: ACCOUNT_ID_RULE }),
    region: z.enum(AWS_REGIONS, { error: REGION_RULE }),
  }),
  protection: protectionSchema,
  network: networkSchema,
  /** Retention of every CloudWatch log group of the environment. */
  logs: z.strictObject({ retentionDays: z.number() }),
  /** The feature store and model registry (`<env>-data`). */
  data: dataSchema,
  /** The GPU training cluster (`<env>-training`) and what runs on it (`<env>-workloads`). */
  training: trainingSchema,
  /** Model endpoints (`<env>-serving`). */
  serving: servingSchema,
  /** Alert topic, budget and dashboard of the environment. */
  monitoring: monitoringSchema,
  /**
   * The lowest MLOps maturity level (environments/maturity.ts, README "The continuous training loop") every endpoint
   * must reach; synthesis fails below it.
   * @default - none required
   */
  maturity: z.strictObject({ minimumLevel: z.number().int({ error: "must be a whole level" }).min(0, { error: "must be 0-4" }).max(4, { error: "must be 0-4" }) }).optional(),
});

/**
 * Rules that relate several fields. They read the raw input, apart from the schema's own checks, so they run
 * whatever else is wrong (zod skips refinements after some issues, e.g. a fractional number in a whole-number
 * field) and every problem is reported at once. Each rule checks the types of what it reads.
 */
function crossFieldRules(input: unknown, add: AddProblem): void {
  if (typeof input !== "object" || input === null) return;
  const env = input as Loose<EnvironmentInput>;
  const account = (objectOrUndefined(env.account) ?? {}) as Loose<EnvironmentInput["account"]>;
  const protection = (objectOrUndefined(env.protection) ?? {}) as Loose<EnvironmentInput["protection"]>;
  const network = (objectOrUndefined(env.network) ?? {}) as Loose<EnvironmentInput["network"]>;
  const isProtected = protection.enabled === true;
  const region = typeof account.region === "string" && (AWS_REGIONS as readonly string[]).includes(account.region) ? account.region : undefined;
  const accountId = typeof account.id === "string" && ACCOUNT_ID.test(account.id) ? account.id : undefined;

  if (env.tier === "production" && protection.enabled === false) {
    add(["protection", "enabled"], "a production environment must be protected; set it to true");
  }
  const zones = stringsOrUndefined(network.availabilityZones);
  // The Network, KmsKey and EncryptedLogGroup constructs' own checks, on the fields that have their types (the schema reports the others).
  const networkProps = {
    vpcCidr: typeof network.vpcCidr === "string" ? network.vpcCidr : undefined,
    // Too few zones is the environment's minimum to report (below), the construct's 1 says less.
    availabilityZones: zones && zones.length > 0 ? zones : undefined,
    interfaceEndpoints: stringsOrUndefined(network.interfaceEndpoints),
  };
  addPropsProblems(networkProblems(networkProps, region), ["network"], add);
  const minZones = isProtected ? MIN_AZS.protected : MIN_AZS.unprotected;
  if (zones && zones.length < minZones) {
    add(["network", "availabilityZones"], `has ${zones.length}; ${isProtected ? "a protected" : "an"} environment needs at least ${minZones}`);
  }
  addPropsProblems(kmsKeyProblems({ deletionWindowInDays: numberOrUndefined(protection.kmsKeyDeletionWindowDays) }), ["protection"], add, { deletionWindowInDays: ["kmsKeyDeletionWindowDays"] });
  const retentionDays = numberOrUndefined((objectOrUndefined(env.logs) as Loose<EnvironmentInput["logs"]> | undefined)?.retentionDays);
  if (retentionDays !== undefined) addPropsProblems(logGroupProblems({ retentionDays }), ["logs"], add);
  if (isProtected && network.natGateways === "single") {
    add(["network", "natGateways"], 'a protected environment needs "perAz" so one zone failing does not cut the others\' egress');
  }
  checkData(env.data, { accountId, namePrefix: typeof env.name === "string" ? environmentPrefix(env.name) : undefined }, add);
  checkTraining(env.training, { isProtected, accountId }, add);
  const data = objectOrUndefined(env.data) as Loose<EnvironmentInput["data"]> | undefined;
  const registry = objectOrUndefined(data?.modelRegistry) as Loose<EnvironmentInput["data"]["modelRegistry"]> | undefined;
  checkServing(env.serving, { region, accountId, packageGroups: registry?.modelPackageGroups }, add);
  checkMonitoring(env.monitoring, add);
}

/** What an environment file declares (before defaults). */
export type EnvironmentInput = z.input<typeof environmentObject>;
/** A validated environment configuration. */
export type EnvironmentConfig = z.output<typeof environmentObject>;
export type EnvironmentTier = EnvironmentConfig["tier"];
export type NetworkConfig = EnvironmentConfig["network"];
export type MonitoringConfig = EnvironmentConfig["monitoring"];

/** The fields allowed at a path of the config, found by walking the schema. */
function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  let schemas: z.ZodType[] = [environmentObject];
  for (const segment of path) {
    schemas = schemas.flatMap(expanded).flatMap((schema): z.ZodType[] => {
      if (schema instanceof z.ZodObject) {
        const field = (schema.shape as Record<string, z.ZodType>)[String(segment)];
        return field ? [field] : [];
      }
      if (schema instanceof z.ZodArray) return [schema.element as z.ZodType];
      if (schema instanceof z.ZodRecord) return [schema.valueType as z.ZodType];
      return [];
    });
  }
  // A union (GPU sharing modes) allows the fields of all its options.
  return [...new Set(schemas.flatMap(expanded).flatMap((schema) => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : [])))];
}

/** The schemas a field may be: inside optional and default wrappers, and each option of a union. */
function expanded(schema: z.ZodType): z.ZodType[] {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
  return current instanceof z.ZodUnion ? (current.options as z.ZodType[]).flatMap(expanded) : [current];
}

function nameOf(input: unknown): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.length > 0 ? name : "<unnamed environment>";
}

function check(input: unknown): { config?: EnvironmentConfig; problems: Problem[] } {
  const result = environmentObject.safeParse(input, { reportInput: true });
  const environment = nameOf(input);
  const problems = result.success ? [] : problemsFromZod(environment, result.error.issues, knownKeys);
  crossFieldRules(input, (path, message) => problems.push({ environment, path: path.map(String).join("."), message }));
  // Judged on a valid config only: the levels read every section.
  if (problems.length === 0 && result.success) problems.push(...maturityProblems(result.data).map((p) => ({ environment, ...p })));
  return problems.length === 0 && result.success ? { config: result.data, problems } : { problems };
}

/** Validates one environment. Throws an EnvironmentConfigError listing every problem. */
export function parseEnvironment(input: unknown): EnvironmentConfig {
  const { config, problems } = check(input);
  if (!config) throw new EnvironmentConfigError(problems);
  return config;
}

/**
 * Validates a set of environments: each on its own, then what must hold between them
 * (unique names, VPC ranges that do not overlap so environments can be peered later).
 * The rules between environments use each name and range that is valid by itself, even when
 * other fields of that environment are not, so every problem is reported in one pass.
 */
export function parseEnvironments(inputs: readonly unknown[]): EnvironmentConfig[] {
  const checked = inputs.map(check);
  const problems = [...checked.flatMap((c) => c.problems), ...crossEnvironmentProblems(inputs)];
  if (problems.length === 0) problems.push(...promotionProblems(checked.map((c) => c.config!)));
  if (problems.length > 0) throw new EnvironmentConfigError(problems);
  return checked.map((c) => c.config!);
}

/** The account and package group of a model package ARN (`.../model-package/<group>/<version>`). */
function packageSource(arn: string | undefined): { account: string; group: string } | undefined {
  const match = arn === undefined ? null : MODEL_PACKAGE_ARN.exec(arn);
  return match ? { account: match[3], group: packageGroupOf(arn!) } : undefined;
}

/**
 * What must hold between registries and the endpoints that serve their packages: the source registry declares
 * the package group and shares it with the serving environment; a registry shares only with environments it
 * promotes to (that serve its packages, or whose endpoints wait for their first version).
 */
function promotionProblems(configs: readonly EnvironmentConfig[]): Problem[] {
  const byAccount = (account: string) => configs.find((other) => other.account.id === account);
  const served = configs.flatMap((env) =>
    env.serving.endpoints.flatMap((endpoint, i) => {
      const source = packageSource(endpoint.model?.modelPackageArn);
      const registry = source && byAccount(source.account);
      return source && registry ? [{ env, i, group: source.group, registry }] : [];
    }),
  );
  const problems: Problem[] = served.flatMap(({ env, i, group, registry }): Problem[] => {
    const path = `serving.endpoints.${i}.model.modelPackageArn`;
    if (!registry.data.modelRegistry.modelPackageGroups.some((g) => g.name === group)) {
      const declared = registry.data.modelRegistry.modelPackageGroups.map((g) => g.name).join(", ") || "none";
      return [{ environment: env.name, path, message: `serves package group "${group}", which ${registry.name}'s registry does not declare (it declares: ${declared}); add it to ${registry.name}'s data.modelRegistry.modelPackageGroups` }];
    }
    if (registry !== env && !registry.data.modelRegistry.consumerAccountIds.includes(env.account.id)) {
      return [{ environment: env.name, path, message: `is a package of ${registry.name}'s registry, which does not share with ${env.name}; add ${env.account.id} to ${registry.name}'s data.modelRegistry.consumerAccountIds` }];
    }
    // The feature/model contract: the group's models read these feature group versions, so they must be here.
    const reads = registry.data.modelRegistry.modelPackageGroups.find((g) => g.name === group)?.featureGroups ?? [];
    const here = env.data.featureStore.featureGroups.map(featureGroupKey);
    return reads
      .filter((read) => !here.includes(featureGroupKey(read)))
      .map((read) => ({
        environment: env.name,
        path,
        message:
          `serves package group "${group}", whose models read feature group ${featureGroupKey(read)} (${registry.name}'s data.modelRegistry.modelPackageGroups), ` +
          `which ${env.name}'s feature store lacks (it has: ${here.join(", ") || "none"}): add ${featureGroupKey(read)} to ${env.name}'s data.featureStore.featureGroups first`,
      }));
  });
  for (const source of configs) {
    source.data.modelRegistry.consumerAccountIds.forEach((account, j) => {
      const consumer = byAccount(account);
      const promotesTo =
        consumer !== undefined &&
        consumer !== source &&
        (served.some((s) => s.env === consumer && s.registry === source) || consumer.serving.endpoints.some((e) => e.model === undefined));
      if (!promotesTo) {
        problems.push({
          environment: source.name,
          path: `data.modelRegistry.consumerAccountIds.${j}`,
          message: `${account} is ${consumer ? `${consumer.name}'s account, and ${consumer.name} serves no package of ${source.name}` : "the account of no environment here"}: ${source.name} shares its registry only with environments it promotes to; remove it`,
        });
      }
    });
  }
  return problems;
}

/**
 * Rules between environments over each one's raw input, so they hold even when other fields are invalid. A
 * clash is reported on the environment listed later in the inputs: the one added to a working set.
 */
function crossEnvironmentProblems(inputs: readonly unknown[]): Problem[] {
  const problems: Problem[] = [];
  const seen: { name: string; cidr?: string; account?: string }[] = [];
  for (const input of inputs) {
    const name = environmentName.safeParse((input as { name?: unknown } | null)?.name);
    if (!name.success) continue;
    const accountId = (input as { account?: { id?: unknown } }).account?.id;
    const account = typeof accountId === "string" && ACCOUNT_ID.test(accountId) ? accountId : undefined;
    const sharing = seen.find((other) => account !== undefined && other.account === account);
    if (sharing) {
      problems.push({
        environment: name.data,
        path: "account.id",
        message: `${account} is also ${sharing.name}'s account; environments collide in one account (feature groups, package groups, the account-wide Glue encryption setting): give each its own`,
      });
    }
    const cidrText = (input as { network?: { vpcCidr?: unknown } }).network?.vpcCidr;
    const vpc = typeof cidrText === "string" ? parseCidr(cidrText) : undefined;
    if (seen.some((other) => other.name === name.data)) {
      problems.push({ environment: name.data, path: "name", message: `"${name.data}" is used by another environment; names must be unique` });
    }
    for (const other of seen) {
      if (vpc && other.cidr && cidrsOverlap(vpc, parseCidr(other.cidr)!)) {
        problems.push({
          environment: name.data,
          path: "network.vpcCidr",
          message: `${cidrText} overlaps ${other.name}'s ${other.cidr}; give each environment its own range`,
        });
      }
    }
    seen.push({ name: name.data, cidr: vpc ? (cidrText as string) : undefined, account });
  }
  return problems;
}
