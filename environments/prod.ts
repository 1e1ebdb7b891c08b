import type { EnvironmentInput } from "./schema";

/** Production: highly available over three zones, protected against deletion, logs kept for a year. */
export const prod = {
  name: "prod",
  tier: "production",
  account: { id: "161803398874", region: "eu-west-1" },
  protection: { enabled: true, kmsKeyDeletionWindowDays: 30 },
  network: {
    vpcCidr: "10.30.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    natGateways: "perAz",
  },
  logs: { retentionDays: 365 },
} satisfies EnvironmentInput;
