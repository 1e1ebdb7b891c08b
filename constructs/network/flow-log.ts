import { Construct } from "constructs";
import { FlowLog as FlowLogResource } from "@cdktf/provider-aws/lib/flow-log";
import { awsEnvironmentOf } from "../core/aws-environment";
import { IKmsKey } from "../core/kms-key";
import { EncryptedLogGroup } from "../core/log-group";
import { resourceName } from "../core/naming";
import { ServiceRole, serviceTrust } from "../core/service-role";

export type FlowLogTrafficType = "ALL" | "ACCEPT" | "REJECT";

export interface FlowLogProps {
  readonly namePrefix: string;
  readonly vpcId: string;
  /** Encrypts the log group (see EncryptedLogGroupProps for an imported key). */
  readonly encryptionKey: IKmsKey;
  readonly retentionDays: number;
  readonly trafficType: FlowLogTrafficType;
}

/** VPC flow logs delivered to a KMS-encrypted log group by a role that may write only to that group. */
export class FlowLog extends Construct {
  readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: FlowLogProps) {
    super(scope, id);
    const { accountId } = awsEnvironmentOf(this);
    this.logGroup = new EncryptedLogGroup(this, "LogGroup", {
      logGroupName: `/${props.namePrefix}/vpc-flow-logs`,
      encryptionKey: props.encryptionKey,
      retentionDays: props.retentionDays,
    });
    const role = new ServiceRole(this, "DeliveryRole", {
      roleName: resourceName([props.namePrefix, "vpc-flow-logs"], { maxLength: 64 }),
      description: "Delivers VPC flow logs to their log group",
      trust: [serviceTrust("vpc-flow-logs.amazonaws.com", accountId)],
    });
    this.logGroup.grantWrite(role);
    new FlowLogResource(this, "FlowLog", {
      vpcId: props.vpcId,
      trafficType: props.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: this.logGroup.logGroupArn,
      iamRoleArn: role.roleArn,
      maxAggregationInterval: 60,
    });
  }
}
