import { ITerraformDependable } from "cdktf";
import { IGrantable, PolicyStatement } from "./iam";

/**
 * What a `grantX(principal)` gave: the statements added to the principal's policies and the policy resources that
 * hold them. A resource that must not act before the permission exists (a job or server started as the role)
 * depends on `policyResources`: `dependsOn: [...grant.policyResources]`.
 *
 * Grants are always on the principal's side: a key or bucket imported from outside the stack keeps its own
 * resource policy, so the principal's policy is all a grant can add.
 */
export class Grant {
  /** Adds each statement to the principal's policies, in order. */
  static addToPrincipal(principal: IGrantable, statements: readonly PolicyStatement[]): Grant {
    return new Grant(
      principal,
      statements,
      statements.flatMap((statement) => principal.addToPrincipalPolicy(statement)),
    );
  }

  /** One grant of everything `grants` gave; they must be to the same principal. */
  static combine(grants: readonly [Grant, ...Grant[]]): Grant {
    const [{ principal }] = grants;
    if (grants.some((grant) => grant.principal !== principal)) throw new Error("Grant.combine: grants to different principals");
    return new Grant(
      principal,
      grants.flatMap((grant) => grant.statements),
      grants.flatMap((grant) => grant.policyResources),
    );
  }

  /** The policy resources that hold the statements, each once. */
  readonly policyResources: readonly ITerraformDependable[];

  private constructor(
    readonly principal: IGrantable,
    readonly statements: readonly PolicyStatement[],
    policyResources: readonly ITerraformDependable[],
  ) {
    this.policyResources = [...new Set(policyResources)];
  }
}
