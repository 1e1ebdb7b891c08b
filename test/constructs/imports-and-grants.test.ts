import { Testing } from "cdktf";
import { SagemakerMlflowTrackingServer } from "@cdktf/provider-aws/lib/sagemaker-mlflow-tracking-server";
import { Grant } from "../../constructs/core/grant";
import { KmsKey } from "../../constructs/core/kms-key";
import { EncryptedLogGroup } from "../../constructs/core/log-group";
import { SecureBucket } from "../../constructs/core/secure-bucket";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { allResources, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const KEY_ARN = `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE_ARN = `arn:aws:iam::${TEST_ACCOUNT}:role/teams/a/reader`;
const role = (stack: ReturnType<typeof testStack>, id = "Role") =>
  new ServiceRole(stack, id, { roleName: id.toLowerCase(), description: "d", trust: [serviceTrust("sagemaker.amazonaws.com", TEST_ACCOUNT)] });

describe("Grant", () => {
  it("holds the statements granted and the policies that hold them", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const grantee = role(stack);
    const grant = key.grantVolumeEncryption(grantee);
    expect(grant.principal).toBe(grantee);
    expect(grant.statements.map((s) => s.Action)).toEqual([expect.arrayContaining(["kms:Encrypt*"]), "kms:CreateGrant"]);
    expect(grant.policyResources).toEqual([grantee.policyResources[0]]);
  });

  it("names the policies that already hold a statement granted again", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const grantee = role(stack);
    key.grantDecrypt(grantee);
    expect(key.grantDecrypt(grantee).policyResources).toEqual(grantee.policyResources);
  });

  it("names every policy a statement is spread over, each once", () => {
    const stack = testStack();
    const grantee = role(stack);
    const arns = Array.from({ length: 400 }, (_, i) => `arn:aws:sagemaker:eu-west-1:${TEST_ACCOUNT}:feature-group/group-with-a-long-name-${i}`);
    const grant = Grant.addToPrincipal(grantee, [{ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: arns }]);
    expect(grant.policyResources.length).toBeGreaterThan(1);
    expect(grant.policyResources).toEqual(grantee.policyResources);
  });

  it("refuses to combine grants to different principals", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    expect(() => Grant.combine([key.grantDecrypt(role(stack, "A")), key.grantDecrypt(role(stack, "B"))])).toThrow(/different principals/);
  });

  it("orders a resource after the permission it needs", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const bucket = new SecureBucket(stack, "Bucket", { bucketName: "mlops-test-grants", encryptionKey: key });
    const server = role(stack);
    const grant = bucket.grantReadWrite(server, { keyPrefix: "mlflow" });
    new SagemakerMlflowTrackingServer(stack, "Server", {
      trackingServerName: "s",
      artifactStoreUri: "s3://mlops-test-grants/mlflow",
      roleArn: server.roleArn,
      dependsOn: [...grant.policyResources],
    });
    const [[, attributes]] = resourcesOfType(synthJson(stack), "aws_sagemaker_mlflow_tracking_server");
    expect(attributes.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.Role_Policy_/)]);
  });
});

describe("KmsKey.fromKeyArn", () => {
  it("makes no resource, keeps its policy, and grants on the principal's side with the key's ARN", () => {
    const stack = testStack();
    const key = KmsKey.fromKeyArn(stack, "Imported", KEY_ARN);
    expect(key.keyId).toBe("1234abcd-12ab-34cd-56ef-1234567890ab");
    expect(key.allowCloudWatchLogs()).toEqual({ statementAdded: false });
    expect(key.addToResourcePolicy({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" })).toEqual({ statementAdded: false });
    const grantee = role(stack);
    key.grantDecrypt(grantee);
    const json = synthJson(stack);
    expect(resourcesOfType(json, "aws_kms_key")).toHaveLength(0);
    const [[, policy]] = resourcesOfType(json, "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([{ Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: KEY_ARN }]);
  });

  it("encrypts a log group without changing the key", () => {
    const stack = testStack();
    new EncryptedLogGroup(stack, "Logs", { logGroupName: "/x", encryptionKey: KmsKey.fromKeyArn(stack, "Imported", KEY_ARN), retentionDays: 30 });
    const json = synthJson(stack);
    expect(allResources(json).map((r) => r.type)).toEqual(["aws_cloudwatch_log_group"]);
    expect(resourcesOfType(json, "aws_cloudwatch_log_group")[0][1]).toMatchObject({ kms_key_id: KEY_ARN });
  });

  it("refuses what is not a key ARN", () => {
    expect(() => KmsKey.fromKeyArn(testStack(), "Imported", `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:alias/data`)).toThrow(/test\/Imported: keyArn .* must be a KMS key ARN/);
  });
});

describe("SecureBucket.fromBucketAttributes", () => {
  it("makes no resource and grants on the bucket's ARN in the stack's partition, with its key", () => {
    const stack = testStack();
    const bucket = SecureBucket.fromBucketAttributes(stack, "Imported", { bucketName: "team-data", encryptionKey: KmsKey.fromKeyArn(stack, "Key", KEY_ARN) });
    expect(bucket.bucketArn).toBe("arn:aws:s3:::team-data");
    const grant = bucket.grantRead(role(stack), { keyPrefix: "features" });
    const json = synthJson(stack);
    expect(allResources(json).map((r) => r.type).sort()).toEqual(["aws_iam_role", "aws_iam_role_policy"]);
    expect(grant.statements.map((s) => s.Resource)).toEqual(["arn:aws:s3:::team-data", "arn:aws:s3:::team-data", "arn:aws:s3:::team-data/features/*", KEY_ARN]);
  });

  it("leaves an imported bucket's policy as its owner wrote it, and says so", () => {
    const stack = testStack();
    const imported = SecureBucket.fromBucketAttributes(stack, "Imported", { bucketName: "team-data", encryptionKey: KmsKey.fromKeyArn(stack, "Key", KEY_ARN) });
    expect(imported.addToResourcePolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: `${imported.bucketArn}/*` })).toEqual({ statementAdded: false });
    expect(resourcesOfType(synthJson(stack), "aws_s3_bucket_policy")).toEqual([]);
  });

  it("adds to the policy of a bucket it owns", () => {
    const stack = testStack();
    const bucket = new SecureBucket(stack, "Owned", { bucketName: "team-owned", encryptionKey: new KmsKey(stack, "Key", { alias: "k", description: "d" }) });
    expect(bucket.addToResourcePolicy({ Sid: "Service", Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${bucket.bucketArn}/*` })).toEqual({ statementAdded: true });
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_s3_bucket_policy");
    expect(JSON.stringify(policy.policy)).toContain("logging.s3.amazonaws.com");
  });

    it("refuses an invalid bucket name", () => {
    const stack = testStack();
    expect(() => SecureBucket.fromBucketAttributes(stack, "Imported", { bucketName: "Team_Data", encryptionKey: KmsKey.fromKeyArn(stack, "Key", KEY_ARN) })).toThrow(
      /test\/Imported: bucketName "Team_Data"/,
    );
  });
});

describe("ServiceRole.fromRoleArn", () => {
  it("makes nothing until granted, then an inline policy of its own on the named role", () => {
    const stack = testStack();
    const imported = ServiceRole.fromRoleArn(stack, "Imported", ROLE_ARN);
    expect(imported.roleName).toBe("reader");
    expect(JSON.parse(Testing.synth(stack)).resource).toBeUndefined();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const grant = key.grantDecrypt(imported);
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policy).toMatchObject({ role: "reader", name: `grants-${imported.node.addr}` });
    expect(grant.policyResources).toEqual(imported.policyResources);
  });

  it("finds the name of a referenced role in Terraform", () => {
    const stack = testStack();
    const imported = ServiceRole.fromRoleArn(stack, "Imported", role(stack, "Other").roleArn);
    imported.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" });
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policy.role).toMatch(/^\$\{regex\("\[\^\/\]\+\$", aws_iam_role\.Other_Role_[0-9A-F]{8}\.arn\)\}$/);
  });

  it("refuses to grant to a role of another account, naming the fix; immutable, grants add nothing", () => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
    const foreign = ServiceRole.fromRoleArn(stack, "Foreign", "arn:aws:iam::999999999999:role/reader");
    expect(() => key.grantDecrypt(foreign)).toThrow(/role arn:aws:iam::999999999999:role\/reader is in account 999999999999, .* import it with \{ mutable: false \}/);
    const managedElsewhere = ServiceRole.fromRoleArn(stack, "Fixed", "arn:aws:iam::999999999999:role/reader", { mutable: false });
    const grant = key.grantDecrypt(managedElsewhere);
    expect(grant.statements).toHaveLength(1);
    expect(grant.policyResources).toEqual([]);
    expect(resourcesOfType(synthJson(stack), "aws_iam_role_policy")).toEqual([]);
  });

    it("refuses what is not a role ARN", () => {
    expect(() => ServiceRole.fromRoleArn(testStack(), "Imported", `arn:aws:iam::${TEST_ACCOUNT}:user/a`)).toThrow(/must be an IAM role ARN/);
  });
});
