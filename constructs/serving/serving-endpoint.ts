import { Construct } from "constructs";
import { Token } from "cdktf";
import {
  SagemakerEndpoint,
  type SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration,
} from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { awsEnvironmentOf, type AwsEnvironment } from "../core/aws-environment";
import { ConstructPropsError, throwPropsProblems } from "../core/errors";
import { Grant } from "../core/grant";
import type { IGrantable } from "../core/iam";
import type { IKmsKey } from "../core/kms-key";
import { EncryptedLogGroup, logGroupProblems } from "../core/log-group";
import { resourceName } from "../core/naming";
import { SAGEMAKER_NAME } from "../core/sagemaker-names";
import type { IRole } from "../core/service-role";
import { isListToken } from "../core/vpc-access";
import { EndpointDataCapture, type DataCaptureProps } from "./data-capture";
import { EndpointAlarms } from "./endpoint-alarms";
import { ServingEndpointConfiguration } from "./endpoint-configuration";
import { EndpointMetric, EndpointMetricOptions, InstanceMetricName, InvocationMetricName, endpointMetric } from "./endpoint-metrics";
import {
  servingEndpointProblems,
  type AllAtOnceRollout,
  type EndpointAlarmThresholds,
  type InstanceAlarmThresholds,
  type InstanceCapacity,
  type RolloutStrategy,
  type ServerlessCapacity,
} from "./endpoint-settings";
import { vcpusOf } from "./instance-types";
import { parseModelSource, type ModelSource, type ParsedModelSource } from "./model-source";
import { ServingModel, type ModelArtifactSource } from "./serving-model";
import { VariantAutoScaling } from "./variant-autoscaling";

/** What every endpoint takes, on instances or serverless. */
interface ServingEndpointBaseProps {
  /** The SageMaker endpoint's name, a literal, e.g. "mlops-prod-churn". */
  readonly endpointName: string;
  readonly model: ModelSource;
  /**
   * Seconds the old fleet is kept after all traffic moved, so a rollback is fast (0-3600).
   * @default 300
   */
  readonly terminationWaitSeconds?: number;
  /** Encrypts the endpoint's storage volumes (or, serverless, SageMaker's copy of the image) and its log group. */
  readonly encryptionKey: IKmsKey;
  /** Hears the endpoint's alarms, on ALARM and on OK. */
  readonly alertTopicArn: string;
  /** Days the container logs are kept: a value CloudWatch Logs offers. */
  readonly logRetentionDays: number;
  /**
   * The local model registry, which grants the model's image and artifacts in this account.
   * @default - none: every model comes from another account
   */
  readonly registry?: ModelArtifactSource;
}

/** An endpoint on dedicated instances: in the VPC, autoscaled, with data capture and any rollout. */
export interface InstanceEndpointProps extends ServingEndpointBaseProps {
  readonly instances: InstanceCapacity;
  readonly serverless?: never;
  readonly rollout: RolloutStrategy;
  /**
   * The VPC of the endpoint's security group (no inbound, HTTPS out): the model's instances run in it, and so may the
   * endpoint's monitoring and retraining jobs.
   */
  readonly vpcId: string;
  /** Private subnets, 2-16, in at least two availability zones, for the model's network interfaces. */
  readonly subnetIds: readonly string[];
  /**
   * No network calls in or out of the model container.
   * @default true
   */
  readonly networkIsolation?: boolean;
  /** Where and how much of requests and responses is captured, for monitoring. */
  readonly dataCapture: DataCaptureProps;
  readonly alarms: InstanceAlarmThresholds;
}

/**
 * A serverless endpoint. SageMaker supports no VPC, network isolation, data capture or instance metrics for
 * it, and a rollout in steps of instances needs instances: none of these can be given.
 */
export interface ServerlessEndpointProps extends ServingEndpointBaseProps {
  readonly serverless: ServerlessCapacity;
  readonly instances?: never;
  readonly rollout: AllAtOnceRollout;
  readonly alarms: EndpointAlarmThresholds;
}

/** An endpoint on instances or serverless; each takes only the settings SageMaker supports for it. */
export type ServingEndpointProps = InstanceEndpointProps | ServerlessEndpointProps;

