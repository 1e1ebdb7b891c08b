import * as fs from "fs";
import * as path from "path";
import { environmentInputs } from "../../environments/inputs";
import type { Finding } from "../../guardrails/engine";
import { ALL_RULES } from "../../guardrails/rules";
import { shippedSynthDir } from "../support/shipped-synth";

/**
 * Types that carry no setting a rule could judge on their own: they are checked through the resource they
 * belong to (the bucket rules look at the bucket's versioning, encryption, ownership and lifecycle), or are
 * plain plumbing. A new resource type must be covered by a rule or added here with its reason.
 */
const TYPES_WITHOUT_RULES: Record<string, string> = {
  aws_prometheus_alert_manager_definition: "routes the workspace's alerts to the alert topic (SNS, SigV4): the topic and its policy are judged (MLB-SNS-*)",
  aws_codebuild_webhook: "a trigger: it holds nothing and grants nothing; its project is judged (MLB-CODEBUILD-*)",
  aws_codebuild_source_credential: "names a CodeConnections connection (no secret): the connection itself is made and approved in the console",
  aws_s3_bucket_versioning: "judged through its bucket (MLB-S3-002)",
  aws_s3_bucket_server_side_encryption_configuration: "judged through its bucket (MLB-S3-001)",
  aws_s3_bucket_ownership_controls: "judged through its bucket (MLB-S3-005)",
  aws_s3_bucket_lifecycle_configuration: "judged through its bucket (MLB-S3-008)",
  aws_default_security_group: "judged through its VPC (MLB-NET-004)",
  aws_flow_log: "judged through its VPC (MLB-NET-003)",
  aws_vpc_security_group_egress_rule: "outbound rules: the endpoints' HTTPS egress is the design",
  aws_kms_alias: "a name for a key; the key is judged",
  aws_eip: "network plumbing", aws_nat_gateway: "network plumbing", aws_internet_gateway: "network plumbing",
  aws_route: "network plumbing", aws_route_table: "network plumbing", aws_route_table_association: "network plumbing",
  aws_vpc_endpoint: "private paths to AWS services; their security group is judged",
  aws_eks_addon: "versions pinned by the schema", aws_eks_access_entry: "who may use the cluster, from config",
  aws_eks_access_policy_association: "AWS-defined access policies, from config",
  aws_iam_openid_connect_provider: "trust is judged on the roles that use it (MLB-IAM-004)",
  aws_ecr_lifecycle_policy: "expiry of untagged images",
  aws_appautoscaling_target: "capacity", aws_appautoscaling_policy: "capacity",
  aws_budgets_budget: "cost notifications", aws_cloudwatch_dashboard: "a view",
  aws_cloudwatch_event_rule: "its target's role is judged (IAM rules)", aws_cloudwatch_event_target: "its role is judged (IAM rules)",
  aws_sagemaker_model_package_group: "its policy is judged (MLB-SM-012)",
  aws_sagemaker_monitoring_schedule: "its job definition is judged (MLB-SM-005..008)",
  kubernetes_limit_range_v1: "judged with its namespace", kubernetes_resource_quota_v1: "judged with its namespace (MLB-K8S-009)",
  kubernetes_network_policy_v1: "judged with its namespace (MLB-K8S-010)", kubernetes_priority_class_v1: "scheduling order",
  kubernetes_cluster_role_binding_v1: "binds a role that is judged (MLB-K8S-011)",
  aws_sqs_queue_policy: "judged through its queue (MLB-SQS-002)",
  aws_iam_instance_profile: "a holder for a role that is judged (IAM rules)",
  aws_ec2_tag: "Karpenter's discovery tag on the cluster security group",
  aws_prometheus_scraper: "reads the cluster into the workspace (MLB-AMP-*); its role is AWS's service-linked one",
  aws_prometheus_rule_group_namespace: "alert and recording rules of a workspace that is judged (MLB-AMP-*)",
  kubernetes_config_map_v1: "Grafana dashboards as code: JSON, no secrets",
};

const outdir = shippedSynthDir();
const report = JSON.parse(fs.readFileSync(path.join(outdir, "guardrails.json"), "utf8")) as { stacks: { stack: string; findings: Finding[] }[] };
const findings = report.stacks.flatMap((s) => s.findings);
const synthesizedTypes = new Set(
  fs.readdirSync(path.join(outdir, "stacks")).flatMap((id) => Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8")).resource ?? {})),
);

describe("the shipped environments under the guardrails", () => {
  it("synthesize with no unsuppressed error, and the report covers every stack", () => {
    expect(findings.filter((f) => f.severity === "error" && !f.suppressed)).toEqual([]);
    expect(report.stacks).toHaveLength(environmentInputs.length * 6);
  });

  it("need no suppression: the rules themselves decide where they apply (serverless models, NVMe endpoint storage)", () => {
    expect(findings.filter((f) => f.suppressed).map((f) => `${f.ruleId} ${f.address}`)).toEqual([]);
  });

  it("run at least 40 rules with unique ids, each saying why and which public checks it matches", () => {
    expect(ALL_RULES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      expect(rule.id).toMatch(/^MLB-[A-Z0-9]+-\d{3}$/);
      expect(rule.rationale.length).toBeGreaterThan(20);
      expect(Array.isArray(rule.publicChecks)).toBe(true);
    }
  });

  it("cover every resource type the blueprint synthesizes, or say why a type needs no rule of its own", () => {
    const covered = new Set(ALL_RULES.flatMap((r) => r.resourceTypes));
    expect([...synthesizedTypes].filter((type) => !covered.has(type) && !(type in TYPES_WITHOUT_RULES)).sort()).toEqual([]);
    // The list shrinks when rules grow: no stale entries.
    expect(Object.keys(TYPES_WITHOUT_RULES).filter((type) => covered.has(type) || !synthesizedTypes.has(type))).toEqual([]);
  });
});
