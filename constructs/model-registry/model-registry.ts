import { Construct } from "constructs";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrRepositoryPolicy } from "@cdktf/provider-aws/lib/ecr-repository-policy";
import { SagemakerMlflowTrackingServer } from "@cdktf/provider-aws/lib/sagemaker-mlflow-tracking-server";
import { SagemakerModelPackageGroup } from "@cdktf/provider-aws/lib/sagemaker-model-package-group";
import { SagemakerModelPackageGroupPolicy } from "@cdktf/provider-aws/lib/sagemaker-model-package-group-policy";
import { awsEnvironmentOf } from "../core/aws-environment";
import { accountRootArn, formatArn } from "../core/arn";
import { Grant } from "../core/grant";
import { IGrantable, PolicyStatement, policyDocument } from "../core/iam";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { BucketGrantOptions, SecureBucket } from "../core/secure-bucket";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { ConstructPropsError, PropsProblem, throwPropsProblems } from "../core/errors";
import { SAGEMAKER_NAME } from "../core/sagemaker-names";

export type TrackingServerSize = "Small" | "Medium" | "Large";

/** The sizes SageMaker offers (CreateMlflowTrackingServer TrackingServerSize). */
export const TRACKING_SERVER_SIZES: readonly TrackingServerSize[] = ["Small", "Medium", "Large"];

export interface ModelPackageGroupSpec {
  /** 1-63 letters, digits and hyphens, starting and ending with a letter or digit. */
  readonly name: string;
  /** Up to 1024 characters. */
  readonly description: string;
}

export interface ModelRegistryProps {
  /** Prefix of every name, e.g. `mlops-prod`: lowercase letters and digits separated by single hyphens. */
  readonly namePrefix: string;
  /**
   * Encrypts the artifact bucket and the image repositories. With consumer accounts, an imported key's policy must
   * already let them decrypt through S3 (KmsKey.allowAccountsToDecryptViaS3's statement).
   */
  readonly encryptionKey: IKmsKey;
  /** Image repositories, created as `<namePrefix>/<name>`, e.g. "training/xgboost". */
  readonly imageRepositories: readonly string[];
  /** One group per model family. */
  readonly modelPackageGroups: readonly ModelPackageGroupSpec[];
  /**
   * Accounts of the environments models are promoted to: they may describe the groups' packages and create models
   * from them, read their artifacts and pull images.
   * @default []
   */
  readonly consumerAccountIds?: readonly string[];
  /**
   * Days an untagged image is kept after it was pushed.
   * @default 14
   */
  readonly untaggedImageExpiryDays?: number;
  /**
   * Days a replaced or deleted artifact version is kept.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * A managed MLflow tracking server whose artifacts live under `mlflow/` in the artifact bucket.
   * `mlflowVersion` is a version SageMaker offers, e.g. "2.16".
   * @default - none
   */
  readonly experimentTracking?: { readonly size: TrackingServerSize; readonly mlflowVersion: string };
}

/** What pulling an image needs on a repository (also what consumer accounts get in repository policies). */
export const ECR_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"];
/** What registering reads besides CreateModelPackage (which is granted apart, with its approval-status condition). */
const REGISTER_READ_ACTIONS = ["sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"];
/** The only approval status a registering principal may set. */
export const REGISTERED_APPROVAL_STATUS = "PendingManualApproval";
/** Setting a package's approval status; apart from registering, so a training job cannot approve its own model. */
const APPROVE_ACTIONS = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage"];
/**
 * What a consumer account needs to deploy a version of a shared group, as in SageMaker's "Deploy a model version
 * from a different account": DescribeModelPackageGroup on the group, and these on the group's packages.
 * AWS's example also grants UpdateModelPackage; it is left out on purpose: it sets the approval status.
 */
