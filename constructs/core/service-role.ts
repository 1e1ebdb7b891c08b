import { Construct, IConstruct } from "constructs";
import { DefaultTokenResolver, ITerraformDependable, Lazy, StringConcat, Token, Tokenization } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { formatArn, lastArnSegment } from "./arn";
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

/** An IAM role: one this stack makes (ServiceRole) or one it imports (ServiceRole.fromRoleArn). */
export interface IRole extends IConstruct, IGrantable {
  readonly roleArn: string;
  readonly roleName: string;
  /** What gives the role the permissions granted so far; resources that must not start before them depend on these. */
  readonly policyResources: readonly ITerraformDependable[];
}

interface RolePoliciesOptions {
  /** The role's name, as a reference or a literal. */
  readonly roleName: string;
  /** The role in error messages. */
  readonly description: string;
  readonly inlinePolicyName: string;
  readonly managedPolicyName: (n: number) => string;
  readonly managedPolicyQuota: number;
}

/**
 * The policies a role's grants go to: one inline policy, then customer managed policies, each within IAM's limit,
 * counting toward the role's quota of managed policies. Resources are made in `scope`.
 */
class RolePolicies {
  /** Statements granted, as JSON, and the policies that hold them: a statement equal to one already granted is left out. */
  private readonly granted = new Map<string, readonly ITerraformDependable[]>();
  private readonly slots: PolicySlot[] = [];
  private policy?: IamRolePolicy;
  private awsManagedPolicies = 0;
  private grantedSize = 0;

  constructor(
    private readonly scope: Construct,
    private readonly options: RolePoliciesOptions,
  ) {
    const quota = options.managedPolicyQuota;
    if (!Number.isInteger(quota) || quota < 0) {
      throw new ConstructPropsError(`${scope.node.path}: managedPolicyQuota is ${quota}; it must be the account's quota of managed policies per role, a whole number`);
    }
  }

  get policyResources(): readonly ITerraformDependable[] {
    return this.slots.map((slot) => slot.grants);
  }

  attachManagedPolicy(policyName: string): IamRolePolicyAttachment {
    if (this.managedPolicies() >= this.options.managedPolicyQuota) {
      throw new ConstructPropsError(
        `${this.scope.node.path}: attaching ${policyName} would give role ${this.options.description} ${this.managedPolicies() + 1} managed policies; ` +
          `the quota is ${this.options.managedPolicyQuota}. Raise the account's "Managed policies per role" quota and set managedPolicyQuota, or grant less to this role.`,
      );
    }
    this.awsManagedPolicies++;
    return new IamRolePolicyAttachment(this.scope, `Managed-${policyName}`, {
      role: this.options.roleName,
      policyArn: formatArn(this.scope, { service: "iam", region: "", account: "aws", resource: `policy/${policyName}` }),
    });
  }

  add(statement: PolicyStatement): readonly ITerraformDependable[] {
    const text = JSON.stringify(statement);
    const existing = this.granted.get(text);
    if (existing) return existing;
    const size = this.sizeOf(statement);
    this.grantedSize += size;
    const slot = this.slots.find((s) => fits(s, size)) ?? (isResourceList(statement) ? undefined : this.newSlot(size));
    if (slot) put(slot, statement, size);
    const holders = slot ? [slot.grants] : this.spread(statement as PolicyStatement & { Resource: string[] });
    this.granted.set(text, holders);
    return holders;
  }

