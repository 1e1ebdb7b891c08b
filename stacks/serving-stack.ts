import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { awsEnvironmentOf } from "../constructs/core/aws-environment";
import { type PropsProblem, throwPropsProblems } from "../constructs/core/errors";
import { KmsKey } from "../constructs/core/kms-key";
import { environmentPrefix, resourceName } from "../constructs/core/naming";
import { SecureBucket } from "../constructs/core/secure-bucket";
import { Monitoring, type PrometheusAlertSource } from "../constructs/monitoring/monitoring";
import { featureGroupName } from "../constructs/feature-store/feature-group";
import { RetrainingPipeline } from "../constructs/pipelines/retraining-pipeline";
import { packageGroupOf } from "../constructs/serving/model-source";
import type { AllAtOnceRollout } from "../constructs/serving/endpoint-settings";
import { ServingEndpoint } from "../constructs/serving/serving-endpoint";
import type { FeatureStore } from "../constructs/feature-store/feature-store";
import type { ModelRegistry } from "../constructs/model-registry/model-registry";
import type { Network } from "../constructs/network/network";
import type { DataConfig } from "../environments/data-schema";
import type { MonitoringConfig } from "../environments/schema";
import { checkServing, type EndpointConfig, type ServingConfig } from "../environments/serving-schema";
import { BaseStackProps, LayerConfig, PlatformStack } from "./platform-stack";

export interface ServingStackProps extends BaseStackProps {
  readonly serving: LayerConfig<ServingConfig>;
  /** Alert recipients and the monthly budget. */
  readonly monitoring: LayerConfig<MonitoringConfig>;
  /** The registry's model package groups, with the feature groups each one's models read (their contract). */
  readonly modelPackageGroups: LayerConfig<DataConfig["modelRegistry"]["modelPackageGroups"]>;
  /** Days the endpoints' and monitors' logs are kept. */
  readonly logRetentionDays: number;
  /** The VPC the endpoints, monitors and pipelines run in (the network stack's `network`). */
  readonly network: Pick<Network, "vpcId" | "privateSubnetIds">;
  /** What retraining pipelines read (the data stack's `featureStore`). */
  readonly featureStore: FeatureStore;
  /** Where endpoints pull models from and retraining registers them (the data stack's `modelRegistry`). */
  readonly modelRegistry: ModelRegistry;
  /**
   * The training cluster's name: the dashboard shows its pending pods and scheduling.
   * @default - the dashboard shows serving only
   */
  readonly trainingClusterName?: string;
  /**
   * The training cluster's Prometheus workspace (the training stack's `prometheus`): its alerts (idle GPUs, queues that
   * admit nothing, failing node launches) go to the environment's alert topic.
   * @default - no Prometheus alerts reach the topic
   */
  readonly prometheusWorkspace?: PrometheusAlertSource;
}