export const CONSUMER_GROUP_ACTIONS = ["sagemaker:DescribeModelPackageGroup"];
export const CONSUMER_PACKAGE_ACTIONS = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel"];
/** Where the tracking server keeps its artifacts, inside the artifact bucket. */
const MLFLOW_PREFIX = "mlflow";
/** Where registered models' artifacts go: the only part of the bucket consumer accounts may read. */
export const MODEL_ARTIFACTS_PREFIX = "models";

/** ECR's repository name pattern (CreateRepository), applied to the part after `<namePrefix>/`. */
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const REPOSITORY_NAME_MAX_LENGTH = 256;
/** SageMaker's ModelPackageGroupName pattern (1-63 characters). */
const MODEL_PACKAGE_GROUP_NAME = SAGEMAKER_NAME;
const MODEL_PACKAGE_GROUP_DESCRIPTION_MAX_LENGTH = 1024;
/** Every name's prefix: words of lowercase letters and digits joined by single hyphens. */
const NAME_PREFIX = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** MLflow versions are `major.minor` or `major.minor.patch`; SageMaker allows at most 16 characters. */
const MLFLOW_VERSION = /^\d+\.\d+(\.\d+)?$/;

/**
 * Where models live between training and serving: an encrypted, versioned artifact bucket, ECR
 * repositories (immutable tags, scanned on push, KMS-encrypted, untagged images expire), one SageMaker
 * model package group per model family and, optionally, a managed MLflow tracking server.
 *
 * Consumer accounts (the environments models are promoted to) may pull the images, describe the
 * groups, describe and create models from their packages and read the artifacts (through S3 only for the
 * key); nobody else.
 */
/**
 * What ECR, S3 or SageMaker would refuse in a registry's props, or the blueprint does not allow, each at its field
 * (`imageRepositories.2`, `modelPackageGroups.0.description`, `consumerAccountIds.1`, `experimentTracking.size`,
 * ...); only the fields given are judged. `accountId` is the registry's own account, never a consumer. Shared by
 * ModelRegistry (which throws them all) and the environment schema (data.modelRegistry), so config the schema
 * accepts always builds.
 */
export function modelRegistryProblems(props: Partial<Omit<ModelRegistryProps, "encryptionKey">>, accountId: string | undefined): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  if (props.namePrefix !== undefined && !NAME_PREFIX.test(props.namePrefix)) {
    fail("namePrefix", `is "${props.namePrefix}"; it must be lowercase letters and digits in words joined by single hyphens, e.g. "mlops-prod"`);
  }
  const repositories = props.imageRepositories ?? [];
  repositories.forEach((name, i) => {
    const fullName = `${props.namePrefix}/${name}`;
    if (!REPOSITORY_NAME.test(name)) {
      fail(`imageRepositories.${i}`, `is "${name}"; it must be an ECR repository name: lowercase letters and digits, with single ".", "_" or "-" between them and "/" between path parts, e.g. "training/xgboost"`);
    } else if (props.namePrefix !== undefined && fullName.length > REPOSITORY_NAME_MAX_LENGTH) {
      fail(`imageRepositories.${i}`, `"${name}" gives the repository name "${fullName}" of ${fullName.length} characters; ECR allows ${REPOSITORY_NAME_MAX_LENGTH}`);
    } else if (repositories.indexOf(name) !== i) fail(`imageRepositories.${i}`, `"${name}" is listed twice`);
  });
  // Compared without case, so two groups never differ only by it.
  const groups = props.modelPackageGroups ?? [];
  const keys = groups.map((g) => g.name.toLowerCase());
  groups.forEach((group, i) => {
    if (!MODEL_PACKAGE_GROUP_NAME.test(group.name)) {
      fail(`modelPackageGroups.${i}.name`, `is "${group.name}"; it must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit`);
    } else if (keys.indexOf(keys[i]) !== i) fail(`modelPackageGroups.${i}.name`, `"${group.name}" is used by another model package group`);
    if (group.description.length > MODEL_PACKAGE_GROUP_DESCRIPTION_MAX_LENGTH) {
      fail(`modelPackageGroups.${i}.description`, `is ${group.description.length} characters; SageMaker allows ${MODEL_PACKAGE_GROUP_DESCRIPTION_MAX_LENGTH}`);
    }
  });
  const consumers = props.consumerAccountIds ?? [];
  consumers.forEach((account, i) => {
    if (!/^\d{12}$/.test(account)) fail(`consumerAccountIds.${i}`, `is "${account}"; it must be a 12-digit AWS account id`);
    else if (account === accountId) fail(`consumerAccountIds.${i}`, "is the registry's own account; list only the accounts models are promoted to (its own principals get access through the grant methods)");
    else if (consumers.indexOf(account) !== i) fail(`consumerAccountIds.${i}`, `"${account}" is listed twice`);
  });
  for (const field of ["untaggedImageExpiryDays", "noncurrentVersionExpirationDays"] as const) {
    const days = props[field];
    if (days !== undefined && !(Number.isInteger(days) && days >= 1)) fail(field, `is ${days}; it must be a whole number of days, 1 or more`);
  }
  const tracking = props.experimentTracking;
  if (tracking && !TRACKING_SERVER_SIZES.includes(tracking.size)) {
    fail("experimentTracking.size", `is "${tracking.size}"; SageMaker's tracking server sizes are ${TRACKING_SERVER_SIZES.join(", ")}`);
  }
  if (tracking && (!MLFLOW_VERSION.test(tracking.mlflowVersion) || tracking.mlflowVersion.length > 16)) {
    fail("experimentTracking.mlflowVersion", `is "${tracking.mlflowVersion}"; it must be an MLflow version such as "2.16" or "2.16.2"`);
  }
  return problems;
}

