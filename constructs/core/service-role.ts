import { Construct } from "constructs";
import { DefaultTokenResolver, ITerraformDependable, Lazy, StringConcat, Token, Tokenization } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { awsEnvironmentOf } from "./aws-environment";
import { IAM_POLICY_LIMITS, IGrantable, PolicyStatement, policyDocument, policySize } from "./iam";
import { ConstructPropsError } from "./errors";

export interface ServiceRoleProps {
  readonly roleName: string;
  readonly description: string;
  /** Who may assume the role (the trust policy). Use `serviceTrust()` for an AWS service. */
  readonly trust: readonly PolicyStatement[];
  /**
   * How many managed policies the account lets one role have (IAM's "Managed policies per role" quota): grants that
   * outgrow the inline policy go to customer managed policies, which count toward it with `attachManagedPolicy`'s.
   * @default 10 (IAM's default quota; raise it in Service Quotas first)
   */
  readonly managedPolicyQuota?: number;
}

/** One policy document of the role and what is in it. */
interface PolicySlot {
  readonly statements: PolicyStatement[];
  /** Characters as IAM counts them, references at their longest (see `policySize`). */
  size: number;
  readonly limit: number;
  /** What gives the role these permissions: the inline policy, or a managed policy's attachment. */
  readonly grants: ITerraformDependable;
}

/** Resolves tokens as synthesis does (outside the prepare phase, so it adds no cross-stack output). */
const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());
/** Size of a document with no statement: `{"Version":"2012-10-17","Statement":[]}`. */
const EMPTY_DOCUMENT = policySize(policyDocument([]));

/**
 * An IAM role whose permissions come from grants (`grantX(role)` on the resources it uses), collected into one
 * inline policy, so every permission is visible in the plan. AWS-managed policies are attached only where AWS
 * defines and maintains the service's contract (EKS nodes and clusters).
 *
 * IAM limits a role's inline policies to 10,240 characters together. Grants beyond that go to customer managed
 * policies (`<role name>-permissions-<n>`, 6,144 characters each), a statement whose resource list does not fit
 * split over several; when the role's managed policy quota is used up, the grant throws at synth, naming the
 * size. Sizes are counted as IAM does, with each reference at the longest value it can resolve to.
 */
