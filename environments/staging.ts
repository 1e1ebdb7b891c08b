import type { EnvironmentInput } from "./schema";

/** Staging: production's shape at a smaller size, where promotions are rehearsed. */
export const staging = {
  name: "staging",
  tier: "staging",
  account: { id: "271828182845", region: "eu-west-1" },
  protection: { enabled: false, kmsKeyDeletionWindowDays: 14 },
  network: {
    vpcCidr: "10.20.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    natGateways: "single",
  },
  logs: { retentionDays: 90 },
} satisfies EnvironmentInput;
