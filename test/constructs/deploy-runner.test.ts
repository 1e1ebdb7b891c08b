import { KmsKey } from "../../constructs/core/kms-key";
import { DeployRunner, DeployRunnerProps } from "../../constructs/training-cluster/deploy-runner";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { TerraformJson, policyOf, resourcesOfType, synthJson } from "../support/terraform-json";

const CONNECTION = `arn:aws:codeconnections:eu-west-1:${TEST_ACCOUNT}:connection/4f6a1c2e-8d3b-4e5f-9a7c-1b2d3e4f5a6b`;

function synthRunner(props: Partial<DeployRunnerProps> = {}): TerraformJson {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  new DeployRunner(stack, "Runner", {
    projectName: "mlops-test-deploy-runner",
    repositoryUrl: "https://github.com/example-org/mlops-platform",
    connectionArn: CONNECTION,
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-a", "subnet-b"],
    encryptionKey: key,
    logRetentionDays: 30,
    ...props,
  });
  return synthJson(stack);
}

const one = (json: TerraformJson, type: string) => {
  const all = resourcesOfType(json, type);
  expect(all).toHaveLength(1);
  return all[0][1] as Record<string, any>;
};

describe("DeployRunner", () => {
  const json = synthRunner();

  it("is a CodeBuild project that takes GitHub Actions jobs of the repository, through the connection", () => {
    const project = one(json, "aws_codebuild_project");
    expect(project).toMatchObject({
      name: "mlops-test-deploy-runner",
      source: { type: "GITHUB", location: "https://github.com/example-org/mlops-platform", auth: { type: "CODECONNECTIONS", resource: CONNECTION } },
      artifacts: { type: "NO_ARTIFACTS" },
      environment: expect.objectContaining({ privileged_mode: false, type: "LINUX_CONTAINER" }),
      encryption_key: expect.stringContaining("aws_kms_key.Key"),
    });
    expect(one(json, "aws_codebuild_webhook")).toMatchObject({ build_type: "BUILD", filter_group: [{ filter: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }] });
  });

  it("registers the connection as the account's GitHub source credential before the webhook, unless told the account has one", () => {
    expect(one(json, "aws_codebuild_source_credential")).toEqual({ auth_type: "CODECONNECTIONS", server_type: "GITHUB", token: CONNECTION });
    expect(one(json, "aws_codebuild_webhook").depends_on).toEqual([expect.stringMatching(/^aws_codebuild_source_credential\./)]);
    const without = synthRunner({ registerSourceCredential: false });
    expect(resourcesOfType(without, "aws_codebuild_source_credential")).toEqual([]);
    expect(one(without, "aws_codebuild_webhook").depends_on).toBeUndefined();
  });

  it("runs in the private subnets behind a security group that only goes out on HTTPS", () => {
    const project = one(json, "aws_codebuild_project");
    expect(project.vpc_config).toMatchObject({ vpc_id: "vpc-0123456789abcdef0", subnets: ["subnet-a", "subnet-b"], security_group_ids: [expect.stringContaining("aws_security_group.Runner_SecurityGroup")] });
    expect(resourcesOfType(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    expect(one(json, "aws_vpc_security_group_egress_rule")).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
  });

  it("logs to an encrypted group with retention", () => {
    expect(one(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/aws/codebuild/mlops-test-deploy-runner", retention_in_days: 30, kms_key_id: expect.stringContaining("aws_kms_key.Key") });
    expect(one(json, "aws_codebuild_project").logs_config).toMatchObject({ cloudwatch_logs: { status: "ENABLED" }, s3_logs: { status: "DISABLED" } });
  });

  it("has a role trusted by CodeBuild for this account only, allowed its logs, network interfaces in its subnets and the connection, nothing to deploy with", () => {
    const role = one(json, "aws_iam_role");
    expect(policyOf(role, "assume_role_policy").Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "codebuild.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": TEST_ACCOUNT } } }),
    ]);
    const statements = policyOf(one(json, "aws_iam_role_policy")).Statement;
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    // The job deploys with the OIDC deploy role; the runner itself can change nothing outside its own plumbing.
    expect(actions.filter((a) => !/^(logs|ec2|kms|codeconnections|codestar-connections):/.test(a))).toEqual([]);
    const byAction = (action: string) => statements.filter((s) => ([s.Action].flat() as string[]).includes(action));
    expect(byAction("ec2:CreateNetworkInterface")[0].Resource).not.toEqual("*");
    expect(byAction("ec2:CreateNetworkInterfacePermission")[0].Condition).toEqual({
      StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
      ArnEquals: { "ec2:Subnet": [`arn:aws:ec2:eu-west-1:${TEST_ACCOUNT}:subnet/subnet-a`, `arn:aws:ec2:eu-west-1:${TEST_ACCOUNT}:subnet/subnet-b`] },
    });
    expect(byAction("codeconnections:UseConnection")[0].Resource).toBe(CONNECTION);
  });

  it.each([
    [{ repositoryUrl: "git@github.com:o/r.git" }, /: repositoryUrl: "git@github.com:o\/r.git" must be https:\/\/github.com\/<owner>\/<repo>$/],
    [{ connectionArn: "arn:aws:iam::123456789012:role/x" }, /: connectionArn: ".*" must be a CodeConnections connection ARN/],
    [
      { connectionArn: "arn:aws:codeconnections:eu-west-1:999999999999:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab" },
      /: connectionArn: is a connection of account 999999999999, not the runner's 123456789012; make one in this account$/,
    ],
  ])("refuses %p", (props, message) => {
    expect(() => synthRunner(props)).toThrow(message);
  });
});
