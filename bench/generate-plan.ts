/**
 * A plan JSON of `count` resources shaped like `terraform show -json` of a first apply: S3 buckets, each with
 * versioning, encryption and a public access block that refer to it (their `bucket` known only after apply),
 * with the configuration's references. For `npm run bench` (review plan at scale) and tests.
 */
const COMPANIONS = [
  ["aws_s3_bucket_versioning", { versioning_configuration: [{ status: "Enabled", mfa_delete: null }] }],
  ["aws_s3_bucket_server_side_encryption_configuration", { rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms", kms_master_key_id: "alias/data" }], bucket_key_enabled: true }] }],
  ["aws_s3_bucket_public_access_block", { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }],
] as const;

export function generatePlan(count: number): Record<string, unknown> {
  const planned: Record<string, unknown>[] = [];
  const changes: Record<string, unknown>[] = [];
  const config: Record<string, unknown>[] = [];
  const add = (type: string, name: string, values: Record<string, unknown>, unknown: Record<string, unknown>, expressions: Record<string, unknown>) => {
    const address = `${type}.${name}`;
    planned.push({ address, mode: "managed", type, name, values, sensitive_values: {} });
    changes.push({ address, mode: "managed", type, name, change: { actions: ["create"], before: null, after: values, after_unknown: unknown, before_sensitive: false, after_sensitive: {} } });
    config.push({ address, mode: "managed", type, name, expressions });
  };
  for (let i = 0; planned.length < count; i++) {
    const bucket = `b${i}`;
    add("aws_s3_bucket", bucket, { bucket: `data-${i}-123456789012`, force_destroy: false, tags: { team: `t${i % 7}` } }, { arn: true, id: true }, { bucket: { constant_value: `data-${i}-123456789012` } });
    for (const [type, values] of COMPANIONS) {
      if (planned.length >= count) break;
      add(type, `${bucket}_${type.slice(14)}`, { ...values }, { bucket: true, id: true }, { bucket: { references: [`aws_s3_bucket.${bucket}.id`, `aws_s3_bucket.${bucket}`] } });
    }
  }
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    planned_values: { root_module: { resources: planned } },
    resource_changes: changes,
    configuration: { root_module: { resources: config } },
  };
}
