/**
 * The retraining pipeline as SageMaker Pipelines' definition JSON (schema 2020-12-01), built from typed data so that
 * a change to what retrains a model is a reviewed diff of the pipeline's `pipeline_definition`. Pure data: no
 * construct, no Terraform.
 *
 * Prepare (processing: the feature groups' offline store to train/validation/test) -> Train (training job) ->
 * Evaluate (processing: the model on the test set, `evaluation.json`) -> CheckMetrics (the validation gate: every
 * minimum metric met) -> Register (a model package PendingManualApproval, with its metrics) or MetricsBelowMinimum
 * (the execution fails, nothing is registered).
 */

/** What a step reads of another step's properties (`{"Get": "Steps.<name>...."}`), or a JSON value of a property file. */
export type PipelineValue =
  | string
  | number
  | { readonly Get: string }
  | { readonly "Std:JsonGet": { readonly PropertyFile: { readonly Get: string }; readonly Path: string } }
  | { readonly "Std:Join": { readonly On: string; readonly Values: readonly PipelineValue[] } };

export interface PipelineStep {
  readonly Name: string;
  readonly Type: "Processing" | "Training" | "Condition" | "RegisterModel" | "Fail";
  readonly Arguments: Readonly<Record<string, unknown>>;
  readonly PropertyFiles?: readonly { readonly PropertyFileName: string; readonly OutputName: string; readonly FilePath: string }[];
}

export interface PipelineDefinition {
  readonly Version: "2020-12-01";
  readonly Metadata: Readonly<Record<string, never>>;
  readonly Parameters: readonly never[];
  readonly Steps: readonly PipelineStep[];
}

/** The image contract: commands of the training image, and where evaluation writes its metrics. */
export const STEP_COMMANDS = { prepare: ["prepare"], evaluate: ["evaluate"] } as const;
/** `evaluation.json`: `{ "metrics": { "<name>": { "value": <number> } } }` (SageMaker's model quality format). */
export const EVALUATION_FILE = "evaluation.json";
/** The model package's metadata keys that carry its metrics (what `npm run promote` reads as evidence). */
export const METRIC_METADATA_PREFIX = "metric.";

export interface RetrainingDefinitionSpec {
  /** The pipeline's execution role: every job of the pipeline runs as it. */
  readonly roleArn: string;
  /** The model package group versions are registered in (a name of this account's registry). */
  readonly modelPackageGroupName: string;
  /** S3 prefixes of the feature groups' offline stores, by feature group (`<name>-v<version>`). */
  readonly featureInputs: Readonly<Record<string, string>>;
  /** `s3://<bucket>/<prefix>`: where the pipeline writes its data, model and evaluation, per execution. */
  readonly outputS3Uri: string;
  readonly trainingImage: string;
  readonly inferenceImage: string;
  readonly processingInstanceType: string;
  readonly trainingInstanceType: string;
  readonly maxRuntimeSeconds: number;
  /** The validation gate: each metric of `evaluation.json` must be at least this. */
  readonly minimumMetrics: Readonly<Record<string, number>>;
  /** Encrypts job volumes. */
  readonly volumeKeyArn: string;
  /** Encrypts job outputs (the artifact bucket's key). */
  readonly outputKeyArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

const VOLUME_SIZE_GB = 50;
const INPUT = "/opt/ml/processing/input";
const OUTPUT = "/opt/ml/processing/output";
const DATA_SETS = ["train", "validation", "test"] as const;

const output = (step: string, name: string) => ({ Get: `Steps.${step}.ProcessingOutputConfig.Outputs['${name}'].S3Output.S3Uri` });
const MODEL_ARTIFACTS = { Get: "Steps.Train.ModelArtifacts.S3ModelArtifacts" };
const metricValue = (name: string) => ({ "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Evaluation" }, Path: `metrics.${name}.value` } });

function processingInput(name: string, s3Uri: PipelineValue) {
  return { InputName: name, S3Input: { S3Uri: s3Uri, LocalPath: `${INPUT}/${name}`, S3DataType: "S3Prefix", S3InputMode: "File", S3DataDistributionType: "FullyReplicated" } };
}

/**
 * `<outputS3Uri>/<execution id>/<name>`: each execution writes its own data, model and evaluation, so no run reads
 * another's files and a registered version's evaluation is never overwritten.
 */
const executionUri = (spec: RetrainingDefinitionSpec, name: string): PipelineValue => ({ "Std:Join": { On: "/", Values: [spec.outputS3Uri, { Get: "Execution.PipelineExecutionId" }, name] } });

function processingOutput(name: string, spec: RetrainingDefinitionSpec) {
  return { OutputName: name, S3Output: { S3Uri: executionUri(spec, name), LocalPath: `${OUTPUT}/${name}`, S3UploadMode: "EndOfJob" } };
}

