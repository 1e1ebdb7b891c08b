import { Testing } from "cdktf";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import { policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

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
