import type { EnvironmentInput } from "./schema";

/** Development: one account for experiments; small, cheap, disposable. */
export const dev = {
  name: "dev",
  tier: "development",
  account: { id: "314159265358", region: "eu-west-1" },
  protection: { enabled: false, kmsKeyDeletionWindowDays: 7 },
  network: {
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    natGateways: "single",
  },
  logs: { retentionDays: 30 },
} satisfies EnvironmentInput;
