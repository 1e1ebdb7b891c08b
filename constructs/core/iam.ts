import type { ITerraformDependable } from "cdktf";

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
  /**
   * Adds the statement to the principal's own policies; returns the policy resources that hold it (a resource that
   * must not act before the permission exists depends on them).
   */
  addToPrincipalPolicy(statement: PolicyStatement): readonly ITerraformDependable[];
}

/** Renders statements as a policy document. Tokens (ARNs of resources) stay as Terraform references inside the JSON. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

// ---------------------------------------------------------------------------------------------------------------
// Policy size, as IAM counts it. Shared by ServiceRole (which splits its grants to fit) and the guardrail
// MLB-IAM-007 (which checks any stack's policies), so both count the same way.

/**
 * IAM's limits on the permissions of a role (IAM and AWS STS quotas,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Sizes are characters of the policy
 * document; IAM does not count white space.
 */
export const IAM_POLICY_LIMITS = {
  /** Every inline policy of one role together (fixed). */
  roleInlinePolicies: 10_240,
  /** One customer managed policy (fixed). */
  managedPolicy: 6_144,
  /** Managed policies attached to one role: IAM's default quota (Service Quotas can raise it). */
  managedPoliciesPerRole: 10,
} as const;

/** `aws-us-gov`, the longest partition name. */
const PARTITION = 10;
/** The longest region code is 14 characters (`ap-southeast-5`); 20 leaves room for regions to come. */
const REGION = 20;
const ACCOUNT = 12;
/** `arn:<partition>:<service>:<region>:<account>:` at its longest. */
const arnPrefix = (service: string) => `arn::${service}:::`.length + PARTITION + REGION + ACCOUNT;
/** `arn:<partition>:iam::<account>:` at its longest (IAM ARNs have no region). */
const IAM_ARN_PREFIX = "arn::iam:::".length + PARTITION + ACCOUNT;

/**
 * The longest value a reference (`<resource type>.<attribute>`) resolves to, from the service's own limits on the
 * names in it, e.g. an S3 bucket ARN is `arn:<partition>:s3:::` and a name of at most 63 characters. A policy
 * document holds references (`${aws_s3_bucket.x.arn}`) whose values only apply knows: counting each at its
 * longest keeps a size estimated at synth an upper bound of the size IAM counts.
 */
export const REFERENCE_LENGTH_BOUNDS: Readonly<Record<string, number>> = {
  "aws_s3_bucket.arn": "arn::s3:::".length + PARTITION + 63,
  "aws_s3_bucket.bucket": 63,
  "aws_s3_bucket.id": 63,
  // Key ids are UUIDs (36 characters) or, for multi-Region keys, mrk- and 32 hex digits (36).
  "aws_kms_key.arn": arnPrefix("kms") + "key/".length + 36,
  "aws_kms_key.key_id": 36,
  "aws_kms_key.id": 36,
  "aws_kms_alias.arn": arnPrefix("kms") + 256,
  "aws_ecr_repository.arn": arnPrefix("ecr") + "repository/".length + 256,
  "aws_ecr_repository.name": 256,
  // A role's path is at most 512 characters, its name 64.
  "aws_iam_role.arn": IAM_ARN_PREFIX + "role".length + 512 + 64,
  "aws_iam_role.name": 64,
  "aws_iam_role.id": 64,
  "aws_iam_openid_connect_provider.arn": IAM_ARN_PREFIX + "oidc-provider/".length + 255,
  "aws_cloudwatch_log_group.arn": arnPrefix("logs") + "log-group:".length + 512 + ":*".length,
  "aws_cloudwatch_log_group.name": 512,
  "aws_sns_topic.arn": arnPrefix("sns") + 256,
  "aws_sqs_queue.arn": arnPrefix("sqs") + 80,
  "aws_dynamodb_table.arn": arnPrefix("dynamodb") + "table/".length + 255,
  "aws_eks_cluster.arn": arnPrefix("eks") + "cluster/".length + 100,
  "aws_eks_cluster.name": 100,
  "aws_sagemaker_feature_group.arn": arnPrefix("sagemaker") + "feature-group/".length + 64,
  "aws_sagemaker_model_package_group.arn": arnPrefix("sagemaker") + "model-package-group/".length + 63,
  "aws_glue_catalog_database.name": 255,
  "aws_subnet.id": "subnet-".length + 17,
  "aws_security_group.id": "sg-".length + 17,
  "aws_vpc.id": "vpc-".length + 17,
  "aws_caller_identity.account_id": ACCOUNT,
  "aws_partition.partition": PARTITION,
  "aws_region.name": REGION,
  "aws_region.region": REGION,
  "aws_region.id": REGION,
};

