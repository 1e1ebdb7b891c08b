import type { SynthStack } from "../../review/synth-output";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

const backend = (id: string) => ({ s3: { bucket: "state-bucket", key: `${id}/terraform.tfstate`, region: REGION, encrypt: true, allowed_account_ids: [ACCOUNT] } });
const provider = { aws: [{ region: REGION, allowed_account_ids: [ACCOUNT] }] };
const required = { aws: { source: "aws", version: "6.25.0" } };

/** A producer stack: a bucket (with its companions) and a log group, and outputs a consumer reads. */
export function producerJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    terraform: { backend: backend("t-data"), required_providers: required },
    provider,
    resource: {
      aws_s3_bucket: { Data: { bucket: "t-data-bucket", ...extra } },
      aws_s3_bucket_versioning: { DataVersioning: { bucket: "${aws_s3_bucket.Data.id}", versioning_configuration: { status: "Enabled" } } },
      aws_cloudwatch_log_group: { Logs: { name: "/t/logs", retention_in_days: 30, deletion_protection_enabled: true } },
      aws_subnet: { Private: { vpc_id: "vpc-0123456789abcdef0", cidr_block: "10.0.0.0/24" } },
    },
    output: {
      "cross-stack-output-bucket-arn": { value: "${aws_s3_bucket.Data.arn}", sensitive: true },
      "cross-stack-output-subnet-id": { value: "${aws_subnet.Private.id}", sensitive: true },
      "cross-stack-output-unread": { value: "${aws_s3_bucket.Data.bucket}", sensitive: true },
    },
  };
}

/** A consumer stack that reads the producer's bucket ARN and subnet id through remote state. */
export function consumerJson(): Record<string, unknown> {
  const input = "data.terraform_remote_state.cross-stack-reference-input-t-data.outputs";
  return {
    terraform: { backend: backend("t-serving"), required_providers: required },
    provider,
    data: { terraform_remote_state: { "cross-stack-reference-input-t-data": { backend: "s3", config: backend("t-data").s3, workspace: "${terraform.workspace}" } } },
    resource: {
      aws_iam_policy: {
        Read: {
          name: "t-read",
          policy: `\${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "s3:GetObject", "Resource" = "\${${input}.cross-stack-output-bucket-arn}/*"}]})}`,
        },
      },
      aws_security_group: { Endpoint: { name: "t-endpoint", vpc_id: "vpc-0123456789abcdef0", description: "t", tags: { subnet: `\${${input}.cross-stack-output-subnet-id}` } } },
    },
  };
}

export const stack = (id: string, json: Record<string, unknown>, dependencies: string[] = []): SynthStack => ({ id, environment: id.split("-")[0], json, dependencies });
