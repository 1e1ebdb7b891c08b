import { customerProfileV2, transactionsV1 } from "../environments/feature-groups";
import type { EnvironmentInput } from "../environments/schema";
import { CHART_VERSIONS } from "../constructs/training-cluster/versions";

const REGION = "eu-west-1";
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
/** A few of the retentions CloudWatch Logs accepts (LOG_RETENTION_DAYS), cycled through. */
const RETENTIONS = [7, 30, 90, 365];
/** 10.<i>.0.0/16 keeps the ranges disjoint, which caps the count at 255. */
const MAX_ENVIRONMENTS = 255;

/**
 * `n` valid, mutually compatible environments named gen1..gen<n> for load tests:
 * every third one is a protected production environment with a NAT gateway per zone,
 * the others alternate development and staging, unprotected with a single NAT gateway.
 */
export function generateEnvironmentInputs(n: number): EnvironmentInput[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ENVIRONMENTS) {
    throw new RangeError(`environment count must be a whole number from 1 to ${MAX_ENVIRONMENTS}, got ${n}`);
  }
  return Array.from({ length: n }, (_, index) => generateEnvironment(index + 1));
}

function generateEnvironment(i: number): EnvironmentInput {
  const production = i % 3 === 0;
  return {
    name: `gen${i}`,
    tier: production ? "production" : i % 3 === 1 ? "development" : "staging",
    account: { id: String(100_000_000_000 + i), region: REGION },
    protection: { enabled: production, kmsKeyDeletionWindowDays: production ? 30 : 7 + (i % 24) },
    network: { vpcCidr: `10.${i}.0.0/16`, availabilityZones: [...ZONES], natGateways: production ? "perAz" : "single", interfaceEndpoints: ["sts", "ecr.api", "ecr.dkr"] },
    logs: { retentionDays: RETENTIONS[i % RETENTIONS.length] },
    data: generateData(production),
    training: generateTraining(String(100_000_000_000 + i), production),
    serving: generateServing(String(100_000_000_000 + i), production),
    monitoring: { alertSubscriptions: [{ protocol: "email", endpoint: `ml-platform-gen${i}@example.com` }], monthlyBudgetUsd: 1000 },
  };
}

/** A valid data section with the shipped (locked) feature groups, experiment tracking where unprotected. */
export function generateData(isProtected: boolean): EnvironmentInput["data"] {
  return {
    featureStore: {
      offlineStore: { transitionToInfrequentAccessDays: 30, noncurrentVersionExpirationDays: 90 },
      featureGroups: [customerProfileV2, transactionsV1],
    },
    modelRegistry: {
      imageRepositories: ["training/pytorch", "inference/churn"],
      untaggedImageExpiryDays: 14,
      modelPackageGroups: [{ name: "churn", description: "Customer churn classifiers" }],
      consumerAccountIds: [],
      artifacts: { noncurrentVersionExpirationDays: 90 },
      experimentTracking: { enabled: !isProtected, size: "Small", mlflowVersion: "2.16" },
    },
  };
}

/** One endpoint serving a package of the environment's own registry: on instances with drift monitoring when protected, serverless otherwise. */
export function generateServing(accountId: string, isProtected: boolean, region = "eu-west-1"): EnvironmentInput["serving"] {
  const common = {
    name: "churn",
    model: { modelPackageArn: `arn:aws:sagemaker:${region}:${accountId}:model-package/churn/1` },
    alarms: { latencyP99Ms: 300, error5xxPercent: 1, error4xxPercent: 5 },
  };
  if (!isProtected) {
    return {
      endpoints: [
        { ...common, networkIsolation: false, serverless: { memorySizeMb: 2048, maxConcurrency: 5 }, rollout: { type: "allAtOnce", waitSeconds: 0 }, terminationWaitSeconds: 0, dataCapture: { samplingPercent: 0 } },
      ],
    };
  }
  const baseline = `s3://mlops-baselines-${accountId}/churn`;
  return {
    endpoints: [
      {
        ...common,
        networkIsolation: true,
        instances: {
          instanceType: "ml.m5.large",
          initialInstanceCount: 2,
          minInstances: 2,
          maxInstances: 4,
          targetInvocationsPerInstance: 500,
          scaleInCooldownSeconds: 300,
          scaleOutCooldownSeconds: 60,
        },
        rollout: { type: "canary", canaryPercent: 50, waitSeconds: 300 },
        terminationWaitSeconds: 300,
        dataCapture: { samplingPercent: 20 },
        drift: {
          baselineStatisticsUri: `${baseline}/statistics.json`,
          baselineConstraintsUri: `${baseline}/constraints.json`,
          scheduleExpression: "cron(0 * ? * * *)",
          features: ["tenure_months"],
          threshold: 0.2,
        },
      },
    ],
  };
}

/** A valid training section: a private API when protected, one spot GPU pool, two teams sharing it within its reach. */
export function generateTraining(accountId: string, isProtected: boolean, gpuPoolMax = 4): EnvironmentInput["training"] {
  return {
    kubernetesVersion: "1.33",
    nodeAmiReleaseVersion: "1.33.5-20251108",
    publicApiCidrs: isProtected ? [] : ["203.0.113.0/24"],
    apiAccess: { cidrs: isProtected ? ["10.200.0.0/16"] : [], securityGroupIds: [] },
    upgradePolicy: "STANDARD",
    controlPlaneLogs: { api: true, audit: true, authenticator: true, controllerManager: true, scheduler: true },
    access: { adminRoleArns: [`arn:aws:iam::${accountId}:role/platform-admin`], readOnlyRoleArns: [] },
    addons: { vpcCni: "v1.20.4-eksbuild.1", coreDns: "v1.12.2-eksbuild.4", kubeProxy: "v1.33.3-eksbuild.6", ebsCsiDriver: "v1.48.0-eksbuild.2" },
    systemPool: { instanceTypes: ["m6i.large"], minSize: 1, maxSize: 3, diskSizeGiB: 50 },
    gpuPools: [{ name: "g5-spot", instanceTypes: ["g5.xlarge", "g5.2xlarge"], capacityType: "SPOT", maxSize: gpuPoolMax, diskSizeGiB: 200, sharing: { mode: "none" } }],
    cpuPool: { instanceTypes: ["m6i.2xlarge"], capacityType: "ON_DEMAND", maxSize: 2, diskSizeGiB: 100 },
    maxNodesPerGpuPool: Math.max(gpuPoolMax, 1),
    karpenter: { controllerReplicas: 1 },
    charts: { ...CHART_VERSIONS },
    observability: { scrapeIntervalSeconds: 60, alerts: { idleGpuUtilPercent: 10, idleForMinutes: 30, pendingForMinutes: 60, launchFailureForMinutes: 15 } },
    teams: [
      { name: "team-a", gpuQuotas: { "g5-spot": Math.floor(gpuPoolMax / 2) }, gpuBorrowingLimit: Math.ceil(gpuPoolMax / 2), cpuQuota: "32", memoryQuota: "128Gi" },
      { name: "team-b", gpuQuotas: { "g5-spot": Math.ceil(gpuPoolMax / 2) }, gpuBorrowingLimit: Math.floor(gpuPoolMax / 2), cpuQuota: "32", memoryQuota: "128Gi" },
    ],
  };
}
