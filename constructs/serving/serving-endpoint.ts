import { Construct } from "constructs";
import { Token } from "cdktf";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import {
  SagemakerEndpoint,
  type SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration,
} from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import { SagemakerEndpointConfiguration } from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import { SagemakerModel } from "@cdktf/provider-aws/lib/sagemaker-model";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { awsEnvironmentOf } from "../core/aws-environment";
import { LOG_RETENTION_DAYS } from "../core/aws-regions";
import { parseCidr } from "../core/cidr";
import type { IGrantable } from "../core/iam";
import type { KmsKey } from "../core/kms-key";
import { EncryptedLogGroup } from "../core/log-group";
import { resourceName } from "../core/naming";
import type { SecureBucket } from "../core/secure-bucket";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { grantVpcNetworkInterfaces, isListToken } from "../core/vpc-access";
import { suppressGuardrail } from "../../guardrails/suppressions";
import { EndpointAlarms } from "./endpoint-alarms";
import { cpuAlarmProblem, hasGpus, hasInstanceStorage, INSTANCE_TYPE, vcpusOf } from "./instance-types";
import { CANARY_PERCENT, LINEAR_STEP_PERCENT, rolloutSizeProblem } from "./rollout";
import { crossAccountStatements, foreignSources, isModelPackage, modelSourceProblem, modelVersionHash, parseModelSource, type ParsedModelSource } from "./model-source";
import { ConstructPropsError } from "../core/errors";
import { EndpointMetric, INSTANCE_METRICS_NAMESPACE, InstanceMetricName, InvocationMetricName, endpointMetric } from "./endpoint-metrics";
import { SAGEMAKER_NAME } from "../core/sagemaker-names";

/** The model version an endpoint serves: a (usually approved, possibly other-account) model package, or an image and its artifact. */
/** Captured requests and responses are personal data more often than not: a month unless the config says otherwise. */
export const DEFAULT_CAPTURE_RETENTION_DAYS = 30;

export type ModelSource = { readonly modelPackageArn: string } | { readonly image: string; readonly modelDataUrl: string };

/** How traffic moves to a new model version (a blue/green deployment); the rollback alarms stop it. */
export type RolloutStrategy =
  | { readonly type: "allAtOnce"; readonly waitSeconds: number }
  | { readonly type: "canary"; readonly canaryPercent: number; readonly waitSeconds: number }
  | { readonly type: "linear"; readonly stepPercent: number; readonly waitSeconds: number };

export interface InstanceCapacity {
  readonly instanceType: string;
  readonly initialInstanceCount: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Target of the autoscaling policy: invocations per instance per minute. */
  readonly targetInvocationsPerInstance: number;
  readonly scaleInCooldownSeconds: number;
  readonly scaleOutCooldownSeconds: number;
}

export interface ServerlessCapacity {
  readonly memorySizeMb: number;
  readonly maxConcurrency: number;
}

export type EndpointCapacity = { readonly instances: InstanceCapacity } | { readonly serverless: ServerlessCapacity };

export interface EndpointAlarmThresholds {
  readonly latencyP99Ms: number;
  readonly error5xxPercent: number;
  readonly error4xxPercent: number;
  /**
   * Of the whole instance, 0-100 %; converted to SageMaker's CPUUtilization, which sums 100 % per vCPU (so 75 on a
   * 4-vCPU type alarms at 300). Instances of a type in SERVING_INSTANCE_VCPUS only.
   * @default - no CPU alarm
   */
  readonly cpuUtilizationPercent?: number;
  readonly memoryUtilizationPercent?: number;
  /** Summed over the GPUs of an instance: 0-400 % on 4 GPUs. GPU instances only. */
  readonly gpuUtilizationPercent?: number;
  /** Alarm when the endpoint gets no invocation for this many minutes. @default - no such alarm */
  readonly noInvocationsMinutes?: number;
}

/** Where the model's image and artifacts live in this account (the registry). */
export interface ModelArtifactSource {
  grantPull(grantee: IGrantable): void;
  grantReadArtifacts(grantee: IGrantable): void;
}

