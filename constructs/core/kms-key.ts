import { Lazy, Token } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { Construct, IConstruct } from "constructs";
import { accountRootArn, formatArn, lastArnSegment } from "./arn";
import { awsEnvironmentOf } from "./aws-environment";
import { Grant } from "./grant";
import { IGrantable, PolicyStatement, policyDocument } from "./iam";
import { ConstructPropsError, PropsProblem, throwPropsProblems } from "./errors";

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
/** `arn:<partition>:kms:<region>:<account>:key/<id>` (a key id is a UUID or, multi-Region, `mrk-` and hex). */
const KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-zA-Z-]+$/;
const ENCRYPT_DECRYPT = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/** ScheduleKeyDeletion's PendingWindowInDays. */
const DELETION_WINDOW_DAYS = { min: 7, max: 30 } as const;
const DEFAULT_DELETION_WINDOW_DAYS = 30;

/**
 * What KMS refuses in a key's props, each at its field. Shared by KmsKey (which throws them all) and the
 * environment schema (protection.kmsKeyDeletionWindowDays), so config the schema accepts always builds.
 */
export function kmsKeyProblems(props: Partial<Pick<KmsKeyProps, "alias" | "deletionWindowInDays">>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const days = props.deletionWindowInDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= DELETION_WINDOW_DAYS.min && days <= DELETION_WINDOW_DAYS.max)) {
    problems.push({ path: "deletionWindowInDays", message: `is ${days}; KMS allows whole days ${DELETION_WINDOW_DAYS.min}-${DELETION_WINDOW_DAYS.max}` });
  }
  if (props.alias !== undefined && (!/^[a-zA-Z0-9/_-]{1,250}$/.test(props.alias) || /^(alias|aws)\//.test(props.alias))) {
    problems.push({ path: "alias", message: `is "${props.alias}"; it must be 1-250 of [a-zA-Z0-9/_-], without "alias/" and not in aws/` });
  }
  return problems;
}

/** Whether a statement went into the key policy: not for a key this stack does not own. */
export interface AddToResourcePolicyResult {
  readonly statementAdded: boolean;
}

/**
 * A KMS key: one this stack makes (KmsKey) or one it imports (KmsKey.fromKeyArn). Grants add to the principal's
 * policies, which is all an account's principals need where the key policy gives the key to the account.
 */
export interface IKmsKey extends IConstruct {
  readonly keyArn: string;
  readonly keyId: string;
  /** Adds a statement to the key policy (in a key policy, `Resource: "*"` means this key), if this stack owns the key. */
  addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult;
  /** Lets CloudWatch Logs encrypt the log groups of this account and region with the key, if this stack owns it. */
  allowCloudWatchLogs(): AddToResourcePolicyResult;
  /** Lets other accounts decrypt through S3 only, if this stack owns the key (see KmsKey's). */
  allowAccountsToDecryptViaS3(accountIds: readonly string[]): AddToResourcePolicyResult;
  grantEncryptDecrypt(grantee: IGrantable): Grant;
  grantVolumeEncryption(grantee: IGrantable): Grant;
  grantDecrypt(grantee: IGrantable): Grant;
}

/** The grants, the same for a key made here and one imported: they add to the principal's policies only. */
export abstract class KmsKeyBase extends Construct implements IKmsKey {
  abstract readonly keyArn: string;
  abstract readonly keyId: string;
  abstract addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult;
  abstract allowCloudWatchLogs(): AddToResourcePolicyResult;
  abstract allowAccountsToDecryptViaS3(accountIds: readonly string[]): AddToResourcePolicyResult;

  grantEncryptDecrypt(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, [{ Effect: "Allow", Action: ENCRYPT_DECRYPT, Resource: this.keyArn }]);
  }

  /**
   * Encrypt job volumes and outputs with this key: encrypt/decrypt, and the grants a service (SageMaker, EC2) makes
   * on the grantee's behalf to attach an encrypted volume, for AWS resources only.
   */
  grantVolumeEncryption(grantee: IGrantable): Grant {
    return Grant.combine([
      this.grantEncryptDecrypt(grantee),
      Grant.addToPrincipal(grantee, [{ Effect: "Allow", Action: "kms:CreateGrant", Resource: this.keyArn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } }]),
    ]);
  }

  grantDecrypt(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, [{ Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: this.keyArn }]);
  }
}

/**
 * A customer-managed symmetric KMS key with yearly rotation. Its policy gives the key to the account
 * (so IAM policies decide who uses it) and to the services explicitly allowed; never to `*`.
 */
