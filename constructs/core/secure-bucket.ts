import { Construct, IConstruct } from "constructs";
import { Lazy, Token } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { formatArn } from "./arn";
import { Grant } from "./grant";
import { IGrantable, PolicyStatement, policyDocument } from "./iam";
import { AddToResourcePolicyResult, IKmsKey } from "./kms-key";
import { ConstructPropsError } from "./errors";

export type StorageClass = "STANDARD_IA" | "ONEZONE_IA" | "INTELLIGENT_TIERING" | "GLACIER_IR" | "GLACIER" | "DEEP_ARCHIVE";

export interface LifecycleTransition {
  /** Days after creation. */
  readonly days: number;
  readonly storageClass: StorageClass;
}

export interface SecureBucketProps {
  /** Globally unique bucket name, 3-63 characters of lowercase letters, digits and hyphens. */
  readonly bucketName: string;
  /** The key that encrypts every object (SSE-KMS with an S3 bucket key). */
  readonly encryptionKey: IKmsKey;
  /**
   * Moves current objects to cheaper storage classes as they age.
   * @default - objects stay in S3 Standard
   */
  readonly transitions?: readonly LifecycleTransition[];
  /**
   * Days a replaced or deleted object version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which an unfinished multipart upload is aborted.
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
}

export interface BucketGrantOptions {
  /**
   * Limits the grant to the objects under this "folder", e.g. `mlflow/` (a missing trailing `/` is
   * added), and listing to that prefix. The key grant stays whole-key: with an S3 bucket key the
   * encryption context is the bucket's ARN, so KMS cannot tell prefixes apart.
   * @default - the whole bucket
   */
  readonly keyPrefix?: string;
}

/** An encrypted bucket: one this stack makes (SecureBucket) or one it imports (SecureBucket.fromBucketAttributes). */
export interface ISecureBucket extends IConstruct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The key its objects are encrypted with; grants include it. */
  readonly encryptionKey: IKmsKey;
  grantRead(grantee: IGrantable, options?: BucketGrantOptions): Grant;
  grantReadWrite(grantee: IGrantable, options?: BucketGrantOptions): Grant;
  /** Adds a statement to the bucket policy (for principals outside this account, e.g. a service); an imported bucket's stays as it is. */
  addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult;
}

export interface SecureBucketAttributes {
  /** The bucket's name, a literal or a reference. */
  readonly bucketName: string;
  /** The key its objects are encrypted with (SSE-KMS); grants give use of it. */
  readonly encryptionKey: IKmsKey;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The grants, the same for a bucket made here and one imported: they add to the principal's policies only. */
export abstract class SecureBucketBase extends Construct implements ISecureBucket {
  abstract readonly bucketName: string;
  abstract readonly bucketArn: string;
  abstract readonly encryptionKey: IKmsKey;
  abstract addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult;

  /** Read objects and list the bucket (or only those under `options.keyPrefix`). */
  grantRead(grantee: IGrantable, options: BucketGrantOptions = {}): Grant {
    const prefix = this.normalizedPrefix(options.keyPrefix);
    const list: PolicyStatement[] =
      prefix === undefined
        ? [{ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: this.bucketArn }]
        : [
            { Effect: "Allow", Action: "s3:GetBucketLocation", Resource: this.bucketArn },
            {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: this.bucketArn,
              // The folder itself (without its "/") and everything under it; nothing else in the bucket.
              Condition: { StringLike: { "s3:prefix": [prefix.slice(0, -1), `${prefix}*`] } },
            },
          ];
    return Grant.combine([
      Grant.addToPrincipal(grantee, [...list, { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: this.objectsArn(prefix) }]),
      this.encryptionKey.grantDecrypt(grantee),
    ]);
  }

  /**
   * Read, write and delete objects, or only those under `options.keyPrefix` (deleted objects stay
   * as noncurrent versions until they expire).
   */
  grantReadWrite(grantee: IGrantable, options: BucketGrantOptions = {}): Grant {
    return Grant.combine([
      this.grantRead(grantee, options),
      Grant.addToPrincipal(grantee, [
        {
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
          Resource: this.objectsArn(this.normalizedPrefix(options.keyPrefix)),
        },
      ]),
      this.encryptionKey.grantEncryptDecrypt(grantee),
    ]);
  }

  protected objectsArn(prefix: string | undefined): string {
    return `${this.bucketArn}/${prefix ?? ""}*`;
  }

  /** `undefined` for the whole bucket, else the prefix ending in "/". */
  protected normalizedPrefix(keyPrefix: string | undefined): string | undefined {
    if (keyPrefix === undefined) return undefined;
    // Wildcards would widen the ARN and the condition; a leading "/" names no S3 key anyone writes.
    if (!/^[a-zA-Z0-9!\-_.'()]+(\/[a-zA-Z0-9!\-_.'()]+)*\/?$/.test(keyPrefix)) {
      throw new ConstructPropsError(
        `${this.node.path}: keyPrefix "${keyPrefix}" must be one or more "/"-separated segments of letters, digits and !-_.'() (no wildcards, no leading "/")`,
      );
    }
    return keyPrefix.endsWith("/") ? keyPrefix : `${keyPrefix}/`;
  }
}

