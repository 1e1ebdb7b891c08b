import type { Construct } from "constructs";
import { SagemakerEndpointConfiguration } from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import type { IKmsKey } from "../core/kms-key";
import type { EndpointDataCapture } from "./data-capture";
import type { InstanceCapacity, ServerlessCapacity } from "./endpoint-settings";
import { hasInstanceStorage } from "./instance-types";
import { truncate } from "./serving-model";

export interface ServingEndpointConfigurationProps {
  /** The endpoint's name, which the configuration's name starts with. */
  readonly endpointName: string;
  /** The one variant: the model it serves, on instances or serverless. */
  readonly variant: { readonly variantName: string; readonly modelName: string } & (
    | { readonly instances: InstanceCapacity; readonly serverless?: never }
    | { readonly serverless: ServerlessCapacity; readonly instances?: never }
  );
  /** Encrypts the instances' storage volumes (or, serverless, SageMaker's copy of the image); not used on types with local NVMe storage. */
  readonly encryptionKey: IKmsKey;
  /** @default - nothing captured */
  readonly dataCapture?: EndpointDataCapture;
}

/** The provider appends a 26-character unique suffix to name_prefix; endpoint configuration names are at most 63. */
const CONFIG_NAME_PREFIX_MAX_LENGTH = 63 - 26;

/**
 * The endpoint configuration of one model version: its variant and capacity, encryption and data capture.
 * Configurations are immutable, so every change is a new one, made before the old one goes. A part of
 * ServingEndpoint, not a construct: its resource is the endpoint's child, at the Terraform address it had before.
 */
export class ServingEndpointConfiguration {
  readonly configuration: SagemakerEndpointConfiguration;

  constructor(scope: Construct, props: ServingEndpointConfigurationProps) {
    const { variantName, modelName, instances, serverless } = props.variant;
    // CreateEndpointConfig fails with a KMS key when the instances have local (NVMe) storage, which the
    // instance encrypts with a hardware module; the key would protect nothing there.
    const localStorage = instances !== undefined && hasInstanceStorage(instances.instanceType);
    this.configuration = new SagemakerEndpointConfiguration(scope, "Config", {
      // Named by the provider from this prefix.
      namePrefix: `${truncate(props.endpointName, CONFIG_NAME_PREFIX_MAX_LENGTH - 1)}-`,
      kmsKeyArn: localStorage ? undefined : props.encryptionKey.keyArn,
      productionVariants: [
        instances
          ? { variantName, modelName, instanceType: instances.instanceType, initialInstanceCount: instances.initialInstanceCount }
          : { variantName, modelName, serverlessConfig: { memorySizeInMb: serverless!.memorySizeMb, maxConcurrency: serverless!.maxConcurrency } },
      ],
      dataCaptureConfig: props.dataCapture?.config,
      lifecycle: { createBeforeDestroy: true },
    });
  }
}
