import { DefaultTokenResolver, StringConcat, TerraformOutput, Testing, Tokenization } from "cdktf";
import { IAM_POLICY_LIMITS, policySize } from "../../constructs/core/iam";
import { KmsKey } from "../../constructs/core/kms-key";
import { Grant } from "../../constructs/core/grant";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { ModelRegistry, type ModelRegistryProps } from "../../constructs/model-registry/model-registry";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";
import { policyOf, resourcesOfType, synthJson, type TerraformJson } from "../support/terraform-json";

const CONSUMERS = ["111111111111", "222222222222"];
const CONSUMER_ROOTS = CONSUMERS.map((account) => `arn:aws:iam::${account}:root`);
const PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];

type Statement = Record<string, unknown>;

function registryStack(props: Partial<ModelRegistryProps> = {}) {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "mlops-test-registry", description: "registry" });
  const registry = new ModelRegistry(stack, "Registry", {
    namePrefix: "mlops-test",
    encryptionKey: key,
    imageRepositories: ["training/xgboost", "serving/xgboost"],
    modelPackageGroups: [
      { name: "churn", description: "Customer churn classifier" },
      { name: "Fraud-Detection", description: "Card fraud scores" },
    ],
    ...props,
  });
  return { stack, key, registry };
}

/** A role given one of the registry's grants, and the statements of its inline policy. */
function grantedStatements(grant: (registry: ModelRegistry, role: ServiceRole) => void, props: Partial<ModelRegistryProps> = {}): Statement[] {
  const { stack, registry } = registryStack(props);
  const role = new ServiceRole(stack, "Grantee", { roleName: "grantee", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
  grant(registry, role);
  const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy").filter(([name]) => name.startsWith("Grantee"));
  return policyOf(policy).Statement;
}

/** Each grant method of the registry, by name, with its default options. */
const EVERY_GRANT: [string, (registry: ModelRegistry, role: ServiceRole) => Grant][] = [
  ["grantPull", (registry, role) => registry.grantPull(role)],
  ["grantReadArtifacts", (registry, role) => registry.grantReadArtifacts(role)],
  ["grantWriteArtifacts", (registry, role) => registry.grantWriteArtifacts(role)],
  ["grantRegister", (registry, role) => registry.grantRegister(role)],
  ["grantApprove", (registry, role) => registry.grantApprove(role)],
];

const only = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0];
};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const policies = (json: TerraformJson, type: string, key = "policy") => resourcesOfType(json, type).map(([, attributes]) => policyOf(attributes, key).Statement);

