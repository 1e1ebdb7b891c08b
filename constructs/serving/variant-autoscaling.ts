import type { Construct } from "constructs";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import type { SagemakerEndpoint } from "@cdktf/provider-aws/lib/sagemaker-endpoint";
import type { InstanceCapacity } from "./endpoint-settings";

export interface VariantAutoScalingProps {
  /** The endpoint, a literal name, and the resource that makes it: the variant must exist before it is registered. */
  readonly endpointName: string;
  readonly endpoint: SagemakerEndpoint;
  readonly variantName: string;
  readonly capacity: InstanceCapacity;
}

/**
 * Target tracking on invocations per instance of an endpoint variant on instances. Application Auto Scaling refuses
 * an endpoint update that changes the instance type of a scaled variant: changing instanceType needs the target
 * removed first. A part of ServingEndpoint, not a construct: its resources are the endpoint's children, at the
 * Terraform addresses they had before.
 */
export class VariantAutoScaling {
  readonly target: AppautoscalingTarget;
  readonly policy: AppautoscalingPolicy;

  constructor(scope: Construct, props: VariantAutoScalingProps) {
    const { endpointName, capacity } = props;
    this.target = new AppautoscalingTarget(scope, "ScalingTarget", {
      serviceNamespace: "sagemaker",
      resourceId: `endpoint/${endpointName}/variant/${props.variantName}`,
      scalableDimension: "sagemaker:variant:DesiredInstanceCount",
      minCapacity: capacity.minInstances,
      maxCapacity: capacity.maxInstances,
      dependsOn: [props.endpoint],
    });
    this.policy = new AppautoscalingPolicy(scope, "ScalingPolicy", {
      name: `${endpointName}-invocations-per-instance`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: this.target.serviceNamespace,
      resourceId: this.target.resourceId,
      scalableDimension: this.target.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        targetValue: capacity.targetInvocationsPerInstance,
        scaleInCooldown: capacity.scaleInCooldownSeconds,
        scaleOutCooldown: capacity.scaleOutCooldownSeconds,
      },
    });
  }
}
