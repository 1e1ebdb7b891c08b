import fc from "fast-check";
import { LOG_RETENTION_DAYS, type AwsRegion } from "../../constructs/core/aws-regions";
import type { EnvironmentInput } from "../../environments/schema";
import { generateData, generateServing, generateTraining } from "../../bench/generate-environments";

const REGIONS: readonly AwsRegion[] = ["eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"];

/** /16 to /20 VPC ranges in 10.0.0.0/8 with no host bits set. */
const vpcCidr = fc
  .integer({ min: 16, max: 20 })
  .chain((prefix) =>
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 ** (prefix - 16) - 1 }))
      .map(([second, block]) => `10.${second}.${block * 2 ** (24 - prefix)}.0/${prefix}`),
  );

// Built once: fc.stringMatching is costly to construct, so it stays out of the chain below.
const environmentName = fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/);
const accountId = fc.stringMatching(/^\d{12}$/);

/** Any environment config the schema must accept. */
export const validEnvironmentInput: fc.Arbitrary<EnvironmentInput> = fc.boolean().chain((isProtected) =>
  fc
    .record({
      name: environmentName,
      tier: isProtected
        ? fc.constantFrom("development" as const, "staging" as const, "production" as const)
        : fc.constantFrom("development" as const, "staging" as const),
      accountId,
      region: fc.constantFrom(...REGIONS),
      zoneLetters: fc.shuffledSubarray([..."abcdef"], { minLength: isProtected ? 3 : 2 }),
      vpcCidr,
      natGateways: isProtected ? fc.constant("perAz" as const) : fc.constantFrom("single" as const, "perAz" as const),
      kmsKeyDeletionWindowDays: fc.integer({ min: 7, max: 30 }),
      retentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
      gpuPoolMax: fc.integer({ min: 1, max: 8 }),
      interfaceEndpoints: fc.subarray(["sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts", "logs"]),
    })
    .map((v) => ({
      name: v.name,
      tier: v.tier,
      account: { id: v.accountId, region: v.region },
      protection: { enabled: isProtected, kmsKeyDeletionWindowDays: v.kmsKeyDeletionWindowDays },
      network: {
        vpcCidr: v.vpcCidr,
        availabilityZones: v.zoneLetters.map((letter) => `${v.region}${letter}`),
        natGateways: v.natGateways,
        interfaceEndpoints: v.interfaceEndpoints,
      },
      logs: { retentionDays: v.retentionDays },
      data: generateData(isProtected),
      training: generateTraining(v.accountId, isProtected, v.gpuPoolMax),
      serving: generateServing(v.accountId, isProtected, v.region),
      monitoring: { alertSubscriptions: [], monthlyBudgetUsd: 100 },
    })),
);