export class KmsKey extends KmsKeyBase {
  /**
   * A key that exists outside this stack. Importing makes no resource, and its policy stays as its owner wrote it:
   * the allow and addToResourcePolicy methods add nothing (they return `statementAdded: false`), so what a
   * construct needs from the key policy (CloudWatch Logs for an EncryptedLogGroup, services that publish to an
   * encrypted topic or queue) must already be there. Grants add to the principal's policies only, enough when the
   * key policy gives the key to the principal's account.
   * @param keyArn `arn:<partition>:kms:<region>:<account>:key/<id>`, a literal or a reference
   */
  static fromKeyArn(scope: Construct, id: string, keyArn: string): IKmsKey {
    return new ImportedKmsKey(scope, id, keyArn);
  }

  readonly key: KmsKeyResource;
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliasName: string;
  private readonly statements: PolicyStatement[];
  /** Root principals of the accounts allowed by allowAccountsToDecryptViaS3; rendered at synth. */
  private readonly decryptViaS3Principals: string[] = [];

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowInDays = props.deletionWindowInDays ?? DEFAULT_DELETION_WINDOW_DAYS;
    throwPropsProblems(this.node.path, kmsKeyProblems(props));
    const { accountId } = awsEnvironmentOf(this);
    this.statements = [
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: accountRootArn(this, accountId) },
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
  addToResourcePolicy(statement: PolicyStatement): AddToResourcePolicyResult {
    this.statements.push(statement);
    return { statementAdded: true };
  }

  /** Lets CloudWatch Logs encrypt the log groups of this account and region with the key. Idempotent. */
  allowCloudWatchLogs(): AddToResourcePolicyResult {
    if (this.statements.some((s) => s.Sid === CLOUDWATCH_LOGS_SID)) return { statementAdded: true };
    const { region } = awsEnvironmentOf(this);
    return this.addToResourcePolicy({
      Sid: CLOUDWATCH_LOGS_SID,
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ENCRYPT_DECRYPT,
      Resource: "*",
      Condition: {
        ArnLike: { "kms:EncryptionContext:aws:logs:arn": formatArn(this, { service: "logs", resource: "log-group:*" }) },
      },
    });
  }

  /**
   * Lets other accounts decrypt with the key, but only in requests S3 makes on their behalf
   * (`kms:ViaService` = `s3.<region>.amazonaws.com`): they can read SSE-KMS objects that a bucket
   * policy lets them read, and cannot use the key directly. Each account still needs `kms:Decrypt`
   * on this key in its own IAM policies. Repeated calls add accounts to one statement.
   */
  allowAccountsToDecryptViaS3(accountIds: readonly string[]): AddToResourcePolicyResult {
    const { accountId, region } = awsEnvironmentOf(this);
    for (const id of accountIds) {
      if (!/^\d{12}$/.test(id)) throw new ConstructPropsError(`${this.node.path}: account id "${id}" must be 12 digits`);
      if (id === accountId) throw new ConstructPropsError(`${this.node.path}: account ${id} owns the key; give its principals access through IAM instead`);
    }
    for (const principal of accountIds.map((id) => accountRootArn(this, id))) {
      if (!this.decryptViaS3Principals.includes(principal)) this.decryptViaS3Principals.push(principal);
    }
    if (this.decryptViaS3Principals.length === 0) return { statementAdded: false };
    if (this.statements.some((s) => s.Sid === DECRYPT_VIA_S3_SID)) return { statementAdded: true };
    return this.addToResourcePolicy({
      Sid: DECRYPT_VIA_S3_SID,
      Effect: "Allow",
      // The same array, so accounts added by later calls are in the rendered policy.
      Principal: { AWS: this.decryptViaS3Principals },
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    });
  }
}

class ImportedKmsKey extends KmsKeyBase {
  readonly keyId: string;

  constructor(scope: Construct, id: string, readonly keyArn: string) {
    super(scope, id);
    if (!Token.isUnresolved(keyArn) && !KEY_ARN.test(keyArn)) {
      throw new ConstructPropsError(`${this.node.path}: keyArn "${keyArn}" must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<id>`);
    }
    this.keyId = lastArnSegment(keyArn);
  }

  addToResourcePolicy(): AddToResourcePolicyResult {
    return { statementAdded: false };
  }

  allowCloudWatchLogs(): AddToResourcePolicyResult {
    return { statementAdded: false };
  }

  allowAccountsToDecryptViaS3(): AddToResourcePolicyResult {
    return { statementAdded: false };
  }
}