/** Every model version is served by one variant of this name, so blue/green deployments can replace it. */
const VARIANT_NAME = "primary";
const DEFAULT_TERMINATION_WAIT_SECONDS = 300;
/** CreateModel's VpcConfig takes up to 16 subnets; SageMaker hosting wants two availability zones at least. */
const SUBNETS = { min: 2, max: 16 };
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/**
 * A SageMaker real-time endpoint that serves one model version at a time and moves to the next one
 * safely: every version is a new model (named from a hash of its source) and a new endpoint
 * configuration, both created before the old ones go; SageMaker shifts traffic blue/green (all at
 * once, canary or linear) and rolls back by itself when latency or error-rate alarms go off.
 *
 * Made of parts (ServingModel, ServingEndpointConfiguration, EndpointDataCapture, VariantAutoScaling,
 * EndpointAlarms) whose resources are this construct's children. Instance endpoints run in the VPC with
 * network isolation and autoscale on invocations per instance; serverless endpoints scale by themselves.
 */
export class ServingEndpoint extends Construct {
  readonly endpointName: string;
  readonly endpointArn: string;
  /** "primary", the same for every model version. */
  readonly variantName: string;
  readonly modelName: string;
  /** The role the model runs as: grant it what the container reads beyond its model. */
  readonly executionRole: IRole;
  /**
   * The security group of the model's network interfaces on instances: no inbound, HTTPS out; the endpoint's
   * monitoring and retraining jobs run in it too. None for a serverless endpoint, which runs outside the VPC.
   */
  readonly securityGroupId?: string;
  /** The alarms blue/green deployments roll back on (latency and error rates). */
  readonly rollbackAlarmNames: readonly string[];
  readonly alarmNames: readonly string[];
  /** The endpoint resource, for resources that need the endpoint to exist (endpointName is a literal). */
  readonly endpoint: SagemakerEndpoint;

  constructor(scope: Construct, id: string, props: ServingEndpointProps) {
    super(scope, id);
    const source = this.validate(props, awsEnvironmentOf(this));
    const instances = props.instances !== undefined ? props : undefined;

    this.endpointName = props.endpointName;
    this.variantName = VARIANT_NAME;

    const alarms = new EndpointAlarms(this, "Alarms", {
      endpointName: props.endpointName,
      variantName: VARIANT_NAME,
      alertTopicArn: props.alertTopicArn,
      thresholds: props.alarms,
      vcpus: instances ? vcpusOf(instances.instances.instanceType) : undefined,
    });
    this.rollbackAlarmNames = alarms.rollbackAlarmNames;
    this.alarmNames = alarms.alarmNames;

    const logGroup = new EncryptedLogGroup(this, "Logs", {
      // The group SageMaker writes the endpoint's container logs to; made here so it is encrypted and expires.
      logGroupName: `/aws/sagemaker/Endpoints/${props.endpointName}`,
      encryptionKey: props.encryptionKey,
      retentionDays: props.logRetentionDays,
    });
    const securityGroupId = instances ? this.addSecurityGroup(instances) : undefined;
    this.securityGroupId = securityGroupId;

    const dataCapture = instances ? new EndpointDataCapture(props.endpointName, instances.dataCapture) : undefined;
    const model = new ServingModel(this, {
      endpointName: props.endpointName,
      model: props.model,
      source,
      networkIsolation: instances ? (instances.networkIsolation ?? true) : false,
      instancePlacement: instances && securityGroupId ? { subnetIds: instances.subnetIds, securityGroupIds: [securityGroupId] } : undefined,
      logGroup,
      dataCapture,
      registry: props.registry,
      rollbackAlarmNames: this.rollbackAlarmNames,
    });
    this.modelName = model.modelName;
    this.executionRole = model.executionRole;

    const variant = { variantName: VARIANT_NAME, modelName: model.model.name };
    const config = new ServingEndpointConfiguration(this, {
      endpointName: props.endpointName,
      variant: instances ? { ...variant, instances: instances.instances } : { ...variant, serverless: props.serverless! },
      encryptionKey: props.encryptionKey,
      dataCapture,
    });

    this.endpoint = new SagemakerEndpoint(this, "Endpoint", {
      name: props.endpointName,
      endpointConfigName: config.configuration.name,
      // Blue/green is SageMaker's way to update any endpoint, serverless included (only rolling updates
      // exclude serverless endpoints); the policy sets how traffic moves and what rolls it back.
      deploymentConfig: {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: trafficRouting(props.rollout),
          terminationWaitInSeconds: props.terminationWaitSeconds ?? DEFAULT_TERMINATION_WAIT_SECONDS,
        },
        autoRollbackConfiguration: { alarms: this.rollbackAlarmNames.map((alarmName) => ({ alarmName })) },
      },
      // SageMaker looks the rollback alarms up when a deployment starts.
      dependsOn: [...alarms.rollbackAlarms],
    });
    this.endpointArn = this.endpoint.arn;

