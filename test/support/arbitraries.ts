import fc from "fast-check";
import { LOG_RETENTION_DAYS } from "../../constructs/core/aws-regions";
import type { EnvironmentInput } from "../../environments/schema";

const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"] as const;
const ZONE_LETTERS = ["a", "b", "c", "d", "e", "f"];

/** Any environment config the schema must accept. */
export const validEnvironmentInput: fc.Arbitrary<EnvironmentInput> = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/),
    accountId: fc.stringMatching(/^\d{12}$/),
    region: fc.constantFrom(...REGIONS),
    protect: fc.boolean(),
    zoneCount: fc.integer({ min: 2, max: 6 }),
    secondOctet: fc.integer({ min: 0, max: 255 }),
    prefixLength: fc.integer({ min: 16, max: 20 }),
    singleNat: fc.boolean(),
    retentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
    kmsKeyDeletionWindowDays: fc.integer({ min: 7, max: 30 }),
  })
  .map((g) => {
    const zoneCount = g.protect ? Math.max(g.zoneCount, 3) : g.zoneCount;
    return {
      name: g.name,
      tier: g.protect ? "production" : "development",
      account: { id: g.accountId, region: g.region },
      protection: { enabled: g.protect, kmsKeyDeletionWindowDays: g.kmsKeyDeletionWindowDays },
      network: {
        vpcCidr: `10.${g.secondOctet}.0.0/${g.prefixLength}`,
        availabilityZones: ZONE_LETTERS.slice(0, zoneCount).map((letter) => `${g.region}${letter}`),
        natGateways: g.protect || !g.singleNat ? "perAz" : "single",
      },
      logs: { retentionDays: g.retentionDays },
    } satisfies EnvironmentInput;
  });
