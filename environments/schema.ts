import { z } from "zod";
import { AWS_REGIONS, LOG_RETENTION_DAYS } from "../constructs/core/aws-regions";
import { MAX_ZONES as MAX_AVAILABILITY_ZONES } from "../constructs/network/subnet-layout";
import { cidrsOverlap, parseCidr } from "../constructs/core/cidr";
import { EnvironmentConfigError, Problem, problemsFromZod } from "./errors";
import { checkData, dataSchema } from "./data-schema";
import { MODEL_PACKAGE_ARN } from "../constructs/serving/model-source";
import { checkServing, monitoringSchema, servingSchema } from "./serving-schema";
import { checkTraining, trainingSchema } from "./training-schema";

/** VPC prefix lengths the network layout supports: public subnets are 6 bits smaller and must stay >= /28. */
const VPC_PREFIX = { min: 16, max: 20 } as const;
const MIN_AZS = { unprotected: 2, protected: 3 } as const;

const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/, {
    error: "must be 2-12 characters of lowercase letters, digits and inner hyphens, starting with a letter",
  });

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  error: "must be an IPv4 CIDR such as 10.20.0.0/16 with no host bits set",
});

const logRetentionDays = z
  .number()
  .int({ error: "must be a whole number of days" })
  .positive({ error: "must be a positive number of days" })
  // Only judged once the two checks above pass, so a bad value gets one message, not three.
  .refine((days) => !Number.isInteger(days) || days <= 0 || (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    error: `must be a retention CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

const networkSchema = z.strictObject({
  /** The VPC range; /16 to /20. Must not overlap another environment's VPC. */
  vpcCidr: cidr,
  /** Availability zones of the environment's region, one private and one public subnet each. */
  availabilityZones: z.array(z.string()).max(MAX_AVAILABILITY_ZONES, {
    error: `at most ${MAX_AVAILABILITY_ZONES} availability zones fit the subnet layout`,
  }),
  /** `single`: one NAT gateway (cheap, one AZ failure cuts egress); `perAz`: one per AZ (highly available). */
  natGateways: z.enum(["single", "perAz"]),
  /**
   * AWS services reached through interface endpoints (`com.amazonaws.<region>.<suffix>`), e.g. "sts", "ecr.api".
   * Each costs per hour and AZ; S3's gateway endpoint is always there and free.
   */
  interfaceEndpoints: z
    .array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, { error: 'must be a service name suffix such as "sts" or "ecr.api"' }))
    .refine((list) => new Set(list).size === list.length, { error: "lists a service twice" }),
});

const protectionSchema = z.strictObject({
  /** Puts `prevent_destroy` and the service's own deletion protection on every stateful resource. */
  enabled: z.boolean(),
  /** Waiting period before a scheduled KMS key deletion happens, 7-30 days. */
  kmsKeyDeletionWindowDays: z.number().int().min(7, { error: "must be 7-30 days" }).max(30, { error: "must be 7-30 days" }),
});

const environmentObject = z.strictObject({
  /** The environment's name; every stack id starts with it (`<name>-<layer>`). */
  name: environmentName,
  /** What the environment is for. A `production` environment must be protected. */
  tier: z.enum(["development", "staging", "production"]),
  /** The AWS account and region the environment lives in; the provider refuses any other account. */
  account: z.strictObject({
    id: z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }),
    region: z.enum(AWS_REGIONS, { error: "must be a commercial AWS region such as eu-west-1 (the list: constructs/core/aws-regions.ts)" }),
  }),
  protection: protectionSchema,
  network: networkSchema,
  /** Retention of every CloudWatch log group of the environment. */
  logs: z.strictObject({ retentionDays: logRetentionDays }),
  /** The feature store and model registry (`<env>-data`). */
  data: dataSchema,
  /** The GPU training cluster (`<env>-training`) and what runs on it (`<env>-workloads`). */
  training: trainingSchema,
  /** Model endpoints (`<env>-serving`). */
  serving: servingSchema,
  /** Alert topic, budget and dashboard of the environment. */
  monitoring: monitoringSchema,
});

/** Rules that relate several fields. They run even when other fields are invalid, so every problem is reported at once. */
const environmentSchema = environmentObject.superRefine(
  (env, ctx) => {
    if (typeof env !== "object" || env === null) return;
    const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const network = (env.network ?? {}) as Partial<z.infer<typeof networkSchema>>;
    const zones = Array.isArray(network.availabilityZones) ? network.availabilityZones : [];
    const isProtected = env.protection?.enabled === true;
    const region = (AWS_REGIONS as readonly unknown[]).includes(env.account?.region) ? env.account.region : undefined;

    if (env.tier === "production" && env.protection?.enabled === false) {
      add(["protection", "enabled"], "a production environment must be protected; set it to true");
    }
    const minZones = isProtected ? MIN_AZS.protected : MIN_AZS.unprotected;
    if (Array.isArray(network.availabilityZones) && zones.length < minZones) {
      add(
        ["network", "availabilityZones"],
        `has ${zones.length}; ${isProtected ? "a protected" : "an"} environment needs at least ${minZones}`,
      );
    }
    zones.forEach((zone, i) => {
      if (typeof zone !== "string" || typeof region !== "string") return;
      if (!new RegExp(`^${region}[a-z]$`).test(zone)) {
        add(["network", "availabilityZones", i], `"${zone}" is not an availability zone of ${region} (e.g. ${region}a)`);
      } else if (zones.indexOf(zone) !== i) {
        add(["network", "availabilityZones", i], `"${zone}" is listed twice`);
      }
    });
    if (isProtected && network.natGateways === "single") {
      add(["network", "natGateways"], 'a protected environment needs "perAz" so one zone failing does not cut the others\' egress');
    }
    checkData(env.data, env.account?.id, add);
    checkTraining(env.training, isProtected, add);
    checkServing(env.serving, region, add);
    const vpc = typeof network.vpcCidr === "string" ? parseCidr(network.vpcCidr) : undefined;
    if (vpc && (vpc.prefixLength < VPC_PREFIX.min || vpc.prefixLength > VPC_PREFIX.max)) {
      add(["network", "vpcCidr"], `is a /${vpc.prefixLength}; the VPC must be /${VPC_PREFIX.min} to /${VPC_PREFIX.max}`);
    }
  },
  { when: () => true },
);

/** What an environment file declares (before defaults). */
export type EnvironmentInput = z.input<typeof environmentObject>;
/** A validated environment configuration. */
export type EnvironmentConfig = z.output<typeof environmentObject>;
export type EnvironmentTier = EnvironmentConfig["tier"];

/** The fields allowed at a path of the config, found by walking the schema. */
function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  let schema: z.ZodType | undefined = environmentObject;
  for (const segment of path) {
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function nameOf(input: unknown): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.length > 0 ? name : "<unnamed environment>";
}

function check(input: unknown): { config?: EnvironmentConfig; problems: Problem[] } {
  const result = environmentSchema.safeParse(input, { reportInput: true });
  if (result.success) return { config: result.data, problems: [] };
  return { problems: problemsFromZod(nameOf(input), result.error.issues, knownKeys) };
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

/** An endpoint serving another environment's model package needs that environment to share its registry with it. */
function promotionProblems(configs: readonly EnvironmentConfig[]): Problem[] {
  return configs.flatMap((env) =>
    env.serving.endpoints.flatMap((endpoint, i): Problem[] => {
      const sourceAccount = MODEL_PACKAGE_ARN.exec(endpoint.model?.modelPackageArn ?? "")?.[3];
      const source = configs.find((other) => other.account.id === sourceAccount && other.name !== env.name);
      if (!source || source.data.modelRegistry.consumerAccountIds.includes(env.account.id)) return [];
      return [
        {
          environment: env.name,
          path: `serving.endpoints.${i}.model.modelPackageArn`,
          message: `is a package of ${source.name}'s registry, which does not share with ${env.name}; add ${env.account.id} to ${source.name}'s data.modelRegistry.consumerAccountIds`,
        },
      ];
    }),
  );
}

function crossEnvironmentProblems(inputs: readonly unknown[]): Problem[] {
  const problems: Problem[] = [];
  const seen: { name: string; cidr?: string }[] = [];
  for (const input of inputs) {
    const name = environmentName.safeParse((input as { name?: unknown } | null)?.name);
    if (!name.success) continue;
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
    seen.push({ name: name.data, cidr: vpc ? (cidrText as string) : undefined });
  }
  return problems;
}
