import type { Construct } from "constructs";
import { SagemakerModel } from "@cdktf/provider-aws/lib/sagemaker-model";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import type { Grant } from "../core/grant";
import type { IGrantable } from "../core/iam";
import type { EncryptedLogGroup } from "../core/log-group";
import { resourceName } from "../core/naming";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { grantVpcNetworkInterfaces, type VpcPlacement } from "../core/vpc-access";
import type { EndpointDataCapture } from "./data-capture";
import { INSTANCE_METRICS_NAMESPACE } from "./endpoint-metrics";
import { crossAccountStatements, foreignSources, isModelPackage, modelVersionHash, type ModelSource, type ParsedModelSource } from "./model-source";

/** Where the model's image and artifacts live in this account (the registry). */
export interface ModelArtifactSource {
  grantPull(grantee: IGrantable): Grant;
  grantReadArtifacts(grantee: IGrantable): Grant;
}

export interface ServingModelProps {
  /** The endpoint's name, which the model's and the role's names start with. */
  readonly endpointName: string;
  readonly model: ModelSource;
  /** Where its pieces live (modelSourceProblem has accepted the source). */
  readonly source: ParsedModelSource;
  readonly networkIsolation: boolean;
  /**
   * Where the model's instances run: in these subnets with these security groups, publishing their metrics as the
   * execution role.
   * @default - serverless: outside any VPC, no instance metrics
   */
  readonly instancePlacement?: VpcPlacement;
  /** The endpoint's log group, which the model writes. */
  readonly logGroup: EncryptedLogGroup;
  /** @default - nothing captured */
  readonly dataCapture?: EndpointDataCapture;
  /** The local model registry. @default - every model comes from another account */
  readonly registry?: ModelArtifactSource;
  /** The alarms the deployment guardrails read as the execution role. */
  readonly rollbackAlarmNames: readonly string[];
}

/** The provider's SageMaker names are at most 63 characters. */
const MODEL_NAME_MAX_LENGTH = 63;

/**
 * The SageMaker model of one model version, under an execution role that can read exactly its image and artifacts
 * (in this account through the registry's grants, in another account through patterns the source registry's
 * policies complete) and write its logs and captured data. A part of ServingEndpoint, not a construct: its
 * resources are the endpoint's children, with the Terraform addresses they had before the endpoint was split.
 */
export class ServingModel {
  /** `<endpointName>-<hash of what makes the model>`: a new model version is a new model. */
  readonly modelName: string;
  readonly executionRole: ServiceRole;
  readonly model: SagemakerModel;

  constructor(scope: Construct, props: ServingModelProps) {
    const env = awsEnvironmentOf(scope);
    // A new model version is a new model name, so Terraform can create it before it destroys the old one.
    // The hash covers what the config can change (source, isolation, VPC or not); the role and the security
    // group keep their names, but a change of subnets alone would replace the model under the same name,
    // which SageMaker refuses while the old one exists: change the model version with it.
    const hash = modelVersionHash(props.model, { networkIsolation: props.networkIsolation, inVpc: props.instancePlacement !== undefined });
    this.modelName = `${truncate(props.endpointName, MODEL_NAME_MAX_LENGTH - hash.length - 1)}-${hash}`;

    this.executionRole = new ServiceRole(scope, "ExecutionRole", {
      roleName: resourceName([props.endpointName, "sagemaker"], { maxLength: 64 }),
      description: `SageMaker execution role of endpoint ${props.endpointName}: its model image and artifacts, its logs and captured data`,
      trust: [serviceTrust("sagemaker.amazonaws.com", env.accountId)],
    });
    this.grantExecution(scope, props, env.accountId);

    const placement = props.instancePlacement;
    // The model must not start before the role's permissions exist.
    this.model = new SagemakerModel(scope, "Model", {
      name: this.modelName,
      executionRoleArn: this.executionRole.roleArn,
      primaryContainer: isModelPackage(props.model)
        ? { modelPackageName: props.model.modelPackageArn }
        : { image: props.model.image, modelDataUrl: props.model.modelDataUrl },
      enableNetworkIsolation: props.networkIsolation,
      vpcConfig: placement ? { subnets: [...placement.subnetIds], securityGroupIds: [...placement.securityGroupIds] } : undefined,
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...this.executionRole.policyResources],
    });
  }

  /**
   * What SageMaker does as the execution role: pull the image, read the model data, write the logs and the
   * captured data, manage the model's network interfaces, publish instance metrics and read the rollback
   * alarms. Resource "*" only where the action has no resource-level permission (each says so).
   */
  private grantExecution(scope: Construct, props: ServingModelProps, accountId: string): void {
    const role = this.executionRole;

    props.logGroup.grantWrite(role);
    // SageMaker may ask to create its log group; it exists, so this only lets that call succeed.
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "logs:CreateLogGroup", Resource: props.logGroup.logGroupArn });
    props.dataCapture?.grantWrite(role);

    if (props.registry) {
      props.registry.grantPull(role);
      props.registry.grantReadArtifacts(role);
    }
    const foreign = foreignSources(props.source, accountId);
    // grantPull gives the authorization token already; it has no resource-level permission (the token is per registry).
    if (foreign.images.length > 0 && !props.registry) role.addToPrincipalPolicy({ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    for (const statement of crossAccountStatements(scope, foreign)) role.addToPrincipalPolicy(statement);

    if (props.instancePlacement) {
      // In the VPC, SageMaker makes and removes the model's network interfaces as this role.
      grantVpcNetworkInterfaces(scope, role, props.instancePlacement);
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
      Resource: props.rollbackAlarmNames.map((name) => formatArn(scope, { service: "cloudwatch", resource: `alarm:${name}` })),
    });
  }
}

/** At most `maxLength` characters of `name`, without a trailing hyphen. */
export function truncate(name: string, maxLength: number): string {
  return name.slice(0, maxLength).replace(/-+$/, "");
}
