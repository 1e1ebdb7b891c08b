import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { awsEnvironmentOf } from "../constructs/core/aws-environment";
import { KmsKey } from "../constructs/core/kms-key";
import { SecureBucket } from "../constructs/core/secure-bucket";
import { Monitoring, type PrometheusAlertSource } from "../constructs/monitoring/monitoring";
import { featureGroupName } from "../constructs/feature-store/feature-group";
import { RetrainingPipeline } from "../constructs/pipelines/retraining-pipeline";
import { packageGroupOf } from "../constructs/serving/model-source";
import { ServingEndpoint } from "../constructs/serving/serving-endpoint";
import type { EndpointConfig } from "../environments/serving-schema";
import type { EnvironmentConfig } from "../environments/schema";
import type { DataStack } from "./data-stack";
import type { NetworkStack } from "./network-stack";
import { PlatformStack } from "./platform-stack";

/** What the serving layer uses of the other layers. */
export interface ServingDependencies {
  readonly network: NetworkStack;
  readonly data: DataStack;
  /** The training cluster's name, for the dashboard. */
  readonly trainingClusterName: string;
  /**
   * The training cluster's Prometheus workspace (the training stack's `prometheus`): its alerts (idle GPUs, queues that
   * admit nothing, failing node launches) go to the environment's alert topic.
   * @default - no Prometheus alerts reach the topic
   */
  readonly prometheusWorkspace?: PrometheusAlertSource;
}

/** Captures and reports are written once; a deleted or overwritten one is kept this long, for mistakes. */
const CAPTURE_VERSION_RETENTION_DAYS = 30;

/**
 * `<env>-serving`: model endpoints with blue/green rollouts that roll back on their own alarms, data capture,
 * drift monitoring that can start retraining, the environment's alert topic, dashboard and budget.
 */
export class ServingStack extends PlatformStack {
  readonly key: KmsKey;
  readonly captureBucket: SecureBucket;
  readonly monitoring: Monitoring;
  /** Endpoints by their config name. */
  readonly endpoints: Readonly<Record<string, ServingEndpoint>>;
  /** The retraining pipelines declared here, by the name of the endpoint whose drift starts them. */
  readonly retrainingPipelines: Record<string, RetrainingPipeline> = {};

