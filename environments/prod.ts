import { customerProfileV1, customerProfileV2, transactionsV1 } from "./feature-groups";
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
    interfaceEndpoints: ["sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts", "logs"],
  },
  logs: { retentionDays: 365 },
  data: {
    featureStore: {
      offlineStore: { transitionToInfrequentAccessDays: 90, noncurrentVersionExpirationDays: 365 },
      featureGroups: [customerProfileV1, customerProfileV2, transactionsV1],
    },
    modelRegistry: {
      imageRepositories: ["training/pytorch", "inference/churn", "inference/fraud"],
      untaggedImageExpiryDays: 30,
      modelPackageGroups: [
        { name: "churn", description: "Customer churn classifiers", featureGroups: [{ name: "customer-profile", version: 2 }] },
        { name: "fraud", description: "Card fraud detectors" },
      ],
      consumerAccountIds: [],
      artifacts: { noncurrentVersionExpirationDays: 365 },
      experimentTracking: { enabled: true, size: "Medium", mlflowVersion: "2.16" },
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
      connectionArn: "arn:aws:codeconnections:eu-west-1:161803398874:connection/9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b",
    },
    upgradePolicy: "STANDARD",
    controlPlaneLogs: { api: true, audit: true, authenticator: true, controllerManager: true, scheduler: true },
    access: {
      // The platform team, and the role .github/workflows/deploy.yml deploys with.
      adminRoleArns: ["arn:aws:iam::161803398874:role/platform-admin", "arn:aws:iam::161803398874:role/mlops-blueprint-deploy"],
      readOnlyRoleArns: ["arn:aws:iam::161803398874:role/ml-engineer-readonly"],
    },
    addons: {
      vpcCni: "v1.20.4-eksbuild.1",
      coreDns: "v1.12.2-eksbuild.4",
      kubeProxy: "v1.33.3-eksbuild.6",
      ebsCsiDriver: "v1.48.0-eksbuild.2",
    },
    systemPool: { instanceTypes: ["m6i.xlarge"], minSize: 3, maxSize: 6, diskSizeGiB: 100 },
    gpuPools: [
      { name: "a10g-4gpu", instanceTypes: ["g5.12xlarge", "g5.24xlarge"], capacityType: "ON_DEMAND", maxSize: 4, diskSizeGiB: 500, sharing: { mode: "none" } },
      { name: "l4-spot", instanceTypes: ["g6.xlarge", "g6.2xlarge"], capacityType: "SPOT", maxSize: 8, diskSizeGiB: 200, sharing: { mode: "none" } },
      { name: "h100", instanceTypes: ["p5.48xlarge"], capacityType: "ON_DEMAND", maxSize: 2, diskSizeGiB: 1000, sharing: { mode: "none" } },
    ],
    // The teams' work without GPUs (data preparation, launchers): never on the system nodes, which are the controllers'.
    cpuPool: { instanceTypes: ["m6i.4xlarge", "m6i.8xlarge"], capacityType: "ON_DEMAND", maxSize: 10, diskSizeGiB: 200 },
    maxNodesPerGpuPool: 8,
    karpenter: { controllerReplicas: 2 },
    charts: { karpenter: "1.14.1", kueue: "0.19.2", nvidiaDevicePlugin: "0.20.0", dcgmExporter: "4.8.2", grafana: "12.11.1" },
    observability: {
      scrapeIntervalSeconds: 30,
      alerts: { idleGpuUtilPercent: 10, idleForMinutes: 30, pendingForMinutes: 30, launchFailureForMinutes: 15 },
    },
    teams: [
      // Per pool, quotas stay within capacity: a10g-4gpu 12 of 16, l4-spot 8 of 8, h100 16 of 16.
      { name: "recommendations", gpuQuotas: { "a10g-4gpu": 8, "l4-spot": 4, h100: 4 }, gpuBorrowingLimit: 8, cpuQuota: "256", memoryQuota: "1Ti" },
      { name: "vision", gpuQuotas: { "a10g-4gpu": 4, "l4-spot": 2, h100: 6 }, gpuBorrowingLimit: 8, gpuLendingLimit: 4, cpuQuota: "192", memoryQuota: "768Gi" },
      { name: "nlp", gpuQuotas: { "a10g-4gpu": 0, "l4-spot": 2, h100: 6 }, gpuBorrowingLimit: 8, cpuQuota: "128", memoryQuota: "512Gi" },
    ],
  },
  serving: {
    endpoints: [
      {
        name: "churn",
        // Promote by changing the version at the end of this ARN, after staging served it.
        model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/7" },
        networkIsolation: true,
        instances: {
          instanceType: "ml.c6i.xlarge",
          initialInstanceCount: 3,
          minInstances: 3,
          maxInstances: 12,
          targetInvocationsPerInstance: 800,
          scaleInCooldownSeconds: 600,
          scaleOutCooldownSeconds: 60,
        },
        // One instance of three: SageMaker shifts traffic by whole instances.
        rollout: { type: "canary", canaryPercent: 34, waitSeconds: 600 },
        terminationWaitSeconds: 900,
        dataCapture: { samplingPercent: 20 },
        // npm run promote refuses a version below these, or below the version served now.
        promotion: { minimumMetrics: { auc: 0.85, recall: 0.7 }, mustBeatCurrent: true },
        alarms: {
          latencyP99Ms: 200,
          error5xxPercent: 1,
          error4xxPercent: 5,
          cpuUtilizationPercent: 75,
          memoryUtilizationPercent: 80,
          noInvocationsMinutes: 30,
        },
        drift: {
          baselineStatisticsUri: "s3://mlops-prod-model-artifacts-161803398874/models/churn/baseline/statistics.json",
          baselineConstraintsUri: "s3://mlops-prod-model-artifacts-161803398874/models/churn/baseline/constraints.json",
          scheduleExpression: "cron(0 * ? * * *)",
          features: ["tenure_months", "monthly_spend", "support_tickets_90d"],
          threshold: 0.2,
          // Drift starts this pipeline: it retrains on prod's feature store and registers a version in prod's
          // registry, pending approval, only when the evaluation meets every minimum.
          retraining: {
            pipeline: {
              trainingImage: "161803398874.dkr.ecr.eu-west-1.amazonaws.com/mlops-prod/training/pytorch:2.3.0",
              inferenceImage: "161803398874.dkr.ecr.eu-west-1.amazonaws.com/mlops-prod/inference/churn:2.3.0",
              trainingInstanceType: "ml.m5.2xlarge",
              minimumMetrics: { auc: 0.85, recall: 0.7 },
            },
          },
        },
      },
    ],
  },
  // Every prod endpoint retrains on drift behind a metrics gate (README, "The continuous training loop").
  maturity: { minimumLevel: 3 },
  monitoring: {
    alertSubscriptions: [
      { protocol: "email", endpoint: "ml-platform-oncall@example.com" },
      { protocol: "https", endpoint: "https://events.pagerduty.example.com/integration/mlops-prod/enqueue" },
    ],
    monthlyBudgetUsd: 40000,
  },
} satisfies EnvironmentInput;