    if (instances) {
      new VariantAutoScaling(this, { endpointName: props.endpointName, endpoint: this.endpoint, variantName: VARIANT_NAME, capacity: instances.instances });
    }
  }

  /** A metric of this endpoint's variant, in the namespace SageMaker publishes it to (for alarms and dashboards); its sum unless told. */
  metric(metricName: InvocationMetricName | InstanceMetricName, options: EndpointMetricOptions = {}): EndpointMetric {
    return endpointMetric(this.endpointName, this.variantName, metricName, options.statistic ?? "Sum");
  }

  /** Requests the variant served, per period. */
  metricInvocations(options: EndpointMetricOptions = {}): EndpointMetric {
    return this.metric("Invocations", options);
  }

  /** Time the model took to respond, microseconds; its p99 unless told. */
  metricModelLatency(options: EndpointMetricOptions = {}): EndpointMetric {
    return this.metric("ModelLatency", { statistic: "p99", ...options });
  }

  /** Requests the model answered with a 5xx error, per period. */
  metricInvocation5xxErrors(options: EndpointMetricOptions = {}): EndpointMetric {
    return this.metric("Invocation5XXErrors", options);
  }

  /** Lets `grantee` call the endpoint (InvokeEndpoint, also with response streaming and asynchronously). */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, [
      {
        Effect: "Allow",
        Action: ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream", "sagemaker:InvokeEndpointAsync"],
        Resource: this.endpointArn,
      },
    ]);
  }

  /**
   * The model's security group. The model reaches S3 (artifacts, captured data, ECR image layers) through the VPC's
   * S3 gateway endpoint and ECR and STS through interface endpoints. Traffic to a gateway endpoint goes to S3's
   * public address ranges (the route tables send it to the endpoint), so a rule limited to the VPC's range would
   * cut S3 off: HTTPS is allowed to any address and the route tables decide the path. Nothing may connect in:
   * SageMaker reaches the container through its own network, not this group.
   */
  private addSecurityGroup(props: InstanceEndpointProps): string {
    const securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: resourceName([props.endpointName, "model"], { maxLength: 255 }),
      description: `Model containers of SageMaker endpoint ${props.endpointName}: no inbound, HTTPS out`,
      vpcId: props.vpcId,
    });
    new VpcSecurityGroupEgressRule(this, "HttpsOut", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to S3, ECR and STS through VPC endpoints",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    return securityGroup.id;
  }

  /** The settings' problems (servingEndpointProblems, shared with the environment schema) and those of what only the construct is given. */
  private validate(props: ServingEndpointProps, env: Required<AwsEnvironment>): ParsedModelSource {
    const problems = servingEndpointProblems(props, env);
    const fail = (path: string, message: string) => problems.push({ path, message });
    if (!SAGEMAKER_NAME.test(props.endpointName)) {
      fail("endpointName", `is "${props.endpointName}"; it must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's EndpointName)`);
    }
    const subnetIds = props.instances !== undefined ? props.subnetIds : [];
    if (props.instances !== undefined && !isListToken(subnetIds) && (subnetIds.length < SUBNETS.min || subnetIds.length > SUBNETS.max)) {
      fail("subnetIds", `lists ${subnetIds.length} subnets; a SageMaker model in a VPC needs ${SUBNETS.min}-${SUBNETS.max}, in at least two availability zones`);
    }
    for (const { message } of logGroupProblems({ retentionDays: props.logRetentionDays })) fail("logRetentionDays", message);
    if (!Token.isUnresolved(props.alertTopicArn) && !SNS_TOPIC_ARN.test(props.alertTopicArn)) fail("alertTopicArn", `"${props.alertTopicArn}" must be an SNS topic ARN`);
    if (props.instances !== undefined && !Token.isUnresolved(props.vpcId) && !/^vpc-[0-9a-f]+$/.test(props.vpcId)) fail("vpcId", `"${props.vpcId}" must be a VPC id such as vpc-0123456789abcdef0`);
    throwPropsProblems(this.node.path, problems);

    const source = parseModelSource(props.model);
    const readsLocally = source.image.accountId === env.accountId || source.artifactAccountId === undefined || source.artifactAccountId === env.accountId;
    if (readsLocally && !props.registry) {
      throw new ConstructPropsError(`${this.node.path}: registry: the model's image or artifacts are in this account (${env.accountId}), but no registry was given to grant the endpoint access to them`);
    }
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
