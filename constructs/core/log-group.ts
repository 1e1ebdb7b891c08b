import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Grant } from "./grant";
import { IGrantable } from "./iam";
import { IKmsKey } from "./kms-key";
import { LOG_RETENTION_DAYS } from "./aws-regions";
import { PropsProblem, throwPropsProblems } from "./errors";

export interface EncryptedLogGroupProps {
  readonly logGroupName: string;
  /**
   * Encrypts the log events; its policy is given a statement that lets CloudWatch Logs use it. An imported key's
   * policy must already let CloudWatch Logs of this account and region use it (KmsKey.allowCloudWatchLogs's statement).
   */
  readonly encryptionKey: IKmsKey;
  /** Days events are kept; a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653). */
  readonly retentionDays: number;
}

/**
 * What CloudWatch Logs refuses in a log group's props, each at its field. Shared by EncryptedLogGroup (which throws
 * the first) and the environment schema (logs.retentionDays), so config the schema accepts always builds.
 */
export function logGroupProblems(props: Pick<EncryptedLogGroupProps, "retentionDays">): PropsProblem[] {
  if ((LOG_RETENTION_DAYS as readonly number[]).includes(props.retentionDays)) return [];
  return [{ path: "retentionDays", message: `is ${props.retentionDays}; CloudWatch Logs allows ${LOG_RETENTION_DAYS.join(", ")} days` }];
}

/** A CloudWatch log group that is always KMS-encrypted and always has a retention. */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly logGroupArn: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, logGroupProblems(props));
    props.encryptionKey.allowCloudWatchLogs();
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: props.logGroupName,
      kmsKeyId: props.encryptionKey.keyArn,
      retentionInDays: props.retentionDays,
    });
    this.logGroupArn = this.logGroup.arn;
    this.logGroupName = this.logGroup.name;
  }

  /** Create streams and put events in this group only. */
  grantWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal(grantee, [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: `${this.logGroupArn}:*`,
      },
    ]);
  }
}