describe("ModelRegistry", () => {
  describe("artifact bucket", () => {
    it("is named from the prefix and account, SSE-KMS with the key, and expires noncurrent versions after 90 days by default", () => {
      const json = synthJson(registryStack().stack);
      const [[, bucket]] = resourcesOfType(json, "aws_s3_bucket");
      expect(bucket).toMatchObject({ bucket: `mlops-test-model-artifacts-${TEST_ACCOUNT}`, force_destroy: false });
      const [[, encryption]] = resourcesOfType(json, "aws_s3_bucket_server_side_encryption_configuration");
      expect(encryption.rule).toEqual([
        expect.objectContaining({
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\.Key_.*\.arn\}$/) },
        }),
      ]);
      const [[, lifecycle]] = resourcesOfType(json, "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual([expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }] })]);
    });

    it("takes noncurrentVersionExpirationDays from props", () => {
      const [[, lifecycle]] = resourcesOfType(synthJson(registryStack({ noncurrentVersionExpirationDays: 30 }).stack), "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual([expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] })]);
    });

    it("keeps a long prefix within S3's 63 characters", () => {
      const namePrefix = "mlops-a-very-long-platform-name-for-the-production-environment";
      const [[, bucket]] = resourcesOfType(synthJson(registryStack({ namePrefix, imageRepositories: [] }).stack), "aws_s3_bucket");
      expect((bucket.bucket as string).length).toBeLessThanOrEqual(63);
      expect(bucket.bucket).toMatch(/^mlops-a-very-long/);
    });
  });

  describe("image repositories", () => {
    it("are immutable, scanned on push, KMS-encrypted with the key and never force-deleted", () => {
      const json = synthJson(registryStack().stack);
      const repositories = resourcesOfType(json, "aws_ecr_repository").map(([, attributes]) => attributes);
      expect(repositories.map((r) => r.name).sort()).toEqual(["mlops-test/serving/xgboost", "mlops-test/training/xgboost"]);
      for (const repository of repositories) {
        expect(repository).toMatchObject({
          image_tag_mutability: "IMMUTABLE",
          image_scanning_configuration: { scan_on_push: true },
          encryption_configuration: [{ encryption_type: "KMS", kms_key: expect.stringMatching(/^\$\{aws_kms_key\.Key_.*\.arn\}$/) }],
          force_delete: false,
        });
      }
    });

    it.each([
      [undefined, 14],
      [3, 3],
    ])("expire untagged images (untaggedImageExpiryDays %p -> %p days)", (untaggedImageExpiryDays, days) => {
      const json = synthJson(registryStack({ untaggedImageExpiryDays }).stack);
      const lifecycles = resourcesOfType(json, "aws_ecr_lifecycle_policy").map(([, attributes]) => attributes);
      expect(lifecycles).toHaveLength(2);
      for (const lifecycle of lifecycles) {
        expect(lifecycle.repository).toMatch(/^\$\{aws_ecr_repository\..*\.name\}$/);
        expect(JSON.parse(lifecycle.policy as string)).toEqual({
          rules: [
            {
              rulePriority: 1,
              description: expect.any(String),
              selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
              action: { type: "expire" },
            },
          ],
        });
      }
    });

    it("have no repository policy without consumer accounts", () => {
      expect(resourcesOfType(synthJson(registryStack().stack), "aws_ecr_repository_policy")).toEqual([]);
    });

    it("let exactly the consumer accounts' roots pull, and nobody else", () => {
      const json = synthJson(registryStack({ consumerAccountIds: CONSUMERS }).stack);
      const statementsPerRepository = policies(json, "aws_ecr_repository_policy");
      expect(statementsPerRepository).toHaveLength(2);
      for (const statements of statementsPerRepository) {
        const statement = only(statements);
        expect(statement).toEqual({ Sid: "ConsumerAccountsPull", Effect: "Allow", Principal: { AWS: CONSUMER_ROOTS }, Action: PULL_ACTIONS });
      }
      expect(JSON.stringify(statementsPerRepository)).not.toContain('"*"');
    });

    it("exposes URLs and ARNs by configured name", () => {
      const { registry } = registryStack();
      expect(Object.keys(registry.repositoryUrls).sort()).toEqual(["serving/xgboost", "training/xgboost"]);
      expect(Object.keys(registry.repositoryArns).sort()).toEqual(["serving/xgboost", "training/xgboost"]);
    });
  });

  describe("model package groups", () => {
    it("are made one per spec with its description", () => {
      const json = synthJson(registryStack().stack);
      const groups = resourcesOfType(json, "aws_sagemaker_model_package_group").map(([, attributes]) => attributes);
      expect(groups).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ model_package_group_name: "churn", model_package_group_description: "Customer churn classifier" }),
          expect.objectContaining({ model_package_group_name: "Fraud-Detection", model_package_group_description: "Card fraud scores" }),
        ]),
      );
      expect(groups).toHaveLength(2);
      expect(resourcesOfType(json, "aws_sagemaker_model_package_group_policy")).toEqual([]);
    });

    it("let consumer accounts describe each group, and describe, list and create models from its packages (AWS's cross-account deployment policy)", () => {
      const { stack, registry } = registryStack({ consumerAccountIds: CONSUMERS });
      expect(Object.keys(registry.modelPackageGroupArns).sort()).toEqual(["Fraud-Detection", "churn"]);
      const json = synthJson(stack);
      const groupPolicies = resourcesOfType(json, "aws_sagemaker_model_package_group_policy").map(([, attributes]) => attributes);
      expect(groupPolicies).toHaveLength(2);
      for (const name of ["churn", "Fraud-Detection"]) {
        const policy = only(groupPolicies.filter((p) => String(policyOf(p, "resource_policy").Statement[0].Resource).endsWith(`/${name}`)));
        expect(policy.model_package_group_name).toMatch(/^\$\{aws_sagemaker_model_package_group\..*\.model_package_group_name\}$/);
        expect(policyOf(policy, "resource_policy").Statement).toEqual([
          {
            Sid: "ConsumerAccountsDescribeGroup",
            Effect: "Allow",
            Principal: { AWS: CONSUMER_ROOTS },
            Action: ["sagemaker:DescribeModelPackageGroup"],
            Resource: `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package-group/${name}`,
          },
          {
            Sid: "ConsumerAccountsDeployPackages",
            Effect: "Allow",
            Principal: { AWS: CONSUMER_ROOTS },
            Action: ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel"],
            Resource: `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${name}/*`,
          },
        ]);
      }
    });

    it("never let consumer accounts change a package (UpdateModelPackage sets its approval status)", () => {
      const json = synthJson(registryStack({ consumerAccountIds: CONSUMERS }).stack);
      const actions = policies(json, "aws_sagemaker_model_package_group_policy", "resource_policy").flat().flatMap((s) => asArray(s.Action));
      expect(actions).toContain("sagemaker:CreateModel");
      expect(actions.filter((a) => /^sagemaker:(Update|Delete|Put|CreateModelPackage)/.test(String(a)))).toEqual([]);
    });
  });

  describe("artifacts of consumer accounts", () => {
    it("are readable by consumers only through one bucket statement (GetObject) and one key statement (decrypt via S3)", () => {
      const json = synthJson(registryStack({ consumerAccountIds: CONSUMERS }).stack);
      const mentionsConsumer = (statement: Statement) => CONSUMERS.some((account) => JSON.stringify(statement).includes(account));

      const bucketStatements = only(policies(json, "aws_s3_bucket_policy"));
      expect(bucketStatements.filter(mentionsConsumer)).toEqual([
        {
          Sid: "ConsumerAccountsReadArtifacts",
          Effect: "Allow",
          Principal: { AWS: CONSUMER_ROOTS },
          Action: "s3:GetObject",
          Resource: expect.stringMatching(/^\$\{aws_s3_bucket\..*\.arn\}\/models\/\*$/),
        },
      ]);

      const keyStatements = only(policies(json, "aws_kms_key"));
      expect(keyStatements.filter(mentionsConsumer)).toEqual([
        {
          Sid: "OtherAccountsDecryptThroughS3",
          Effect: "Allow",
          Principal: { AWS: CONSUMER_ROOTS },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": `s3.${TEST_REGION}.amazonaws.com` } },
        },
      ]);
      // No IAM policy of this account names them, and no policy allows "*".
      expect(policies(json, "aws_iam_role_policy").flat().filter(mentionsConsumer)).toEqual([]);
      for (const statement of [...bucketStatements, ...keyStatements].filter((s) => s.Effect === "Allow")) {
        expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
      }
    });

    it("add nothing to the bucket and key policies without consumer accounts", () => {
      const json = synthJson(registryStack().stack);
      expect(only(policies(json, "aws_s3_bucket_policy")).map((s) => s.Sid)).toEqual(["DenyInsecureTransport"]);
      expect(only(policies(json, "aws_kms_key")).map((s) => s.Sid)).toEqual(["AccountAdministersKeyThroughIam"]);
    });
  });

  describe("experiment tracking", () => {
    it("makes no tracking server and no role by default", () => {
      const { stack, registry } = registryStack();
      const json = synthJson(stack);
      expect(resourcesOfType(json, "aws_sagemaker_mlflow_tracking_server")).toEqual([]);
      expect(resourcesOfType(json, "aws_iam_role")).toEqual([]);
      expect(registry.trackingServerArn).toBeUndefined();
    });

    it("makes a tracking server that stores artifacts under mlflow/ in the bucket, without automatic registration", () => {
      const { stack, registry } = registryStack({ experimentTracking: { size: "Medium", mlflowVersion: "2.16" } });
      new TerraformOutput(stack, "TrackingServerArn", { value: registry.trackingServerArn });
      const json = synthJson(stack);
      expect((json as { output?: Record<string, { value: unknown }> }).output?.TrackingServerArn.value).toMatch(
        /^\$\{aws_sagemaker_mlflow_tracking_server\..*\.arn\}$/,
      );
      const [[, server]] = resourcesOfType(json, "aws_sagemaker_mlflow_tracking_server");
      expect(server).toMatchObject({
        tracking_server_name: "mlops-test-mlflow",
        artifact_store_uri: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\..*\.bucket\}\/mlflow$/),
        tracking_server_size: "Medium",
        mlflow_version: "2.16",
        automatic_model_registration: false,
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\..*\.arn\}$/),
        depends_on: [expect.stringMatching(/^aws_iam_role_policy\./)],
      });
      // CreateMlflowTrackingServer's TrackingServerName constraints.
      expect(server.tracking_server_name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/);
    });

    it("keeps the tracking server name within 256 characters and its pattern for a long prefix", () => {
      const namePrefix = Array.from({ length: 30 }, () => "abcdefghi").join("-");
      const [[, server]] = resourcesOfType(
        synthJson(registryStack({ namePrefix, imageRepositories: [], experimentTracking: { size: "Small", mlflowVersion: "2.16.2" } }).stack),
        "aws_sagemaker_mlflow_tracking_server",
      );
      expect((server.tracking_server_name as string).length).toBeLessThanOrEqual(256);
      expect(server.tracking_server_name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/);
    });

    it("gives its role, trusted by SageMaker for this account only, read/write of mlflow/ and the key, nothing else", () => {
      const json = synthJson(registryStack({ experimentTracking: { size: "Small", mlflowVersion: "2.16.2" } }).stack);
      const [[, role]] = resourcesOfType(json, "aws_iam_role");
      expect(policyOf(role, "assume_role_policy").Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "sagemaker.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } },
        },
      ]);
      const statements = only(policies(json, "aws_iam_role_policy"));
      const actions = statements.flatMap((s) => asArray(s.Action));
      expect(actions.filter((a) => typeof a === "string" && a.startsWith("sagemaker:"))).toEqual([]);
      expect(statements).toContainEqual({
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: expect.stringMatching(/^\$\{aws_s3_bucket\..*\.arn\}\/mlflow\/\*$/),
      });
      expect(statements).toContainEqual({
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: expect.stringMatching(/^\$\{aws_s3_bucket\..*\.arn\}$/),
        Condition: { StringLike: { "s3:prefix": ["mlflow", "mlflow/*"] } },
      });
      for (const statement of statements) {
        for (const resource of asArray(statement.Resource)) {
          expect(resource).toMatch(/^\$\{aws_(kms_key|s3_bucket)\..*\.arn\}(\/mlflow\/\*)?$/);
        }
      }
    });

    it("needs no other construct than the registry (renders the trust with the stack's account)", () => {
      expect(Testing.synth(registryStack({ experimentTracking: { size: "Large", mlflowVersion: "3.0" } }).stack)).toHaveResourceWithProperties(
        { tfResourceType: "aws_sagemaker_mlflow_tracking_server" },
        { tracking_server_size: "Large", mlflow_version: "3.0" },
      );
    });
  });

  describe("grants", () => {
    const resourcesOf = (statements: Statement[]) => statements.flatMap((s) => asArray(s.Resource));

    it("grantPull: the authorization token on * (it has no resource-level permission), image reads on the repositories, decrypt on the key", () => {
      const statements = grantedStatements((registry, role) => registry.grantPull(role));
      expect(statements).toEqual([
        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Effect: "Allow", Action: PULL_ACTIONS, Resource: [expect.stringMatching(/^\$\{aws_ecr_repository\..*\.arn\}$/), expect.stringMatching(/^\$\{aws_ecr_repository\..*\.arn\}$/)] },
        { Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: expect.stringMatching(/^\$\{aws_kms_key\..*\.arn\}$/) },
      ]);
    });

    it("grantReadArtifacts: read the bucket and decrypt, no write", () => {
      const statements = grantedStatements((registry, role) => registry.grantReadArtifacts(role));
      const actions = statements.flatMap((s) => asArray(s.Action));
      expect(actions).toEqual(expect.arrayContaining(["s3:GetObject", "s3:ListBucket", "kms:Decrypt"]));
      expect(actions).not.toContain("s3:PutObject");
    });

    it("grantWriteArtifacts: write objects of the bucket and encrypt with the key", () => {
      const statements = grantedStatements((registry, role) => registry.grantWriteArtifacts(role));
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: expect.arrayContaining(["s3:PutObject"]), Resource: expect.stringMatching(/^\$\{aws_s3_bucket\..*\.arn\}\/\*$/) }),
      );
      expect(statements.flatMap((s) => asArray(s.Action))).toContain("kms:GenerateDataKey*");
    });

    it("grantApprove: update (approve) packages of the registry's groups only", () => {
      const statements = grantedStatements((registry, role) => registry.grantApprove(role));
      expect(statements).toEqual([
        {
          Effect: "Allow",
          Action: ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage"],
          Resource: expect.arrayContaining([`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/churn/*`]),
        },
      ]);
    });

    it("grantRegister: register packages of the registry's groups only, pending approval only, never approve them, plus artifact write", () => {
      const statements = grantedStatements((registry, role) => registry.grantRegister(role));
      expect(statements.flatMap((s) => asArray(s.Action))).not.toContain("sagemaker:UpdateModelPackage");
      const packages = ["churn", "Fraud-Detection"].flatMap((name) => [
        `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package-group/${name}`,
        `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${name}/*`,
      ]);
      expect(statements.slice(0, 2)).toEqual([
        {
          Effect: "Allow",
          Action: "sagemaker:CreateModelPackage",
          Resource: packages,
          // Register, not approve: Approved or Rejected in the request is refused; no status registers as pending.
          Condition: { StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } },
        },
        { Effect: "Allow", Action: ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"], Resource: packages },
      ]);
      // CreateModelPackage appears in no statement without the condition.
      expect(statements.filter((s) => asArray(s.Action).includes("sagemaker:CreateModelPackage")).map((s) => s.Condition)).toEqual([
        { StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } },
      ]);
      expect(statements.flatMap((s) => asArray(s.Action))).toContain("s3:PutObject");
    });

    it("grantRegister to some groups: only theirs; a group the registry lacks is refused", () => {
      const statements = grantedStatements((registry, role) => registry.grantRegister(role, { groups: ["churn"] }));
      expect(statements[0].Resource).toEqual([`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package-group/churn`, `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/churn/*`]);
      expect(() => grantedStatements((registry, role) => registry.grantRegister(role, { groups: ["ranking"] }))).toThrow(/no model package group "ranking" in this registry \(it has: churn, Fraud-Detection\)/);
    });

    it.each(EVERY_GRANT)("%s scopes every statement but ecr:GetAuthorizationToken to the registry's resources", (_, grant) => {
      const statements = grantedStatements(grant, { consumerAccountIds: CONSUMERS });
      for (const statement of statements.filter((s) => s.Action !== "ecr:GetAuthorizationToken")) {
        expect(statement.Resource).toBeDefined();
        expect(resourcesOf([statement])).not.toContain("*");
      }
      expect(statements.every((s) => s.Effect === "Allow" && s.Principal === undefined)).toBe(true);
    });

    it.each(EVERY_GRANT)("%s returns the grant: what the role's policy holds, and the policy to depend on", (_, grant) => {
      const { stack, registry } = registryStack();
      const role = new ServiceRole(stack, "Grantee", { roleName: "grantee", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
      const granted = grant(registry, role);
      expect(granted.principal).toBe(role);
      expect(granted.policyResources).toEqual(role.policyResources);
      const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy").filter(([name]) => name.startsWith("Grantee"));
      expect(policyOf(policy).Statement).toEqual(Tokenization.resolve(granted.statements, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }));
    });

    it("grantRegister for 100 model families spreads over managed policies within IAM's limits, every package still pending approval only", () => {
      const families = Array.from({ length: 100 }, (_, i) => ({ name: `model-family-${i}`, description: "d" }));
      const { stack, registry } = registryStack({ modelPackageGroups: families });
      const role = new ServiceRole(stack, "Grantee", { roleName: "grantee", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
      registry.grantRegister(role);
      const json = synthJson(stack);
      const inline = resourcesOfType(json, "aws_iam_role_policy").filter(([name]) => name.startsWith("Grantee_"));
      const managed = resourcesOfType(json, "aws_iam_policy").filter(([name]) => name.startsWith("Grantee_"));
      expect(managed.length).toBeGreaterThan(0);
      expect(policySize(only(inline)[1].policy as string)).toBeLessThanOrEqual(IAM_POLICY_LIMITS.roleInlinePolicies);
      for (const [, policy] of managed) expect(policySize(policy.policy as string)).toBeLessThanOrEqual(IAM_POLICY_LIMITS.managedPolicy);
      const statements = [...inline, ...managed].flatMap(([, attributes]) => policyOf(attributes).Statement);
      const register = statements.filter((s) => asArray(s.Action).includes("sagemaker:CreateModelPackage"));
      for (const statement of register) expect(statement.Condition).toEqual({ StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } });
      for (const { name } of families) {
        expect(resourcesOf(register)).toContain(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${name}/*`);
        expect(resourcesOf(register)).toContain(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package-group/${name}`);
      }
    });

    it("grantPull and grantRegister with no repositories or groups grant only what remains", () => {
      const pull = grantedStatements((registry, role) => registry.grantPull(role), { imageRepositories: [], modelPackageGroups: [] });
      expect(pull.map((s) => s.Action)).toEqual(["ecr:GetAuthorizationToken", ["kms:Decrypt", "kms:DescribeKey"]]);
      const register = grantedStatements((registry, role) => registry.grantRegister(role), { imageRepositories: [], modelPackageGroups: [] });
      expect(register.flatMap((s) => asArray(s.Action)).filter((a) => String(a).startsWith("sagemaker:"))).toEqual([]);
    });
  });

  describe("refuses", () => {
    const longName = Array.from({ length: 60 }, () => "abcd").join("/");
    it.each<[string, Partial<ModelRegistryProps>, RegExp]>([
      ["an invalid prefix", { namePrefix: "MLOps_Prod" }, /^test\/Registry: namePrefix: is "MLOps_Prod"; it must be lowercase letters and digits in words joined by single hyphens/],
      ["an uppercase repository", { imageRepositories: ["Training/xgboost"] }, /^test\/Registry: imageRepositories\.0: is "Training\/xgboost"; it must be an ECR repository name: lowercase letters and digits/],
      ["a repository with doubled separators", { imageRepositories: ["training//xgboost"] }, /: imageRepositories\.0: is "training\/\/xgboost"; it must be an ECR repository name/],
      ["a repository with a leading separator", { imageRepositories: ["-training"] }, /: imageRepositories\.0: is "-training"; it must be an ECR repository name/],
      ["a repository name over 256 characters", { imageRepositories: [longName] }, /: imageRepositories\.0: ".*" gives the repository name "mlops-test\/abcd.*" of 310 characters; ECR allows 256$/],
      ["a repository listed twice", { imageRepositories: ["training/xgboost", "training/xgboost"] }, /: imageRepositories\.1: "training\/xgboost" is listed twice$/],
      ["a group name with underscores", { modelPackageGroups: [{ name: "churn_v2", description: "d" }] }, /: modelPackageGroups\.0\.name: is "churn_v2"; it must be 1-63 letters, digits and hyphens/],
      ["a group name over 63 characters", { modelPackageGroups: [{ name: "a".repeat(64), description: "d" }] }, /: modelPackageGroups\.0\.name: is "a{64}"; it must be 1-63/],
      ["a group name ending with a hyphen", { modelPackageGroups: [{ name: "churn-", description: "d" }] }, /: modelPackageGroups\.0\.name: is "churn-"; it must be .*starting and ending with a letter or digit$/],
      ["a group description over 1024 characters", { modelPackageGroups: [{ name: "churn", description: "x".repeat(1025) }] }, /: modelPackageGroups\.0\.description: is 1025 characters; SageMaker allows 1024$/],
      [
        "two groups that differ only by case",
        { modelPackageGroups: [{ name: "churn", description: "d" }, { name: "Churn", description: "d" }] },
        /: modelPackageGroups\.1\.name: "Churn" is used by another model package group$/,
      ],
      ["a consumer account that is not 12 digits", { consumerAccountIds: ["12345"] }, /: consumerAccountIds\.0: is "12345"; it must be a 12-digit AWS account id$/],
      ["the registry's own account as consumer", { consumerAccountIds: [TEST_ACCOUNT] }, /: consumerAccountIds\.0: is the registry's own account; list only the accounts models are promoted to/],
      ["a consumer account listed twice", { consumerAccountIds: [CONSUMERS[0], CONSUMERS[0]] }, /: consumerAccountIds\.1: "111111111111" is listed twice$/],
      ["untagged images kept 0 days", { untaggedImageExpiryDays: 0 }, /^test\/Registry: untaggedImageExpiryDays: is 0; it must be a whole number of days, 1 or more$/],
      ["a fractional untagged image expiry", { untaggedImageExpiryDays: 1.5 }, /: untaggedImageExpiryDays: is 1\.5; it must be a whole number of days, 1 or more$/],
      ["noncurrent versions kept 0 days", { noncurrentVersionExpirationDays: 0 }, /^test\/Registry: noncurrentVersionExpirationDays: is 0; it must be a whole number of days, 1 or more$/],
      [
        "an unknown tracking server size",
        { experimentTracking: { size: "XLarge" as never, mlflowVersion: "2.16" } },
        /: experimentTracking\.size: is "XLarge"; SageMaker's tracking server sizes are Small, Medium, Large$/,
      ],
      ["an invalid MLflow version", { experimentTracking: { size: "Small", mlflowVersion: "latest" } }, /: experimentTracking\.mlflowVersion: is "latest"; it must be an MLflow version such as "2\.16" or "2\.16\.2"$/],
    ])("%s", (_, props, message) => {
      expect(() => registryStack(props)).toThrow(message);
    });
  });
});
