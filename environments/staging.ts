import { customerProfileV2, transactionsV1 } from "./feature-groups";
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
    interfaceEndpoints: ["sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts", "logs"],
  },
  logs: { retentionDays: 90 },
  data: {
    featureStore: {
      offlineStore: { transitionToInfrequentAccessDays: 60, noncurrentVersionExpirationDays: 60 },
      featureGroups: [customerProfileV2, transactionsV1],
    },
    modelRegistry: {
      imageRepositories: ["training/pytorch", "inference/churn", "inference/fraud"],
      untaggedImageExpiryDays: 14,
      modelPackageGroups: [
        { name: "churn", description: "Customer churn classifiers", featureGroups: [{ name: "customer-profile", version: 2 }] },
        { name: "fraud", description: "Card fraud detectors" },
      ],
      // Prod serves dev's packages (promotion goes dev -> staging -> prod by version number), not staging's.
      consumerAccountIds: [],
      artifacts: { noncurrentVersionExpirationDays: 60 },
      experimentTracking: { enabled: false, size: "Small", mlflowVersion: "2.16" },
    },
  },
  training: {
    kubernetesVersion: "1.33",
    nodeAmiReleaseVersion: "1.33.5-20251108",
    publicApiCidrs: [],
    // The private API endpoint admits the deploy runner (below) and the platform team's VPN.
    apiAccess: { cidrs: ["10.200.0.0/16"], securityGroupIds: [] },
    deployRunner: {
      repositoryUrl: "https://github.com/example-org/mlops-platform",
      connectionArn: "arn:aws:codeconnections:eu-west-1:271828182845:connection/7c1e9a2b-3d4f-4a5b-8c6d-2e3f4a5b6c7d",
    },
    upgradePolicy: "STANDARD",
    controlPlaneLogs: { api: true, audit: true, authenticator: true, controllerManager: true, scheduler: true },
    access: {
      // The platform team, and the role .github/workflows/deploy.yml deploys with.
      adminRoleArns: ["arn:aws:iam::271828182845:role/platform-admin", "arn:aws:iam::271828182845:role/mlops-blueprint-deploy"],
      readOnlyRoleArns: ["arn:aws:iam::271828182845:role/ml-engineer-readonly"],
    },
    addons: {
      vpcCni: "v1.20.4-eksbuild.1",
      coreDns: "v1.12.2-eksbuild.4",
      kubeProxy: "v1.33.3-eksbuild.6",
      ebsCsiDriver: "v1.48.0-eksbuild.2",
    },
    systemPool: { instanceTypes: ["m6i.large"], minSize: 2, maxSize: 3, diskSizeGiB: 50 },
    gpuPools: [
      { name: "g5-ondemand", instanceTypes: ["g5.xlarge", "g5.2xlarge"], capacityType: "ON_DEMAND", maxSize: 4, diskSizeGiB: 200, sharing: { mode: "none" } },
    ],
    // The teams' work without GPUs (data preparation, launchers): never on the system nodes, which are the controllers'.
    cpuPool: { instanceTypes: ["m6i.2xlarge", "m6i.4xlarge"], capacityType: "ON_DEMAND", maxSize: 4, diskSizeGiB: 100 },
    maxNodesPerGpuPool: 4,
    karpenter: { controllerReplicas: 2 },
    charts: { karpenter: "1.14.1", kueue: "0.19.2", nvidiaDevicePlugin: "0.20.0", dcgmExporter: "4.8.2", grafana: "12.11.1" },
    observability: {
      scrapeIntervalSeconds: 60,
      alerts: { idleGpuUtilPercent: 10, idleForMinutes: 30, pendingForMinutes: 60, launchFailureForMinutes: 15 },
    },
    teams: [
      // 4 GPUs, 2 guaranteed to each team; either may borrow the other's idle ones.
      { name: "recommendations", gpuQuotas: { "g5-ondemand": 2 }, gpuBorrowingLimit: 2, cpuQuota: "32", memoryQuota: "128Gi" },
      { name: "vision", gpuQuotas: { "g5-ondemand": 2 }, gpuBorrowingLimit: 2, cpuQuota: "32", memoryQuota: "128Gi" },
    ],
  },
  serving: {
    endpoints: [
      {
        name: "churn",
        model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/8" },
        networkIsolation: true,
        instances: {
          instanceType: "ml.m5.large",
          // Two instances, so the canary (one of them) rehearses prod's rollout for real.
          initialInstanceCount: 2,
          minInstances: 2,
          maxInstances: 3,
          targetInvocationsPerInstance: 500,
          scaleInCooldownSeconds: 300,
          scaleOutCooldownSeconds: 60,
        },
        rollout: { type: "canary", canaryPercent: 50, waitSeconds: 300 },
        terminationWaitSeconds: 300,
        dataCapture: { samplingPercent: 50 },
        promotion: { minimumMetrics: { auc: 0.8 } },
        alarms: { latencyP99Ms: 300, error5xxPercent: 2, error4xxPercent: 10, cpuUtilizationPercent: 80, memoryUtilizationPercent: 85 },
      },
    ],
  },
  monitoring: {
    alertSubscriptions: [{ protocol: "email", endpoint: "ml-platform-staging@example.com" }],
    monthlyBudgetUsd: 5000,
  },
} satisfies EnvironmentInput;
