import { Construct } from "constructs";
import { Token } from "cdktf";
import { SagemakerPipeline } from "@cdktf/provider-aws/lib/sagemaker-pipeline";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { grantVpcNetworkInterfaces } from "../core/vpc-access";
import type { FeatureStore } from "../feature-store/feature-store";
import type { ModelRegistry } from "../model-registry/model-registry";
import { ECR_IMAGE } from "../serving/model-source";
import { PipelineDefinition, retrainingPipelineDefinition } from "./pipeline-definition";
import { ConstructPropsError, type PropsProblem, throwPropsProblems } from "../core/errors";
import { PIPELINE_NAME } from "../core/sagemaker-names";

/** What retrains a model, as an environment declares it. */
export interface RetrainingPipelineSpec {
  /** Image with the `prepare` and `evaluate` commands and SageMaker's `train` (this account's ECR, with a tag or digest). */
  readonly trainingImage: string;
  /** Image that serves the trained model (the registered package's container). */
  readonly inferenceImage: string;
  /** @default "ml.m5.xlarge" */
  readonly processingInstanceType?: string;
  readonly trainingInstanceType: string;
  /** The most one step may run. @default 8 */
  readonly maxRuntimeHours?: number;
  /** The validation gate: each metric of the evaluation must be at least this, or nothing is registered. */
  readonly minimumMetrics: Readonly<Record<string, number>>;
}

export interface RetrainingPipelineProps extends RetrainingPipelineSpec {
  /** The pipeline's name (a literal: it names the role and is in the ARN drift rules start). */
  readonly pipelineName: string;
  /** The package group (of `registry`) new versions are registered in, pending approval. */
  readonly modelPackageGroupName: string;
  /** The feature group versions the models read (`<name>-v<version>`, groups of `featureStore`). */
  readonly featureGroupNames: readonly string[];
  readonly featureStore: FeatureStore;
  readonly registry: ModelRegistry;
  /** Encrypts the jobs' volumes. */
  readonly encryptionKey: IKmsKey;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

const DEFAULT_PROCESSING_INSTANCE_TYPE = "ml.m5.xlarge";
const DEFAULT_MAX_RUNTIME_HOURS = 8;
/** A training job may run up to 28 days; a retraining step that long is a mistake, so five days is the cap here. */
const MAX_RUNTIME_HOURS = 120;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
/** A metric name the gate's JSON path can read (`metrics.<name>.value`). */
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Why a metric name cannot be gated on (it is read at `metrics.<name>.value` and stored as `metric.<name>`), if so. */
export function metricNameProblem(name: string): string | undefined {
  return METRIC_NAME.test(name) ? undefined : "must be a metric name of letters, digits and _ (it is read at metrics.<name>.value of evaluation.json)";
}

/**
 * What SageMaker would refuse, or a gate that could never hold, in a retraining pipeline's settings, by field.
 * Shared by RetrainingPipeline and the environment schema.
 */
export function retrainingPipelineProblems(spec: RetrainingPipelineSpec, accountId?: string): PropsProblem[] {
  const problems: PropsProblem[] = [];
  for (const field of ["trainingImage", "inferenceImage"] as const) {
    const image = spec[field];
    if (Token.isUnresolved(image)) continue;
    const match = ECR_IMAGE.exec(image);
    if (!match) problems.push({ path: field, message: `"${image}" must be an ECR image with a tag or digest, <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` });
    else if (accountId !== undefined && match[1] !== accountId) problems.push({ path: field, message: `is an image of account ${match[1]}; the pipeline pulls from this environment's registry (${accountId})` });
  }
  for (const field of ["processingInstanceType", "trainingInstanceType"] as const) {
    const type = spec[field];
    if (type !== undefined && !INSTANCE_TYPE.test(type)) problems.push({ path: field, message: `"${type}" must be a SageMaker instance type such as ml.m5.xlarge` });
  }
  const hours = spec.maxRuntimeHours;
  if (hours !== undefined && !(Number.isInteger(hours) && hours >= 1 && hours <= MAX_RUNTIME_HOURS)) {
    problems.push({ path: "maxRuntimeHours", message: `is ${hours}; a whole number of hours, 1-${MAX_RUNTIME_HOURS}` });
  }
  const metrics = Object.entries(spec.minimumMetrics);
  if (metrics.length === 0) problems.push({ path: "minimumMetrics", message: "is empty; the gate needs at least one metric and its minimum, or every model would be registered" });
  for (const [name, minimum] of metrics) {
    const nameProblem = metricNameProblem(name);
    if (nameProblem) problems.push({ path: `minimumMetrics.${name}`, message: nameProblem });
    if (!Number.isFinite(minimum)) problems.push({ path: `minimumMetrics.${name}`, message: `is ${minimum}; must be a number` });
  }
  return problems;
}

/**
 * A SageMaker pipeline that retrains one model: it reads the feature groups the model's contract names from the
 * offline store, trains, evaluates, and registers the model as a new version pending approval only when every
 * minimum metric is met (see pipeline-definition.ts). Its execution role, shared by its jobs, may read the feature
 * store, read and write artifacts under `models/<group>/retraining/` only, register versions pending approval, pull
 * the registry's images, and start its own jobs, in the VPC, on encrypted volumes.
 */
export class RetrainingPipeline extends Construct {
  readonly pipeline: SagemakerPipeline;
  readonly pipelineArn: string;
  readonly pipelineName: string;
  readonly role: ServiceRole;
  readonly definition: PipelineDefinition;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    const { accountId, region } = awsEnvironmentOf(this);
    this.validate(props);
    this.pipelineName = props.pipelineName;
    const sagemaker = (resource: string) => formatArn(this, { service: "sagemaker", resource });

