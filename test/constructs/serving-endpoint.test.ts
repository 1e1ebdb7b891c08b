import { TerraformOutput, type TerraformStack } from "cdktf";
import { KmsKey } from "../../constructs/core/kms-key";
import { SecureBucket } from "../../constructs/core/secure-bucket";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { ModelRegistry } from "../../constructs/model-registry/model-registry";
import { summedCpuThreshold } from "../../constructs/serving/endpoint-alarms";
import { hasInstanceStorage, SERVING_INSTANCE_VCPUS, vcpusOf } from "../../constructs/serving/instance-types";
import { rolloutSizeProblem } from "../../constructs/serving/rollout";
import { ServingEndpoint, type InstanceEndpointProps, type ServerlessEndpointProps, type ServingEndpointProps } from "../../constructs/serving/serving-endpoint";
import { TEST_ACCOUNT, TEST_REGION, propsError, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson, type TerraformJson } from "../support/terraform-json";

const OTHER_ACCOUNT = "210987654321";
const PACKAGE_ARN = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/churn/3`;
const OTHER_PACKAGE_ARN = `arn:aws:sagemaker:${TEST_REGION}:${OTHER_ACCOUNT}:model-package/churn/7`;
const TOPIC_ARN = `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:mlops-test-alerts`;
const ENDPOINT = "mlops-test-churn";
const ROLLBACK_ALARMS = [`${ENDPOINT}-model-latency-p99`, `${ENDPOINT}-5xx-error-rate`, `${ENDPOINT}-4xx-error-rate`];
const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];
const MODEL_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

type Statement = Record<string, unknown>;
type Attributes = Record<string, unknown>;

const INSTANCES = {
  instanceType: "ml.m5.xlarge",
  initialInstanceCount: 2,
  minInstances: 2,
  maxInstances: 6,
  targetInvocationsPerInstance: 500,
  scaleInCooldownSeconds: 600,
  scaleOutCooldownSeconds: 60,
};

interface Fixture {
  stack: TerraformStack;
  key: KmsKey;
  captureBucket: SecureBucket;
  registry: ModelRegistry;
}

type Overrides = Partial<InstanceEndpointProps> | ((fixture: Fixture) => Partial<InstanceEndpointProps>);

/** A stack with a key, a capture bucket, a local registry and one endpoint on instances built from the base props and `overrides`. */
function endpointStack(overrides: Overrides = {}) {
  return stackWith((fixture) => ({
    ...instanceProps(fixture),
    ...(typeof overrides === "function" ? overrides(fixture) : overrides),
  }));
}

/** The same with a serverless endpoint. */
function serverlessStack(overrides: Partial<ServerlessEndpointProps> = {}) {
  return stackWith((fixture) => ({ ...commonProps(fixture), ...SERVERLESS, ...overrides }));
}

/** What every endpoint of these tests takes, on instances or serverless. */
function commonProps({ key, registry }: Fixture) {
  return {
    endpointName: ENDPOINT,
    model: { modelPackageArn: PACKAGE_ARN },
    encryptionKey: key,
    alertTopicArn: TOPIC_ARN,
    logRetentionDays: 30,
    registry,
  };
}

function instanceProps(fixture: Fixture): InstanceEndpointProps {
  return {
    ...commonProps(fixture),
    instances: INSTANCES,
    // Half of the 2 instances: one whole instance, the smallest canary this fleet can hold.
    rollout: { type: "canary", canaryPercent: 50, waitSeconds: 600 },
    dataCapture: { samplingPercent: 20, bucket: fixture.captureBucket },
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"],
    alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5 },
  };
}

function stackWith(props: (fixture: Fixture) => InstanceEndpointProps | ServerlessEndpointProps) {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "mlops-test-serving", description: "serving" });
  const captureBucket = new SecureBucket(stack, "Capture", { bucketName: `mlops-test-capture-${TEST_ACCOUNT}`, encryptionKey: key });
  const registry = new ModelRegistry(stack, "Registry", {
    namePrefix: "mlops-test",
    encryptionKey: key,
    imageRepositories: ["serving/churn"],
    modelPackageGroups: [{ name: "churn", description: "Customer churn" }],
  });
  const fixture = { stack, key, captureBucket, registry };
  const endpoint = new ServingEndpoint(stack, "Churn", props(fixture));
  return { ...fixture, endpoint };
}

const SERVERLESS = {
  serverless: { memorySizeMb: 2048, maxConcurrency: 20 },
  rollout: { type: "allAtOnce", waitSeconds: 300 },
  alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5 },
} as const;

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};
const one = (json: TerraformJson, type: string): Attributes => only(resourcesOfType(json, type))[1];
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const ref = (type: string, attribute: string) => expect.stringMatching(new RegExp(`^\\$\\{${type}\\.[A-Za-z0-9_-]+\\.${attribute}\\}$`));
const keyArn = ref("aws_kms_key", "arn");

/** The statements of the endpoint's execution role. */
function roleStatements(json: TerraformJson): Statement[] {
  const [[, policy]] = resourcesOfType(json, "aws_iam_role_policy").filter(([name]) => name.startsWith("Churn_ExecutionRole"));
  return policyOf(policy).Statement;
}

/** Renders values as the stack's outputs (call before the stack's first synth) and reads them back from its JSON. */
function rendered(stack: TerraformStack, values: Record<string, string>): Record<string, unknown> {
  for (const [name, value] of Object.entries(values)) new TerraformOutput(stack, name, { value });
  const output = (synthJson(stack) as { output?: Record<string, { value: unknown }> }).output ?? {};
  return Object.fromEntries(Object.keys(values).map((name) => [name, output[name]?.value]));
}

function alarmsByName(json: TerraformJson): Record<string, Attributes> {
  return Object.fromEntries(resourcesOfType(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name as string, a]));
}

describe("ServingEndpoint's metrics and grants", () => {
  it("names its metrics in the namespaces SageMaker publishes them to, for its variant", () => {
    const { endpoint } = endpointStack();
    const dimensions = { EndpointName: ENDPOINT, VariantName: endpoint.variantName };
    expect(endpoint.metricInvocations()).toEqual({ namespace: "AWS/SageMaker", metricName: "Invocations", dimensions, statistic: "Sum" });
    expect(endpoint.metricModelLatency()).toEqual({ namespace: "AWS/SageMaker", metricName: "ModelLatency", dimensions, statistic: "p99" });
    expect(endpoint.metricInvocation5xxErrors().metricName).toBe("Invocation5XXErrors");
    expect(endpoint.metricModelLatency({ statistic: "p50" }).statistic).toBe("p50");
    expect(endpoint.metric("CPUUtilization", { statistic: "Average" })).toEqual({ namespace: "/aws/sagemaker/Endpoints", metricName: "CPUUtilization", dimensions, statistic: "Average" });
  });

  it("grantInvoke lets a principal call this endpoint only", () => {
    const { stack, endpoint } = endpointStack();
    const caller = new ServiceRole(stack, "Caller", { roleName: "caller", description: "calls the endpoint", trust: [serviceTrust("lambda.amazonaws.com", TEST_ACCOUNT)] });
    endpoint.grantInvoke(caller);
    const statements = resourcesOfType(synthJson(stack), "aws_iam_role_policy")
      .filter(([name]) => name.startsWith("Caller_"))
      .flatMap(([, policy]) => policyOf(policy).Statement);
    expect(statements).toEqual([
      { Effect: "Allow", Action: ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream", "sagemaker:InvokeEndpointAsync"], Resource: ref("aws_sagemaker_endpoint", "arn") },
    ]);
  });
});

describe("ServingEndpoint", () => {
  describe("model", () => {
    it("serves the model package, runs in the VPC with network isolation under the execution role, and is replaced create-before-destroy", () => {
      const json = synthJson(endpointStack().stack);
      const model = one(json, "aws_sagemaker_model");
      expect(model).toEqual({
        name: expect.stringMatching(/^mlops-test-churn-[0-9a-f]{8}$/),
        execution_role_arn: ref("aws_iam_role", "arn"),
        primary_container: { model_package_name: PACKAGE_ARN },
        enable_network_isolation: true,
        vpc_config: { subnets: ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"], security_group_ids: [ref("aws_security_group", "id")] },
        lifecycle: { create_before_destroy: true },
        // The role's permissions exist before SageMaker checks them.
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\.Churn_ExecutionRole_Policy_/)],
      });
    });

    it("gets a new name for a new model version, and keeps it for the same version", () => {
      const name = (model: InstanceEndpointProps["model"]) => endpointStack({ model }).endpoint.modelName;
      const v3 = name({ modelPackageArn: PACKAGE_ARN });
      expect(name({ modelPackageArn: PACKAGE_ARN })).toBe(v3);
      expect(name({ modelPackageArn: PACKAGE_ARN.replace(/3$/, "4") })).not.toBe(v3);
      expect(name({ modelPackageArn: PACKAGE_ARN.replace(/3$/, "4") })).toMatch(/^mlops-test-churn-[0-9a-f]{8}$/);
    });

    it("gets a new name when network isolation changes (SageMaker cannot change a model in place)", () => {
      const isolated = endpointStack().endpoint.modelName;
      expect(endpointStack({ networkIsolation: false }).endpoint.modelName).not.toBe(isolated);
    });

    it("keeps the name within SageMaker's 63 characters and pattern for a 63-character endpoint name", () => {
      const endpointName = `a${"-b".repeat(31)}`;
      expect(endpointName).toHaveLength(63);
      const { endpoint, stack } = endpointStack({ endpointName });
      expect(endpoint.modelName.length).toBeLessThanOrEqual(63);
      expect(endpoint.modelName).toMatch(MODEL_NAME);
      const config = one(synthJson(stack), "aws_sagemaker_endpoint_configuration");
      // The provider appends a 26-character suffix to name_prefix; the whole name is at most 63.
      expect((config.name_prefix as string).length).toBeLessThanOrEqual(37);
      expect(config.name_prefix).toMatch(/^a(-b)+-$/);
    });

    it("serves an image with its model data", () => {
      const image = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/mlops-test/serving/churn:1.4.2`;
      const modelDataUrl = `s3://mlops-test-model-artifacts-${TEST_ACCOUNT}/models/churn/1.4.2/model.tar.gz`;
      const { stack, endpoint } = endpointStack({ model: { image, modelDataUrl } });
      expect(one(synthJson(stack), "aws_sagemaker_model").primary_container).toEqual({ image, model_data_url: modelDataUrl });
      expect(endpointStack({ model: { image, modelDataUrl: modelDataUrl.replace("1.4.2/", "1.5.0/") } }).endpoint.modelName).not.toBe(endpoint.modelName);
    });
  });

  describe("endpoint configuration", () => {
    it("is named from a prefix, replaced create-before-destroy, encrypted with the key, with one 'primary' instance variant", () => {
      const json = synthJson(endpointStack().stack);
      const config = one(json, "aws_sagemaker_endpoint_configuration");
      expect(config).toMatchObject({
        name_prefix: `${ENDPOINT}-`,
        lifecycle: { create_before_destroy: true },
        kms_key_arn: keyArn,
        production_variants: [
          { variant_name: "primary", model_name: ref("aws_sagemaker_model", "name"), instance_type: "ml.m5.xlarge", initial_instance_count: 2 },
        ],
      });
      expect(config.name).toBeUndefined();
    });

    it("captures input and output to <bucket>/<endpointName>, encrypted with the bucket's key", () => {
      const json = synthJson(endpointStack().stack);
      expect(one(json, "aws_sagemaker_endpoint_configuration").data_capture_config).toEqual({
        enable_capture: true,
        initial_sampling_percentage: 20,
        destination_s3_uri: expect.stringMatching(new RegExp(`^s3://\\$\\{aws_s3_bucket\\.Capture_Bucket_[A-Z0-9]+\\.bucket\\}/${ENDPOINT}$`)),
        kms_key_id: keyArn,
        capture_options: [{ capture_mode: "Input" }, { capture_mode: "Output" }],
      });
    });

    it("leaves the KMS key out for instance types with local NVMe storage (CreateEndpointConfig refuses it there)", () => {
      const json = synthJson(endpointStack({ instances: { ...INSTANCES, instanceType: "ml.g5.2xlarge" } }).stack);
      const config = one(json, "aws_sagemaker_endpoint_configuration");
      expect(config.kms_key_arn).toBeUndefined();
      // Captured data is still encrypted with the bucket's key.
      expect(config.data_capture_config).toMatchObject({ kms_key_id: keyArn });
    });

    it.each([
      ["ml.m5.xlarge", false],
      ["ml.c5.2xlarge", false],
      ["ml.inf2.xlarge", false],
      ["ml.p3.2xlarge", false],
      ["ml.m5d.large", true],
      ["ml.g4dn.xlarge", true],
      ["ml.g5.12xlarge", true],
      ["ml.p5.48xlarge", true],
      ["ml.p6-b200.48xlarge", true],
    ])("knows whether %s has instance storage (%p)", (instanceType, expected) => {
      expect(hasInstanceStorage(instanceType)).toBe(expected);
    });
  });

  describe("endpoint", () => {
    it("is named endpointName, uses the configuration, keeps the old fleet 300 s by default and rolls back on the rollback alarms", () => {
      const { stack, endpoint } = endpointStack();
      expect(rendered(stack, { arn: endpoint.endpointArn })).toEqual({ arn: ref("aws_sagemaker_endpoint", "arn") });
      const json = synthJson(stack);
      const resource = one(json, "aws_sagemaker_endpoint");
      expect(resource).toMatchObject({
        name: ENDPOINT,
        endpoint_config_name: ref("aws_sagemaker_endpoint_configuration", "name"),
        deployment_config: {
          blue_green_update_policy: { termination_wait_in_seconds: 300 },
          auto_rollback_configuration: { alarms: ROLLBACK_ALARMS.map((alarm_name) => ({ alarm_name })) },
        },
      });
      // The rollback alarms exist before the endpoint's first deployment.
      expect(resource.depends_on).toEqual([
        expect.stringMatching(/^aws_cloudwatch_metric_alarm\.Churn_Alarms_ModelLatency_/),
        expect.stringMatching(/^aws_cloudwatch_metric_alarm\.Churn_Alarms_Error5xxRate_/),
        expect.stringMatching(/^aws_cloudwatch_metric_alarm\.Churn_Alarms_Error4xxRate_/),
      ]);
      expect(endpoint.rollbackAlarmNames).toEqual(ROLLBACK_ALARMS);
      for (const name of ROLLBACK_ALARMS) expect(alarmsByName(json)[name]).toBeDefined();
      expect(endpoint).toMatchObject({ endpointName: ENDPOINT, variantName: "primary" });
    });

    it.each<[string, InstanceEndpointProps["rollout"], Attributes]>([
      ["all at once", { type: "allAtOnce", waitSeconds: 900 }, { type: "ALL_AT_ONCE", wait_interval_in_seconds: 900 }],
      ["canary", { type: "canary", canaryPercent: 50, waitSeconds: 600 }, { type: "CANARY", wait_interval_in_seconds: 600, canary_size: { type: "CAPACITY_PERCENT", value: 50 } }],
      ["linear", { type: "linear", stepPercent: 50, waitSeconds: 300 }, { type: "LINEAR", wait_interval_in_seconds: 300, linear_step_size: { type: "CAPACITY_PERCENT", value: 50 } }],
    ])("moves traffic %s", (_, rollout, routing) => {
      const json = synthJson(endpointStack({ rollout, terminationWaitSeconds: 1200 }).stack);
      expect(one(json, "aws_sagemaker_endpoint").deployment_config).toEqual({
        blue_green_update_policy: { traffic_routing_configuration: routing, termination_wait_in_seconds: 1200 },
        auto_rollback_configuration: { alarms: ROLLBACK_ALARMS.map((alarm_name) => ({ alarm_name })) },
      });
    });
  });

  describe("autoscaling", () => {
    it("registers the primary variant between min and max after the endpoint exists, and tracks invocations per instance", () => {
      const json = synthJson(endpointStack().stack);
      expect(one(json, "aws_appautoscaling_target")).toEqual({
        service_namespace: "sagemaker",
        resource_id: `endpoint/${ENDPOINT}/variant/primary`,
        scalable_dimension: "sagemaker:variant:DesiredInstanceCount",
        min_capacity: 2,
        max_capacity: 6,
        depends_on: [expect.stringMatching(/^aws_sagemaker_endpoint\.Churn_Endpoint_/)],
      });
      expect(one(json, "aws_appautoscaling_policy")).toEqual({
        name: `${ENDPOINT}-invocations-per-instance`,
        policy_type: "TargetTrackingScaling",
        service_namespace: ref("aws_appautoscaling_target", "service_namespace"),
        resource_id: ref("aws_appautoscaling_target", "resource_id"),
        scalable_dimension: ref("aws_appautoscaling_target", "scalable_dimension"),
        target_tracking_scaling_policy_configuration: {
          predefined_metric_specification: { predefined_metric_type: "SageMakerVariantInvocationsPerInstance" },
          target_value: 500,
          scale_in_cooldown: 600,
          scale_out_cooldown: 60,
        },
      });
    });
  });

  describe("serverless", () => {
    it("has a serverless variant, no VPC, no isolation, no capture and no autoscaling, and still deploys blue/green with rollback", () => {
      const json = synthJson(serverlessStack().stack);
      const config = one(json, "aws_sagemaker_endpoint_configuration");
      expect(config.production_variants).toEqual([
        { variant_name: "primary", model_name: ref("aws_sagemaker_model", "name"), serverless_config: { memory_size_in_mb: 2048, max_concurrency: 20 } },
      ]);
      expect(config.data_capture_config).toBeUndefined();
      // Encrypts SageMaker's copy of the image.
      expect(config.kms_key_arn).toEqual(keyArn);
      const model = one(json, "aws_sagemaker_model");
      expect(model.vpc_config).toBeUndefined();
      expect(model.enable_network_isolation).toBe(false);
      expect(resourcesOfType(json, "aws_appautoscaling_target")).toEqual([]);
      expect(resourcesOfType(json, "aws_appautoscaling_policy")).toEqual([]);
      // Outside the VPC: no security group is made, none is offered to the endpoint's jobs.
      expect(resourcesOfType(json, "aws_security_group")).toEqual([]);
      expect(serverlessStack().endpoint.securityGroupId).toBeUndefined();
      expect(one(json, "aws_sagemaker_endpoint").deployment_config).toEqual({
        blue_green_update_policy: { traffic_routing_configuration: { type: "ALL_AT_ONCE", wait_interval_in_seconds: 300 }, termination_wait_in_seconds: 300 },
        auto_rollback_configuration: { alarms: ROLLBACK_ALARMS.map((alarm_name) => ({ alarm_name })) },
      });
    });

    it("gives the role nothing for a VPC, instance metrics or captured data", () => {
      const actions = roleStatements(synthJson(serverlessStack().stack)).flatMap((s) => asArray(s.Action)) as string[];
      expect(actions.filter((a) => a.startsWith("ec2:") || a === "cloudwatch:PutMetricData" || a === "s3:PutObject" || a === "kms:GenerateDataKey")).toEqual([]);
    });
  });

  describe("execution role", () => {
    it("is trusted by SageMaker for this account only", () => {
      const json = synthJson(endpointStack().stack);
      const role = only(resourcesOfType(json, "aws_iam_role").filter(([name]) => name.startsWith("Churn")))[1];
      expect(role.name).toBe(`${ENDPOINT}-sagemaker`);
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } } },
      ]);
    });

    /** What every instance endpoint's role gets besides access to its model. */
    const common = (json: TerraformJson) => {
      const arn = (service: string, resource: string) => `arn:aws:${service}:${TEST_REGION}:${TEST_ACCOUNT}:${resource}`;
      const eni = arn("ec2", "network-interface/*");
      return {
        logs: [
          { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Churn_Logs_.*\.arn\}:\*$/) },
          { Effect: "Allow", Action: "logs:CreateLogGroup", Resource: ref("aws_cloudwatch_log_group", "arn") },
        ],
        capture: [
          { Effect: "Allow", Action: "s3:PutObject", Resource: expect.stringMatching(new RegExp(`^\\$\\{aws_s3_bucket\\.Capture_Bucket_[A-Z0-9]+\\.arn\\}/${ENDPOINT}/\\*$`)) },
          { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
        ],
        vpcAndMetrics: [
          {
            Effect: "Allow",
            Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
            Resource: "*",
          },
          {
            Effect: "Allow",
            Action: "ec2:CreateNetworkInterface",
            Resource: [eni, ...["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"].map((s) => arn("ec2", `subnet/${s}`)), expect.stringMatching(new RegExp(`^${arn("ec2", "security-group/")}\\$\\{aws_security_group\\..*\\.id\\}$`))],
          },
          { Effect: "Allow", Action: ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"], Resource: eni },
          { Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/Endpoints" } } },
          { Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: ROLLBACK_ALARMS.map((name) => arn("cloudwatch", `alarm:${name}`)) },
        ],
        json,
      };
    };

    it("reads a local model package through the registry's grants, and nothing of another account", () => {
      const { logs, capture, vpcAndMetrics, json } = common(synthJson(endpointStack().stack));
      const repositoryArn = ref("aws_ecr_repository", "arn");
      expect(roleStatements(json)).toEqual([
        ...logs,
        ...capture,
        // grantPull
        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Effect: "Allow", Action: PULL_ACTIONS, Resource: [repositoryArn] },
        { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: keyArn },
        // grantReadArtifacts
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: ref("aws_s3_bucket", "arn") },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.Registry_.*\.arn\}\/\*$/) },
        // (its decrypt on the same key is the statement grantPull made: a role holds each statement once)
        ...vpcAndMetrics,
      ]);
    });

    it("reads another account's model package through patterns its registry's policies complete, with decrypt only via S3", () => {
      const { logs, capture, vpcAndMetrics, json } = common(synthJson(endpointStack({ model: { modelPackageArn: OTHER_PACKAGE_ARN }, registry: undefined }).stack));
      expect(roleStatements(json)).toEqual([
        ...logs,
        ...capture,
        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Effect: "Allow", Action: PULL_ACTIONS, Resource: `arn:aws:ecr:${TEST_REGION}:${OTHER_ACCOUNT}:repository/*` },
        { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::*-model-artifacts-${OTHER_ACCOUNT}/models/*` },
        {
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: `arn:aws:kms:${TEST_REGION}:${OTHER_ACCOUNT}:key/*`,
          Condition: { StringEquals: { "kms:ViaService": `s3.${TEST_REGION}.amazonaws.com` } },
        },
        ...vpcAndMetrics,
      ]);
    });

    it("combines the local registry's grants with another account's artifacts when the image is local", () => {
      const model = {
        image: `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/mlops-test/serving/churn@sha256:${"a".repeat(64)}`,
        modelDataUrl: `s3://mlops-staging-model-artifacts-${OTHER_ACCOUNT}/models/churn/2/model.tar.gz`,
      };
      const statements = roleStatements(synthJson(endpointStack({ model }).stack));
      const actions = statements.flatMap((s) => asArray(s.Action));
      // The token comes once, from grantPull; no ECR statement for the other account.
      expect(actions.filter((a) => a === "ecr:GetAuthorizationToken")).toHaveLength(1);
      expect(statements.filter((s) => String(s.Resource).includes(`:${OTHER_ACCOUNT}:repository`))).toEqual([]);
      expect(statements).toContainEqual({ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::*-model-artifacts-${OTHER_ACCOUNT}/models/*` });
      expect(statements).toContainEqual(expect.objectContaining({ Action: "kms:Decrypt", Resource: `arn:aws:kms:${TEST_REGION}:${OTHER_ACCOUNT}:key/*` }));
    });

    it.each<[string, () => { stack: TerraformStack }]>([
      ["a local package", () => endpointStack()],
      ["another account's package", () => endpointStack({ model: { modelPackageArn: OTHER_PACKAGE_ARN }, registry: undefined })],
      ["a serverless endpoint", () => serverlessStack()],
    ])("grants Resource * only where the action has no resource-level permission (%s)", (_, build) => {
      const statements = roleStatements(synthJson(build().stack));
      const wildcard = statements.filter((s) => asArray(s.Resource).includes("*"));
      // The token is per registry; EC2 Describe actions and PutMetricData have no resource-level permission.
      const allowed = [
        "ecr:GetAuthorizationToken",
        "ec2:DescribeNetworkInterfaces,ec2:DescribeVpcs,ec2:DescribeDhcpOptions,ec2:DescribeSubnets,ec2:DescribeSecurityGroups",
        "cloudwatch:PutMetricData",
      ];
      for (const statement of wildcard) {
        expect(allowed).toContain(asArray(statement.Action).join(","));
        expect(asArray(statement.Resource)).toEqual(["*"]);
      }
      for (const statement of wildcard.filter((s) => s.Action === "cloudwatch:PutMetricData")) {
        expect(statement.Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/Endpoints" } });
      }
      for (const statement of statements) {
        expect(statement.Effect).toBe("Allow");
        expect(asArray(statement.Action).some((a) => String(a).endsWith(":*") || a === "*")).toBe(false);
      }
    });
  });

  describe("network and logs", () => {
    it("makes a security group with no inbound rule and HTTPS out only", () => {
      const { stack, endpoint } = endpointStack();
      expect(rendered(stack, { group: endpoint.securityGroupId! })).toEqual({ group: ref("aws_security_group", "id") });
      const json = synthJson(stack);
      const group = one(json, "aws_security_group");
      expect(group).toEqual({ name: `${ENDPOINT}-model`, description: expect.any(String), vpc_id: "vpc-0123456789abcdef0" });
      expect(resourcesOfType(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
      expect(one(json, "aws_vpc_security_group_egress_rule")).toEqual({
        security_group_id: ref("aws_security_group", "id"),
        description: expect.any(String),
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      });
    });

    it("makes the endpoint's log group up front, encrypted with the key and with the retention", () => {
      const json = synthJson(endpointStack({ logRetentionDays: 90 }).stack);
      expect(one(json, "aws_cloudwatch_log_group")).toEqual({ name: `/aws/sagemaker/Endpoints/${ENDPOINT}`, kms_key_id: keyArn, retention_in_days: 90 });
    });
  });

  describe("alarms", () => {
    const dimensions = { EndpointName: ENDPOINT, VariantName: "primary" };
    const actions = { actions_enabled: true, alarm_actions: [TOPIC_ARN], ok_actions: [TOPIC_ARN] };

    it("alarms on p99 model latency, converted to microseconds", () => {
      expect(alarmsByName(synthJson(endpointStack().stack))[`${ENDPOINT}-model-latency-p99`]).toEqual({
        ...actions,
        alarm_name: `${ENDPOINT}-model-latency-p99`,
        alarm_description: expect.stringContaining("250 ms"),
        namespace: "AWS/SageMaker",
        metric_name: "ModelLatency",
        dimensions,
        period: 60,
        extended_statistic: "p99",
        comparison_operator: "GreaterThanThreshold",
        threshold: 250_000,
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        treat_missing_data: "notBreaching",
      });
    });

    it.each([
      ["5xx", "Invocation5XXErrors", 1],
      ["4xx", "Invocation4XXErrors", 5],
    ])("alarms on the %s error rate as errors / invocations * 100, filled where there is no data", (what, metricName, threshold) => {
      const metric = (name: string) => ({ metric_name: name, namespace: "AWS/SageMaker", dimensions, period: 60, stat: "Sum" });
      expect(alarmsByName(synthJson(endpointStack().stack))[`${ENDPOINT}-${what}-error-rate`]).toEqual({
        ...actions,
        alarm_name: `${ENDPOINT}-${what}-error-rate`,
        alarm_description: expect.any(String),
        comparison_operator: "GreaterThanThreshold",
        threshold,
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        treat_missing_data: "notBreaching",
        metric_query: [
          { id: "errors", metric: metric(metricName), return_data: false },
          { id: "invocations", metric: metric("Invocations"), return_data: false },
          { id: "rate", expression: "100 * FILL(errors, 0) / FILL(invocations, 1)", label: expect.any(String), return_data: true },
        ],
      });
    });

    it("makes only the rollback alarms when no optional threshold is set", () => {
      const { stack, endpoint } = endpointStack();
      expect(Object.keys(alarmsByName(synthJson(stack))).sort()).toEqual([...ROLLBACK_ALARMS].sort());
      expect(endpoint.alarmNames).toEqual(ROLLBACK_ALARMS);
    });

    it("adds utilization alarms on the endpoints' instance metrics, and a no-invocations alarm that treats missing data as breaching", () => {
      const { stack, endpoint } = endpointStack({
        instances: { ...INSTANCES, instanceType: "ml.g5.2xlarge" },
        alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5, cpuUtilizationPercent: 75, memoryUtilizationPercent: 85, gpuUtilizationPercent: 90, noInvocationsMinutes: 30 },
      });
      const alarms = alarmsByName(synthJson(stack));
      expect(endpoint.alarmNames).toEqual([
        ...ROLLBACK_ALARMS,
        `${ENDPOINT}-cpu-utilization`,
        `${ENDPOINT}-memory-utilization`,
        `${ENDPOINT}-gpu-utilization`,
        `${ENDPOINT}-no-invocations`,
      ]);
      expect(endpoint.rollbackAlarmNames).toEqual(ROLLBACK_ALARMS);
      // 75 % of an ml.g5.2xlarge's 8 vCPUs is 600 in SageMaker's per-vCPU sum.
      for (const [what, metricName, threshold] of [["cpu", "CPUUtilization", 600], ["memory", "MemoryUtilization", 85], ["gpu", "GPUUtilization", 90]] as const) {
        expect(alarms[`${ENDPOINT}-${what}-utilization`]).toMatchObject({
          ...actions,
          namespace: "/aws/sagemaker/Endpoints",
          metric_name: metricName,
          dimensions,
          statistic: "Average",
          period: 60,
          comparison_operator: "GreaterThanThreshold",
          threshold,
        });
      }
      expect(alarms[`${ENDPOINT}-no-invocations`]).toMatchObject({
        ...actions,
        namespace: "AWS/SageMaker",
        metric_name: "Invocations",
        dimensions,
        statistic: "Sum",
        period: 60,
        comparison_operator: "LessThanThreshold",
        threshold: 1,
        evaluation_periods: 30,
        datapoints_to_alarm: 30,
        treat_missing_data: "breaching",
      });
    });

    it("gives every alarm actions on ALARM and OK, enabled", () => {
      const alarms = Object.values(alarmsByName(synthJson(endpointStack({ alarms: { latencyP99Ms: 1, error5xxPercent: 1, error4xxPercent: 1, memoryUtilizationPercent: 90, noInvocationsMinutes: 5 } }).stack)));
      expect(alarms).toHaveLength(5);
      for (const alarm of alarms) expect(alarm).toMatchObject(actions);
    });
  });

  describe("rollout size (issue #11: a canary is whole instances)", () => {
    const fleet = (minInstances: number, maxInstances = Math.max(minInstances, 6)) => ({
      instances: { ...INSTANCES, initialInstanceCount: minInstances, minInstances, maxInstances },
    });

    it.each<[string, Partial<InstanceEndpointProps>, RegExp]>([
      [
        "a canary of 20 % of one instance, which no fleet of one can hold",
        { ...fleet(1), rollout: { type: "canary", canaryPercent: 20, waitSeconds: 60 } },
        /^test\/Churn: rollout\.canaryPercent: 20 % of 1 instance \(minInstances\) is 0\.2 of an instance; SageMaker shifts traffic to whole instances, so a canary must be at least one instance and leave one on the old fleet; raise minInstances \(and initialInstanceCount\) to 2 with canaryPercent 50, or raise minInstances \(and initialInstanceCount\) to 5, or use rollout type "allAtOnce"$/,
      ],
      [
        "a canary of 10 % of 3 instances",
        { ...fleet(3), rollout: { type: "canary", canaryPercent: 10, waitSeconds: 60 } },
        /rollout\.canaryPercent: 10 % of 3 instances \(minInstances\) is 0\.3 of an instance; .*; raise canaryPercent to 34, or raise minInstances \(and initialInstanceCount\) to 10/,
      ],
      [
        "a linear step of 25 % of 2 instances",
        { rollout: { type: "linear", stepPercent: 25, waitSeconds: 60 } },
        /rollout\.stepPercent: 25 % of 2 instances \(minInstances\) is 0\.5 of an instance; .*a linear step must be at least one instance.*; raise stepPercent to 50/,
      ],
    ])("refuses %s, naming the field and the fix", (_, overrides, message) => {
      expect(() => endpointStack(overrides)).toThrow(message);
    });

    it("checks the smallest fleet autoscaling may leave, not the initial one", () => {
      expect(() =>
        endpointStack({ instances: { ...INSTANCES, initialInstanceCount: 4, minInstances: 1, maxInstances: 6 }, rollout: { type: "canary", canaryPercent: 25, waitSeconds: 60 } }),
      ).toThrow(/25 % of 1 instance \(minInstances\)/);
    });

    it.each<[string, Partial<InstanceEndpointProps>]>([
      ["half of 2 instances", { rollout: { type: "canary", canaryPercent: 50, waitSeconds: 60 } }],
      ["34 % of 3 instances", { ...fleet(3), rollout: { type: "canary", canaryPercent: 34, waitSeconds: 60 } }],
      ["a 10 % step of 10 instances", { ...fleet(10, 12), rollout: { type: "linear", stepPercent: 10, waitSeconds: 60 } }],
      ["all at once on one instance", { ...fleet(1), rollout: { type: "allAtOnce", waitSeconds: 60 } }],
    ])("accepts %s", (_, overrides) => {
      expect(() => endpointStack(overrides)).not.toThrow();
    });

    it("accepts a size exactly when it is at least one whole instance of the smallest fleet", () => {
      for (let minInstances = 1; minInstances <= 12; minInstances++) {
        for (let canaryPercent = 1; canaryPercent <= 50; canaryPercent++) {
          const problem = rolloutSizeProblem({ type: "canary", canaryPercent }, minInstances);
          expect([minInstances, canaryPercent, problem === undefined]).toEqual([minInstances, canaryPercent, (canaryPercent * minInstances) / 100 >= 1]);
        }
        for (let stepPercent = 10; stepPercent <= 50; stepPercent++) {
          expect(rolloutSizeProblem({ type: "linear", stepPercent }, minInstances) === undefined).toBe((stepPercent * minInstances) / 100 >= 1);
        }
      }
    });
  });

  describe("CPU alarm (issue #11: a percentage of the whole instance)", () => {
    it("converts the percentage with the type's vCPUs into SageMaker's per-vCPU sum", () => {
      expect(summedCpuThreshold(75, 4)).toBe(300);
      expect(summedCpuThreshold(80, 2)).toBe(160);
      const { stack } = endpointStack({ alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5, cpuUtilizationPercent: 75 } });
      const cpu = alarmsByName(synthJson(stack))[`${ENDPOINT}-cpu-utilization`];
      // ml.m5.xlarge has 4 vCPUs: 75 % of the instance is 300 in CPUUtilization.
      expect(cpu).toMatchObject({ metric_name: "CPUUtilization", threshold: 300, alarm_description: expect.stringContaining("75 % of the instance, summed over its 4 vCPUs") });
    });

    it.each([
      ["ml.t2.medium", 2],
      ["ml.m5.large", 2],
      ["ml.m5.xlarge", 4],
      ["ml.c6i.xlarge", 4],
      ["ml.c5.9xlarge", 36],
      ["ml.c4.8xlarge", 36],
      ["ml.m4.10xlarge", 40],
      ["ml.inf1.6xlarge", 24],
      ["ml.g5.48xlarge", 192],
      ["ml.p4d.24xlarge", 96],
    ])("knows %s has %p vCPUs", (instanceType, vcpus) => {
      expect(vcpusOf(instanceType)).toBe(vcpus);
    });

    it("knows nothing it was not told (no guess from the size)", () => {
      for (const unknown of ["ml.m5.3xlarge", "ml.x9.large", "m5.large", "ml.constructor.large", "ml.m5.toString"]) expect(vcpusOf(unknown)).toBeUndefined();
    });

    it("holds EC2's naming in its data: <N>xlarge has 4N vCPUs, large 2, but for c4.8xlarge (36) and the burstable t2.medium (2)", () => {
      const exceptions: Record<string, number> = { "c4.8xlarge": 36, "t2.medium": 2 };
      for (const [family, sizes] of Object.entries(SERVING_INSTANCE_VCPUS)) {
        for (const [size, vcpus] of Object.entries(sizes)) {
          const multiple = /^(\d*)xlarge$/.exec(size);
          const expected = exceptions[`${family}.${size}`] ?? (size === "large" ? 2 : multiple ? 4 * Number(multiple[1] || 1) : undefined);
          expect([`${family}.${size}`, vcpus]).toEqual([`${family}.${size}`, expected]);
        }
      }
    });
  });

  describe("captured data retention (issue #11)", () => {
    const captureRules = (json: TerraformJson) => {
      const configurations = resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration").filter(([name]) => name.startsWith("Capture_"));
      return (only(configurations)[1].rule as Attributes[]).filter((rule) => rule.expiration !== undefined);
    };

    it("expires captured objects under <endpointName>/ after 30 days by default, in the bucket's one lifecycle configuration", () => {
      const json = synthJson(endpointStack().stack);
      expect(captureRules(json)).toEqual([{ id: `expire-${ENDPOINT}`, status: "Enabled", filter: [{ prefix: `${ENDPOINT}/` }], expiration: [{ days: 30 }] }]);
      // The bucket's own rule (old versions, abandoned uploads) stays.
      const [, configuration] = only(resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration").filter(([name]) => name.startsWith("Capture_")));
      expect((configuration.rule as Attributes[]).map((rule) => rule.id)).toEqual(["expire-noncurrent-versions-and-abandoned-uploads", `expire-${ENDPOINT}`]);
    });

    it("takes dataCapture.retentionDays, and adds one rule per endpoint of a shared bucket", () => {
      const { stack, captureBucket, key, registry } = endpointStack(({ captureBucket }) => ({ dataCapture: { samplingPercent: 20, bucket: captureBucket, retentionDays: 7 } }));
      new ServingEndpoint(stack, "Fraud", {
        endpointName: "mlops-test-fraud",
        model: { modelPackageArn: PACKAGE_ARN },
        instances: INSTANCES,
        rollout: { type: "allAtOnce", waitSeconds: 0 },
        dataCapture: { samplingPercent: 5, bucket: captureBucket },
        encryptionKey: key,
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0aaa", "subnet-0bbb"],
        alertTopicArn: TOPIC_ARN,
        alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5 },
        logRetentionDays: 30,
        registry,
      });
      expect(captureRules(synthJson(stack)).map((rule) => [(rule.filter as Attributes[])[0].prefix, (rule.expiration as Attributes[])[0].days])).toEqual([
        [`${ENDPOINT}/`, 7],
        ["mlops-test-fraud/", 30],
      ]);
    });

    it("adds no rule for a serverless endpoint (it captures nothing)", () => {
      expect(captureRules(synthJson(serverlessStack().stack))).toEqual([]);
    });
  });

  describe("props, discriminated by capacity", () => {
    it("take on serverless nothing SageMaker does not support there: the compiler refuses it", () => {
      const { stack, key, captureBucket, registry } = endpointStack();
      const common = commonProps({ stack, key, captureBucket, registry });
      const serverless = { ...common, ...SERVERLESS };
      const refused: ServingEndpointProps[] = [
        // @ts-expect-error serverless models run outside any VPC
        { ...serverless, subnetIds: ["subnet-0aaa", "subnet-0bbb"] },
        // @ts-expect-error so they have no security group in one
        { ...serverless, vpcId: "vpc-0123456789abcdef0" },
        // @ts-expect-error nor with network isolation
        { ...serverless, networkIsolation: true },
        // @ts-expect-error nor capture data
        { ...serverless, dataCapture: { samplingPercent: 10, bucket: captureBucket } },
        // @ts-expect-error a canary is a share of instances
        { ...serverless, rollout: { type: "canary", canaryPercent: 10, waitSeconds: 60 } },
        // @ts-expect-error no CPU utilization is published
        { ...serverless, alarms: { ...SERVERLESS.alarms, cpuUtilizationPercent: 80 } },
        // @ts-expect-error an endpoint runs on one capacity
        { ...serverless, instances: INSTANCES },
      ];
      expect(refused).toHaveLength(7);
    });

    it("take on instances what they need: subnets and data capture", () => {
      const fixture = endpointStack();
      const { subnetIds, dataCapture, ...rest } = instanceProps(fixture);
      // @ts-expect-error instances run in subnets of the VPC
      const withoutSubnets: InstanceEndpointProps = { ...rest, dataCapture };
      // @ts-expect-error and capture data (sampling 0 captures none)
      const withoutCapture: InstanceEndpointProps = { ...rest, subnetIds };
      expect([withoutSubnets, withoutCapture]).toHaveLength(2);
    });
  });

  describe("refuses", () => {
    const image = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/mlops-test/serving/churn:1`;
    const modelDataUrl = `s3://mlops-test-model-artifacts-${TEST_ACCOUNT}/models/churn/1/model.tar.gz`;
    const instances = (change: Partial<typeof INSTANCES>) => ({ instances: { ...INSTANCES, ...change } });
    const alarms = (change: Partial<InstanceEndpointProps["alarms"]>) => ({ alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5, ...change } });

    it.each<[string, Overrides, RegExp]>([
      ["an endpoint name with underscores", { endpointName: "mlops_test" }, /^test\/Churn: endpointName: is "mlops_test"; it must be 1-63 letters, digits and hyphens/],
      ["an endpoint name over 63 characters", { endpointName: "a".repeat(64) }, /endpointName: is "a{64}"; it must be 1-63/],
      ["an endpoint name ending with a hyphen", { endpointName: "churn-" }, /endpointName: is "churn-"; it must be/],
      ["a model package name instead of an ARN", { model: { modelPackageArn: "churn/3" } }, /model\.modelPackageArn: "churn\/3" must be a versioned model package ARN/],
      ["a model package group ARN (no version)", { model: { modelPackageArn: PACKAGE_ARN.replace("/3", "") } }, /must be a versioned model package ARN: arn:aws:sagemaker:<region>:<12-digit account>:model-package\/<group>\/<version>/],
      ["a model package in another region", { model: { modelPackageArn: PACKAGE_ARN.replace(TEST_REGION, "us-east-1") } }, /model\.modelPackageArn: ".*" is in us-east-1; .* the endpoint's region, eu-west-1/],
      ["a package and an image at once", { model: { modelPackageArn: PACKAGE_ARN, image, modelDataUrl } as never }, /model: must be either \{ modelPackageArn \} or \{ image, modelDataUrl \}/],
      ["an image without model data", { model: { image } as never }, /model: must have both image and modelDataUrl/],
      ["an image that is not in ECR", { model: { image: "docker.io/library/churn:1", modelDataUrl } }, /model\.image: "docker\.io\/library\/churn:1" must be an ECR image with a tag or digest/],
      ["an image without a tag or digest", { model: { image: image.replace(":1", ""), modelDataUrl } }, /must be an ECR image with a tag or digest/],
      ["an image in another region", { model: { image: image.replace(TEST_REGION, "us-east-1"), modelDataUrl } }, /model\.image: ".*" is in us-east-1; SageMaker pulls images from the endpoint's region, eu-west-1/],
      ["model data that is not an s3:// URL", { model: { image, modelDataUrl: "https://example.com/model.tar.gz" } }, /model\.modelDataUrl: "https:\/\/example\.com\/model\.tar\.gz" must be an s3:\/\/<bucket>\/<key> URL/],
      ["a local model without a registry", { registry: undefined }, /registry: the model's image or artifacts are in this account \(123456789012\), but no registry was given/],
      ["both capacities (past the types)", { serverless: { memorySizeMb: 2048, maxConcurrency: 1 } } as never, /serverless: an endpoint runs on instances or serverless, not both/],
      ["an invalid instance type", instances({ instanceType: "m5.xlarge" }), /instances\.instanceType: is "m5\.xlarge"; it must be a SageMaker instance type/],
      ["no minimum instance", instances({ minInstances: 0, initialInstanceCount: 0 }), /instances\.initialInstanceCount: is 0; it must be a whole number, 1 or more/],
      ["min above max", instances({ minInstances: 7 }), /instances\.minInstances: is 7, above maxInstances 6/],
      ["an initial count below min", instances({ initialInstanceCount: 1 }), /instances\.initialInstanceCount: is 1; it must be between minInstances 2 and maxInstances 6/],
      ["an initial count above max", instances({ initialInstanceCount: 7 }), /initialInstanceCount: is 7; it must be between minInstances 2 and maxInstances 6/],
      ["a fractional instance count", instances({ maxInstances: 6.5 }), /instances\.maxInstances: is 6\.5; it must be a whole number, 1 or more/],
      ["a target of 0 invocations", instances({ targetInvocationsPerInstance: 0 }), /targetInvocationsPerInstance: is 0; it must be more than 0/],
      ["a negative cooldown", instances({ scaleInCooldownSeconds: -1 }), /instances\.scaleInCooldownSeconds: is -1; it must be whole seconds, 0-3600/],
      ["a cooldown over an hour", instances({ scaleOutCooldownSeconds: 3601 }), /instances\.scaleOutCooldownSeconds: is 3601; it must be whole seconds, 0-3600/],
      ["one subnet", { subnetIds: ["subnet-0aaa"] }, /subnetIds: lists 1 subnets; a SageMaker model in a VPC needs 2-16/],
      ["a canary of 0 %", { rollout: { type: "canary", canaryPercent: 0, waitSeconds: 60 } }, /rollout\.canaryPercent: is 0; a canary is a whole 1-50 % of the new fleet/],
      ["a canary over 50 %", { rollout: { type: "canary", canaryPercent: 51, waitSeconds: 60 } }, /rollout\.canaryPercent: is 51/],
      ["a linear step under 10 %", { rollout: { type: "linear", stepPercent: 5, waitSeconds: 60 } }, /rollout\.stepPercent: is 5; a linear step is a whole 10-50 % of the new fleet/],
      ["a linear step over 50 %", { rollout: { type: "linear", stepPercent: 60, waitSeconds: 60 } }, /rollout\.stepPercent: is 60/],
      ["a wait over an hour", { rollout: { type: "allAtOnce", waitSeconds: 3601 } }, /rollout\.waitSeconds: is 3601; it must be whole seconds, 0-3600/],
      ["a negative wait", { rollout: { type: "allAtOnce", waitSeconds: -1 } }, /rollout\.waitSeconds: is -1/],
      ["a termination wait over an hour", { terminationWaitSeconds: 3601 }, /terminationWaitSeconds: is 3601; it must be whole seconds, 0-3600/],
      ["a sampling over 100 %", ({ captureBucket }) => ({ dataCapture: { samplingPercent: 101, bucket: captureBucket } }), /dataCapture\.samplingPercent: is 101; it must be a whole percentage, 0-100/],
      ["a fractional sampling", ({ captureBucket }) => ({ dataCapture: { samplingPercent: 12.5, bucket: captureBucket } }), /dataCapture\.samplingPercent: is 12\.5/],
      ["a latency threshold of 0", alarms({ latencyP99Ms: 0 }), /alarms\.latencyP99Ms: is 0; it must be more than 0/],
      ["a negative 5XX threshold", alarms({ error5xxPercent: -1 }), /alarms\.error5xxPercent: is -1; it must be 0\.01-100 %/],
      ["a 4XX threshold over 100 %", alarms({ error4xxPercent: 101 }), /alarms\.error4xxPercent: is 101; it must be 0\.01-100 %/],
      ["a memory threshold over 100 %", alarms({ memoryUtilizationPercent: 120 }), /alarms\.memoryUtilizationPercent: is 120/],
      ["a CPU threshold of 0", alarms({ cpuUtilizationPercent: 0 }), /alarms\.cpuUtilizationPercent: is 0/],
      ["a CPU threshold over 100 % (a share of the whole instance)", alarms({ cpuUtilizationPercent: 300 }), /alarms\.cpuUtilizationPercent: is 300; it must be 1-100 %/],
      [
        "a CPU alarm on a type whose vCPUs the table does not know",
        { ...instances({ instanceType: "ml.x9.large" }), ...alarms({ cpuUtilizationPercent: 80 }) },
        /alarms\.cpuUtilizationPercent: the vCPU count of ml\.x9\.large is not in SERVING_INSTANCE_VCPUS/,
      ],
      ["a capture retention of 0 days", ({ captureBucket }) => ({ dataCapture: { samplingPercent: 20, bucket: captureBucket, retentionDays: 0 } }), /dataCapture\.retentionDays: is 0; it must be a whole number of days, 1 or more/],
      ["no invocations for 0 minutes", alarms({ noInvocationsMinutes: 0 }), /alarms\.noInvocationsMinutes: is 0; it must be whole minutes 1-1440/],
      ["no invocations for over a day", alarms({ noInvocationsMinutes: 1441 }), /noInvocationsMinutes: is 1441/],
      ["a GPU alarm on a CPU instance", alarms({ gpuUtilizationPercent: 80 }), /alarms\.gpuUtilizationPercent: ml\.m5\.xlarge has no GPU/],
      ["a log retention CloudWatch does not offer", { logRetentionDays: 31 }, /logRetentionDays: is 31; CloudWatch Logs allows 1, 3, 5, 7, 14, 30/],
      ["an alarm topic that is not an SNS ARN", { alertTopicArn: "mlops-test-alerts" }, /alertTopicArn: "mlops-test-alerts" must be an SNS topic ARN/],
      ["a VPC id that is not one", { vpcId: "10.20.0.0/16" }, /vpcId: "10\.20\.0\.0\/16" must be a VPC id/],
    ])("%s", (_, overrides, message) => {
      expect(() => endpointStack(overrides)).toThrow(message);
    });

    it("reports every wrong prop at once, a line each: the settings' and the construct's own", () => {
      const error = propsError(() => endpointStack({ rollout: { type: "canary", canaryPercent: 60, waitSeconds: 60 }, logRetentionDays: 31, vpcId: "10.20.0.0/16" }));
      expect(error.problems.map((problem) => problem.path)).toEqual(["rollout.canaryPercent", "logRetentionDays", "vpcId"]);
      expect(error.message.split("\n")).toEqual([
        "test/Churn: rollout.canaryPercent: is 60; a canary is a whole 1-50 % of the new fleet",
        expect.stringMatching(/^test\/Churn: logRetentionDays: is 31; CloudWatch Logs allows 1, 3, .*, 3653 days$/),
        'test/Churn: vpcId: "10.20.0.0/16" must be a VPC id such as vpc-0123456789abcdef0',
      ]);
    });

    it.each<[string, Partial<ServerlessEndpointProps>, RegExp]>([
      ["a serverless memory size between steps", { serverless: { memorySizeMb: 1536, maxConcurrency: 20 } }, /serverless\.memorySizeMb: is 1536; SageMaker allows 1024, 2048, 3072, 4096, 5120, 6144/],
      ["a serverless memory size above 6 GB", { serverless: { memorySizeMb: 7168, maxConcurrency: 20 } }, /memorySizeMb: is 7168/],
      ["no serverless concurrency", { serverless: { memorySizeMb: 2048, maxConcurrency: 0 } }, /serverless\.maxConcurrency: is 0; it must be a whole number, 1-200/],
      ["a serverless concurrency above 200", { serverless: { memorySizeMb: 2048, maxConcurrency: 201 } }, /maxConcurrency: is 201; it must be a whole number, 1-200/],
      // Past the types (plain JavaScript, or a value typed wider): the settings check still refuses them.
      ["network isolation", { networkIsolation: true } as never, /networkIsolation: is not supported by serverless endpoints \(nor is a VPC\)/],
      ["a canary", { rollout: { type: "canary", canaryPercent: 10, waitSeconds: 60 } } as never, /rollout\.type: "canary" moves a share of instances and a serverless endpoint has none; use "allAtOnce"/],
      ["a CPU alarm", { alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5, cpuUtilizationPercent: 80 } as never }, /alarms\.cpuUtilizationPercent: serverless endpoints publish no CPU utilization/],
    ])("a serverless endpoint with %s", (_, overrides, message) => {
      expect(() => serverlessStack(overrides)).toThrow(message);
    });
  });
});