  /** Puts a statement that fits no policy whole as several, each with part of its resources, filling the room left first. */
  private spread(statement: PolicyStatement & { Resource: string[] }): ITerraformDependable[] {
    const base = this.sizeOf({ ...statement, Resource: [] });
    const sizes = statement.Resource.map((resource) => this.sizeOf(resource));
    const holders: ITerraformDependable[] = [];
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
      if (!holders.includes(slot.grants)) holders.push(slot.grants);
      next = end;
    }
    return holders;
  }

  /** The inline policy on the first grant (an inline policy with no statement is invalid), then managed policies. */
  private newSlot(size: number): PolicySlot {
    const statements: PolicyStatement[] = [];
    const document = Lazy.stringValue({ produce: () => policyDocument(statements) });
    const role = this.options.roleName;
    if (!this.policy) {
      this.policy = new IamRolePolicy(this.scope, "Policy", { role, name: this.options.inlinePolicyName, policy: document });
      return this.addSlot({ statements, size: EMPTY_DOCUMENT, limit: IAM_POLICY_LIMITS.roleInlinePolicies, grants: this.policy }, size);
    }
    const quota = this.options.managedPolicyQuota;
    if (this.managedPolicies() >= quota) {
      throw new ConstructPropsError(
        `${this.scope.node.path}: role ${this.options.description} is granted about ${this.grantedSize} characters of policy (as IAM counts them, ` +
          `references at their longest), more than it can hold: ${IAM_POLICY_LIMITS.roleInlinePolicies} inline and ${quota} managed policies ` +
          `(${this.awsManagedPolicies} of them AWS-managed) of ${IAM_POLICY_LIMITS.managedPolicy}. Grant patterns instead of long lists of ARNs ` +
          `(resources that share a prefix: one ARN ending in *), split the grants over several roles, or raise the account's ` +
          `"Managed policies per role" quota and set managedPolicyQuota.`,
      );
    }
    const n = this.slots.length + 1;
    const managed = new IamPolicy(this.scope, `Policy${n}`, {
      name: this.options.managedPolicyName(n),
      description: "Grants to the role beyond what its inline policy holds",
      policy: document,
    });
    const attachment = new IamRolePolicyAttachment(this.scope, `Policy${n}-Attachment`, { role, policyArn: managed.arn });
    return this.addSlot({ statements, size: EMPTY_DOCUMENT, limit: IAM_POLICY_LIMITS.managedPolicy, grants: attachment }, size);
  }

  private addSlot(slot: PolicySlot, size: number): PolicySlot {
    if (!fits(slot, size)) {
      throw new ConstructPropsError(
        `${this.scope.node.path}: role ${this.options.description} is granted a statement of about ${size} characters (as IAM counts them, references at their longest) ` +
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
    return policySize(JSON.stringify(Tokenization.resolve(value, { scope: this.scope, resolver: TOKEN_RESOLVER })));
  }
}

/** The role in error messages: its name when it is a literal, else its construct path. */
const describeRole = (scope: IConstruct, name: string): string => (Token.isUnresolved(name) ? `of ${scope.node.path}` : `"${name}"`);

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
export class ServiceRole extends Construct implements IRole {
  /**
   * A role that exists outside this stack, e.g. made by another team. Importing makes no resource. Grants to it
   * make an inline policy on the role (`grants-<construct address>`, unique to this import), and customer managed
   * policies beyond it, as for a ServiceRole; IAM's limits then count what this stack grants only, not the
   * policies the role already has.
   * A role of another account cannot take a policy from this stack: grants to it throw, naming the fix.
   * @param roleArn `arn:<partition>:iam::<account>:role/<path><name>`, a literal or a reference
   */
  static fromRoleArn(scope: Construct, id: string, roleArn: string, options: ImportedRoleOptions = {}): IRole {
    return new ImportedRole(scope, id, roleArn, options);
  }

  readonly role: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  private readonly policies: RolePolicies;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    if (props.trust.length === 0) throw new ConstructPropsError(`${this.node.path}: trust must name at least one principal that may assume the role`);
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyDocument(props.trust),
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.policies = new RolePolicies(this, {
      roleName: this.role.name,
      description: describeRole(this, props.roleName),
      inlinePolicyName: "permissions",
      managedPolicyName: (n) => `${props.roleName}-permissions-${n}`,
      managedPolicyQuota: props.managedPolicyQuota ?? IAM_POLICY_LIMITS.managedPoliciesPerRole,
    });
  }

  /** Attaches an AWS-managed policy by name, e.g. `AmazonEKSWorkerNodePolicy`; returns the attachment to depend on. */
  attachManagedPolicy(policyName: string): IamRolePolicyAttachment {
    return this.policies.attachManagedPolicy(policyName);
  }

  /**
   * What gives the role the permissions granted so far: its inline policy and the attachments of the managed policies
   * grants overflowed to. Resources that must not start before the permissions exist depend on these.
   */
  get policyResources(): readonly ITerraformDependable[] {
    return this.policies.policyResources;
  }

  /**
   * Adds a statement; one equal to a statement already there is left out (grants often overlap, e.g. on a key).
   * It goes to the first policy with room, else it is split by resource over the room left and new managed policies.
   * Returns the policies that hold it.
   */
  addToPrincipalPolicy(statement: PolicyStatement): readonly ITerraformDependable[] {
    return this.policies.add(statement);
  }
}

/** `arn:<partition>:iam::<account>:role/<path><name>`. */
export const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/;


export interface ImportedRoleOptions {
  /**
   * Grants add policies to the role. `false` for a role whose policies someone else manages: grants add nothing
   * (their Grant holds no policy), and the role must already have what they would give.
   * @default true
   */
  readonly mutable?: boolean;
  /**
   * As ServiceRoleProps's.
   * @default 10
   */
  readonly managedPolicyQuota?: number;
}

class ImportedRole extends Construct implements IRole {
  readonly roleName: string;
  private readonly policies: RolePolicies;
  private readonly mutable: boolean;
  /** The role's account, where the ARN is a literal of another account than the stack's. */
  private readonly foreignAccount?: string;

  constructor(scope: Construct, id: string, readonly roleArn: string, options: ImportedRoleOptions) {
    super(scope, id);
    if (!Token.isUnresolved(roleArn) && !ROLE_ARN.test(roleArn)) {
      throw new ConstructPropsError(`${this.node.path}: roleArn "${roleArn}" must be an IAM role ARN, arn:<partition>:iam::<account>:role/<name>`);
    }
    this.mutable = options.mutable ?? true;
    const account = Token.isUnresolved(roleArn) ? undefined : roleArn.split(":")[4];
    if (account !== undefined && account !== awsEnvironmentOf(this).accountId) this.foreignAccount = account;
    const managedPolicyQuota = options.managedPolicyQuota ?? IAM_POLICY_LIMITS.managedPoliciesPerRole;
    this.roleName = lastArnSegment(roleArn);
    const policyName = `grants-${this.node.addr}`;
    this.policies = new RolePolicies(this, {
      roleName: this.roleName,
      description: describeRole(this, this.roleName),
      inlinePolicyName: policyName,
      managedPolicyName: (n) => `${policyName}-${n}`,
      managedPolicyQuota,
    });
  }

  get policyResources(): readonly ITerraformDependable[] {
    return this.policies.policyResources;
  }

  addToPrincipalPolicy(statement: PolicyStatement): readonly ITerraformDependable[] {
    if (!this.mutable) return [];
    if (this.foreignAccount) {
      throw new ConstructPropsError(
        `${this.node.path}: the role ${this.roleArn} is in account ${this.foreignAccount}, and a stack can add policies only to roles of its own account; ` +
          "grant it in its account, or import it with { mutable: false } where its policies already allow this",
      );
    }
    return this.policies.add(statement);
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