export interface ServingEndpointProps {
  /** The SageMaker endpoint's name, a literal, e.g. "mlops-prod-churn". */
  readonly endpointName: string;
  readonly model: ModelSource;
  readonly capacity: EndpointCapacity;
  readonly rollout: RolloutStrategy;
  /**
   * Seconds the old fleet is kept after all traffic moved, so a rollback is fast.
   * @default 300
   */
  readonly terminationWaitSeconds?: number;
  /**
   * Where requests and responses are captured (instance capacity only: serverless endpoints support no data capture),
   * under `<endpointName>/` in the bucket. `retentionDays`: days a capture is kept before it expires (its noncurrent
   * version then lasts as long as the bucket keeps noncurrent versions); @default 30.
   */
  readonly dataCapture: { readonly samplingPercent: number; readonly bucket: SecureBucket; readonly retentionDays?: number };
  /** Encrypts the endpoint's storage volumes (or, serverless, SageMaker's copy of the image) and its log group. */
  readonly encryptionKey: KmsKey;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Private subnets, in at least two availability zones, for the model's network interfaces. */
  readonly subnetIds: readonly string[];
  /**
   * No network calls in or out of the model container. Serverless endpoints support neither network
   * isolation nor a VPC: a serverless endpoint must set this to false, explicitly.
   * @default true
   */
  readonly networkIsolation?: boolean;
  readonly alertTopicArn: string;
  readonly alarms: EndpointAlarmThresholds;
  readonly logRetentionDays: number;
  /** The local model registry; omitted when every model comes from another account. */
  readonly registry?: ModelArtifactSource;
}

/** Every model version is served by one variant of this name, so blue/green deployments can replace it. */
const VARIANT_NAME = "primary";
/** SageMaker's EndpointName (and ModelName) pattern: 1-63 letters, digits and inner hyphens. */
const ENDPOINT_NAME = SAGEMAKER_NAME;
const MODEL_NAME_MAX_LENGTH = 63;
/** The provider appends a 26-character unique suffix to name_prefix; endpoint configuration names are at most 63. */
const CONFIG_NAME_PREFIX_MAX_LENGTH = 63 - 26;
/** TrafficRoutingConfig.WaitIntervalInSeconds and BlueGreenUpdatePolicy.TerminationWaitInSeconds are 0-3600. */
const MAX_WAIT_SECONDS = 3600;
/** ProductionVariantServerlessConfig: memory in 1 GB steps from 1024 to 6144 MB, concurrency 1-200. */
const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144];
const SERVERLESS_MAX_CONCURRENCY = 200;
/** CreateModel's VpcConfig takes up to 16 subnets; SageMaker hosting wants two availability zones at least. */
const SUBNETS = { min: 2, max: 16 };
/** A CloudWatch alarm evaluates at most one day: periods (1 minute here) x evaluation periods <= 86400 s. */
const MAX_NO_INVOCATION_MINUTES = 1440;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** Where SageMaker writes instance metrics of endpoint variants. */

/**
 * A SageMaker real-time endpoint that serves one model version at a time and moves to the next one
 * safely: every version is a new model (named from a hash of its source) and a new endpoint
 * configuration, both created before the old ones go; SageMaker shifts traffic blue/green (all at
 * once, canary or linear) and rolls back by itself when latency or error-rate alarms go off.
 *
 * The model runs in the VPC with network isolation (instances), under an execution role that can read
 * exactly its image and artifacts (in this account through the registry's grants, in another account
 * through patterns the source registry's policies complete), write its log group and its captured data.
 * Instance endpoints autoscale on invocations per instance; serverless endpoints scale by themselves.
 */
export class ServingEndpoint extends Construct {
  readonly endpointName: string;
  readonly endpointArn: string;
  /** "primary", the same for every model version. */
  readonly variantName: string;
  readonly modelName: string;
  readonly executionRole: ServiceRole;
  /**
   * The security group of the model's network interfaces: no inbound, HTTPS out. Made for serverless
   * endpoints too (other jobs of the endpoint, such as Model Monitor, may run in it), where no model uses it.
   */
  readonly securityGroupId: string;
  /** The alarms blue/green deployments roll back on (latency and error rates). */
  readonly rollbackAlarmNames: readonly string[];
  readonly alarmNames: readonly string[];
  /** The endpoint resource, for resources that need the endpoint to exist (endpointName is a literal). */
  readonly endpoint: SagemakerEndpoint;