/**
 * The only way this project makes an S3 bucket: versioned, SSE-KMS, all public access blocked,
 * ACLs disabled (bucket owner enforced), TLS-only bucket policy, lifecycle for old versions and
 * abandoned uploads. Access is given with grantRead / grantReadWrite, never by a public policy.
 */
export class SecureBucket extends SecureBucketBase {
  /**
   * A bucket that exists outside this stack. Importing makes no resource, and its bucket policy stays as its owner
   * wrote it (addToResourcePolicy adds nothing: `statementAdded: false`). Grants add to the principal's policies only, enough when the
   * bucket and its key belong to the principal's account and their policies give them to the account.
   */
  static fromBucketAttributes(scope: Construct, id: string, attributes: SecureBucketAttributes): ISecureBucket {
    return new ImportedSecureBucket(scope, id, attributes);
  }

  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: IKmsKey;
  private readonly policyStatements: PolicyStatement[];
  private readonly lifecycleRules: S3BucketLifecycleConfigurationRule[] = [];
  private readonly lifecycle: S3BucketLifecycleConfiguration;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    const abortDays = props.abortIncompleteMultipartUploadDays ?? 7;
    this.validate(props, noncurrentDays, abortDays);

    this.encryptionKey = props.encryptionKey;
    this.bucket = new S3Bucket(this, "Bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    const bucket = this.bucket.id;

    new S3BucketVersioningA(this, "Versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryptionKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "OwnershipControls", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    this.lifecycleRules.push({
      id: "expire-noncurrent-versions-and-abandoned-uploads",
      status: "Enabled",
      filter: [{}],
      noncurrentVersionExpiration: [{ noncurrentDays: noncurrentDays }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
      transition: (props.transitions ?? []).map((t) => ({ days: t.days, storageClass: t.storageClass })),
    });
    // S3 keeps one lifecycle configuration per bucket: every rule goes in this one (addExpiration adds more).
    this.lifecycle = new S3BucketLifecycleConfiguration(this, "Lifecycle", { bucket, rule: this.lifecycleRules });

    this.policyStatements = [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [this.bucketArn, `${this.bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ];
    new S3BucketPolicy(this, "Policy", {
      bucket,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.policyStatements) }),
      // The public access block must exist first, or S3 may evaluate the policy before it.
      dependsOn: [publicAccessBlock],
    });
  }

  /**
   * Expires the current versions of the objects under `keyPrefix` `days` days after they are written (captured
   * personal data, scratch output); the bucket's own rule then removes the noncurrent versions they leave.
   */
  addExpiration(keyPrefix: string, days: number): void {
    if (!Number.isInteger(days) || days < 1) throw new ConstructPropsError(`${this.node.path}: expiration of ${keyPrefix} is ${days} days; it must be a whole number >= 1`);
    const prefix = keyPrefix.endsWith("/") ? keyPrefix : `${keyPrefix}/`;
    this.lifecycleRules.push({ id: `expire-${prefix.slice(0, -1)}`.slice(0, 255), status: "Enabled", filter: [{ prefix }], expiration: [{ days }] });
    this.lifecycle.putRule(this.lifecycleRules);
  }

  addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult {
    this.policyStatements.push(statement);
    return { statementAdded: true };
  }

  private validate(props: SecureBucketProps, noncurrentDays: number, abortDays: number): void {
    const where = this.node.path;
    checkBucketName(this, props.bucketName);
    for (const [name, days] of [["noncurrentVersionExpirationDays", noncurrentDays], ["abortIncompleteMultipartUploadDays", abortDays]] as const) {
      if (!Number.isInteger(days) || days < 1) throw new ConstructPropsError(`${where}: ${name} is ${days}; it must be a whole number of days >= 1`);
    }
    (props.transitions ?? []).forEach((t, i) => {
      if (!Number.isInteger(t.days) || t.days < 1) throw new ConstructPropsError(`${where}: transitions[${i}].days is ${t.days}; it must be >= 1`);
    });
  }
}

function checkBucketName(scope: IConstruct, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!BUCKET_NAME.test(name) || name.includes("..")) {
    throw new ConstructPropsError(`${scope.node.path}: bucketName "${name}" must be 3-63 lowercase letters, digits, dots and hyphens`);
  }
}

class ImportedSecureBucket extends SecureBucketBase {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: IKmsKey;

  constructor(scope: Construct, id: string, attributes: SecureBucketAttributes) {
    super(scope, id);
    checkBucketName(this, attributes.bucketName);
    this.bucketName = attributes.bucketName;
    this.bucketArn = formatArn(this, { service: "s3", region: "", account: "", resource: attributes.bucketName });
    this.encryptionKey = attributes.encryptionKey;
  }

  addToResourcePolicy(): AddToResourcePolicyResult {
    return { statementAdded: false };
  }
}
