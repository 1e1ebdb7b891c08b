import { Testing } from "cdktf";
import { KmsKey } from "../../constructs/core/kms-key";
import { SecureBucket } from "../../constructs/core/secure-bucket";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

function bucketStack(props: Partial<ConstructorParameters<typeof SecureBucket>[2]> = {}) {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  const bucket = new SecureBucket(stack, "Bucket", { bucketName: "mlops-test-artifacts", encryptionKey: key, ...props });
  return { stack, key, bucket };
}

describe("SecureBucket", () => {
  it("is versioned, SSE-KMS with its key, fully blocked, ACL-free and never force-destroyed", () => {
    const synthesized = Testing.synth(bucketStack().stack);
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket" }, { bucket: "mlops-test-artifacts", force_destroy: false });
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_versioning" }, {
      versioning_configuration: { status: "Enabled" },
    });
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_server_side_encryption_configuration" }, {
      rule: [
        expect.objectContaining({
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(/aws_kms_key\.Key_.*\.arn/) },
          bucket_key_enabled: true,
        }),
      ],
    });
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_public_access_block" }, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synthesized).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_ownership_controls" }, {
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("denies every request that is not TLS", () => {
    const [[, policy]] = resourcesOfType(synthJson(bucketStack().stack), "aws_s3_bucket_policy");
    expect(policyOf(policy).Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(policy.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
  });

  it("expires noncurrent versions, aborts abandoned uploads and applies transitions from props", () => {
    const { stack } = bucketStack({ noncurrentVersionExpirationDays: 30, transitions: [{ days: 60, storageClass: "STANDARD_IA" }] });
    const [[, lifecycle]] = resourcesOfType(synthJson(stack), "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule).toEqual([
      expect.objectContaining({
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        transition: [{ days: 60, storage_class: "STANDARD_IA" }],
      }),
    ]);
  });

  it("adds expirations of key prefixes to its one lifecycle configuration", () => {
    const { stack, bucket } = bucketStack();
    bucket.addExpiration("captures/churn", 30);
    bucket.addExpiration("scratch/", 1);
    const lifecycles = resourcesOfType(synthJson(stack), "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycles).toHaveLength(1);
    expect((lifecycles[0][1].rule as unknown[]).slice(1)).toEqual([
      { id: "expire-captures/churn", status: "Enabled", filter: [{ prefix: "captures/churn/" }], expiration: [{ days: 30 }] },
      { id: "expire-scratch", status: "Enabled", filter: [{ prefix: "scratch/" }], expiration: [{ days: 1 }] },
    ]);
    expect(() => bucket.addExpiration("x", 0)).toThrow(/expiration of x is 0 days; it must be a whole number >= 1/);
  });

  it("grants read on the bucket and its objects and decrypt on its key only", () => {
    const { stack, bucket } = bucketStack();
    const role = new ServiceRole(stack, "Reader", { roleName: "reader", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    bucket.grantRead(role);
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    const statements = policyOf(policy).Statement;
    const actions = statements.flatMap((s) => s.Action as string[]);
    expect(actions).toEqual(expect.arrayContaining(["s3:GetObject", "s3:ListBucket", "kms:Decrypt"]));
    expect(actions).not.toContain("s3:PutObject");
    expect(statements.map((s) => s.Resource)).not.toContain("*");
  });

  it("grants write only with grantReadWrite", () => {
    const { stack, bucket } = bucketStack();
    const role = new ServiceRole(stack, "Writer", { roleName: "writer", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    bucket.grantReadWrite(role);
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(["s3:PutObject"]), Resource: expect.stringMatching(/\.arn\}\/\*$/) }),
    );
  });

  it("grants read and write under a key prefix only, listing limited to that prefix", () => {
    const { stack, bucket } = bucketStack();
    const role = new ServiceRole(stack, "Writer", { roleName: "writer", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    bucket.grantReadWrite(role, { keyPrefix: "mlflow" });
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    const statements = policyOf(policy).Statement;
    expect(statements).toContainEqual({ Effect: "Allow", Action: "s3:GetBucketLocation", Resource: expect.stringMatching(/\.arn\}$/) });
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: expect.stringMatching(/\.arn\}$/),
      Condition: { StringLike: { "s3:prefix": ["mlflow", "mlflow/*"] } },
    });
    const objectStatements = statements.filter((s) => JSON.stringify(s.Action).includes("Object"));
    expect(objectStatements).toHaveLength(2);
    for (const statement of objectStatements) expect(statement.Resource).toMatch(/\.arn\}\/mlflow\/\*$/);
    expect(statements.map((s) => s.Resource)).not.toContain("*");
  });

  it("treats a key prefix with or without its trailing slash alike", () => {
    const resourcesFor = (keyPrefix: string) => {
      const { stack, bucket } = bucketStack();
      const role = new ServiceRole(stack, "Reader", { roleName: "reader", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
      bucket.grantRead(role, { keyPrefix });
      return resourcesOfType(synthJson(stack), "aws_iam_role_policy")[0][1].policy;
    };
    expect(resourcesFor("runs/2024/")).toEqual(resourcesFor("runs/2024"));
  });

  it.each(["", "/mlflow", "mlflow/*", "a//b", "ml?flow"])("refuses the key prefix %p", (keyPrefix) => {
    const { stack, bucket } = bucketStack();
    const role = new ServiceRole(stack, "Reader", { roleName: "reader", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    expect(() => bucket.grantRead(role, { keyPrefix })).toThrow(/test\/Bucket: keyPrefix ".*" must be one or more "\/"-separated segments/);
  });

  it.each([
    [{ bucketName: "Invalid_Name" }, /bucketName "Invalid_Name" must be 3-63/],
    [{ noncurrentVersionExpirationDays: 0 }, /noncurrentVersionExpirationDays is 0/],
    [{ abortIncompleteMultipartUploadDays: -1 }, /abortIncompleteMultipartUploadDays is -1/],
    [{ transitions: [{ days: 0, storageClass: "GLACIER" as const }] }, /transitions\[0\]\.days is 0/],
  ])("refuses %p", (props, message) => {
    expect(() => bucketStack(props)).toThrow(message);
  });
});
