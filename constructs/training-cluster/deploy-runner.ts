import { Construct } from "constructs";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildSourceCredential } from "@cdktf/provider-aws/lib/codebuild-source-credential";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { IKmsKey } from "../core/kms-key";
import { EncryptedLogGroup } from "../core/log-group";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { PropsProblem, throwPropsProblems } from "../core/errors";

export interface DeployRunnerProps {
  /** The CodeBuild project's name; GitHub Actions jobs ask for it with `runs-on: codebuild-<name>-<run id>-<attempt>`. */
  readonly projectName: string;
  /** `https://github.com/<owner>/<repo>`: the repository whose workflow jobs this runner takes. */
  readonly repositoryUrl: string;
  /** An AWS CodeConnections (or CodeStar Connections) connection to GitHub, made once in the console. */
  readonly connectionArn: string;
  readonly vpcId: string;
  /** Private subnets the runner's network interfaces go in (they reach the internet through NAT). */
  readonly subnetIds: readonly string[];
  /** Encrypts the runner's logs and build output (see EncryptedLogGroupProps for an imported key). */
  readonly encryptionKey: IKmsKey;
  readonly logRetentionDays: number;
  /**
   * CodeBuild compute type of a runner.
   * @default "BUILD_GENERAL1_MEDIUM"
   */
  readonly computeType?: string;
  /**
   * Minutes a job may run.
   * @default 120
   */
  readonly timeoutMinutes?: number;
  /**
   * Register the connection as the account's CodeBuild source credential for GitHub. CodeBuild creates the
   * repository webhook with the account's credential, and refuses ("Access denied to connection") without
   * one even when the project names the connection. CodeBuild keeps one GitHub credential per account and
   * region: set false where the account has one already.
   * @default true
   */
  readonly registerSourceCredential?: boolean;
}

const GITHUB_REPOSITORY = /^https:\/\/github\.com\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const CONNECTION_ARN = /^arn:aws:(codeconnections|codestar-connections):[a-z0-9-]+:(\d{12}):connection\/[0-9a-f-]+$/;

/**
 * What CodeBuild would refuse in a runner's source, each at its field; `accountId` is the runner's: a connection
 * belongs to one account, and a copied file's would make CodeBuild refuse the project. Shared by DeployRunner
 * (which throws them all) and the environment schema (training.deployRunner).
 */
export function deployRunnerProblems(props: Pick<DeployRunnerProps, "repositoryUrl" | "connectionArn">, accountId: string | undefined): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (!GITHUB_REPOSITORY.test(props.repositoryUrl)) problems.push({ path: "repositoryUrl", message: `"${props.repositoryUrl}" must be https://github.com/<owner>/<repo>` });
  const connectionAccount = CONNECTION_ARN.exec(props.connectionArn)?.[2];
  if (connectionAccount === undefined) {
    problems.push({ path: "connectionArn", message: `"${props.connectionArn}" must be a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)` });
  } else if (accountId !== undefined && connectionAccount !== accountId) {
    problems.push({ path: "connectionArn", message: `is a connection of account ${connectionAccount}, not the runner's ${accountId}; make one in this account` });
  }
  return problems;
}

/**
 * A GitHub Actions runner inside the VPC, hosted by CodeBuild: jobs that must reach what is private (the
 * cluster's API endpoint) run on it with `runs-on: codebuild-<projectName>-${{ github.run_id }}-${{ github.run_attempt }}`.
 * Its own role may only write its logs and place network interfaces in its subnets; the job takes its deploy
 * credentials from GitHub's OIDC as on any runner. Its security group (`securityGroupId`) is what to let in.
 */