/** The SageMaker name of an endpoint: `mlops-<env>-<name>` (the workloads stack's dashboards name them before they exist). */
export function servingEndpointName(environmentName: string, endpoint: string): string {
  return resourceName([environmentPrefix(environmentName), endpoint], { maxLength: 63 });
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

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, { ...props, layer: "serving" });
    // The serving layer's rules across endpoints, drift, retraining and the registry: the environment schema's own,
    // for props that did not come through it.
    const problems: PropsProblem[] = [];
    checkServing(props.serving, { region: props.account.region, accountId: props.account.id, packageGroups: props.modelPackageGroups }, (path, message) =>
      problems.push({ path: path.join("."), message }),
    );
    throwPropsProblems(this.node.path, problems);
    const { network, environmentName } = props;
    this.key = new KmsKey(this, "ServingKey", {
      alias: this.resourceName(["serving"], 250),
      description: `Encrypts endpoints, captured data, monitoring reports and alerts of ${environmentName}`,
      deletionWindowInDays: this.kmsKeyDeletionWindowDays,
    });
    this.captureBucket = new SecureBucket(this, "CaptureBucket", {
      bucketName: this.resourceName(["inference-capture", awsEnvironmentOf(this).accountId], 63),
      encryptionKey: this.key,
      noncurrentVersionExpirationDays: CAPTURE_VERSION_RETENTION_DAYS,
    });
    this.monitoring = new Monitoring(this, "Monitoring", {
      namePrefix: this.namePrefix,
      encryptionKey: this.key,
      subscriptions: props.monitoring.alertSubscriptions,
      monthlyBudgetUsd: props.monitoring.monthlyBudgetUsd,
      trainingClusterName: props.trainingClusterName,
      prometheusWorkspace: props.prometheusWorkspace,
    });
    this.monitoring.watchModelApprovals(props.modelPackageGroups.map((group) => group.name));

    this.endpoints = Object.fromEntries(
      // An endpoint without a model version yet is declared only: nothing of it exists until a version is set.
      props.serving.endpoints.flatMap((config) => {
        const model = config.model;
        if (!model) return [];
        const endpointName = servingEndpointName(environmentName, config.name);
        const common = {
          endpointName,
          model: model.modelPackageArn ? { modelPackageArn: model.modelPackageArn } : { image: model.image!, modelDataUrl: model.modelDataUrl! },
          terminationWaitSeconds: config.terminationWaitSeconds,
          encryptionKey: this.key,
          alertTopicArn: this.monitoring.alertTopicArn,
          logRetentionDays: props.logRetentionDays,
          registry: props.modelRegistry,
        };
        const endpoint = new ServingEndpoint(
          this,
          `Endpoint-${config.name}`,
          config.instances
            ? {
                ...common,
                instances: config.instances,
                rollout: config.rollout,
                vpcId: network.vpcId,
                subnetIds: network.privateSubnetIds,
                networkIsolation: config.networkIsolation,
                dataCapture: { ...config.dataCapture, bucket: this.captureBucket },
                alarms: config.alarms,
              }
            : // The endpoint refuses any other rollout, and settings SageMaker does not support serverless (servingEndpointProblems).
              { ...common, serverless: config.serverless!, rollout: config.rollout as AllAtOnceRollout, alarms: config.alarms },
        );
        this.monitoring.addEndpoint({ endpointName, variantName: endpoint.variantName });
        this.addDrift(config, endpointName, endpoint, props);
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

  private addDrift(config: LayerConfig<EndpointConfig>, endpointName: string, endpoint: ServingEndpoint, props: ServingStackProps): void {
    if (!config.drift) return;
    // Drift is refused on serverless endpoints (checkServing): this one runs on instances, in the VPC.
    const securityGroupId = endpoint.securityGroupId!;
    const subnetIds = props.network.privateSubnetIds;
    const retraining = config.drift.retraining;
    let retrainingPipelineArn: string | undefined;
    if (retraining && "pipeline" in retraining) {
      // The group of the served package: new versions go to this environment's group of that name.
      const group = packageGroupOf(config.model!.modelPackageArn!);
      const contract = props.modelPackageGroups.find((g) => g.name === group)!.featureGroups!;
      const pipeline = new RetrainingPipeline(this, `Retraining-${config.name}`, {
        ...retraining.pipeline,
        pipelineName: this.resourceName([config.name, "retraining"], 256),
        modelPackageGroupName: group,
        featureGroupNames: contract.map(featureGroupName),
        featureStore: props.featureStore,
        registry: props.modelRegistry,
        encryptionKey: this.key,
        subnetIds,
        securityGroupIds: [securityGroupId],
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
      securityGroupIds: [securityGroupId],
      reportsBucket: this.captureBucket,
      captureBucket: this.captureBucket,
      encryptionKey: this.key,
      alertTopicArn: this.monitoring.alertTopicArn,
      retrainingPipelineArn,
      endpoint: endpoint.endpoint,
    });
  }
}
