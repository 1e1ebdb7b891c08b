/** A statement of an IAM policy document, in AWS's JSON shape. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Something that can be granted permissions: a role whose policy takes statements. */
export interface IGrantable {
  addToPrincipalPolicy(statement: PolicyStatement): void;
}

/** Renders statements as a policy document. Tokens (ARNs of resources) stay as Terraform references inside the JSON. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
