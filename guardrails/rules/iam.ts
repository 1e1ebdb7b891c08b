/**
 * IAM: permission policies without wildcards, trust policies without everyone, IRSA roles bound to one
 * service account, no AdministratorAccess, policies within IAM's size limits.
 */
import { IAM_POLICY_LIMITS, UNKNOWN_REFERENCE_LENGTH, policySize } from "../../constructs/core/iam";
import { compliant, nonCompliant, notApplicable, type ResourceView, type Rule, type RuleContext } from "../rule";
import { type ConditionEntry, attached, blocks, bool, conditionEntries, defineRule, describeStatement, isObject, isReference, joinQuoted, policyStatements, principalIsEveryone, str, strings } from "./attributes";
import { asList, effectOf, type PolicyStatementView } from "../policy-document";

// ---------------------------------------------------------------------------------------------------------------
// Reading policy documents

interface LabelledPolicy {
  readonly label: string;
  /** Undefined when the document is absent, unknown (a reference, a plan's unknown value) or not a policy. */
  readonly statements: readonly PolicyStatementView[] | undefined;
}

/** Types whose permission policies IAM-001 and IAM-002 read. */
const PERMISSION_POLICY_TYPES = [
  "aws_iam_policy",
  "aws_iam_role_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
  "aws_iam_role", // inline_policy blocks
] as const;

function permissionPolicies(resource: ResourceView): LabelledPolicy[] {
  if (resource.type === "aws_iam_role") {
    return blocks(resource.attributes.inline_policy).map((inline, i) => ({
      label: `inline_policy "${str(inline.name) ?? i + 1}"`,
      statements: policyStatements(inline.policy),
    }));
  }
  return [{ label: "policy", statements: policyStatements(resource.attributes.policy) }];
}

type ReadablePolicy = LabelledPolicy & { readonly statements: readonly PolicyStatementView[] };
const isReadable = (policy: LabelledPolicy): policy is ReadablePolicy => policy.statements !== undefined;

const isAllow = (statement: PolicyStatementView): boolean => effectOf(statement).trim() === "allow";

/** Every Allow statement of the resource's readable policies, with where it stands. */
function allowStatements(resource: ResourceView): { readonly statement: PolicyStatementView; readonly at: string }[] {
  return permissionPolicies(resource)
    .filter(isReadable)
    .flatMap(({ label, statements }) => statements.map((statement, i) => ({ statement, at: describeStatement(statement, i, label) })))
    .filter(({ statement }) => isAllow(statement));
}

/** `*` (every action of every service). */
const isEveryAction = (action: string): boolean => /^\*+(:\*+)?$/.test(action.trim());
/** `service:*` (every action of one service). */
const isServiceWildcard = (action: string): boolean => /^[^:*]+:\*+$/.test(action.trim());

/** Allow statements that apply to every resource: `Resource: "*"`, or NotResource (everything but a few). */
const onEveryResource = (statement: PolicyStatementView): boolean =>
  asList(statement.Resource).some((r) => r.trim() === "*") ||
  (statement as { NotResource?: unknown }).NotResource !== undefined;

/** Compiled once per pattern: the same few action patterns are matched across every policy of every stack. */
const globs = new Map<string, RegExp>();
function globToRegExp(glob: string): RegExp {
  let compiled = globs.get(glob);
  if (!compiled) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    compiled = new RegExp(`^${body}$`, "i");
    if (globs.size >= 10_000) globs.clear();
    globs.set(glob, compiled);
  }
  return compiled;
}

/**
 * True when every action `action` can stand for is matched by `pattern` (both may hold IAM wildcards; action names
 * are case-insensitive). A wildcard action is covered only by a pattern ending in `*` whose prefix its own
 * literal prefix extends: `ec2:DescribeInst*` is covered by `ec2:Describe*`, `ec2:*` is not.
 */
export function actionCovered(pattern: string, action: string): boolean {
  const a = action.trim().toLowerCase();
  const p = pattern.trim().toLowerCase();
  const wildcardAt = a.search(/[*?]/);
  if (wildcardAt < 0) return globToRegExp(p).test(a);
  if (!p.endsWith("*") || /[*?]/.test(p.slice(0, -1))) return false;
  return a.slice(0, wildcardAt).startsWith(p.slice(0, -1));
}

