import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { IGrantable, PolicyStatement, policyDocument } from "./iam";
import { KmsKey } from "./kms-key";
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
  readonly encryptionKey: KmsKey;
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

/**
 * The only way this project makes an S3 bucket: versioned, SSE-KMS, all public access blocked,
 * ACLs disabled (bucket owner enforced), TLS-only bucket policy, lifecycle for old versions and
 * abandoned uploads. Access is given with grantRead / grantReadWrite, never by a public policy.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: KmsKey;
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

  /** Adds a statement to the bucket policy (for principals outside this account, e.g. a service). */
  addToResourcePolicy(statement: PolicyStatement): void {
    this.policyStatements.push(statement);
  }

  /** Read objects and list the bucket (or only those under `options.keyPrefix`). */
  grantRead(grantee: IGrantable, options: BucketGrantOptions = {}): void {
    const prefix = this.normalizedPrefix(options.keyPrefix);
    if (prefix === undefined) {
      grantee.addToPrincipalPolicy({ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: this.bucketArn });
    } else {
      grantee.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetBucketLocation", Resource: this.bucketArn });
      grantee.addToPrincipalPolicy({
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: this.bucketArn,
        // The folder itself (without its "/") and everything under it; nothing else in the bucket.
        Condition: { StringLike: { "s3:prefix": [prefix.slice(0, -1), `${prefix}*`] } },
      });
    }
    grantee.addToPrincipalPolicy({ Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: this.objectsArn(prefix) });
    this.encryptionKey.grantDecrypt(grantee);
  }

  /**
   * Read, write and delete objects, or only those under `options.keyPrefix` (deleted objects stay
   * as noncurrent versions until they expire).
   */
  grantReadWrite(grantee: IGrantable, options: BucketGrantOptions = {}): void {
    this.grantRead(grantee, options);
    grantee.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      Resource: this.objectsArn(this.normalizedPrefix(options.keyPrefix)),
    });
    this.encryptionKey.grantEncryptDecrypt(grantee);
  }

  private objectsArn(prefix: string | undefined): string {
    return `${this.bucketArn}/${prefix ?? ""}*`;
  }

  /** `undefined` for the whole bucket, else the prefix ending in "/". */
  private normalizedPrefix(keyPrefix: string | undefined): string | undefined {
    if (keyPrefix === undefined) return undefined;
    // Wildcards would widen the ARN and the condition; a leading "/" names no S3 key anyone writes.
    if (!/^[a-zA-Z0-9!\-_.'()]+(\/[a-zA-Z0-9!\-_.'()]+)*\/?$/.test(keyPrefix)) {
      throw new ConstructPropsError(
        `${this.node.path}: keyPrefix "${keyPrefix}" must be one or more "/"-separated segments of letters, digits and !-_.'() (no wildcards, no leading "/")`,
      );
    }
    return keyPrefix.endsWith("/") ? keyPrefix : `${keyPrefix}/`;
  }

  private validate(props: SecureBucketProps, noncurrentDays: number, abortDays: number): void {
    const where = this.node.path;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName) || props.bucketName.includes("..")) {
      throw new ConstructPropsError(`${where}: bucketName "${props.bucketName}" must be 3-63 lowercase letters, digits, dots and hyphens`);
    }
    for (const [name, days] of [["noncurrentVersionExpirationDays", noncurrentDays], ["abortIncompleteMultipartUploadDays", abortDays]] as const) {
      if (!Number.isInteger(days) || days < 1) throw new ConstructPropsError(`${where}: ${name} is ${days}; it must be a whole number of days >= 1`);
    }
    (props.transitions ?? []).forEach((t, i) => {
      if (!Number.isInteger(t.days) || t.days < 1) throw new ConstructPropsError(`${where}: transitions[${i}].days is ${t.days}; it must be >= 1`);
    });
  }
}
