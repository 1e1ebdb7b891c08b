import { customerProfileV2, transactionsV1 } from "./feature-groups";
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
    // S3 goes through the free gateway endpoint; interface endpoints would cost more than dev's NAT gateway.
    interfaceEndpoints: [],
  },
  logs: { retentionDays: 30 },
  data: {
    featureStore: {
      offlineStore: { transitionToInfrequentAccessDays: 30, noncurrentVersionExpirationDays: 30 },
      featureGroups: [customerProfileV2, transactionsV1],
    },
    modelRegistry: {
      imageRepositories: ["training/pytorch", "inference/churn", "inference/fraud"],
      untaggedImageExpiryDays: 7,
      modelPackageGroups: [
        { name: "churn", description: "Customer churn classifiers", featureGroups: [{ name: "customer-profile", version: 2 }] },
        { name: "fraud", description: "Card fraud detectors" },
      ],
      consumerAccountIds: ["271828182845", "161803398874"],
      artifacts: { noncurrentVersionExpirationDays: 30 },
      experimentTracking: { enabled: true, size: "Small", mlflowVersion: "2.16" },
    },
  },
  training: {
    kubernetesVersion: "1.33",
    nodeAmiReleaseVersion: "1.33.5-20251108",
    publicApiCidrs: ["203.0.113.0/24"],
    // The public endpoint is fenced to the office range: deploys reach it from the runner in the VPC.
    apiAccess: { cidrs: [], securityGroupIds: [] },
    deployRunner: {
      repositoryUrl: "https://github.com/example-org/mlops-platform",
      connectionArn: "arn:aws:codeconnections:eu-west-1:314159265358:connection/4f6a1c2e-8d3b-4e5f-9a7c-1b2d3e4f5a6b",
    },
    upgradePolicy: "STANDARD",
    controlPlaneLogs: { api: true, audit: true, authenticator: true, controllerManager: false, scheduler: false },
    access: {
      // The platform team, and the role .github/workflows/deploy.yml deploys with.
      adminRoleArns: ["arn:aws:iam::314159265358:role/platform-admin", "arn:aws:iam::314159265358:role/mlops-blueprint-deploy"],
      readOnlyRoleArns: ["arn:aws:iam::314159265358:role/ml-engineer-readonly"],
    },
    addons: {
      vpcCni: "v1.20.4-eksbuild.1",
      coreDns: "v1.12.2-eksbuild.4",
      kubeProxy: "v1.33.3-eksbuild.6",
      ebsCsiDriver: "v1.48.0-eksbuild.2",
    },
    // One node runs CoreDNS, Karpenter, Kueue and Grafana: an m6i.xlarge, fixed size (GPU capacity is Karpenter's).
    systemPool: { instanceTypes: ["m6i.xlarge"], minSize: 1, maxSize: 2, diskSizeGiB: 50 },
    gpuPools: [
      // Four pods share each A10G by time-slicing (no memory isolation): notebooks and small experiments.
      { name: "g5-spot", instanceTypes: ["g5.xlarge", "g5.2xlarge"], capacityType: "SPOT", maxSize: 2, diskSizeGiB: 200, sharing: { mode: "timeSlicing", replicas: 4 } },
    ],
    // The teams' work without GPUs (data preparation, launchers): never on the system nodes, which are the controllers'.
    cpuPool: { instanceTypes: ["m6i.xlarge", "m6i.2xlarge"], capacityType: "SPOT", maxSize: 2, diskSizeGiB: 100 },
    maxNodesPerGpuPool: 4,
    karpenter: { controllerReplicas: 1 },
    charts: { karpenter: "1.14.1", kueue: "0.19.2", nvidiaDevicePlugin: "0.20.0", dcgmExporter: "4.8.2", grafana: "12.11.1" },
    observability: {
      scrapeIntervalSeconds: 60,
      alerts: { idleGpuUtilPercent: 10, idleForMinutes: 60, pendingForMinutes: 60, launchFailureForMinutes: 15 },
    },
    teams: [
      // 2 nodes x 1 GPU x 4 replicas = 8 GPU units in g5-spot.
      { name: "research", gpuQuotas: { "g5-spot": 8 }, gpuBorrowingLimit: 0, cpuQuota: "32", memoryQuota: "128Gi" },
    ],
  },
  serving: {
    endpoints: [
      {
        name: "churn",
        model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/8" },
        // Serverless inference supports neither network isolation nor data capture.
        networkIsolation: false,
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        rollout: { type: "allAtOnce", waitSeconds: 0 },
        terminationWaitSeconds: 0,
        dataCapture: { samplingPercent: 0 },
        alarms: { latencyP99Ms: 1000, error5xxPercent: 5, error4xxPercent: 20 },
      },
    ],
  },
  monitoring: {
    alertSubscriptions: [{ protocol: "email", endpoint: "ml-platform-dev@example.com" }],
    monthlyBudgetUsd: 3000,
  },
} satisfies EnvironmentInput;