export class ModelRegistry extends Construct {
  readonly artifactBucket: SecureBucket;
  /** By the name in `imageRepositories`. */
  readonly repositoryUrls: Readonly<Record<string, string>>;
  readonly repositoryArns: Readonly<Record<string, string>>;
  /** By group name. */
  readonly modelPackageGroupArns: Readonly<Record<string, string>>;
  readonly trackingServerArn?: string;
  private readonly encryptionKey: IKmsKey;
  /** ARNs of the groups and of their packages, built from names so policies read plainly in a plan. */
  private readonly packageArns: readonly string[];

  constructor(scope: Construct, id: string, props: ModelRegistryProps) {
    super(scope, id);
    const untaggedImageExpiryDays = props.untaggedImageExpiryDays ?? 14;
    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 90;
    const consumers = props.consumerAccountIds ?? [];
    const { accountId } = awsEnvironmentOf(this);
    throwPropsProblems(this.node.path, modelRegistryProblems(props, accountId));
    this.encryptionKey = props.encryptionKey;
    const consumerRoots = consumers.map((account) => accountRootArn(this, account));

    this.artifactBucket = new SecureBucket(this, "ArtifactBucket", {
      bucketName: resourceName([props.namePrefix, "model-artifacts", accountId], { maxLength: 63 }),
      encryptionKey: props.encryptionKey,
      noncurrentVersionExpirationDays,
    });

    const repositoryUrls: Record<string, string> = {};
    const repositoryArns: Record<string, string> = {};
    const lifecyclePolicy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: `Expire untagged images ${untaggedImageExpiryDays} days after they were pushed`,
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedImageExpiryDays },
          action: { type: "expire" },
        },
      ],
    });
    for (const name of props.imageRepositories) {
      // "/" separates construct paths; ECR names never hold "--", so this id is unique per name.
      const constructId = `Repository-${name.replace(/\//g, "--")}`;
      const repository = new EcrRepository(this, constructId, {
        name: `${props.namePrefix}/${name}`,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.encryptionKey.keyArn }],
        forceDelete: false,
      });
      new EcrLifecyclePolicy(this, `${constructId}-Lifecycle`, { repository: repository.name, policy: lifecyclePolicy });
      if (consumerRoots.length > 0) {
        new EcrRepositoryPolicy(this, `${constructId}-ConsumerPull`, {
          repository: repository.name,
          policy: policyDocument([{ Sid: "ConsumerAccountsPull", Effect: "Allow", Principal: { AWS: consumerRoots }, Action: ECR_PULL_ACTIONS }]),
        });
      }
      repositoryUrls[name] = repository.repositoryUrl;
      repositoryArns[name] = repository.arn;
    }
    this.repositoryUrls = repositoryUrls;
    this.repositoryArns = repositoryArns;

    const sagemakerArn = (resource: string) => formatArn(this, { service: "sagemaker", resource });
    const modelPackageGroupArns: Record<string, string> = {};
    const packageArns: string[] = [];
    for (const spec of props.modelPackageGroups) {
      const group = new SagemakerModelPackageGroup(this, `PackageGroup-${spec.name}`, {
        modelPackageGroupName: spec.name,
        modelPackageGroupDescription: spec.description,
      });
      modelPackageGroupArns[spec.name] = group.arn;
      // A versioned package's ARN is model-package/<group name>/<version>.
      const groupArn = sagemakerArn(`model-package-group/${spec.name}`);
      const versionsArn = sagemakerArn(`model-package/${spec.name}/*`);
      packageArns.push(groupArn, versionsArn);
      if (consumerRoots.length > 0) {
        // Construct id kept from when consumers could only read, so existing policies are updated in place.
        new SagemakerModelPackageGroupPolicy(this, `PackageGroup-${spec.name}-ConsumerRead`, {
          modelPackageGroupName: group.modelPackageGroupName,
          // CreateModel from a package of another account is authorized by this policy too: without it the
          // consumer's CreateModel fails. SageMaker documents no condition key that filters these actions by
          // approval status (sagemaker:ModelApprovalStatus is a request key of CreateModelPackage and
          // UpdateModelPackage only; model packages take only tag keys as resource conditions), so consumers
          // can use every version of the group; what they deploy is the approved package ARN pinned in their
          // environment's config, which the promotion pull request reviews.
          resourcePolicy: policyDocument([
            { Sid: "ConsumerAccountsDescribeGroup", Effect: "Allow", Principal: { AWS: consumerRoots }, Action: CONSUMER_GROUP_ACTIONS, Resource: groupArn },
            { Sid: "ConsumerAccountsDeployPackages", Effect: "Allow", Principal: { AWS: consumerRoots }, Action: CONSUMER_PACKAGE_ACTIONS, Resource: versionsArn },
          ]),
        });
      }
    }
    this.modelPackageGroupArns = modelPackageGroupArns;
    this.packageArns = packageArns;

    if (consumerRoots.length > 0) {
      // A consumer account deploys a promoted package from its own account: SageMaker there reads the
      // model data from this bucket, and S3 decrypts it with the key on that account's behalf.
      this.artifactBucket.addToResourcePolicy({
        Sid: "ConsumerAccountsReadArtifacts",
        Effect: "Allow",
        Principal: { AWS: consumerRoots },
        Action: "s3:GetObject",
        Resource: `${this.artifactBucket.bucketArn}/${MODEL_ARTIFACTS_PREFIX}/*`,
      });
      props.encryptionKey.allowAccountsToDecryptViaS3(consumers);
    }

    if (props.experimentTracking) {
      this.trackingServerArn = this.addTrackingServer(props.namePrefix, accountId, props.experimentTracking);
    }
  }

  /**
   * Pull images from every repository of the registry. `ecr:GetAuthorizationToken` supports no
   * resource-level permissions (the token is for the whole registry), so it alone has Resource "*";
   * what may be pulled is decided by the repository-scoped statement.
   */
  grantPull(grantee: IGrantable): Grant {
    const arns = Object.values(this.repositoryArns);
    return Grant.combine([
      Grant.addToPrincipal(grantee, [
        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        ...(arns.length > 0 ? [{ Effect: "Allow" as const, Action: ECR_PULL_ACTIONS, Resource: arns }] : []),
      ]),
      this.encryptionKey.grantDecrypt(grantee),
    ]);
  }

  grantReadArtifacts(grantee: IGrantable): Grant {
    return this.artifactBucket.grantRead(grantee);
  }

  /**
   * Read and write artifacts, under `keyPrefix` only when given. Give a prefix wherever the grantee is not the
   * only writer: artifacts under `models/` are what approved packages point at and other accounts deploy.
   * @param options.keyPrefix e.g. `models/<team>`; @default - the whole bucket
   */
  grantWriteArtifacts(grantee: IGrantable, options: BucketGrantOptions = {}): Grant {
    return this.artifactBucket.grantReadWrite(grantee, options);
  }

  /** The ARNs of these groups and their versions; refuses a group the registry does not have. */
  private packageArnsOf(groups: readonly string[]): string[] {
    return groups.flatMap((group) => {
      const arns = this.packageArns.filter((arn) => arn.endsWith(`:model-package-group/${group}`) || arn.endsWith(`:model-package/${group}/*`));
      if (arns.length === 0) throw new ConstructPropsError(`${this.node.path}: no model package group "${group}" in this registry (it has: ${Object.keys(this.modelPackageGroupArns).join(", ")})`);
      return arns;
    });
  }

  /**
   * Register model versions in the registry's groups (only `groups` when given) and write their artifacts (under
   * `artifactPrefix` when given). Registering does not approve.
   */
  grantRegister(grantee: IGrantable, options: { readonly artifactPrefix?: string; readonly groups?: readonly string[] } = {}): Grant {
    const packageArns = options.groups === undefined ? this.packageArns : this.packageArnsOf(options.groups);
    const register: PolicyStatement[] =
      packageArns.length === 0
        ? []
        : [
            {
              Effect: "Allow",
              Action: "sagemaker:CreateModelPackage",
              Resource: [...packageArns],
              // Register, not approve: a version may only be created pending a reviewer's approval. IfExists because
              // a request that leaves ModelApprovalStatus out creates a versioned package as PendingManualApproval
              // (SageMaker's default), and the request then carries no value for the key to compare; a request that
              // names Approved or Rejected carries it and is refused.
              Condition: { StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": REGISTERED_APPROVAL_STATUS } },
            },
            { Effect: "Allow", Action: REGISTER_READ_ACTIONS, Resource: [...packageArns] },
          ];
    return Grant.combine([Grant.addToPrincipal(grantee, register), this.grantWriteArtifacts(grantee, { keyPrefix: options.artifactPrefix })]);
  }

  /** Approve or reject model versions of the registry's groups (a reviewer's role, not a training job's). */
  grantApprove(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, this.packageArns.length > 0 ? [{ Effect: "Allow", Action: APPROVE_ACTIONS, Resource: [...this.packageArns] }] : []);
  }

  private addTrackingServer(namePrefix: string, accountId: string, tracking: NonNullable<ModelRegistryProps["experimentTracking"]>): string {
    const role = new ServiceRole(this, "TrackingServerRole", {
      roleName: resourceName([namePrefix, "mlflow-tracking"], { maxLength: 64 }),
      description: `SageMaker MLflow tracking server of ${namePrefix}: its artifact store only`,
      trust: [serviceTrust("sagemaker.amazonaws.com", accountId)],
    });
    // Only the mlflow/ folder of the bucket. No SageMaker permissions: automatic model registration is off.
    const artifacts = this.artifactBucket.grantReadWrite(role, { keyPrefix: MLFLOW_PREFIX });
    // ServiceRole makes its policies as grants come; the server must not start before they exist.
    const server = new SagemakerMlflowTrackingServer(this, "TrackingServer", {
      trackingServerName: resourceName([namePrefix, "mlflow"], { maxLength: 256 }),
      artifactStoreUri: `s3://${this.artifactBucket.bucketName}/${MLFLOW_PREFIX}`,
      roleArn: role.roleArn,
      trackingServerSize: tracking.size,
      mlflowVersion: tracking.mlflowVersion,
      automaticModelRegistration: false,
      dependsOn: [...artifacts.policyResources],
    });
    return server.arn;
  }
}
