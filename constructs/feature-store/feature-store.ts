import { Construct } from "constructs";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { awsEnvironmentOf } from "../core/aws-environment";
import { formatArn } from "../core/arn";
import { Grant } from "../core/grant";
import { IGrantable, PolicyStatement } from "../core/iam";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { SecureBucket } from "../core/secure-bucket";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { FeatureGroup, FeatureGroupSpec, featureGroupName } from "./feature-group";
import { PropsProblem, throwPropsProblems } from "../core/errors";

export interface FeatureStoreProps {
  /** Prefix of every name, e.g. `mlops-prod`. */
  readonly namePrefix: string;
  /** Encrypts the online stores, the offline store objects and its bucket. */
  readonly encryptionKey: IKmsKey;
  /** One SageMaker feature group per spec, named `<name>-v<version>`; names are unique ignoring case. */
  readonly featureGroups: readonly FeatureGroupSpec[];
  /**
   * Days after which offline store objects move to S3 Standard-IA (S3 requires at least 30).
   * @default 90
   */
  readonly transitionToInfrequentAccessDays?: number;
  /**
   * Days a replaced or deleted offline store object version is kept before it expires.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
}

/** Where in the bucket the offline store writes (Feature Store adds `<account>/sagemaker/<region>/offline-store/...`). */
const OFFLINE_STORE_PREFIX = "offline-store";
/** S3 refuses a transition to STANDARD_IA earlier than 30 days after creation. */
const MIN_INFREQUENT_ACCESS_DAYS = 30;

/**
 * A SageMaker Feature Store: versioned feature groups (`<name>-v<version>`, a schema change is a new version beside
 * the old one), their online stores encrypted with the key, one offline store bucket (SSE-KMS, versioned, aging to
 * Standard-IA) and a Glue database that holds one table per group for Athena.
 *
 * Feature Store writes the offline store as `role`, which trusts SageMaker on behalf of this account only and can
 * use only this store's bucket, key and Glue database. Consumers get access with grantRead / grantWrite, scoped
 * to this store's groups, bucket, tables and key.
 */
export class FeatureStore extends Construct {
  readonly offlineBucket: SecureBucket;
  /** `<prefix>_feature_store`: lowercase and underscores, as Glue and Athena want. */
  readonly glueDatabaseName: string;
  readonly featureGroups: readonly FeatureGroup[];
  /** `<name>-v<version>` of every group. */
  readonly featureGroupNames: readonly string[];
  /** The role SageMaker Feature Store assumes to write the offline store. */
  readonly role: ServiceRole;
  /** `s3://<bucket>/offline-store`: every group's offline store is below it. */
  readonly offlineStoreS3Uri: string;
  private readonly encryptionKey: IKmsKey;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const transitionDays = props.transitionToInfrequentAccessDays ?? 90;
    throwPropsProblems(this.node.path, featureStoreProblems(props));
    const { accountId } = awsEnvironmentOf(this);
    this.encryptionKey = props.encryptionKey;

    this.offlineBucket = new SecureBucket(this, "OfflineStore", {
      bucketName: resourceName([props.namePrefix, "feature-store", accountId], { maxLength: 63 }),
      encryptionKey: props.encryptionKey,
      transitions: [{ days: transitionDays, storageClass: "STANDARD_IA" }],
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 90,
    });
    this.offlineStoreS3Uri = `s3://${this.offlineBucket.bucketName}/${OFFLINE_STORE_PREFIX}`;

    this.glueDatabaseName = resourceName([props.namePrefix, "feature-store"], { maxLength: 255, separator: "_" });
    const database = new GlueCatalogDatabase(this, "GlueDatabase", {
      name: this.glueDatabaseName,
      description: `Offline store tables of the ${props.namePrefix} feature store, one per feature group version`,
    });

    this.role = new ServiceRole(this, "Role", {
      roleName: resourceName([props.namePrefix, "feature-store"], { maxLength: 64 }),
      description: `SageMaker Feature Store writes the offline store of ${props.namePrefix}`,
      trust: [serviceTrust("sagemaker.amazonaws.com", accountId)],
    });
    this.grantOfflineStoreWriter(this.role);

    // SageMaker checks what the role may do when it creates a group, so the role's permissions come first
    // (the role itself, the bucket and the database are references, which Terraform orders on its own).
    this.featureGroups = props.featureGroups.map(
      (spec) =>
        new FeatureGroup(this, featureGroupName(spec), {
          spec,
          roleArn: this.role.roleArn,
          encryptionKey: props.encryptionKey,
          // The database by reference, so Terraform creates it before the groups that register tables in it.
          offlineStoreLocation: spec.offlineStore ? { s3Uri: this.offlineStoreS3Uri, glueDatabaseName: database.name } : undefined,
          dependsOn: this.role.policyResources,
        }),
    );
    this.featureGroupNames = this.featureGroups.map((g) => g.featureGroupName);
  }