export class DeployRunner extends Construct {
  readonly project: CodebuildProject;
  readonly projectName: string;
  /** The runner's security group: allow it where the runner must connect (e.g. the cluster's API). */
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: DeployRunnerProps) {
    super(scope, id);
    const { accountId } = awsEnvironmentOf(this);
    throwPropsProblems(this.node.path, deployRunnerProblems(props, accountId));

    const securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: props.projectName,
      description: "GitHub Actions runner: HTTPS out only",
      vpcId: props.vpcId,
    });
    // GitHub, package registries and AWS APIs are all HTTPS; DNS goes to the VPC resolver, which no security group filters.
    new VpcSecurityGroupEgressRule(this, "HttpsOut", {
      securityGroupId: securityGroup.id,
      description: "HTTPS to GitHub, registries and AWS APIs",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    this.securityGroupId = securityGroup.id;

    const logs = new EncryptedLogGroup(this, "Logs", {
      logGroupName: `/aws/codebuild/${props.projectName}`,
      encryptionKey: props.encryptionKey,
      retentionDays: props.logRetentionDays,
    });
    const role = new ServiceRole(this, "Role", {
      roleName: props.projectName.slice(0, 64),
      description: `CodeBuild-hosted GitHub Actions runner ${props.projectName}`,
      trust: [serviceTrust("codebuild.amazonaws.com", accountId)],
    });
    logs.grantWrite(role);
    props.encryptionKey.grantEncryptDecrypt(role);
    // What CodeBuild needs to run a build in a VPC (AWS CodeBuild user guide, "Use CodeBuild with Amazon VPC").
    const ec2Arn = (resource: string) => formatArn(this, { service: "ec2", resource });
    role.addToPrincipalPolicy({
      Sid: "DescribeNetwork",
      Effect: "Allow",
      Action: ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
      Resource: "*",
    });
    role.addToPrincipalPolicy({
      Sid: "NetworkInterfacesOfTheRunner",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
      Resource: [ec2Arn("network-interface/*"), ...props.subnetIds.map((id) => ec2Arn(`subnet/${id}`)), ec2Arn(`security-group/${securityGroup.id}`)],
    });
    role.addToPrincipalPolicy({
      Sid: "NetworkInterfacesInTheRunnerSubnets",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterfacePermission",
      Resource: ec2Arn("network-interface/*"),
      Condition: {
        StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
        ArnEquals: { "ec2:Subnet": props.subnetIds.map((id) => ec2Arn(`subnet/${id}`)) },
      },
    });
    role.addToPrincipalPolicy({
      Sid: "UseTheGitHubConnection",
      Effect: "Allow",
      Action: ["codeconnections:GetConnectionToken", "codeconnections:GetConnection", "codeconnections:UseConnection", "codestar-connections:GetConnectionToken", "codestar-connections:GetConnection", "codestar-connections:UseConnection"],
      Resource: props.connectionArn,
    });

    this.project = new CodebuildProject(this, "Project", {
      name: props.projectName,
      description: `GitHub Actions runner in the VPC for ${props.repositoryUrl}`,
      serviceRole: role.roleArn,
      encryptionKey: props.encryptionKey.keyArn,
      buildTimeout: props.timeoutMinutes ?? 120,
      source: { type: "GITHUB", location: props.repositoryUrl, auth: { type: "CODECONNECTIONS", resource: props.connectionArn } },
      artifacts: { type: "NO_ARTIFACTS" },
      environment: {
        type: "LINUX_CONTAINER",
        image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        computeType: props.computeType ?? "BUILD_GENERAL1_MEDIUM",
        privilegedMode: false,
        imagePullCredentialsType: "CODEBUILD",
      },
      vpcConfig: { vpcId: props.vpcId, subnets: [...props.subnetIds], securityGroupIds: [securityGroup.id] },
      logsConfig: { cloudwatchLogs: { groupName: logs.logGroupName, status: "ENABLED" }, s3Logs: { status: "DISABLED" } },
      // The role's permissions must exist before CodeBuild validates the project against them.
      dependsOn: [...role.policyResources],
    });
    this.projectName = this.project.name;
    const credential =
      props.registerSourceCredential === false
        ? undefined
        : new CodebuildSourceCredential(this, "SourceCredential", { authType: "CODECONNECTIONS", serverType: "GITHUB", token: props.connectionArn });
    new CodebuildWebhook(this, "Webhook", {
      projectName: this.project.name,
      buildType: "BUILD",
      filterGroup: [{ filter: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }],
      ...(credential ? { dependsOn: [credential] } : {}),
    });
  }
}