  constructor(scope: Construct, environment: EnvironmentConfig, dependencies: ServingDependencies) {
    super(scope, { environment, layer: "serving" });
    const { network } = dependencies.network;
    this.key = new KmsKey(this, "ServingKey", {
      alias: this.resourceName(["serving"], 250),
      description: `Encrypts endpoints, captured data, monitoring reports and alerts of ${environment.name}`,
      deletionWindowInDays: environment.protection.kmsKeyDeletionWindowDays,
    });
    this.captureBucket = new SecureBucket(this, "CaptureBucket", {
      bucketName: this.resourceName(["inference-capture", awsEnvironmentOf(this).accountId], 63),
      encryptionKey: this.key,
      noncurrentVersionExpirationDays: CAPTURE_VERSION_RETENTION_DAYS,
    });
    this.monitoring = new Monitoring(this, "Monitoring", {
      namePrefix: this.namePrefix,
      encryptionKey: this.key,
      subscriptions: environment.monitoring.alertSubscriptions,
      monthlyBudgetUsd: environment.monitoring.monthlyBudgetUsd,
      trainingClusterName: dependencies.trainingClusterName,
      prometheusWorkspace: dependencies.prometheusWorkspace,
    });
    this.monitoring.watchModelApprovals(environment.data.modelRegistry.modelPackageGroups.map((group) => group.name));

    this.endpoints = Object.fromEntries(
      // An endpoint without a model version yet is declared only: nothing of it exists until a version is set.
      environment.serving.endpoints.flatMap((config) => {
        const model = config.model;
        if (!model) return [];
        const endpointName = this.resourceName([config.name], 63);
        const common = {
          endpointName,
          model: model.modelPackageArn ? { modelPackageArn: model.modelPackageArn } : { image: model.image!, modelDataUrl: model.modelDataUrl! },
          terminationWaitSeconds: config.terminationWaitSeconds,
          encryptionKey: this.key,
          vpcId: network.vpcId,
          alertTopicArn: this.monitoring.alertTopicArn,
          logRetentionDays: environment.logs.retentionDays,
          registry: dependencies.data.modelRegistry,
        };
        const endpoint = new ServingEndpoint(
          this,
          `Endpoint-${config.name}`,
          config.instances
            ? {
                ...common,
                instances: config.instances,
                rollout: config.rollout,
                subnetIds: network.privateSubnetIds,
                networkIsolation: config.networkIsolation,
                dataCapture: { ...config.dataCapture, bucket: this.captureBucket },
                alarms: config.alarms,
              }
            : // The schema refuses other rollouts for serverless endpoints, and settings SageMaker does not support there.
              { ...common, serverless: config.serverless!, rollout: { type: "allAtOnce", waitSeconds: config.rollout.waitSeconds }, alarms: config.alarms },
        );
        this.monitoring.addEndpoint({ endpointName, variantName: endpoint.variantName });
        this.addDrift(config, endpointName, endpoint, network.privateSubnetIds, dependencies.data);
        return [[config.name, endpoint] as const];
      }),
    );
    new TerraformOutput(this, "alert_topic_arn", { value: this.monitoring.alertTopicArn, description: "The environment's alert topic: alarms, drift, budget, approvals; subscribe here" });
    new TerraformOutput(this, "endpoint_names", {
      value: Object.fromEntries(Object.entries(this.endpoints).map(([name, endpoint]) => [name, endpoint.endpointName])),
      description: "The SageMaker endpoints, by their config name: invoke these",
    });
    new TerraformOutput(this, "retraining_pipeline_arns", {
      value: Object.fromEntries(Object.entries(this.retrainingPipelines).map(([name, pipeline]) => [name, pipeline.pipelineArn])),
      description: "The retraining pipelines declared here, by the endpoint whose drift starts them",
    });
  }

  private addDrift(config: EndpointConfig, endpointName: string, endpoint: ServingEndpoint, subnetIds: readonly string[], data: DataStack): void {
    if (!config.drift) return;
    const retraining = config.drift.retraining;
    let retrainingPipelineArn: string | undefined;
    if (retraining && "pipeline" in retraining) {
      // The group of the served package: new versions go to this environment's group of that name.
      const group = packageGroupOf(config.model!.modelPackageArn!);
      const contract = this.environment.data.modelRegistry.modelPackageGroups.find((g) => g.name === group)!.featureGroups!;
      const pipeline = new RetrainingPipeline(this, `Retraining-${config.name}`, {
        ...retraining.pipeline,
        pipelineName: this.resourceName([config.name, "retraining"], 256),
        modelPackageGroupName: group,
        featureGroupNames: contract.map(featureGroupName),
        featureStore: data.featureStore,
        registry: data.modelRegistry,
        encryptionKey: this.key,
        subnetIds,
        securityGroupIds: [endpoint.securityGroupId],
      });
      this.retrainingPipelines[config.name] = pipeline;
      retrainingPipelineArn = pipeline.pipelineArn;
    } else if (retraining) {
      retrainingPipelineArn = retraining.externalPipelineArn;
    }
    this.monitoring.addDriftMonitor(`Drift-${config.name}`, {
      endpointName,
      baselineStatisticsUri: config.drift.baselineStatisticsUri,
      baselineConstraintsUri: config.drift.baselineConstraintsUri,
      scheduleExpression: config.drift.scheduleExpression,
      features: config.drift.features,
      threshold: config.drift.threshold,
      subnetIds,
      securityGroupIds: [endpoint.securityGroupId],
      reportsBucket: this.captureBucket,
      captureBucket: this.captureBucket,
      encryptionKey: this.key,
      alertTopicArn: this.monitoring.alertTopicArn,
      retrainingPipelineArn,
      endpoint: endpoint.endpoint,
    });
  }
}