  /**
   * Read features: DescribeFeatureGroup on every group and GetRecord / BatchGetRecord on those with an online store,
   * read of the offline store objects, the Glue catalog entries of its tables (for Athena), and decrypt. Each group's
   * ARN is listed once (group names share no prefix a pattern could stand for): a store of many groups is a long
   * list, which ServiceRole spreads over managed policies when it outgrows the inline one.
   */
  grantRead(grantee: IGrantable): Grant {
    const online = this.featureGroups.filter((g) => g.hasOnlineStore).map((g) => g.featureGroupArn);
    const offlineOnly = this.featureGroups.filter((g) => !g.hasOnlineStore).map((g) => g.featureGroupArn);
    const groups: PolicyStatement[] = [
      ...(online.length > 0 ? [{ Effect: "Allow" as const, Action: ["sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord", "sagemaker:BatchGetRecord"], Resource: online }] : []),
      ...(offlineOnly.length > 0 ? [{ Effect: "Allow" as const, Action: "sagemaker:DescribeFeatureGroup", Resource: offlineOnly }] : []),
    ];
    return Grant.combine([
      Grant.addToPrincipal(grantee, groups),
      this.offlineBucket.grantRead(grantee), // includes kms:Decrypt on the key
      Grant.addToPrincipal(grantee, [
        {
          Effect: "Allow",
          Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
          Resource: this.glueArns(),
        },
      ]),
    ]);
  }

  /** Ingest: PutRecord / DeleteRecord and DescribeFeatureGroup on every group, and the key to encrypt records. */
  grantWrite(grantee: IGrantable): Grant {
    const all = this.featureGroups.map((g) => g.featureGroupArn);
    const groups: PolicyStatement[] =
      all.length > 0 ? [{ Effect: "Allow", Action: ["sagemaker:PutRecord", "sagemaker:DeleteRecord", "sagemaker:DescribeFeatureGroup"], Resource: all }] : [];
    return Grant.combine([Grant.addToPrincipal(grantee, groups), this.encryptionKey.grantEncryptDecrypt(grantee)]);
  }

  /** What Feature Store itself needs: write the offline store objects and keep each group's Glue table. */
  private grantOfflineStoreWriter(role: ServiceRole): void {
    this.offlineBucket.grantReadWrite(role); // includes encrypt/decrypt on the key
    // Feature Store reads the bucket ACL and writes objects with a bucket-owner-full-control ACL (which S3 accepts
    // with ACLs disabled); AWS's own AmazonSageMakerFeatureStoreAccess grants these two for the same reason.
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetBucketAcl", Resource: this.offlineBucket.bucketArn });
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:PutObjectAcl", Resource: `${this.offlineBucket.bucketArn}/*` });
    role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["glue:CreateTable", "glue:GetTable", "glue:UpdateTable"],
      Resource: this.glueArns(),
    });
  }

  /** The catalog, this store's database and its tables, as literal ARNs. */
  private glueArns(): string[] {
    return ["catalog", `database/${this.glueDatabaseName}`, `table/${this.glueDatabaseName}/*`].map((resource) => formatArn(this, { service: "glue", resource }));
  }
}

/**
 * What S3 would refuse in a store's lifecycle, or would collide among its groups, each at its field
 * (`transitionToInfrequentAccessDays`, `featureGroups.2.version`, ...); only the fields given are judged. Each
 * group's own spec is FeatureGroup's check (featureGroupSpecProblems). Shared by FeatureStore (which throws the
 * first) and the environment schema (data.featureStore), so config the schema accepts always builds.
 */
export function featureStoreProblems(
  props: Partial<Pick<FeatureStoreProps, "transitionToInfrequentAccessDays" | "noncurrentVersionExpirationDays">> & {
    readonly featureGroups?: readonly Pick<FeatureGroupSpec, "name" | "version">[];
  },
): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const transition = props.transitionToInfrequentAccessDays;
  if (transition !== undefined && !(Number.isSafeInteger(transition) && transition >= MIN_INFREQUENT_ACCESS_DAYS)) {
    problems.push({
      path: "transitionToInfrequentAccessDays",
      message: `is ${transition}; S3 moves objects to STANDARD_IA no earlier than ${MIN_INFREQUENT_ACCESS_DAYS} days (a whole number >= ${MIN_INFREQUENT_ACCESS_DAYS})`,
    });
  }
  const noncurrent = props.noncurrentVersionExpirationDays;
  if (noncurrent !== undefined && !(Number.isInteger(noncurrent) && noncurrent >= 1)) {
    problems.push({ path: "noncurrentVersionExpirationDays", message: `is ${noncurrent}; it must be a whole number of days, 1 or more` });
  }
  // Names compare ignoring case: SageMaker ARNs and Glue tables are lowercase, so "A-v1" and "a-v1" would collide.
  const firstIndex = new Map<string, number>();
  (props.featureGroups ?? []).forEach((spec, i) => {
    const name = featureGroupName(spec);
    const earlier = firstIndex.get(name.toLowerCase());
    if (earlier !== undefined) problems.push({ path: `featureGroups.${i}.version`, message: `"${name}" is declared twice (also featureGroups.${earlier}); a schema change needs a new version` });
    else firstIndex.set(name.toLowerCase(), i);
  });
  return problems;
}
