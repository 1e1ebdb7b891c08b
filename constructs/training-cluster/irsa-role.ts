import { Construct } from "constructs";
import type { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Fn, ITerraformDependable, TerraformLocal, Token } from "cdktf";
import { PolicyStatement } from "../core/iam";
import { IRole, ServiceRole } from "../core/service-role";
import { ConstructPropsError } from "../core/errors";

export interface IrsaRoleProps {
  readonly roleName: string;
  readonly description: string;
  /** ARN of the cluster's IAM OIDC provider (may be a reference to another stack). */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer, `https://oidc.eks.<region>.amazonaws.com/id/<id>` (may be a reference). */
  readonly oidcIssuerUrl: string;
  /** Namespace of the only service account that may assume the role. */
  readonly namespace: string;
  /** Name of the only service account that may assume the role. */
  readonly serviceAccountName: string;
}

const KUBERNETES_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * An IAM role for one Kubernetes service account (IRSA): only tokens the cluster's OIDC issuer minted for
 * `system:serviceaccount:<namespace>:<serviceAccountName>`, for STS, can assume it. Its permissions come from grants
 * (or, for an AWS add-on, the managed policy AWS maintains for it).
 */
export class IrsaRole extends Construct implements IRole {
  readonly role: ServiceRole;
  readonly roleArn: string;
  readonly roleName: string;
  /** `system:serviceaccount:<namespace>:<name>`, the subject the trust policy admits. */
  readonly subject: string;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    this.validate(props);
    this.subject = `system:serviceaccount:${props.namespace}:${props.serviceAccountName}`;
    const issuer = this.issuerHost(props.oidcIssuerUrl);
    this.role = new ServiceRole(this, "Role", {
      roleName: props.roleName,
      description: props.description,
      trust: [
        {
          Effect: "Allow",
          Principal: { Federated: props.oidcProviderArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${issuer}:sub`]: this.subject, [`${issuer}:aud`]: "sts.amazonaws.com" } },
        },
      ],
    });
    this.roleArn = this.role.roleArn;
    this.roleName = this.role.roleName;
  }

  addToPrincipalPolicy(statement: PolicyStatement): readonly ITerraformDependable[] {
    return this.role.addToPrincipalPolicy(statement);
  }

  /** What gives the role its granted permissions (its inline policy, and the managed policies large grants spread to). */
  get policyResources(): readonly ITerraformDependable[] {
    return this.role.policyResources;
  }

  /** Attaches an AWS-managed policy by name, for add-ons whose permissions AWS defines (e.g. `AmazonEBSCSIDriverPolicy`). */
  attachManagedPolicy(policyName: string): IamRolePolicyAttachment {
    return this.role.attachManagedPolicy(policyName);
  }

  /**
   * The issuer without its scheme, as IAM names it in condition keys (`oidc.eks.../id/<id>:sub`). A literal is cut
   * at synth time so the plan shows it. A reference is cut by Terraform in a local: inline, the quotes of the
   * `replace` call would make the synthesized policy invalid JSON for every tool that reads it before Terraform.
   */
  private issuerHost(url: string): string {
    if (!Token.isUnresolved(url)) return url.slice("https://".length);
    return new TerraformLocal(this, "IssuerHost", Fn.replace(url, "https://", "")).asString;
  }

  private validate(props: IrsaRoleProps): void {
    for (const [name, value] of [["namespace", props.namespace], ["serviceAccountName", props.serviceAccountName]] as const) {
      if (!Token.isUnresolved(value) && !KUBERNETES_NAME.test(value)) {
        throw new ConstructPropsError(`${this.node.path}: ${name} "${value}" must be a Kubernetes name (1-63 lowercase letters, digits, inner hyphens)`);
      }
    }
    if (!Token.isUnresolved(props.oidcIssuerUrl) && !props.oidcIssuerUrl.startsWith("https://")) {
      throw new ConstructPropsError(`${this.node.path}: oidcIssuerUrl "${props.oidcIssuerUrl}" must be the cluster's issuer URL, starting with https://`);
    }
    if (!Token.isUnresolved(props.oidcProviderArn) && !/^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/.+$/.test(props.oidcProviderArn)) {
      throw new ConstructPropsError(`${this.node.path}: oidcProviderArn "${props.oidcProviderArn}" must be an IAM OIDC provider ARN`);
    }
  }
}
