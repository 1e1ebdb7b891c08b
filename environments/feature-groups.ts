import type { EnvironmentInput } from "./schema";

type FeatureGroupInput = EnvironmentInput["data"]["featureStore"]["featureGroups"][number];

/**
 * Feature group definitions shared by the environments. A schema change is a new version:
 * copy the group, bump `version`, run `npm run lock`, and keep the old version until nothing reads it.
 */
const customerProfileFeatures = [
  { name: "customer_id", type: "String" },
  { name: "event_time", type: "Fractional" },
  { name: "tenure_months", type: "Integral" },
  { name: "monthly_spend", type: "Fractional" },
  { name: "plan", type: "String" },
] as const;

export const customerProfileV1: FeatureGroupInput = {
  name: "customer-profile",
  version: 1,
  description: "Customer attributes for churn models",
  recordIdentifier: "customer_id",
  eventTime: "event_time",
  features: [...customerProfileFeatures],
  onlineStore: { enabled: true, ttlDays: 90 },
  offlineStore: true,
};

/** v2 adds support tickets; v1 stays until the churn model reads v2 everywhere. */
export const customerProfileV2: FeatureGroupInput = {
  ...customerProfileV1,
  version: 2,
  features: [...customerProfileFeatures, { name: "support_tickets_90d", type: "Integral" }],
};

export const transactionsV1: FeatureGroupInput = {
  name: "transactions",
  version: 1,
  description: "Card transactions aggregated per customer and day, for fraud models",
  recordIdentifier: "customer_day",
  eventTime: "event_time",
  features: [
    { name: "customer_day", type: "String" },
    { name: "event_time", type: "String" },
    { name: "transaction_count", type: "Integral" },
    { name: "amount_sum", type: "Fractional" },
    { name: "distinct_merchants", type: "Integral" },
  ],
  onlineStore: { enabled: false },
  offlineStore: true,
};
