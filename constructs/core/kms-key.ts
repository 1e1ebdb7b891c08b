import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { awsEnvironmentOf } from "./aws-environment";
import { IGrantable, PolicyStatement, policyDocument } from "./iam";
import { ConstructPropsError } from "./errors";

export interface KmsKeyProps {
  /** Alias name without the `alias/` prefix, e.g. `mlops-prod-data`. */
  readonly alias: string;
  readonly description: string;
  /**
   * Days between scheduling the key's deletion and the deletion, 7-30.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

const CLOUDWATCH_LOGS_SID = "CloudWatchLogsEncryptsLogGroups";
const DECRYPT_VIA_S3_SID = "OtherAccountsDecryptThroughS3";
const ENCRYPT_DECRYPT = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/**
 * A customer-managed symmetric KMS key with yearly rotation. Its policy gives the key to the account
 * (so IAM policies decide who uses it) and to the services explicitly allowed; never to `*`.
 */
export class KmsKey extends Construct {
  readonly key: KmsKeyResource;
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasName: string;
  private readonly statements: PolicyStatement[];
  /** Root principals of the accounts allowed by allowAccountsToDecryptViaS3; rendered at synth. */
  private readonly decryptViaS3Principals: string[] = [];

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowInDays = props.deletionWindowInDays ?? 30;
    if (!Number.isInteger(deletionWindowInDays) || deletionWindowInDays < 7 || deletionWindowInDays > 30) {
      throw new ConstructPropsError(`${this.node.path}: deletionWindowInDays is ${deletionWindowInDays}; KMS allows 7-30 days`);
    }
    if (!/^[a-zA-Z0-9/_-]{1,250}$/.test(props.alias) || /^(alias|aws)\//.test(props.alias)) {
      throw new ConstructPropsError(`${this.node.path}: alias "${props.alias}" must be 1-250 of [a-zA-Z0-9/_-], without "alias/" and not in aws/`);
    }
    const { accountId, partition } = awsEnvironmentOf(this);
    this.statements = [
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ];
    this.key = new KmsKeyResource(this, "Key", {
      description: props.description,
      enableKeyRotation: true,
      isEnabled: true,
      deletionWindowInDays,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
    this.aliasName = `alias/${props.alias}`;
    new KmsAlias(this, "Alias", { name: this.aliasName, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
    this.keyId = this.key.keyId;
  }

  /** Adds a statement to the key policy (in a key policy, `Resource: "*"` means this key). */
  addToResourcePolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  /** Lets CloudWatch Logs encrypt the log groups of this account and region with the key. Idempotent. */
  allowCloudWatchLogs(): void {
    if (this.statements.some((s) => s.Sid === CLOUDWATCH_LOGS_SID)) return;
    const { accountId, region, partition } = awsEnvironmentOf(this);
    this.addToResourcePolicy({
      Sid: CLOUDWATCH_LOGS_SID,
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ENCRYPT_DECRYPT,
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` },
      },
    });
  }

  /**
   * Lets other accounts decrypt with the key, but only in requests S3 makes on their behalf
   * (`kms:ViaService` = `s3.<region>.amazonaws.com`): they can read SSE-KMS objects that a bucket
   * policy lets them read, and cannot use the key directly. Each account still needs `kms:Decrypt`
   * on this key in its own IAM policies. Repeated calls add accounts to one statement.
   */
  allowAccountsToDecryptViaS3(accountIds: readonly string[]): void {
    const { accountId, region, partition } = awsEnvironmentOf(this);
    for (const id of accountIds) {
      if (!/^\d{12}$/.test(id)) throw new ConstructPropsError(`${this.node.path}: account id "${id}" must be 12 digits`);
      if (id === accountId) throw new ConstructPropsError(`${this.node.path}: account ${id} owns the key; give its principals access through IAM instead`);
    }
    for (const principal of accountIds.map((id) => `arn:${partition}:iam::${id}:root`)) {
      if (!this.decryptViaS3Principals.includes(principal)) this.decryptViaS3Principals.push(principal);
    }
    if (this.decryptViaS3Principals.length === 0 || this.statements.some((s) => s.Sid === DECRYPT_VIA_S3_SID)) return;
    this.addToResourcePolicy({
      Sid: DECRYPT_VIA_S3_SID,
      Effect: "Allow",
      // The same array, so accounts added by later calls are in the rendered policy.
      Principal: { AWS: this.decryptViaS3Principals },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    });
  }

  grantEncryptDecrypt(grantee: IGrantable): void {
    grantee.addToPrincipalPolicy({ Effect: "Allow", Action: ENCRYPT_DECRYPT, Resource: this.keyArn });
  }

  /**
   * Encrypt job volumes and outputs with this key: encrypt/decrypt, and the grants a service (SageMaker, EC2) makes
   * on the grantee's behalf to attach an encrypted volume, for AWS resources only.
   */
  grantVolumeEncryption(grantee: IGrantable): void {
    this.grantEncryptDecrypt(grantee);
    grantee.addToPrincipalPolicy({ Effect: "Allow", Action: "kms:CreateGrant", Resource: this.keyArn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } });
  }

  grantDecrypt(grantee: IGrantable): void {
    grantee.addToPrincipalPolicy({ Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: this.keyArn });
  }
}
