import { Construct } from "constructs";
import { PrometheusRuleGroupNamespace } from "@cdktf/provider-aws/lib/prometheus-rule-group-namespace";
import { PrometheusScraper } from "@cdktf/provider-aws/lib/prometheus-scraper";
import { PrometheusWorkspace as PrometheusWorkspaceResource } from "@cdktf/provider-aws/lib/prometheus-workspace";
import { Token } from "cdktf";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import { IKmsKey } from "../core/kms-key";
import { EncryptedLogGroup } from "../core/log-group";
import { resourceName } from "../core/naming";
import { ServiceRole } from "../core/service-role";
import { GPU_ALERT_GROUP, GpuAlertThresholds, gpuAlertRulesYaml, gpuAlertThresholdProblems } from "./alert-rules";
import { scrapeConfigurationYaml, scrapeIntervalProblems } from "./scrape-config";
import { PropsProblem, problemsAt, throwPropsProblems } from "../core/errors";

export interface PrometheusWorkspaceProps {
  /** The training cluster's name as a literal: the workspace's alias, every series' `cluster` label. */
  readonly clusterName: string;
  /** The cluster's ARN (a reference): the collector's source. */
  readonly clusterArn: string;
  /** Where the collector puts its network interfaces: the cluster's private subnets, in at least 2 zones. */
  readonly subnetIds: readonly string[];
  /** The cluster security group: it admits its own members, so the collector reaches the pods it scrapes. */
  readonly clusterSecurityGroupId: string;
  /** Encrypts the workspace's metrics and its log group (see EncryptedLogGroupProps for an imported key). */
  readonly encryptionKey: IKmsKey;
  readonly logRetentionDays: number;
  /** How often the collector scrapes, whole seconds 30-300. */
  readonly scrapeIntervalSeconds: number;
  /** When the GPU alerts fire. */
  readonly alerts: GpuAlertThresholds;
}

/**
 * The training cluster's metrics: an Amazon Managed Service for Prometheus workspace (encrypted with the cluster key,
 * logging to an encrypted log group), an AWS managed collector that scrapes the cluster's GPU, Kueue and Karpenter
 * exporters into it (no agent in the cluster, no remote-write credentials), and the GPU alert rules. Alerts go to the
 * environment's topic through the workspace's alert manager, which the serving stack's Monitoring defines.
 *
 * The collector's access to the cluster: AMP creates the EKS access entry of its service-linked role itself, for a
 * cluster in API authentication mode, with the permissions the AMP user guide lists ("Configure Amazon EKS for scraper
 * access with access entries"); a second entry for the same principal would fail, so none is declared here.
 *
 * A workspace encrypted with a customer managed key takes metrics from a collector only through a role configuration in
 * the same account (AMP user guide, "Creating scraper for workspaces enabled with customer managed keys"): the collector
 * assumes the source role, which assumes the target role that may write to this workspace.
 */
export class PrometheusWorkspace extends Construct {
  readonly workspace: PrometheusWorkspaceResource;
  /** `ws-…`: what the alert manager, rule groups and Grafana's data source name. */
  readonly workspaceId: string;
  readonly workspaceArn: string;
  /** `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`: Grafana queries `<this>api/v1/query`. */
  readonly prometheusEndpoint: string;
  readonly scraper: PrometheusScraper;
  /** The collector's service-linked role (the principal of the access entry AMP makes). */
  readonly scraperRoleArn: string;
  readonly ruleGroupNamespace: PrometheusRuleGroupNamespace;

  constructor(scope: Construct, id: string, props: PrometheusWorkspaceProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, prometheusWorkspaceProblems(props));
    const { accountId, region } = awsEnvironmentOf(this);
    const cluster = props.clusterName;
    const key = props.encryptionKey;

    const logs = new EncryptedLogGroup(this, "Logs", {
      logGroupName: `/aws/prometheus/${cluster}`,
      encryptionKey: key,
      retentionDays: props.logRetentionDays,
    });
    this.workspace = new PrometheusWorkspaceResource(this, "Workspace", {
      alias: cluster,
      kmsKeyArn: key.keyArn,
      loggingConfiguration: { logGroupArn: `${logs.logGroupArn}:*` },
      // The collector tags its destination workspace so: declared, it is no change the next plan would undo.
      tags: { AMPAgentlessScraper: "" },
    });
    this.workspaceId = this.workspace.id;
    this.workspaceArn = this.workspace.arn;
    this.prometheusEndpoint = this.workspace.prometheusEndpoint;