/**
 * Any other reference or expression (a variable, a local, a function call): counted as 2,048 characters, the
 * longest ARN IAM accepts (the arnType of its API), since a policy's values are ARNs, names and keys.
 */
export const UNKNOWN_REFERENCE_LENGTH = 2048;

/** cdktf names a cross-stack output `cross-stack-output-<type><construct path>_<8 hex digits><attribute>`. */
const CROSS_STACK_OUTPUT = /\.outputs\.cross-stack-output-([A-Za-z0-9_-]+)$/;
const RESOURCE_ATTRIBUTE = /^(?:data\.)?(aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+\.([a-z0-9_]+)$/;

/**
 * The longest value the Terraform expression inside `${...}` resolves to: REFERENCE_LENGTH_BOUNDS for an attribute
 * it lists, read directly (`aws_s3_bucket.x.arn`) or through a cdktf cross-stack output; UNKNOWN_REFERENCE_LENGTH
 * for anything else, including a cross-stack output whose name is ambiguous.
 */
export function referenceLengthBound(expression: string): number {
  const text = expression.trim();
  const direct = RESOURCE_ATTRIBUTE.exec(text);
  if (direct) return REFERENCE_LENGTH_BOUNDS[`${direct[1]}.${direct[2]}`] ?? UNKNOWN_REFERENCE_LENGTH;
  const output = CROSS_STACK_OUTPUT.exec(text)?.[1];
  if (output === undefined) return UNKNOWN_REFERENCE_LENGTH;
  const matches = Object.entries(REFERENCE_LENGTH_BOUNDS).filter(([key]) => {
    const [type, attribute] = key.split(".");
    // A construct path that starts in lowercase could belong to a longer type (aws_s3_bucket_object...): no match.
    return output.startsWith(type) && new RegExp(`^[A-Z0-9][A-Za-z0-9_-]*_[0-9A-F]{8}${attribute}$`).test(output.slice(type.length));
  });
  return matches.length === 1 ? matches[0][1] : UNKNOWN_REFERENCE_LENGTH;
}

/** Index of the `}` that closes the `{` at `open`, or -1. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/**
 * The size of a policy document (JSON text) as IAM counts it, as an upper bound: every character but white space
 * outside strings (white space inside strings counts too, which only overestimates), each `${...}` reference at
 * referenceLengthBound, and `$${` (Terraform's escape for a literal `${`, as in IAM policy variables) as `${`.
 */
export function policySize(document: string): number {
  let size = 0;
  let inString = false;
  for (let i = 0; i < document.length; i++) {
    const c = document[i];
    if (c === "$" && document[i + 1] === "$" && document[i + 2] === "{") {
      size += 1;
      i += 1;
    } else if (c === "$" && document[i + 1] === "{" && closingBrace(document, i + 1) > 0) {
      const end = closingBrace(document, i + 1);
      size += referenceLengthBound(document.slice(i + 2, end));
      i = end;
    } else if (inString && c === "\\") {
      size += 2;
      i += 1;
    } else {
      if (c === '"') inString = !inString;
      if (inString || !/\s/.test(c)) size += 1;
    }
  }
  return size;
}
