import { KmsKey } from "../../constructs/core/kms-key";
import { FeatureStore } from "../../constructs/feature-store/feature-store";
import { ModelRegistry } from "../../constructs/model-registry/model-registry";
import { EVALUATION_FILE, METRIC_METADATA_PREFIX, PipelineStep } from "../../constructs/pipelines/pipeline-definition";
import { RetrainingPipeline, RetrainingPipelineProps, retrainingPipelineProblems } from "../../constructs/pipelines/retraining-pipeline";
import { customerProfileV2 } from "../../environments/feature-groups";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const IMAGE = (repository: string) => `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/mlops-test/${repository}:1.0.0`;
const SPEC = {
  trainingImage: IMAGE("training/pytorch"),
  inferenceImage: IMAGE("inference/churn"),
  trainingInstanceType: "ml.m5.2xlarge",
  minimumMetrics: { auc: 0.85, recall: 0.7 },
};

function synthPipeline(props: Partial<RetrainingPipelineProps> = {}) {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  const featureStore = new FeatureStore(stack, "FeatureStore", { namePrefix: "mlops-test", encryptionKey: key, featureGroups: [customerProfileV2 as never] });
  const registry = new ModelRegistry(stack, "Registry", {
    namePrefix: "mlops-test",
    encryptionKey: key,
    imageRepositories: ["training/pytorch", "inference/churn"],
    modelPackageGroups: [{ name: "churn", description: "d" }, { name: "fraud", description: "d" }],
  });
  const pipeline = new RetrainingPipeline(stack, "Retraining", {
    ...SPEC,
    pipelineName: "mlops-test-churn-retraining",
    modelPackageGroupName: "churn",
    featureGroupNames: ["customer-profile-v2"],
    featureStore,
    registry,
    encryptionKey: key,
    subnetIds: ["subnet-a", "subnet-b"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    ...props,
  });
  return { pipeline, json: synthJson(stack) };
}

describe("RetrainingPipeline", () => {
  const { pipeline, json } = synthPipeline();
  const [[, resource]] = resourcesOfType(json, "aws_sagemaker_pipeline");
  const definition = JSON.parse(resource.pipeline_definition as string) as { Steps: PipelineStep[] };
  const step = (name: string) => definition.Steps.find((s) => s.Name === name)!;
  const gate = step("CheckMetrics").Arguments as { Conditions: unknown[]; IfSteps: PipelineStep[]; ElseSteps: PipelineStep[] };

  it("is one pipeline of four steps, one execution at a time, named for the drift rule's ARN", () => {
    expect(resource).toMatchObject({ pipeline_name: "mlops-test-churn-retraining", parallelism_configuration: { max_parallel_execution_steps: 1 } });
    expect(pipeline.pipelineArn).toBe(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:pipeline/mlops-test-churn-retraining`);
    expect(definition.Steps.map((s) => `${s.Name}:${s.Type}`)).toEqual(["Prepare:Processing", "Train:Training", "Evaluate:Processing", "CheckMetrics:Condition"]);
  });

  it("reads the contract's feature groups from the offline store, and writes under models/<group>/retraining only", () => {
    const inputs = (step("Prepare").Arguments as { ProcessingInputs: { InputName: string; S3Input: { S3Uri: string } }[] }).ProcessingInputs;
    expect(inputs.map((i) => i.InputName)).toEqual(["customer-profile-v2"]);
    expect(inputs[0].S3Input.S3Uri).toMatch(new RegExp(`/offline-store/${TEST_ACCOUNT}/sagemaker/${TEST_REGION}/offline-store/customer-profile-v2-$`));
    const outputs = JSON.stringify([step("Prepare"), step("Train"), step("Evaluate")].map((s) => s.Arguments));
    const written = outputs.match(/s3:\/\/[^"]+/g)!.filter((u) => !u.includes("offline-store"));
    expect(written.length).toBeGreaterThan(0);
    for (const uri of written) expect(uri).toMatch(/\/models\/churn\/retraining$/);
    // Each execution under its own id: no run reads another's data, and a version's evaluation is never overwritten.
    const train = step("Prepare").Arguments as { ProcessingOutputConfig: { Outputs: { OutputName: string; S3Output: { S3Uri: unknown } }[] } };
    expect(train.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual({
      "Std:Join": { On: "/", Values: [expect.stringMatching(/\/models\/churn\/retraining$/), { Get: "Execution.PipelineExecutionId" }, "train"] },
    });
  });

  it("is the validation gate: registers pending approval, with its metrics, only when every minimum is met; else fails", () => {
    expect(gate.Conditions).toEqual([
      { Type: "GreaterThanOrEqualTo", LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Evaluation" }, Path: "metrics.auc.value" } }, RightValue: 0.85 },
      { Type: "GreaterThanOrEqualTo", LeftValue: { "Std:JsonGet": { PropertyFile: { Get: "Steps.Evaluate.PropertyFiles.Evaluation" }, Path: "metrics.recall.value" } }, RightValue: 0.7 },
    ]);
    const [register] = gate.IfSteps;
    expect(register).toMatchObject({ Type: "RegisterModel", Arguments: { ModelPackageGroupName: "churn", ModelApprovalStatus: "PendingManualApproval" } });
    expect(Object.keys((register.Arguments as { CustomerMetadataProperties: object }).CustomerMetadataProperties)).toEqual([`${METRIC_METADATA_PREFIX}auc`, `${METRIC_METADATA_PREFIX}recall`]);
    expect(JSON.stringify(register.Arguments)).toContain(EVALUATION_FILE);
    expect(gate.ElseSteps).toEqual([expect.objectContaining({ Type: "Fail" })]);
    expect(step("Evaluate").PropertyFiles).toEqual([{ PropertyFileName: "Evaluation", OutputName: "evaluation", FilePath: EVALUATION_FILE }]);
  });

  it("runs every job in the VPC, on our keys; training is network-isolated", () => {
    for (const name of ["Prepare", "Evaluate"]) {
      expect(step(name).Arguments).toMatchObject({ NetworkConfig: { VpcConfig: { Subnets: ["subnet-a", "subnet-b"] }, EnableInterContainerTrafficEncryption: true } });
    }
    expect(step("Train").Arguments).toMatchObject({ EnableNetworkIsolation: true, VpcConfig: { Subnets: ["subnet-a", "subnet-b"] }, OutputDataConfig: { KmsKeyId: expect.stringMatching(/^\$\{aws_kms_key\./) } });
  });

  it("gives its role what the pipeline does and no more: register only pending, pass only itself, start only pipeline jobs", () => {
    const statements = resourcesOfType(json, "aws_iam_role_policy")
      .filter(([name]) => name.startsWith("Retraining_"))
      .flatMap(([, policy]) => policyOf(policy).Statement);
    const register = statements.find((s) => s.Action === "sagemaker:CreateModelPackage")!;
    expect(register.Condition).toEqual({ StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } });
    // In its own group only, though the registry has others.
    expect(register.Resource).toEqual([`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package-group/churn`, `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/churn/*`]);
    const pass = statements.find((s) => s.Action === "iam:PassRole")!;
    expect(pass).toMatchObject({ Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } } });
    expect(pass.Resource).toMatch(/^\$\{aws_iam_role\.Retraining_Role/);
    const jobs = statements.find((s) => Array.isArray(s.Action) && (s.Action as string[]).includes("sagemaker:CreateTrainingJob"))!;
    expect(jobs.Resource).toEqual([`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:processing-job/pipelines-*`, `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:training-job/pipelines-*`]);
    expect(statements.some((s) => JSON.stringify(s.Action).includes("UpdateModelPackage"))).toBe(false);
  });

  it.each([
    [{ trainingImage: "pytorch:latest" }, /trainingImage: "pytorch:latest" must be an ECR image/],
    [{ minimumMetrics: {} }, /minimumMetrics: is empty/],
    [{ minimumMetrics: { "a.b": 1 } }, /minimumMetrics\.a\.b: must be a metric name/],
    [{ maxRuntimeHours: 500 }, /maxRuntimeHours: is 500; a whole number of hours, 1-120/],
    [{ featureGroupNames: [] }, /featureGroupNames is empty/],
    [{ pipelineName: "-churn" }, /pipelineName "-churn" must be/],
  ])("refuses %p", (props, message) => {
    expect(() => synthPipeline(props as Partial<RetrainingPipelineProps>)).toThrow(message);
  });

  it("refuses images of another account when it knows the environment's", () => {
    expect(retrainingPipelineProblems({ ...SPEC, inferenceImage: IMAGE("inference/churn").replace(TEST_ACCOUNT, "999999999999") }, TEST_ACCOUNT)).toEqual([
      { path: "inferenceImage", message: `is an image of account 999999999999; the pipeline pulls from this environment's registry (${TEST_ACCOUNT})` },
    ]);
  });
});