  constructor(scope: Construct, id: string, props: ServingEndpointProps) {
    super(scope, id);
    const env = awsEnvironmentOf(this);
    const instances = "instances" in props.capacity ? props.capacity.instances : undefined;
    const serverless = "serverless" in props.capacity ? props.capacity.serverless : undefined;
    const networkIsolation = props.networkIsolation ?? true;
    const terminationWaitSeconds = props.terminationWaitSeconds ?? 300;
    const captureRetentionDays = props.dataCapture.retentionDays ?? DEFAULT_CAPTURE_RETENTION_DAYS;
    const source = this.validate(props, { instances, serverless, networkIsolation, terminationWaitSeconds, captureRetentionDays }, env);

    this.endpointName = props.endpointName;
    this.variantName = VARIANT_NAME;
    // A new model version is a new model name, so Terraform can create it before it destroys the old one.
    // The hash covers what the config can change (source, isolation, VPC or not); the role and the security
    // group keep their names, but a change of subnets alone would replace the model under the same name,
    // which SageMaker refuses while the old one exists: change the model version with it.
    const hash = modelVersionHash(props.model, { networkIsolation, inVpc: instances !== undefined });
    this.modelName = `${truncate(props.endpointName, MODEL_NAME_MAX_LENGTH - hash.length - 1)}-${hash}`;

    const alarms = new EndpointAlarms(this, "Alarms", {
      endpointName: props.endpointName,
      variantName: VARIANT_NAME,
      alertTopicArn: props.alertTopicArn,
      thresholds: props.alarms,
      vcpus: instances ? vcpusOf(instances.instanceType) : undefined,
    });
    this.rollbackAlarmNames = alarms.rollbackAlarmNames;
    this.alarmNames = alarms.alarmNames;

    const logGroup = new EncryptedLogGroup(this, "Logs", {
      // The group SageMaker writes the endpoint's container logs to; made here so it is encrypted and expires.
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      encryptionKey: props.encryptionKey,
      retentionDays: props.logRetentionDays,
    });

    const securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: resourceName([props.endpointName, "model"], { maxLength: 255 }),
      description: `Model containers of SageMaker endpoint ${props.endpointName}: no inbound, HTTPS out`,
      vpcId: props.vpcId,
    });
    // The model reaches S3 (artifacts, captured data, ECR image layers) through the VPC's S3 gateway
    // endpoint and ECR and STS through interface endpoints. Traffic to a gateway endpoint goes to S3's
    // public address ranges (the route tables send it to the endpoint), so a rule limited to the VPC's
    // range would cut S3 off: HTTPS is allowed to any address and the route tables decide the path.
    // Nothing may connect in: SageMaker reaches the container through its own network, not this group.
    new VpcSecurityGroupEgressRule(this, "HttpsOut", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to S3, ECR and STS through VPC endpoints",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    this.securityGroupId = securityGroup.id;

    this.executionRole = new ServiceRole(this, "ExecutionRole", {
      roleName: resourceName([props.endpointName, "sagemaker"], { maxLength: 64 }),
      description: `SageMaker execution role of endpoint ${props.endpointName}: its model image and artifacts, its logs and captured data`,
      trust: [serviceTrust("sagemaker.amazonaws.com", env.accountId)],
    });
    this.grantExecution(props, { source, instances, logGroup }, env);

    // The model must not start before the role's permissions exist.
    const model = new SagemakerModel(this, "Model", {
      name: this.modelName,
      executionRoleArn: this.executionRole.roleArn,
      primaryContainer: isModelPackage(props.model)
        ? { modelPackageName: props.model.modelPackageArn }
        : { image: props.model.image, modelDataUrl: props.model.modelDataUrl },
      enableNetworkIsolation: networkIsolation,
      // Serverless endpoints support no VPC configuration (SageMaker's serverless feature exclusions).
      vpcConfig: instances ? { subnets: [...props.subnetIds], securityGroupIds: [securityGroup.id] } : undefined,
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...this.executionRole.policyResources],
    });
    if (!instances) {
      const reason = "Serverless inference supports neither network isolation nor a VPC (SageMaker's serverless feature exclusions)";
      suppressGuardrail(model, "MLB-SM-001", reason);
      suppressGuardrail(model, "MLB-SM-002", reason);
    }

    const config = new SagemakerEndpointConfiguration(this, "Config", {
      // Endpoint configurations are immutable: every change is a new one, named by the provider from this prefix.
      namePrefix: `${truncate(props.endpointName, CONFIG_NAME_PREFIX_MAX_LENGTH - 1)}-`,
      // CreateEndpointConfig fails with a KMS key when the instances have local (NVMe) storage, which the
      // instance encrypts with a hardware module; the key would protect nothing there.
      kmsKeyArn: instances && hasInstanceStorage(instances.instanceType) ? undefined : props.encryptionKey.keyArn,
      productionVariants: [
        instances
          ? { variantName: VARIANT_NAME, modelName: model.name, instanceType: instances.instanceType, initialInstanceCount: instances.initialInstanceCount }
          : { variantName: VARIANT_NAME, modelName: model.name, serverlessConfig: { memorySizeInMb: serverless!.memorySizeMb, maxConcurrency: serverless!.maxConcurrency } },
      ],
      // Serverless endpoints support no data capture.
      dataCaptureConfig: instances
        ? {
            enableCapture: true,
            initialSamplingPercentage: props.dataCapture.samplingPercent,
            destinationS3Uri: `s3://${props.dataCapture.bucket.bucketName}/${props.endpointName}`,
            // The bucket's own key, so whoever may read the bucket can read the captures.
            kmsKeyId: props.dataCapture.bucket.encryptionKey.keyArn,
            captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
          }
        : undefined,
      lifecycle: { createBeforeDestroy: true },
    });
    if (instances) props.dataCapture.bucket.addExpiration(props.endpointName, captureRetentionDays);
    if (instances && hasInstanceStorage(instances.instanceType)) {
      suppressGuardrail(config, "MLB-SM-003", `${instances.instanceType} has local NVMe storage, encrypted by the instance; CreateEndpointConfig refuses a KMS key there`);
    }

    this.endpoint = new SagemakerEndpoint(this, "Endpoint", {
      name: props.endpointName,
      endpointConfigName: config.name,
      // Blue/green is SageMaker's way to update any endpoint, serverless included (only rolling updates
      // exclude serverless endpoints); the policy sets how traffic moves and what rolls it back.
      deploymentConfig: {
        blueGreenUpdatePolicy: { trafficRoutingConfiguration: trafficRouting(props.rollout), terminationWaitInSeconds: terminationWaitSeconds },
        autoRollbackConfiguration: { alarms: this.rollbackAlarmNames.map((alarmName) => ({ alarmName })) },
      },
      // SageMaker looks the rollback alarms up when a deployment starts.
      dependsOn: [...alarms.rollbackAlarms],
    });
    this.endpointArn = this.endpoint.arn;

    if (instances) this.addAutoscaling(props.endpointName, instances);
  }

  /** A metric of this endpoint's variant, in the namespace SageMaker publishes it to (for alarms and dashboards). */
  metric(metricName: InvocationMetricName | InstanceMetricName, statistic = "Sum"): EndpointMetric {
    return endpointMetric(this.endpointName, this.variantName, metricName, statistic);
  }

  /** Requests the variant served, per period. */
  metricInvocations(): EndpointMetric {
    return this.metric("Invocations", "Sum");
  }

  /** Time the model took to respond, microseconds; p99 by default. */
  metricModelLatency(statistic = "p99"): EndpointMetric {
    return this.metric("ModelLatency", statistic);
  }

  /** Requests the model answered with a 5xx error, per period. */
  metricInvocation5xxErrors(): EndpointMetric {
    return this.metric("Invocation5XXErrors", "Sum");
  }

  /** Lets `grantee` call the endpoint (InvokeEndpoint, also with response streaming and asynchronously). */
  grantInvoke(grantee: IGrantable): void {
    grantee.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream", "sagemaker:InvokeEndpointAsync"],
      Resource: this.endpointArn,
    });
  }

  /**
   * Target tracking on invocations per instance. Application Auto Scaling refuses an endpoint update that
   * changes the instance type of a scaled variant: changing instanceType needs the target removed first.
   */
  private addAutoscaling(endpointName: string, instances: InstanceCapacity): void {
    const target = new AppautoscalingTarget(this, "ScalingTarget", {
      serviceNamespace: "sagemaker",
      resourceId: `endpoint/${endpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: "sagemaker:variant:DesiredInstanceCount",
      minCapacity: instances.minInstances,
      maxCapacity: instances.maxInstances,
      // The variant must exist before it is registered; the resource id is built from literals.
      dependsOn: [this.endpoint],
    });
    new AppautoscalingPolicy(this, "ScalingPolicy", {
      name: `${endpointName}-invocations-per-instance`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      resourceId: target.resourceId,
      scalableDimension: target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        targetValue: instances.targetInvocationsPerInstance,
        scaleInCooldown: instances.scaleInCooldownSeconds,
        scaleOutCooldown: instances.scaleOutCooldownSeconds,
      },
    });
  }

  /**
   * What SageMaker does as the execution role: pull the image, read the model data, write the logs and the
   * captured data, manage the model's network interfaces, publish instance metrics and read the rollback
   * alarms. Resource "*" only where the action has no resource-level permission (each says so).
   */
  private grantExecution(
    props: ServingEndpointProps,
    context: { source: ParsedModelSource; instances: InstanceCapacity | undefined; logGroup: EncryptedLogGroup },
    env: { accountId: string; region: string; partition: string },
  ): void {
    const role = this.executionRole;
    const { accountId, region, partition } = env;

    context.logGroup.grantWrite(role);
    // SageMaker may ask to create its log group; it exists, so this only lets that call succeed.
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "logs:CreateLogGroup", Resource: context.logGroup.logGroupArn });

    if (context.instances) {
      // Captured requests and responses, written under <endpointName>/ with the bucket's key.
      const bucket = props.dataCapture.bucket;
      role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket.bucketArn}/${props.endpointName}/*` });
      role.addToPrincipalPolicy({ Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: bucket.encryptionKey.keyArn });
    }

    if (props.registry) {
      props.registry.grantPull(role);
      props.registry.grantReadArtifacts(role);
    }
    const foreign = foreignSources(context.source, accountId);
    // grantPull gives the authorization token already; it has no resource-level permission (the token is per registry).
    if (foreign.images.length > 0 && !props.registry) role.addToPrincipalPolicy({ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    for (const statement of crossAccountStatements(foreign, { region, partition })) role.addToPrincipalPolicy(statement);

    const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
    if (context.instances) {
      // In the VPC, SageMaker makes and removes the model's network interfaces as this role.
      grantVpcNetworkInterfaces(this, role, { subnetIds: props.subnetIds, securityGroupIds: [this.securityGroupId] });
      // The instances publish their CPU, memory, disk and GPU metrics as this role. PutMetricData has no
      // resource-level permission; the namespace condition keeps it to the endpoints' instance metrics.
      role.addToPrincipalPolicy({
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": INSTANCE_METRICS_NAMESPACE } },
      });
    }
    // Deployment guardrails read the rollback alarms as the execution role.
    role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: this.rollbackAlarmNames.map((name) => arn("cloudwatch", `alarm:${name}`)),
    });
  }

  private validate(
    props: ServingEndpointProps,
    resolved: {
      instances: InstanceCapacity | undefined;
      serverless: ServerlessCapacity | undefined;
      networkIsolation: boolean;
      terminationWaitSeconds: number;
      captureRetentionDays: number;
    },
    env: { accountId: string; region: string; partition: string },
  ): ParsedModelSource {
    const where = this.node.path;
    const fail = (message: string): never => {
      throw new ConstructPropsError(`${where}: ${message}`);
    };
    const { instances, serverless } = resolved;

    if (!ENDPOINT_NAME.test(props.endpointName)) {
      fail(`endpointName "${props.endpointName}" must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's EndpointName)`);
    }

    const modelProblem = modelSourceProblem(props.model, env);
    if (modelProblem) fail(modelProblem);
    const source = parseModelSource(props.model);
    const readsLocally = source.image.accountId === env.accountId || source.artifactAccountId === undefined || source.artifactAccountId === env.accountId;
    if (readsLocally && !props.registry) {
      fail(`the model's image or artifacts are in this account (${env.accountId}), but no registry was given to grant the endpoint access to them`);
    }

    if ((instances === undefined) === (serverless === undefined)) fail("capacity must be either { instances } or { serverless }");
    if (instances) {
      const i = instances;
      if (!INSTANCE_TYPE.test(i.instanceType)) fail(`capacity.instances.instanceType "${i.instanceType}" must be a SageMaker instance type such as ml.m5.large`);
      for (const [name, value] of [["initialInstanceCount", i.initialInstanceCount], ["minInstances", i.minInstances], ["maxInstances", i.maxInstances]] as const) {
        if (!Number.isInteger(value) || value < 1) fail(`capacity.instances.${name} is ${value}; it must be a whole number >= 1`);
      }
      if (i.minInstances > i.maxInstances) fail(`capacity.instances.minInstances ${i.minInstances} is above maxInstances ${i.maxInstances}`);
      if (i.initialInstanceCount < i.minInstances || i.initialInstanceCount > i.maxInstances) {
        fail(`capacity.instances.initialInstanceCount ${i.initialInstanceCount} must be between minInstances ${i.minInstances} and maxInstances ${i.maxInstances}`);
      }
      if (!(Number.isFinite(i.targetInvocationsPerInstance) && i.targetInvocationsPerInstance > 0)) {
        fail(`capacity.instances.targetInvocationsPerInstance is ${i.targetInvocationsPerInstance}; it must be more than 0 (invocations per instance per minute)`);
      }
      for (const [name, value] of [["scaleInCooldownSeconds", i.scaleInCooldownSeconds], ["scaleOutCooldownSeconds", i.scaleOutCooldownSeconds]] as const) {
        if (!Number.isInteger(value) || value < 0) fail(`capacity.instances.${name} is ${value}; it must be a whole number of seconds >= 0`);
      }
      const subnetCount = props.subnetIds.length;
      if (!isListToken(props.subnetIds) && (subnetCount < SUBNETS.min || subnetCount > SUBNETS.max)) {
        fail(`subnetIds lists ${subnetCount} subnets; a SageMaker model in a VPC needs ${SUBNETS.min}-${SUBNETS.max}, in at least two availability zones`);
      }
    }
    if (serverless) {
      if (!SERVERLESS_MEMORY_SIZES_MB.includes(serverless.memorySizeMb)) {
        fail(`capacity.serverless.memorySizeMb is ${serverless.memorySizeMb}; SageMaker allows ${SERVERLESS_MEMORY_SIZES_MB.join(", ")}`);
      }
      if (!Number.isInteger(serverless.maxConcurrency) || serverless.maxConcurrency < 1 || serverless.maxConcurrency > SERVERLESS_MAX_CONCURRENCY) {
        fail(`capacity.serverless.maxConcurrency is ${serverless.maxConcurrency}; it must be a whole number 1-${SERVERLESS_MAX_CONCURRENCY}`);
      }
      if (resolved.networkIsolation) {
        fail("serverless endpoints support neither network isolation nor a VPC; set networkIsolation: false to run one outside the VPC, or use instances");
      }
      if (props.rollout.type !== "allAtOnce") {
        fail(`rollout "${props.rollout.type}" moves traffic in steps of a fleet's instances, and a serverless endpoint has none; use allAtOnce (its wait is still the baking period the rollback alarms watch)`);
      }
    }

    const rollout = props.rollout;
    if (!Number.isInteger(rollout.waitSeconds) || rollout.waitSeconds < 0 || rollout.waitSeconds > MAX_WAIT_SECONDS) {
      fail(`rollout.waitSeconds is ${rollout.waitSeconds}; SageMaker allows whole seconds 0-${MAX_WAIT_SECONDS}`);
    }
    if (rollout.type === "canary" && !isWholeBetween(rollout.canaryPercent, CANARY_PERCENT)) {
      fail(`rollout.canaryPercent is ${rollout.canaryPercent}; a canary is a whole ${CANARY_PERCENT.min}-${CANARY_PERCENT.max} % of the new fleet`);
    }
    if (rollout.type === "linear" && !isWholeBetween(rollout.stepPercent, LINEAR_STEP_PERCENT)) {
      fail(`rollout.stepPercent is ${rollout.stepPercent}; a linear step is a whole ${LINEAR_STEP_PERCENT.min}-${LINEAR_STEP_PERCENT.max} % of the new fleet`);
    }
    if (!["allAtOnce", "canary", "linear"].includes(rollout.type)) fail(`rollout.type "${(rollout as { type: string }).type}" must be allAtOnce, canary or linear`);
    const sizeProblem = instances && rollout.type !== "allAtOnce" ? rolloutSizeProblem(rollout, instances.minInstances) : undefined;
    if (sizeProblem) fail(`rollout.${sizeProblem.field}: ${sizeProblem.message}`);
    const termination = resolved.terminationWaitSeconds;
    if (!Number.isInteger(termination) || termination < 0 || termination > MAX_WAIT_SECONDS) {
      fail(`terminationWaitSeconds is ${termination}; SageMaker allows whole seconds 0-${MAX_WAIT_SECONDS}`);
    }

    const sampling = props.dataCapture.samplingPercent;
    if (!isWholeBetween(sampling, { min: 0, max: 100 })) fail(`dataCapture.samplingPercent is ${sampling}; it must be a whole 0-100 %`);
    const retention = resolved.captureRetentionDays;
    if (!Number.isInteger(retention) || retention < 1) fail(`dataCapture.retentionDays is ${retention}; it must be a whole number of days >= 1`);

    const a = props.alarms;
    const positive = (name: string, value: number | undefined, max?: number) => {
      if (value === undefined) return;
      if (!(Number.isFinite(value) && value > 0 && (max === undefined || value <= max))) {
        fail(`alarms.${name} is ${value}; it must be more than 0${max === undefined ? "" : ` and at most ${max}`}`);
      }
    };
    positive("latencyP99Ms", a.latencyP99Ms);
    positive("error5xxPercent", a.error5xxPercent, 100);
    positive("error4xxPercent", a.error4xxPercent, 100);
    positive("cpuUtilizationPercent", a.cpuUtilizationPercent, 100);
    positive("memoryUtilizationPercent", a.memoryUtilizationPercent, 100);
    positive("gpuUtilizationPercent", a.gpuUtilizationPercent);
    if (a.noInvocationsMinutes !== undefined && !isWholeBetween(a.noInvocationsMinutes, { min: 1, max: MAX_NO_INVOCATION_MINUTES })) {
      fail(`alarms.noInvocationsMinutes is ${a.noInvocationsMinutes}; it must be whole minutes 1-${MAX_NO_INVOCATION_MINUTES} (an alarm looks back one day at most)`);
    }
    // An alarm on a metric nobody publishes would never fire.
    if (serverless && a.cpuUtilizationPercent !== undefined) fail("alarms.cpuUtilizationPercent: serverless endpoints publish no CPUUtilization; remove it");
    if (serverless && a.gpuUtilizationPercent !== undefined) fail("alarms.gpuUtilizationPercent: serverless endpoints have no GPUs; remove it");
    if (instances && a.cpuUtilizationPercent !== undefined) {
      const cpuProblem = cpuAlarmProblem(instances.instanceType);
      if (cpuProblem) fail(`alarms.cpuUtilizationPercent: ${cpuProblem}`);
    }
    if (instances && a.gpuUtilizationPercent !== undefined && !hasGpus(instances.instanceType)) {
      fail(`alarms.gpuUtilizationPercent: ${instances.instanceType} has no GPUs; remove it or use a G or P instance type`);
    }

    if (!LOG_RETENTION_DAYS.includes(props.logRetentionDays as (typeof LOG_RETENTION_DAYS)[number])) {
      fail(`logRetentionDays is ${props.logRetentionDays}; CloudWatch Logs allows ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    if (!Token.isUnresolved(props.alertTopicArn) && !SNS_TOPIC_ARN.test(props.alertTopicArn)) fail(`alertTopicArn "${props.alertTopicArn}" must be an SNS topic ARN`);
    if (!Token.isUnresolved(props.vpcId) && !/^vpc-[0-9a-f]+$/.test(props.vpcId)) fail(`vpcId "${props.vpcId}" must be a VPC id such as vpc-0123456789abcdef0`);
    if (!Token.isUnresolved(props.vpcCidr) && !parseCidr(props.vpcCidr)) fail(`vpcCidr "${props.vpcCidr}" must be an IPv4 CIDR such as 10.0.0.0/16`);
    return source;
  }
}

function trafficRouting(rollout: RolloutStrategy): SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration {
  switch (rollout.type) {
    case "allAtOnce":
      return { type: "ALL_AT_ONCE", waitIntervalInSeconds: rollout.waitSeconds };
    case "canary":
      return { type: "CANARY", waitIntervalInSeconds: rollout.waitSeconds, canarySize: { type: "CAPACITY_PERCENT", value: rollout.canaryPercent } };
    case "linear":
      return { type: "LINEAR", waitIntervalInSeconds: rollout.waitSeconds, linearStepSize: { type: "CAPACITY_PERCENT", value: rollout.stepPercent } };
  }
}


/** At most `maxLength` characters of `name`, without a trailing hyphen. */
function truncate(name: string, maxLength: number): string {
  return name.slice(0, maxLength).replace(/-+$/, "");
}

function isWholeBetween(value: number, range: { min: number; max: number }): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}