// ---------------------------------------------------------------------------------------------------------------
// Actions that may be granted on Resource "*"

export interface ResourceStarAction {
  /** An action name or an IAM wildcard pattern. */
  readonly action: string;
  /** Why `*` is the right resource for it. */
  readonly reason: string;
  /** A condition the statement must carry for the action to be allowed on `*`. */
  readonly requires?: { readonly description: string; test(entries: readonly ConditionEntry[]): boolean };
}

const resourceTagCondition = {
  description: "an aws:ResourceTag/<key> condition",
  test: (entries: readonly ConditionEntry[]) =>
    entries.some(
      (e) =>
        /^string(equals|like)(ignorecase)?$/i.test(e.operator) &&
        /^(aws|autoscaling):resourcetag\//i.test(e.key) &&
        e.values.length > 0,
    ),
};

/**
 * Actions that may be allowed on `Resource: "*"`: those that support no resource-level permissions (the Service
 * Authorization Reference lists no resource type for them), plus two whose resources cannot be named in advance
 * and are scoped by a condition instead. Deliberately absent, because they do take resource ARNs:
 * `cloudwatch:DescribeAlarms` (alarm ARNs) and `logs:DescribeLogGroups` (`arn:aws:logs:<region>:<account>:log-group:*`).
 */
export const RESOURCE_STAR_ACTIONS: readonly ResourceStarAction[] = [
  { action: "ec2:Describe*", reason: "EC2 Describe actions support no resource-level permissions" },
  { action: "ec2:GetInstanceTypesFromInstanceRequirements", reason: "no resource type" },
  { action: "autoscaling:Describe*", reason: "Auto Scaling Describe actions support no resource-level permissions" },
  { action: "ecr:GetAuthorizationToken", reason: "a registry-wide token: no resource type" },
  { action: "sts:GetCallerIdentity", reason: "no resource type" },
  { action: "cloudwatch:PutMetricData", reason: "no resource type (scope it with a cloudwatch:namespace condition)" },
  { action: "cloudwatch:GetMetricData", reason: "no resource type" },
  { action: "cloudwatch:GetMetricStatistics", reason: "no resource type" },
  { action: "cloudwatch:ListMetrics", reason: "no resource type" },
  { action: "cloudwatch:DescribeAlarmsForMetric", reason: "no resource type" },
  { action: "eks:DescribeAddonVersions", reason: "no resource type" },
  { action: "eks:DescribeClusterVersions", reason: "no resource type" },
  { action: "eks:ListClusters", reason: "no resource type" },
  { action: "kms:ListKeys", reason: "no resource type" },
  { action: "kms:ListAliases", reason: "no resource type" },
  { action: "s3:ListAllMyBuckets", reason: "no resource type" },
  { action: "xray:PutTraceSegments", reason: "no resource type" },
  { action: "xray:PutTelemetryRecords", reason: "no resource type" },
  { action: "pricing:GetProducts", reason: "no resource type (Karpenter reads on-demand prices)" },
  {
    action: "kms:CreateGrant",
    reason: "grants that AWS services (EBS, SageMaker) create for their own resources on keys they are handed",
    requires: {
      description: 'a Bool condition "kms:GrantIsForAWSResource": "true"',
      test: (entries) =>
        entries.some(
          (e) => e.operator.toLowerCase() === "bool" && e.key.toLowerCase() === "kms:grantisforawsresource" && e.values.every((v) => bool(v) === true),
        ),
    },
  },
  {
    action: "autoscaling:SetDesiredCapacity",
    reason: "Auto Scaling group ARNs hold a generated id: scope by tag (as the cluster autoscaler does)",
    requires: resourceTagCondition,
  },
  {
    action: "autoscaling:TerminateInstanceInAutoScalingGroup",
    reason: "Auto Scaling group ARNs hold a generated id: scope by tag (as the cluster autoscaler does)",
    requires: resourceTagCondition,
  },
];