    // The collector writes to a CMK-encrypted workspace only as a role of this account.
    const scrapers = formatArn(this, { service: "aps", resource: "scraper/*" });
    const source = new ServiceRole(this, "ScraperSourceRole", {
      roleName: resourceName([cluster, "scraper-source"], { maxLength: 64 }),
      description: `The managed collector of ${cluster}'s metrics: assumes the role that writes them`,
      trust: [
        {
          Effect: "Allow",
          Principal: { Service: "scraper.aps.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": scrapers } },
        },
      ],
    });
    const target = new ServiceRole(this, "ScraperTargetRole", {
      roleName: resourceName([cluster, "scraper-target"], { maxLength: 64 }),
      description: `Writes the managed collector's metrics of ${cluster} to its workspace`,
      trust: [
        {
          Effect: "Allow",
          Principal: { AWS: source.roleArn },
          Action: "sts:AssumeRole",
          // AMP passes the scraper's ARN as the external id.
          Condition: { StringLike: { "sts:ExternalId": scrapers } },
        },
      ],
    });
    source.addToPrincipalPolicy({ Effect: "Allow", Action: "sts:AssumeRole", Resource: target.roleArn });
    target.addToPrincipalPolicy({ Effect: "Allow", Action: "aps:RemoteWrite", Resource: this.workspaceArn });
    target.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: key.keyArn,
      Condition: { StringEquals: { "kms:ViaService": `aps.${region}.amazonaws.com` } },
    });

    this.scraper = new PrometheusScraper(this, "Scraper", {
      alias: cluster,
      source: [{ eks: [{ clusterArn: props.clusterArn, subnetIds: [...props.subnetIds], securityGroupIds: [props.clusterSecurityGroupId] }] }],
      destination: [{ amp: [{ workspaceArn: this.workspaceArn }] }],
      roleConfiguration: [{ sourceRoleArn: source.roleArn, targetRoleArn: target.roleArn }],
      scrapeConfiguration: scrapeConfigurationYaml({ clusterName: cluster, scrapeIntervalSeconds: props.scrapeIntervalSeconds }),
      dependsOn: [...source.policyResources, ...target.policyResources],
    });
    this.scraperRoleArn = this.scraper.roleArn;

    this.ruleGroupNamespace = new PrometheusRuleGroupNamespace(this, "GpuAlerts", {
      name: GPU_ALERT_GROUP,
      workspaceId: this.workspaceId,
      data: gpuAlertRulesYaml(props.alerts),
    });
  }
}

/**
 * What the managed collector refuses in a workspace's props, or the blueprint does not allow, each at its field
 * (`subnetIds`, `scrapeIntervalSeconds`, `alerts.idleForMinutes`, ...); only the fields given are judged. Shared by
 * PrometheusWorkspace (which throws them all) and the environment schema (training.observability).
 */
export function prometheusWorkspaceProblems(
  props: Partial<Pick<PrometheusWorkspaceProps, "clusterName" | "subnetIds" | "scrapeIntervalSeconds">> & { readonly alerts?: Partial<GpuAlertThresholds> },
): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (props.clusterName !== undefined && (Token.isUnresolved(props.clusterName) || !/^[0-9A-Za-z][-.0-9A-Z_a-z]{0,99}$/.test(props.clusterName))) {
    problems.push({ path: "clusterName", message: `is "${props.clusterName}"; must be a literal of 1-100 letters, digits, ".", "-" and "_" (the workspace's and collector's alias)` });
  }
  if (props.subnetIds !== undefined && props.subnetIds.length < 2) {
    problems.push({ path: "subnetIds", message: `lists ${props.subnetIds.length}; the managed collector needs subnets in at least 2 availability zones` });
  }
  if (props.scrapeIntervalSeconds !== undefined) problems.push(...scrapeIntervalProblems({ scrapeIntervalSeconds: props.scrapeIntervalSeconds }));
  if (props.alerts) problems.push(...problemsAt("alerts", gpuAlertThresholdProblems(props.alerts)));
  return problems;
}