export class ServiceRole extends Construct implements IGrantable {
  readonly role: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  private readonly managedPolicyQuota: number;
  /** The name as given (`roleName` is a reference to the role's). */
  private readonly givenName: string;
  /** Statements granted, as JSON: a statement equal to one already granted is left out. */
  private readonly granted = new Set<string>();
  private readonly slots: PolicySlot[] = [];
  private policy?: IamRolePolicy;
  private awsManagedPolicies = 0;
  private grantedSize = 0;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    if (props.trust.length === 0) throw new ConstructPropsError(`${this.node.path}: trust must name at least one principal that may assume the role`);
    this.managedPolicyQuota = props.managedPolicyQuota ?? IAM_POLICY_LIMITS.managedPoliciesPerRole;
    if (!Number.isInteger(this.managedPolicyQuota) || this.managedPolicyQuota < 0) {
      throw new ConstructPropsError(`${this.node.path}: managedPolicyQuota is ${this.managedPolicyQuota}; it must be the account's quota of managed policies per role, a whole number`);
    }
    this.givenName = props.roleName;
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
    if (this.managedPolicies() >= this.managedPolicyQuota) {
      throw new ConstructPropsError(
        `${this.node.path}: attaching ${policyName} would give role ${this.describeRole()} ${this.managedPolicies() + 1} managed policies; ` +
          `the quota is ${this.managedPolicyQuota}. Raise the account's "Managed policies per role" quota and set managedPolicyQuota, or grant less to this role.`,
      );
    }
    this.awsManagedPolicies++;
    const { partition } = awsEnvironmentOf(this);
    return new IamRolePolicyAttachment(this, `Managed-${policyName}`, {
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/${policyName}`,
    });
  }

  /**
   * What gives the role the permissions granted so far: its inline policy and the attachments of the managed policies
   * grants overflowed to. Resources that must not start before the permissions exist depend on these.
   */
  get policyResources(): readonly ITerraformDependable[] {
    return this.slots.map((slot) => slot.grants);
  }

  /**
   * Adds a statement; one equal to a statement already there is left out (grants often overlap, e.g. on a key).
   * It goes to the first policy with room, else it is split by resource over the room left and new managed policies.
   */
  addToPrincipalPolicy(statement: PolicyStatement): void {
    const text = JSON.stringify(statement);
    if (this.granted.has(text)) return;
    this.granted.add(text);
    const size = this.sizeOf(statement);
    this.grantedSize += size;
    const slot = this.slots.find((s) => fits(s, size)) ?? (isResourceList(statement) ? undefined : this.newSlot(size));
    if (slot) put(slot, statement, size);
    else this.spread(statement as PolicyStatement & { Resource: string[] });
  }

  /** Puts a statement that fits no policy whole as several, each with part of its resources, filling the room left first. */
  private spread(statement: PolicyStatement & { Resource: string[] }): void {
    const base = this.sizeOf({ ...statement, Resource: [] });
    const sizes = statement.Resource.map((resource) => this.sizeOf(resource));
    let next = 0;
    while (next < sizes.length) {
      // A part with one resource more costs its size and a comma; the first adds no comma.
      const room = (s: PolicySlot) => s.limit - s.size - (s.statements.length > 0 ? 1 : 0) - base;
      const slot = this.slots.find((s) => room(s) >= sizes[next]) ?? this.newSlot(base + sizes[next]);
      const space = room(slot);
      let end = next + 1;
      let used = sizes[next];
      while (end < sizes.length && used + 1 + sizes[end] <= space) used += 1 + sizes[end++];
      put(slot, { ...statement, Resource: statement.Resource.slice(next, end) }, base + used);
      next = end;
    }
  }

  /** The inline policy on the first grant (an inline policy with no statement is invalid), then managed policies. */
  private newSlot(size: number): PolicySlot {
    const statements: PolicyStatement[] = [];
    const document = Lazy.stringValue({ produce: () => policyDocument(statements) });
    if (!this.policy) {
      this.policy = new IamRolePolicy(this, "Policy", { role: this.role.name, name: "permissions", policy: document });
      return this.addSlot({ statements, size: EMPTY_DOCUMENT, limit: IAM_POLICY_LIMITS.roleInlinePolicies, grants: this.policy }, size);
    }
    if (this.managedPolicies() >= this.managedPolicyQuota) {
      throw new ConstructPropsError(
        `${this.node.path}: role ${this.describeRole()} is granted about ${this.grantedSize} characters of policy (as IAM counts them, ` +
          `references at their longest), more than it can hold: ${IAM_POLICY_LIMITS.roleInlinePolicies} inline and ${this.managedPolicyQuota} managed policies ` +
          `(${this.awsManagedPolicies} of them AWS-managed) of ${IAM_POLICY_LIMITS.managedPolicy}. Grant patterns instead of long lists of ARNs ` +
          `(resources that share a prefix: one ARN ending in *), split the grants over several roles, or raise the account's ` +
          `"Managed policies per role" quota and set managedPolicyQuota.`,
      );
    }
    const n = this.slots.length + 1;
    const managed = new IamPolicy(this, `Policy${n}`, {
      name: `${this.givenName}-permissions-${n}`,
      description: "Grants to the role beyond what its inline policy holds",
      policy: document,
    });
    const attachment = new IamRolePolicyAttachment(this, `Policy${n}-Attachment`, { role: this.role.name, policyArn: managed.arn });
    return this.addSlot({ statements, size: EMPTY_DOCUMENT, limit: IAM_POLICY_LIMITS.managedPolicy, grants: attachment }, size);
  }

  private addSlot(slot: PolicySlot, size: number): PolicySlot {
    if (!fits(slot, size)) {
      throw new ConstructPropsError(
        `${this.node.path}: role ${this.describeRole()} is granted a statement of about ${size} characters (as IAM counts them, references at their longest) ` +
          `that fits neither the room left in its inline policy nor a managed policy (${IAM_POLICY_LIMITS.managedPolicy}), and names a single resource, so it cannot be split. ` +
          `Shorten the statement: fewer actions or conditions, or a pattern instead of a long value.`,
      );
    }
    this.slots.push(slot);
    return slot;
  }

  private managedPolicies(): number {
    return this.awsManagedPolicies + Math.max(0, this.slots.length - 1);
  }

  /** The size IAM counts for a value of a statement, with its tokens resolved to what Terraform sees (`${aws_s3_bucket.x.arn}`). */
  private sizeOf(value: unknown): number {
    return policySize(JSON.stringify(Tokenization.resolve(value, { scope: this, resolver: TOKEN_RESOLVER })));
  }

  private describeRole(): string {
    return Token.isUnresolved(this.givenName) ? `of ${this.node.path}` : `"${this.givenName}"`;
  }
}

const isResourceList = (statement: PolicyStatement): boolean => Array.isArray(statement.Resource) && statement.Resource.length > 1;
/** Whether a statement of `size` fits the slot, with the comma that separates it from the others. */
const fits = (slot: PolicySlot, size: number): boolean => slot.size + (slot.statements.length > 0 ? 1 : 0) + size <= slot.limit;

function put(slot: PolicySlot, statement: PolicyStatement, size: number): void {
  slot.size += (slot.statements.length > 0 ? 1 : 0) + size;
  slot.statements.push(statement);
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