/** What every processing step shares: the instance, encrypted volume and outputs, the VPC, the time limit. */
function processingStep(command: readonly string[], inputs: readonly unknown[], outputs: readonly string[], spec: RetrainingDefinitionSpec) {
  return {
    ProcessingResources: { ClusterConfig: { InstanceType: spec.processingInstanceType, InstanceCount: 1, VolumeSizeInGB: VOLUME_SIZE_GB, VolumeKmsKeyId: spec.volumeKeyArn } },
    AppSpecification: { ImageUri: spec.trainingImage, ContainerEntrypoint: [...command] },
    RoleArn: spec.roleArn,
    ProcessingInputs: inputs,
    ProcessingOutputConfig: { Outputs: outputs.map((o) => processingOutput(o, spec)), KmsKeyId: spec.outputKeyArn },
    NetworkConfig: { EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true, VpcConfig: { SecurityGroupIds: [...spec.securityGroupIds], Subnets: [...spec.subnetIds] } },
    StoppingCondition: { MaxRuntimeInSeconds: spec.maxRuntimeSeconds },
  };
}

/** The retraining pipeline's definition (see the file's comment for its steps). */
export function retrainingPipelineDefinition(spec: RetrainingDefinitionSpec): PipelineDefinition {
  const metrics = Object.entries(spec.minimumMetrics);
  const prepare: PipelineStep = {
    Name: "Prepare",
    Type: "Processing",
    Arguments: processingStep(STEP_COMMANDS.prepare, Object.entries(spec.featureInputs).map(([group, uri]) => processingInput(group, uri)), DATA_SETS, spec),
  };
  const train: PipelineStep = {
    Name: "Train",
    Type: "Training",
    Arguments: {
      // SageMaker starts the image with `train`.
      AlgorithmSpecification: { TrainingImage: spec.trainingImage, TrainingInputMode: "File" },
      RoleArn: spec.roleArn,
      InputDataConfig: (["train", "validation"] as const).map((channel) => ({
        ChannelName: channel,
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: output("Prepare", channel), S3DataDistributionType: "FullyReplicated" } },
      })),
      OutputDataConfig: { S3OutputPath: executionUri(spec, "model"), KmsKeyId: spec.outputKeyArn },
      ResourceConfig: { InstanceType: spec.trainingInstanceType, InstanceCount: 1, VolumeSizeInGB: VOLUME_SIZE_GB, VolumeKmsKeyId: spec.volumeKeyArn },
      VpcConfig: { SecurityGroupIds: [...spec.securityGroupIds], Subnets: [...spec.subnetIds] },
      // Training code reaches nothing but its channels and output.
      EnableNetworkIsolation: true,
      EnableInterContainerTrafficEncryption: true,
      StoppingCondition: { MaxRuntimeInSeconds: spec.maxRuntimeSeconds },
    },
  };
  const evaluate: PipelineStep = {
    Name: "Evaluate",
    Type: "Processing",
    Arguments: processingStep(STEP_COMMANDS.evaluate, [processingInput("model", MODEL_ARTIFACTS), processingInput("test", output("Prepare", "test"))], ["evaluation"], spec),
    PropertyFiles: [{ PropertyFileName: "Evaluation", OutputName: "evaluation", FilePath: EVALUATION_FILE }],
  };
  const register: PipelineStep = {
    Name: "Register",
    Type: "RegisterModel",
    Arguments: {
      ModelPackageGroupName: spec.modelPackageGroupName,
      // Registered, never approved: a reviewer approves, and promotion checks the evidence.
      ModelApprovalStatus: "PendingManualApproval",
      InferenceSpecification: {
        Containers: [{ Image: spec.inferenceImage, ModelDataUrl: MODEL_ARTIFACTS }],
        SupportedContentTypes: ["text/csv", "application/json"],
        SupportedResponseMIMETypes: ["text/csv", "application/json"],
      },
      ModelMetrics: {
        ModelQuality: { Statistics: { ContentType: "application/json", S3Uri: { "Std:Join": { On: "/", Values: [output("Evaluate", "evaluation"), EVALUATION_FILE] } } } },
      },
      // The metrics themselves, as strings, where describe-model-package shows them.
      CustomerMetadataProperties: Object.fromEntries(metrics.map(([name]) => [`${METRIC_METADATA_PREFIX}${name}`, { "Std:Join": { On: "", Values: [metricValue(name)] } }])),
    },
  };
  const gate: PipelineStep = {
    Name: "CheckMetrics",
    Type: "Condition",
    Arguments: {
      Conditions: metrics.map(([name, minimum]) => ({ Type: "GreaterThanOrEqualTo", LeftValue: metricValue(name), RightValue: minimum })),
      IfSteps: [register],
      ElseSteps: [
        {
          Name: "MetricsBelowMinimum",
          Type: "Fail",
          Arguments: { ErrorMessage: `A metric of ${EVALUATION_FILE} is below its minimum (${metrics.map(([n, m]) => `${n} >= ${m}`).join(", ")}); nothing was registered` },
        },
      ],
    },
  };
  return { Version: "2020-12-01", Metadata: {}, Parameters: [], Steps: [prepare, train, evaluate, gate] };
}
