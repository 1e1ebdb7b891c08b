import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { awsEnvironmentOf } from "./aws-environment";
import { IGrantable, PolicyStatement, policyDocument } from "./iam";

export interface ServiceRoleProps {
  readonly roleName: string;
  readonly description: string;
  /** Who may assume the role (the trust policy). Use `serviceTrust()` for an AWS service. */
  readonly trust: readonly PolicyStatement[];
}

/**
 * An IAM role whose permissions come from grants (`grantX(role)` on the resources it uses), collected
 * into one inline policy, so every permission is visible in the plan. AWS-managed policies are attached
 * only where AWS defines and maintains the service's contract (EKS nodes and clusters).
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly role: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  private readonly statements: PolicyStatement[] = [];
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    if (props.trust.length === 0) throw new Error(`${this.node.path}: trust must name at least one principal that may assume the role`);
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyDocument(props.trust),
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
  }

  /** Attaches an AWS-managed policy by name, e.g. `AmazonEKSWorkerNodePolicy`; returns the attachment to depend on. */
  attachManagedPolicy(policyName: string): IamRolePolicyAttachment {
    const { partition } = awsEnvironmentOf(this);
    return new IamRolePolicyAttachment(this, `Managed-${policyName}`, {
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/${policyName}`,
    });
  }

  /** The inline policy, once something was granted: resources that must not start before the permissions exist depend on it. */
  get inlinePolicy(): IamRolePolicy | undefined {
    return this.policy;
  }

  /** Adds a statement; one equal to a statement already there is left out (grants often overlap, e.g. on a key). */
  addToPrincipalPolicy(statement: PolicyStatement): void {
    const text = JSON.stringify(statement);
    if (this.statements.some((existing) => JSON.stringify(existing) === text)) return;
    this.statements.push(statement);
    // Created on the first grant: an inline policy with no statement is invalid.
    this.policy ??= new IamRolePolicy(this, "Policy", {
      role: this.role.name,
      name: "permissions",
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });
  }
}

/**
 * Trust for an AWS service principal. With an account, only calls made on behalf of that account
 * (confused-deputy guard); leave it out for services that do not send aws:SourceAccount (EC2, EKS).
 */
export function serviceTrust(service: string, accountId?: string): PolicyStatement {
  return {
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(accountId ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } } : {}),
  };
}
