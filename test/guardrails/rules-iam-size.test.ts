import { Testing } from "cdktf";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { IAM_POLICY_LIMITS, policyDocument } from "../../constructs/core/iam";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { evaluate, resourcesOfStackJson, type Finding } from "../../guardrails/engine";
import type { ResourceView } from "../../guardrails/rule";
import { iamRules } from "../../guardrails/rules/iam";
import { TEST_ACCOUNT, testStack } from "../support/stack";

const rule = iamRules.find((r) => r.id === "MLB-IAM-007")!;
const arns = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `arn:aws:sagemaker:eu-west-1:${TEST_ACCOUNT}:feature-group/customer-behaviour-aggregates-${from + i}-v1`);
const describe_ = (resources: string[]) => ({ Effect: "Allow" as const, Action: "sagemaker:DescribeFeatureGroup", Resource: resources });
const trust = policyDocument([serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)]);

/** MLB-IAM-007's findings on a synthesized stack. */
function findings(stack: ReturnType<typeof testStack>): Finding[] {
  const resources = resourcesOfStackJson(JSON.parse(Testing.synth(stack)));
  return evaluate(resources, { rules: [rule], protected: false });
}

describe("MLB-IAM-007 on synthesized stacks", () => {
  it("passes the policies ServiceRole spreads a grant of 300 ARNs and 40 bucket references over", () => {
    const stack = testStack();
    const bucket = new S3Bucket(stack, "Bucket", { bucket: "b" });
    const role = new ServiceRole(stack, "Team", { roleName: "team", description: "d", trust: [serviceTrust("ec2.amazonaws.com", TEST_ACCOUNT)] });
    role.addToPrincipalPolicy(describe_(arns(300)));
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 40 }, (_, i) => `${bucket.arn}/teams/${i}/*`) });
    expect(role.policyResources.length).toBeGreaterThan(2);
    expect(findings(stack)).toEqual([]);
  });

  it("flags a role whose one inline policy holds the 200 ARNs a single document cannot, and the policy itself", () => {
    const stack = testStack();
    const role = new IamRole(stack, "Team", { name: "team", assumeRolePolicy: trust });
    new IamRolePolicy(stack, "Permissions", { name: "permissions", role: role.name, policy: policyDocument([describe_(arns(200))]) });
    const found = findings(stack);
    expect(found.map((f) => f.address).sort()).toEqual([expect.stringMatching(/^aws_iam_role\.Team/), expect.stringMatching(/^aws_iam_role_policy\.Permissions/)]);
    const onRole = found.find((f) => f.address.startsWith("aws_iam_role.Team"))!;
    expect(onRole.message).toMatch(/^the role's inline policies come to about (\d+) characters together \("permissions" \1; as IAM counts them.*\); IAM allows 10240 for all inline policies of a role$/);
    expect(onRole.fix).toMatch(/customer managed policies .* 6144 characters each/);
  });

  it("adds up a role's inline policies, each within the limit, and leaves out another role's policy that names it", () => {
    const stack = testStack();
    const role = new IamRole(stack, "Team", { name: "team", assumeRolePolicy: trust });
    const other = new IamRole(stack, "Other", { name: "other", assumeRolePolicy: trust });
    new IamRolePolicy(stack, "A", { name: "a", role: role.name, policy: policyDocument([describe_(arns(70))]) });
    new IamRolePolicy(stack, "B", { name: "b", role: role.name, policy: policyDocument([describe_(arns(70, 70))]) });
    // Names the team role (PassRole) but belongs to the other one.
    new IamRolePolicy(stack, "Pass", { name: "pass", role: other.name, policy: policyDocument([{ Effect: "Allow", Action: "iam:PassRole", Resource: role.arn }, describe_(arns(90, 200))]) });
    const found = findings(stack);
    expect(found.map((f) => f.address)).toEqual([expect.stringMatching(/^aws_iam_role\.Team/)]);
    expect(found[0].message).toMatch(/"a" \d+, "b" \d+;/);
  });

  it("flags a managed policy over 6,144 characters, counting each reference of unknown kind at 2,048", () => {
    const stack = testStack();
    new IamPolicy(stack, "Listed", { name: "listed", policy: policyDocument([describe_(arns(80))]) });
    new IamPolicy(stack, "Variables", {
      name: "variables",
      policy: policyDocument([{ Effect: "Allow", Action: "s3:GetObject", Resource: ["${var.a}", "${var.b}", "${var.c}"] }]),
    });
    new IamPolicy(stack, "Small", { name: "small", policy: policyDocument([describe_(arns(60))]) });
    const found = findings(stack);
    expect(found.map((f) => f.address).sort()).toEqual([expect.stringMatching(/^aws_iam_policy\.Listed/), expect.stringMatching(/^aws_iam_policy\.Variables/)]);
    for (const finding of found) expect(finding.message).toMatch(new RegExp(`IAM allows ${IAM_POLICY_LIMITS.managedPolicy} for a managed policy$`));
  });
});

describe("MLB-IAM-007 on a plan", () => {
  const planned = (type: string, name: string, attributes: Record<string, unknown>): ResourceView => ({ type, address: `${type}.${name}`, attributes });
  const document = JSON.stringify(JSON.parse(policyDocument([describe_(arns(53))])), null, 2);

  it("counts an inline policy once when the role's inline_policy blocks also list it, and white space not at all", () => {
    // Two of these fit IAM's 10,240 only because white space does not count.
    expect(2 * document.replace(/\s/g, "").length).toBeLessThanOrEqual(IAM_POLICY_LIMITS.roleInlinePolicies);
    expect(2 * document.length).toBeGreaterThan(IAM_POLICY_LIMITS.roleInlinePolicies);
    const role = planned("aws_iam_role", "Team", { name: "team", id: "team", inline_policy: [{ name: "permissions", policy: document }, { name: "more", policy: document }] });
    const policy = (name: string) => planned("aws_iam_role_policy", name, { name, role: "team", policy: document });
    const context = (resources: ResourceView[]) => ({ resources, protected: false, referencing: () => [] });
    expect(rule.check(role, context([role, policy("permissions"), policy("more")]))).toEqual({ status: "compliant" });
    expect(rule.check(role, context([role, policy("permissions"), policy("more"), policy("third")])).status).toBe("non-compliant");
  });

  it("does not judge a document only apply knows", () => {
    const policy = planned("aws_iam_role_policy", "Later", { name: "later", role: "team" });
    expect(rule.check(policy, { resources: [policy], protected: false, referencing: () => [] })).toEqual({ status: "not-applicable" });
  });
});
