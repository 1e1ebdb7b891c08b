import { DefaultTokenResolver, StringConcat, Testing, Tokenization } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { IAM_POLICY_LIMITS, PolicyStatement, policySize } from "../../constructs/core/iam";
import { ServiceRole, ServiceRoleProps, serviceTrust } from "../../constructs/core/service-role";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

describe("ServiceRole", () => {
  it("trusts the service on behalf of this account only", () => {
    const stack = testStack();
    new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("vpc-flow-logs.amazonaws.com", TEST_ACCOUNT)] });
    const [[, role]] = resourcesOfType(synthJson(stack), "aws_iam_role");
    expect(policyOf(role, "assume_role_policy").Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } },
      },
    ]);
  });

  it("has no policy until something is granted, then one inline policy with every grant", () => {
    const stack = testStack();
    const role = new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    expect(resourcesOfType(JSON.parse(Testing.synth(stack)), "aws_iam_role_policy")).toHaveLength(0);
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" });
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
    const policies = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policies).toHaveLength(1);
    expect(policyOf(policies[0][1]).Statement).toHaveLength(2);
  });

  it("refuses a role nobody can assume", () => {
    expect(() => new ServiceRole(testStack(), "Role", { roleName: "r", description: "d", trust: [] })).toThrow(/test\/Role: trust must name/);
  });
});

describe("ServiceRole statements", () => {
  it("holds each statement once when grants overlap", () => {
    const stack = testStack();
    const role = new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    const statement = { Effect: "Allow" as const, Action: ["kms:Decrypt"], Resource: "arn:aws:kms:eu-west-1:123456789012:key/k" };
    role.addToPrincipalPolicy(statement);
    role.addToPrincipalPolicy({ ...statement });
    const [[, policy]] = resourcesOfType(synthJson(stack), "aws_iam_role_policy");
    expect(policyOf(policy).Statement).toEqual([statement]);
  });
});

describe("ServiceRole within IAM's size limits", () => {
  const arns = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `arn:aws:sagemaker:eu-west-1:${TEST_ACCOUNT}:feature-group/customer-behaviour-aggregates-${from + i}-v1`);
  const role = (stack = testStack(), props: Partial<ServiceRoleProps> = {}) =>
    new ServiceRole(stack, "Role", { roleName: "r", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)], ...props });
  type Statement = Record<string, unknown>;
  /** One entry per action and resource a statement allows: equal sets grant the same. */
  const atoms = (statements: readonly Statement[]) =>
    new Set(statements.flatMap((s) => [s.Action].flat().flatMap((a) => [s.Resource].flat().map((r) => JSON.stringify([s.Effect, a, r, s.Condition ?? null])))));

  function documents(json: TerraformJson) {
    const inline = resourcesOfType(json, "aws_iam_role_policy").map(([, p]) => p.policy as string);
    const managed = resourcesOfType(json, "aws_iam_policy").map(([name, p]) => ({ name, attributes: p }));
    return { inline, managed };
  }

  it("spreads grants beyond the inline policy over managed policies, each within its limit, granting exactly the same", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "Bucket", { bucket: "b" });
    const target = role(stack);
    const granted: Statement[] = [
      { Effect: "Allow", Action: ["sagemaker:DescribeFeatureGroup", "sagemaker:GetRecord"], Resource: arns(250) },
      { Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 60 }, (_, i) => `${bucket.arn}/team-${i}/*`) },
      { Effect: "Allow", Action: "sagemaker:CreateModelPackage", Resource: arns(3, 900), Condition: { StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } } },
    ];
    for (const statement of granted) target.addToPrincipalPolicy(statement as unknown as PolicyStatement);
    const json = synthJson(stack);
    const { inline, managed } = documents(json);
    expect(inline).toHaveLength(1);
    expect(managed.length).toBeGreaterThan(1);
    expect(managed.length).toBeLessThanOrEqual(IAM_POLICY_LIMITS.managedPoliciesPerRole);
    expect(policySize(inline[0])).toBeLessThanOrEqual(IAM_POLICY_LIMITS.roleInlinePolicies);
    for (const { attributes } of managed) expect(policySize(attributes.policy as string)).toBeLessThanOrEqual(IAM_POLICY_LIMITS.managedPolicy);
    expect(managed.map(({ attributes }) => attributes.name)).toEqual(managed.map((_, i) => `r-permissions-${i + 2}`));

    const attachments = resourcesOfType(json, "aws_iam_role_policy_attachment").map(([, a]) => a);
    expect(attachments.map((a) => a.policy_arn).sort()).toEqual(managed.map(({ name }) => `\${aws_iam_policy.${name}.arn}`).sort());
    for (const attachment of attachments) expect(attachment.role).toMatch(/^\$\{aws_iam_role\.Role_[0-9A-F]+\.name\}$/);
    expect(target.policyResources).toHaveLength(1 + managed.length);

    const synthesized = [...inline, ...managed.map(({ attributes }) => attributes.policy as string)].flatMap((p) => (JSON.parse(p) as { Statement: Statement[] }).Statement);
    const asGranted = Tokenization.resolve(granted, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }) as Statement[];
    expect(atoms(synthesized)).toEqual(atoms(asGranted));
  });

  it("puts a statement where there is room rather than in a new policy", () => {
    const stack = testStack();
    const target = role(stack);
    target.addToPrincipalPolicy({ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: arns(150) });
    const before = target.policyResources.length;
    target.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" });
    expect(target.policyResources).toHaveLength(before);
  });

  it("refuses grants beyond the managed policy quota at synth, naming the role, the size and the fix", () => {
    const target = role(testStack(), { managedPolicyQuota: 2 });
    expect(() => target.addToPrincipalPolicy({ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: arns(400) })).toThrow(
      /^test\/Role: role "r" is granted about \d{5} characters of policy \(as IAM counts them, references at their longest\), more than it can hold: 10240 inline and 2 managed policies \(0 of them AWS-managed\) of 6144\. Grant patterns instead of long lists of ARNs .* set managedPolicyQuota\.$/,
    );
  });

  it("counts AWS-managed policies toward the quota, in either order", () => {
    const attachedFirst = role(testStack(), { managedPolicyQuota: 1 });
    attachedFirst.attachManagedPolicy("AmazonEKSWorkerNodePolicy");
    expect(() => attachedFirst.addToPrincipalPolicy({ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: arns(150) })).toThrow(
      /1 managed policies \(1 of them AWS-managed\)/,
    );
    const grantedFirst = role(testStack(), { managedPolicyQuota: 1 });
    grantedFirst.addToPrincipalPolicy({ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: arns(150) });
    expect(() => grantedFirst.attachManagedPolicy("AmazonEKSWorkerNodePolicy")).toThrow(
      /^test\/Role: attaching AmazonEKSWorkerNodePolicy would give role "r" 2 managed policies; the quota is 1\./,
    );
  });

  it("refuses a single statement no policy can hold", () => {
    const huge = { StringEquals: { "aws:PrincipalTag/team": Array.from({ length: 800 }, (_, i) => `team-number-${i}`) } };
    expect(() => role().addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*", Condition: huge })).toThrow(
      /^test\/Role: role "r" is granted a statement of about \d+ characters .* that fits neither the room left in its inline policy nor a managed policy \(6144\)/,
    );
  });

  it("refuses a managed policy quota that is not a count", () => {
    expect(() => role(testStack(), { managedPolicyQuota: -1 })).toThrow(/managedPolicyQuota is -1/);
  });
});