function allowedOnEveryResource(action: string, statement: PolicyStatementView): boolean {
  const entries = conditionEntries(statement.Condition);
  return RESOURCE_STAR_ACTIONS.some((allowed) => actionCovered(allowed.action, action) && (!allowed.requires || allowed.requires.test(entries)));
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

const noWildcardActions = defineRule({
  id: "MLB-IAM-001",
  severity: "error",
  resourceTypes: PERMISSION_POLICY_TYPES,
  rationale: 'A statement that allows every action ("*", or "service:*" on every resource) grants far more than any workload needs.',
  publicChecks: ["CKV_AWS_62", "CKV_AWS_63", "AWS-0057", "IAM5"],
  check(resource) {
    // A document that is absent, a reference (a data source's json) or not JSON is not judged here: a plan,
    // where it is resolved, is.
    const readable = permissionPolicies(resource).filter(isReadable);
    if (readable.length === 0) return notApplicable;
    const problems: string[] = [];
    for (const { label, statements } of readable) {
      statements.forEach((statement, i) => {
        if (!isAllow(statement)) return;
        const actions = asList(statement.Action);
        const everyResource = onEveryResource(statement);
        if (actions.some(isEveryAction)) problems.push(`${describeStatement(statement, i, label)} allows Action "*"`);
        else {
          const serviceWide = actions.filter(isServiceWildcard);
          if (serviceWide.length > 0 && everyResource) problems.push(`${describeStatement(statement, i, label)} allows ${joinQuoted(serviceWide)} on Resource "*"`);
        }
        if (statement.NotAction !== undefined && everyResource) {
          problems.push(`${describeStatement(statement, i, label)} allows every action but ${joinQuoted(asList(statement.NotAction))} (NotAction) on Resource "*"`);
        }
      });
    }
    return problems.length === 0
      ? compliant
      : nonCompliant(
          problems.join("; "),
          'List the actions the workload calls: no "*", no "service:*" on "*", no Allow with NotAction.',
        );
  },
});

const noUnscopedResources = defineRule({
  id: "MLB-IAM-002",
  severity: "error",
  resourceTypes: PERMISSION_POLICY_TYPES,
  rationale: 'Resource "*" is only right for actions that take no resource ARN; everything else must name its resources.',
  publicChecks: ["CKV_AWS_355", "IAM5"],
  check(resource) {
    const readable = permissionPolicies(resource).filter(isReadable);
    if (readable.length === 0) return notApplicable;
    const problems: string[] = [];
    for (const { label, statements } of readable) {
      statements.forEach((statement, i) => {
        // NotAction, "*" and "service:*" statements are MLB-IAM-001's findings.
        if (!isAllow(statement) || !onEveryResource(statement) || statement.NotAction !== undefined) return;
        const unscoped = asList(statement.Action).filter(
          (action) => !isEveryAction(action) && !isServiceWildcard(action) && !allowedOnEveryResource(action, statement),
        );
        if (unscoped.length > 0) problems.push(`${describeStatement(statement, i, label)} allows ${joinQuoted(unscoped)} on Resource "*"`);
      });
    }
    return problems.length === 0
      ? compliant
      : nonCompliant(
          problems.join("; "),
          'Name the resources (ARNs, or references to them) of these actions. Only actions without resource-level permissions may use "*" (see RESOURCE_STAR_ACTIONS in guardrails/rules/iam.ts); kms:CreateGrant needs kms:GrantIsForAWSResource, autoscaling scaling actions an aws:ResourceTag condition.',
        );
  },
});

const noEveryoneInTrust = defineRule({
  id: "MLB-IAM-003",
  severity: "error",
  resourceTypes: ["aws_iam_role"],
  rationale: 'A trust policy with a "*" principal lets any AWS account (or anyone) assume the role.',
  publicChecks: ["CKV_AWS_60"],
  check(resource) {
    const statements = policyStatements(resource.attributes.assume_role_policy);
    if (statements === undefined) return notApplicable;
    const fix = 'Trust named principals only: a service ("Service": "eks.amazonaws.com"), an account or role ARN, or an OIDC provider with sub/aud conditions.';
    const problems: string[] = [];
    statements.forEach((statement, i) => {
      if (!isAllow(statement)) return;
      if (principalIsEveryone(statement.Principal)) problems.push(`${describeStatement(statement, i, "assume_role_policy")} trusts Principal "*"`);
      if ((statement as { NotPrincipal?: unknown }).NotPrincipal !== undefined) {
        problems.push(`${describeStatement(statement, i, "assume_role_policy")} trusts every principal but those in NotPrincipal`);
      }
    });
    return problems.length === 0 ? compliant : nonCompliant(problems.join("; "), fix);
  },
});

const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[^:*?\s]+:[^:*?\s]+$/;

/**
 * Whether a web-identity statement trusts an EKS cluster's OIDC provider. A literal provider ARN says so
 * (`oidc-provider/oidc.eks.<region>.amazonaws.com/id/...`); a reference (the provider of a cluster built here)
 * counts unless a condition key names another literal issuer (`token.actions.githubusercontent.com:sub`).
 */
function trustsEksOidcProvider(federated: readonly string[], entries: readonly ConditionEntry[]): boolean {
  const literalIssuers = entries
    .map((e) => e.key.replace(/:(sub|aud|amr|oaud)$/i, ""))
    .filter((issuer) => issuer !== "" && !isReference(issuer) && !issuer.includes(":"));
  return federated.some((provider) => {
    if (isReference(provider)) return literalIssuers.every((issuer) => issuer.toLowerCase().includes("oidc.eks."));
    return /:oidc-provider\/oidc\.eks\./i.test(provider);
  });
}

const irsaBoundToServiceAccount = defineRule({
  id: "MLB-IAM-004",
  severity: "error",
  resourceTypes: ["aws_iam_role"],
  rationale: "An IRSA role without a sub condition naming one service account can be assumed by every pod of the cluster.",
  publicChecks: [],
  check(resource) {
    const statements = policyStatements(resource.attributes.assume_role_policy);
    if (statements === undefined) return notApplicable;
    const problems: string[] = [];
    let irsa = false;
    statements.forEach((statement, i) => {
      if (!isAllow(statement) || !asList(statement.Action).some((a) => actionCovered(a, "sts:AssumeRoleWithWebIdentity"))) return;
      const federated = isObject(statement.Principal) ? asList(statement.Principal.Federated) : [];
      const entries = conditionEntries(statement.Condition);
      if (!trustsEksOidcProvider(federated, entries)) return;
      irsa = true;
      const at = describeStatement(statement, i, "assume_role_policy");
      const subjects = entries.filter((e) => /:sub$/i.test(e.key) && /^string(equals|like)$/i.test(e.operator));
      if (subjects.length === 0) {
        problems.push(`${at} has no StringEquals "<issuer>:sub" condition, so every service account of the cluster can assume the role`);
        return;
      }
      for (const entry of subjects) {
        for (const value of entry.values) {
          const subject = typeof value === "string" ? value : JSON.stringify(value);
          if (isReference(subject)) continue; // unknown here: a reference
          if (!SERVICE_ACCOUNT_SUBJECT.test(subject)) {
            problems.push(`${at} has sub condition value "${subject}", which is not one service account (system:serviceaccount:<namespace>:<name>, no wildcard)`);
          }
        }
      }
    });
    if (!irsa) return notApplicable;
    return problems.length === 0
      ? compliant
      : nonCompliant(
          problems.join("; "),
          'Add a StringEquals condition "<issuer host>:sub": "system:serviceaccount:<namespace>:<service account>" (and "<issuer host>:aud": "sts.amazonaws.com").',
        );
  },
});

const ADMINISTRATOR_ACCESS = /^arn:[a-z-]+:iam::aws:policy\/AdministratorAccess$/;

const noAdministratorAccess = defineRule({
  id: "MLB-IAM-005",
  severity: "error",
  resourceTypes: [
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_role_policy_attachments_exclusive",
    "aws_iam_role",
  ],
  rationale: "AdministratorAccess gives a principal every permission in the account, including IAM itself.",
  publicChecks: ["CKV_AWS_274", "IAM4"],
  check(resource) {
    const attrs = resource.attributes;
    const arns =
      resource.type === "aws_iam_role"
        ? strings(attrs.managed_policy_arns)
        : resource.type === "aws_iam_role_policy_attachments_exclusive"
          ? strings(attrs.policy_arns)
          : strings(attrs.policy_arn);
    const admin = arns.filter((arn) => ADMINISTRATOR_ACCESS.test(arn.trim()));
    if (admin.length === 0) return compliant;
    const attribute = resource.type === "aws_iam_role" ? "managed_policy_arns" : resource.type.endsWith("_exclusive") ? "policy_arns" : "policy_arn";
    return nonCompliant(
      `${attribute} attaches ${joinQuoted(admin)}`,
      "Attach a policy that lists the actions and resources this principal needs (or a narrower AWS managed policy).",
    );
  },
});

const CREATE_MODEL_PACKAGE = "sagemaker:CreateModelPackage";
const APPROVAL_STATUS_KEY = "sagemaker:modelapprovalstatus";
const PENDING_APPROVAL = "PendingManualApproval";

/** Whether a statement's actions include sagemaker:CreateModelPackage (by name or wildcard, or not excluded by NotAction). */
function coversCreateModelPackage(statement: PolicyStatementView): boolean {
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((a) => actionCovered(a, CREATE_MODEL_PACKAGE));
  return asList(statement.Action).some((a) => actionCovered(a, CREATE_MODEL_PACKAGE));
}

/** A condition on sagemaker:ModelApprovalStatus, with an operator of `operators`, whose only value is PendingManualApproval. */
function approvalStatusIsPending(statement: PolicyStatementView, operators: RegExp): boolean {
  return conditionEntries(statement.Condition).some(
    (e) => operators.test(e.operator) && e.key.toLowerCase() === APPROVAL_STATUS_KEY && e.values.length > 0 && e.values.every((v) => v === PENDING_APPROVAL),
  );
}

const registerNotApprove = defineRule({
  id: "MLB-IAM-006",
  severity: "error",
  resourceTypes: PERMISSION_POLICY_TYPES,
  rationale:
    "CreateModelPackage can set ModelApprovalStatus to Approved: without a condition limiting it to PendingManualApproval, whoever registers a model version can also approve it and skip the reviewer.",
  publicChecks: [],
  check(resource) {
    const readable = permissionPolicies(resource).filter(isReadable);
    let granted = false;
    const problems: string[] = [];
    for (const { label, statements } of readable) {
      // A Deny of CreateModelPackage for any other status (StringNotEquals[IfExists]) limits every Allow of the document.
      const denied = statements.some(
        (s) => effectOf(s).trim() === "deny" && coversCreateModelPackage(s) && approvalStatusIsPending(s, /^StringNotEquals(IfExists)?$/i),
      );
      statements.forEach((statement, i) => {
        if (!isAllow(statement) || !coversCreateModelPackage(statement)) return;
        granted = true;
        if (denied || approvalStatusIsPending(statement, /^StringEquals(IfExists)?$/i)) return;
        problems.push(`${describeStatement(statement, i, label)} allows ${CREATE_MODEL_PACKAGE} with any sagemaker:ModelApprovalStatus`);
      });
    }
    if (!granted) return notApplicable;
    return problems.length === 0
      ? compliant
      : nonCompliant(
          `${problems.join("; ")}: the principal can register a model version as Approved`,
          `Add Condition StringEqualsIfExists { "sagemaker:ModelApprovalStatus": "${PENDING_APPROVAL}" } to the statement (IfExists: a request without the status registers the version as ${PENDING_APPROVAL}), and leave approval (sagemaker:UpdateModelPackage) to a reviewer's role.`,
        );
  },
});

/** A policy document's size as IAM counts it (see policySize), or undefined when it is absent, unknown or not a policy. */
function sizeOfPolicy(policy: unknown): number | undefined {
  if (policyStatements(policy) === undefined) return undefined;
  return policySize(typeof policy === "string" ? policy : JSON.stringify(policy));
}

/**
 * The inline policies of a role, by name, with their sizes: its inline_policy blocks (a plan lists every inline policy
 * of an existing role there) and the aws_iam_role_policy resources whose role is this one, which replace a block of
 * the same name. Policies whose document is unknown are left out.
 */
function inlinePoliciesOf(role: ResourceView, context: RuleContext): Map<string, number> {
  const sizes = new Map<string, number>();
  blocks(role.attributes.inline_policy).forEach((inline, i) => {
    const size = sizeOfPolicy(inline.policy);
    if (size !== undefined) sizes.set(str(inline.name) ?? `inline_policy ${i + 1}`, size);
  });
  for (const policy of attached(role, context, "aws_iam_role_policy", "role", [role.attributes.name, role.attributes.id])) {
    const size = sizeOfPolicy(policy.attributes.policy);
    if (size !== undefined) sizes.set(str(policy.attributes.name) ?? policy.address, size);
  }
  return sizes;
}

const SIZE_COUNTED = `as IAM counts them: white space left out, each \${...} reference at the longest value it can resolve to (${UNKNOWN_REFERENCE_LENGTH} for one of unknown kind)`;
const SIZE_FIX =
  "Replace lists of ARNs with patterns where resources share a prefix (one ARN ending in *), move statements to customer managed policies " +
  `(aws_iam_policy and aws_iam_role_policy_attachment, ${IAM_POLICY_LIMITS.managedPolicy} characters each, ${IAM_POLICY_LIMITS.managedPoliciesPerRole} managed policies per role by default), ` +
  "or split the permissions over several roles. ServiceRole does the splitting for grants made through it.";

const policiesWithinSizeLimits = defineRule({
  id: "MLB-IAM-007",
  severity: "error",
  resourceTypes: ["aws_iam_role", "aws_iam_role_policy", "aws_iam_policy"],
  rationale: `IAM refuses a managed policy over ${IAM_POLICY_LIMITS.managedPolicy} characters and a role whose inline policies together pass ${IAM_POLICY_LIMITS.roleInlinePolicies}: the apply fails, after everything before it changed.`,
  publicChecks: [],
  check(resource, context) {
    if (resource.type === "aws_iam_role") {
      const sizes = inlinePoliciesOf(resource, context);
      if (sizes.size === 0) return notApplicable;
      const total = [...sizes.values()].reduce((sum, size) => sum + size, 0);
      if (total <= IAM_POLICY_LIMITS.roleInlinePolicies) return compliant;
      const each = [...sizes].map(([name, size]) => `"${name}" ${size}`).join(", ");
      return nonCompliant(
        `the role's inline policies come to about ${total} characters together (${each}; ${SIZE_COUNTED}); IAM allows ${IAM_POLICY_LIMITS.roleInlinePolicies} for all inline policies of a role`,
        SIZE_FIX,
      );
    }
    const size = sizeOfPolicy(resource.attributes.policy);
    if (size === undefined) return notApplicable;
    const [limit, what] =
      resource.type === "aws_iam_policy"
        ? [IAM_POLICY_LIMITS.managedPolicy, "a managed policy"]
        : [IAM_POLICY_LIMITS.roleInlinePolicies, "a role's inline policies together"];
    return size <= limit
      ? compliant
      : nonCompliant(`the policy document comes to about ${size} characters (${SIZE_COUNTED}); IAM allows ${limit} for ${what}`, SIZE_FIX);
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Node provisioners (Karpenter): EC2 writes scoped to the cluster, PassRole to named roles for EC2 only

/** EC2 actions that launch, tag or remove capacity: a provisioner's role must reach only its own cluster's. */
const CAPACITY_ACTIONS = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate", "ec2:CreateTags", "ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"];
/** EC2 resource types those actions make or change, whose ARNs hold ids nobody knows in advance. */
const CAPACITY_RESOURCE = /^arn:[^:]*:ec2:[^:]*:[^:]*:(instance|fleet|launch-template|volume|network-interface|spot-instances-request|spot-fleet-request)\/(.*)$/i;

/** The statement's capacity resources that are patterns (or `*`): what a tag condition must scope. */
function unscopedCapacityResources(statement: PolicyStatementView): string[] {
  if ((statement as { NotResource?: unknown }).NotResource !== undefined) return ["NotResource"];
  return asList(statement.Resource).filter((resource) => {
    const text = resource.trim().replace(/\$\{[^}]*\}/g, "ref");
    if (text === "*") return true;
    const match = CAPACITY_RESOURCE.exec(text);
    return match !== null && match[2].includes("*");
  });
}

/** A condition that ties a request to this cluster's tags: aws:ResourceTag/kubernetes.io/cluster/<c> or an aws:RequestTag. */
function scopedToCluster(entries: readonly ConditionEntry[]): boolean {
  return entries.some(
    (e) =>
      /^(ForAllValues:|ForAnyValue:)?string(equals|like)(ignorecase)?$/i.test(e.operator) &&
      e.values.length > 0 &&
      e.values.every((v) => typeof v === "string" && v.trim() !== "" && v.trim() !== "*") &&
      (/^(aws|ec2):resourcetag\/kubernetes\.io\/cluster\/./i.test(e.key) || /^aws:requesttag\/./i.test(e.key)),
  );
}

const capacityScopedToCluster = defineRule({
  id: "MLB-IAM-008",
  severity: "error",
  resourceTypes: PERMISSION_POLICY_TYPES,
  rationale: "A role that launches, tags or terminates instances (a node provisioner) must reach only its own cluster's: by an aws:ResourceTag/kubernetes.io/cluster/<cluster> or aws:RequestTag condition.",
  publicChecks: [],
  check(resource) {
    const granting = allowStatements(resource)
      .map(({ statement, at }) => ({ statement, at, actions: asList(statement.Action).filter((action) => CAPACITY_ACTIONS.some((target) => actionCovered(action, target))) }))
      .filter(({ actions }) => actions.length > 0);
    if (granting.length === 0) return notApplicable;
    const problems = granting.flatMap(({ statement, at, actions }) => {
      const unscoped = unscopedCapacityResources(statement);
      if (unscoped.length === 0 || scopedToCluster(conditionEntries(statement.Condition))) return [];
      return [`${at} allows ${joinQuoted(actions)} on ${joinQuoted(unscoped)} with no aws:ResourceTag/kubernetes.io/cluster/<cluster> or aws:RequestTag condition`];
    });
    return problems.length === 0
      ? compliant
      : nonCompliant(
          `${problems.join("; ")}: the role could launch or terminate any instance in the account`,
          'Add Condition StringEquals { "aws:ResourceTag/kubernetes.io/cluster/<cluster>": "owned" } to statements on existing instances and launch templates, and { "aws:RequestTag/kubernetes.io/cluster/<cluster>": "owned" } to those that create them (as Karpenter\'s reference policy does).',
        );
  },
});

const ROLE_ARN = /^arn:[^:]*:iam::[^:]*:role\/(.+)$/i;

const passRoleNamed = defineRule({
  id: "MLB-IAM-009",
  severity: "error",
  resourceTypes: PERMISSION_POLICY_TYPES,
  rationale: "iam:PassRole on any role, or to any service, lets a principal hand a more powerful role to EC2 or Lambda and act through it: name the roles and the service.",
  publicChecks: [],
  check(resource) {
    const granting = allowStatements(resource).filter(({ statement }) => asList(statement.Action).some((action) => actionCovered(action, "iam:PassRole")));
    if (granting.length === 0) return notApplicable;
    const problems: string[] = [];
    for (const { statement, at } of granting) {
      const resources = asList(statement.Resource);
      const unnamed = resources.filter((r) => {
        const text = r.trim();
        if (isReference(text) && !text.startsWith("arn:")) return false; // a reference to a role
        const role = ROLE_ARN.exec(text.replace(/\$\{[^}]*\}/g, "ref"));
        return role === null || /^[*?/]*$/.test(role[1]) || role[1].endsWith("*");
      });
      if ((statement as { NotResource?: unknown }).NotResource !== undefined) unnamed.push("NotResource");
      if (resources.length === 0 && unnamed.length === 0) unnamed.push("no Resource");
      if (unnamed.length > 0) problems.push(`${at} passes ${joinQuoted(unnamed)}, not named role ARNs`);
      const service = conditionEntries(statement.Condition).some(
        (e) => /^string(equals|like)$/i.test(e.operator) && e.key.toLowerCase() === "iam:passedtoservice" && e.values.length > 0 && e.values.every((v) => typeof v === "string" && !v.includes("*")),
      );
      if (!service) problems.push(`${at} has no StringEquals "iam:PassedToService" condition`);
    }
    return problems.length === 0
      ? compliant
      : nonCompliant(
          problems.join("; "),
          'Name the role ARNs (the node role) in Resource and add Condition StringEquals { "iam:PassedToService": "ec2.amazonaws.com" }.',
        );
  },
});

export const iamRules: readonly Rule[] = [
  noWildcardActions,
  noUnscopedResources,
  noEveryoneInTrust,
  irsaBoundToServiceAccount,
  noAdministratorAccess,
  registerNotApprove,
  policiesWithinSizeLimits,
  capacityScopedToCluster,
  passRoleNamed,
];
