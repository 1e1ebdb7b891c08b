import type { SagemakerEndpointConfigurationDataCaptureConfig } from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import { Grant } from "../core/grant";
import type { IGrantable } from "../core/iam";
import type { SecureBucket } from "../core/secure-bucket";
import { DEFAULT_CAPTURE_RETENTION_DAYS, type DataCaptureSettings } from "./endpoint-settings";

export interface DataCaptureProps extends DataCaptureSettings {
  /** Where requests and responses are captured, under `<endpointName>/`, encrypted with the bucket's key. */
  /** Owned by the stack (not imported): the endpoint adds the expiration of its captures to the bucket's lifecycle. */
  readonly bucket: SecureBucket;
}

/**
 * Capture of an endpoint's requests and responses (an endpoint on instances: serverless endpoints support none):
 * the endpoint configuration's capture block, the execution role's write access, and their expiry in the bucket.
 * A part of ServingEndpoint, not a construct: it makes no resource of its own.
 */
export class EndpointDataCapture {
  /** The capture block of the endpoint configuration. */
  readonly config: SagemakerEndpointConfigurationDataCaptureConfig;
  private readonly bucket: SecureBucket;
  private readonly endpointName: string;

  constructor(endpointName: string, props: DataCaptureProps) {
    this.bucket = props.bucket;
    this.endpointName = endpointName;
    this.config = {
      enableCapture: true,
      initialSamplingPercentage: props.samplingPercent,
      destinationS3Uri: `s3://${props.bucket.bucketName}/${endpointName}`,
      // The bucket's own key, so whoever may read the bucket can read the captures.
      kmsKeyId: props.bucket.encryptionKey.keyArn,
      captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
    };
    props.bucket.addExpiration(endpointName, props.retentionDays ?? DEFAULT_CAPTURE_RETENTION_DAYS);
  }

  /** Lets `grantee` (the execution role) write captures under `<endpointName>/` with the bucket's key. */
  grantWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, [
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${this.bucket.bucketArn}/${this.endpointName}/*` },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: this.bucket.encryptionKey.keyArn },
    ]);
  }
}