    this.role = new ServiceRole(this, "Role", {
      roleName: resourceName([props.pipelineName], { maxLength: 64 }),
      description: `Runs retraining pipeline ${props.pipelineName} and its jobs`,
      trust: [serviceTrust("sagemaker.amazonaws.com", accountId)],
    });
    const prefix = `models/${props.modelPackageGroupName}/retraining`;
    props.featureStore.grantRead(this.role);
    props.registry.grantRegister(this.role, { artifactPrefix: prefix, groups: [props.modelPackageGroupName] });
    props.registry.grantPull(this.role);
    props.encryptionKey.grantVolumeEncryption(this.role);
    // The pipeline starts its jobs (SageMaker names them pipelines-<execution>-<step>-...) and passes them this role.
    const jobs = ["processing-job", "training-job"].map((type) => sagemaker(`${type}/pipelines-*`));
    this.role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob", "sagemaker:DescribeProcessingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopProcessingJob", "sagemaker:StopTrainingJob", "sagemaker:AddTags"],
      Resource: jobs,
    });
    this.role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: this.role.roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
    });
    this.role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: ["ProcessingJobs", "TrainingJobs"].map((kind) => formatArn(this, { service: "logs", resource: `log-group:/aws/sagemaker/${kind}:*` })),
    });
    this.role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringLike: { "cloudwatch:namespace": ["aws/sagemaker/*", "/aws/sagemaker/*"] } },
    });
    grantVpcNetworkInterfaces(this, this.role, { subnetIds: props.subnetIds, securityGroupIds: props.securityGroupIds });

    // Each feature group's offline store is under <store>/<account>/sagemaker/<region>/offline-store/<group>-<created>/.
    const featureInputs = Object.fromEntries(
      props.featureGroupNames.map((group) => [group, `${props.featureStore.offlineStoreS3Uri}/${accountId}/sagemaker/${region}/offline-store/${group}-`]),
    );
    this.definition = retrainingPipelineDefinition({
      roleArn: this.role.roleArn,
      modelPackageGroupName: props.modelPackageGroupName,
      featureInputs,
      outputS3Uri: `s3://${props.registry.artifactBucket.bucketName}/${prefix}`,
      trainingImage: props.trainingImage,
      inferenceImage: props.inferenceImage,
      processingInstanceType: props.processingInstanceType ?? DEFAULT_PROCESSING_INSTANCE_TYPE,
      trainingInstanceType: props.trainingInstanceType,
      maxRuntimeSeconds: (props.maxRuntimeHours ?? DEFAULT_MAX_RUNTIME_HOURS) * 3600,
      minimumMetrics: props.minimumMetrics,
      volumeKeyArn: props.encryptionKey.keyArn,
      outputKeyArn: props.registry.artifactBucket.encryptionKey.keyArn,
      subnetIds: props.subnetIds,
      securityGroupIds: props.securityGroupIds,
    });
    this.pipeline = new SagemakerPipeline(this, "Pipeline", {
      pipelineName: props.pipelineName,
      pipelineDisplayName: props.pipelineName,
      pipelineDescription: `Retrains ${props.modelPackageGroupName} from ${props.featureGroupNames.join(", ")}; registers a version pending approval when ${Object.entries(props.minimumMetrics).map(([n, m]) => `${n} >= ${m}`).join(", ")}`,
      roleArn: this.role.roleArn,
      pipelineDefinition: JSON.stringify(this.definition),
      // One step at a time within an execution (the steps run in sequence anyway); executions started by two drift
      // alarms may overlap, harmlessly: each writes under its own execution id.
      parallelismConfiguration: { maxParallelExecutionSteps: 1 },
      dependsOn: [...this.role.policyResources],
    });
    this.pipelineArn = sagemaker(`pipeline/${props.pipelineName}`);
  }

  private validate(props: RetrainingPipelineProps): void {
    const where = this.node.path;
    if (Token.isUnresolved(props.pipelineName) || !PIPELINE_NAME.test(props.pipelineName)) {
      throw new ConstructPropsError(`${where}: pipelineName "${props.pipelineName}" must be a literal of letters, digits and inner hyphens, at most 256`);
    }
    if (props.featureGroupNames.length === 0) {
      throw new ConstructPropsError(`${where}: featureGroupNames is empty; declare the feature groups the ${props.modelPackageGroupName} models read (the package group's featureGroups)`);
    }
    throwPropsProblems(where, retrainingPipelineProblems(props));
  }
}
