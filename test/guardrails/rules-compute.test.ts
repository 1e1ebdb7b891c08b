import { retrainingPipelineDefinition } from "../../constructs/pipelines/pipeline-definition";
import fc from "fast-check";
import type { ResourceView, Rule, RuleContext, RuleResult } from "../../guardrails/rule";
import { eksRules } from "../../guardrails/rules/eks";
import { actionCovered, iamRules } from "../../guardrails/rules/iam";
import { imageParts, kubernetesRules } from "../../guardrails/rules/kubernetes";
import { networkRules } from "../../guardrails/rules/network";
import { sagemakerRules } from "../../guardrails/rules/sagemaker";

const RULES: readonly Rule[] = [...iamRules, ...networkRules, ...eksRules, ...sagemakerRules, ...kubernetesRules];

// ---- Fixtures --------------------------------------------------------------------------------------------------

const resource = (type: string, name: string, attributes: Record<string, unknown>): ResourceView => ({ type, address: `${type}.${name}`, attributes });

/** A rule context over `resources`; a resource refers to another when its attributes hold `${<address>.`. */
function contextOf(resources: readonly ResourceView[], isProtected = false): RuleContext {
  return {
    resources,
    protected: isProtected,
    referencing: (address, type) => resources.filter((r) => r.type === type && JSON.stringify(r.attributes).includes("${" + address + ".")),
  };
}

const policy = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rolePolicy = (...statements: Record<string, unknown>[]) =>
  resource("aws_iam_role_policy", "Policy", { name: "permissions", role: "${aws_iam_role.Role.name}", policy: policy(...statements) });
const trustRole = (...statements: Record<string, unknown>[]) => resource("aws_iam_role", "Role", { name: "role", assume_role_policy: policy(...statements) });

const ISSUER = "${local.Cluster_Role_IssuerHost_67CD6668}";
const irsaStatement = (condition: Record<string, unknown>, federated = "${aws_iam_openid_connect_provider.Cluster_OidcProvider_7184AB77.arn}") => ({
  Effect: "Allow",
  Principal: { Federated: federated },
  Action: "sts:AssumeRoleWithWebIdentity",
  Condition: condition,
});

/** The cluster autoscaler's policy as the workloads stack synthesizes it. */
const AUTOSCALER_POLICY = rolePolicy(
  {
    Sid: "DescribeScalingInputs",
    Effect: "Allow",
    Action: ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements"],
    Resource: "*",
  },
  { Sid: "DescribeThisClustersNodeGroups", Effect: "Allow", Action: "eks:DescribeNodegroup", Resource: "arn:aws:eks:eu-west-1:161803398874:nodegroup/${data.terraform_remote_state.training.outputs.cluster_name}/*/*" },
  {
    Sid: "ScaleThisClustersNodeGroups",
    Effect: "Allow",
    Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
    Resource: "*",
    Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/${data.terraform_remote_state.training.outputs.cluster_name}": "owned" } },
  },
);

const VPC = resource("aws_vpc", "Vpc", { cidr_block: "10.30.0.0/16" });
const FLOW_LOG = resource("aws_flow_log", "FlowLog", { vpc_id: "${aws_vpc.Vpc.id}", traffic_type: "ALL" });
const DEFAULT_SG = resource("aws_default_security_group", "Default", { vpc_id: "${aws_vpc.Vpc.id}" });

const launchTemplate = (metadata: unknown, extra: Record<string, unknown> = {}) => resource("aws_launch_template", "Nodes", { name_prefix: "nodes-", metadata_options: metadata, ...extra });
const IMDS_OK = { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 };

const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const cluster = (overrides: Record<string, unknown> = {}) =>
  resource("aws_eks_cluster", "Cluster", {
    name: "training",
    version: "1.33",
    enabled_cluster_log_types: ALL_LOG_TYPES,
    encryption_config: { provider: { key_arn: "${aws_kms_key.ClusterKey.arn}" }, resources: ["secrets"] },
    vpc_config: { endpoint_private_access: true, endpoint_public_access: false, subnet_ids: ["subnet-1"] },
    ...overrides,
  });
/** The same cluster as a plan's planned values show it: nested blocks as lists, resolved values, nulls. */
const PLANNED_CLUSTER = resource("aws_eks_cluster", "Cluster", {
  name: "training",
  version: "1.33",
  enabled_cluster_log_types: ALL_LOG_TYPES,
  encryption_config: [{ provider: [{ key_arn: "arn:aws:kms:eu-west-1:123456789012:key/abc" }], resources: ["secrets"] }],
  vpc_config: [{ endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"], security_group_ids: null }],
});

const MODEL_ISOLATED = resource("aws_sagemaker_model", "Model", {
  name: "churn-1",
  enable_network_isolation: true,
  vpc_config: { subnets: ["${data.terraform_remote_state.network.outputs.subnet0}"], security_group_ids: ["${aws_security_group.Model.id}"] },
});
const MODEL_OPEN = resource("aws_sagemaker_model", "Model", { name: "churn-1", enable_network_isolation: false });
const serverlessConfig = resource("aws_sagemaker_endpoint_configuration", "Config", {
  kms_key_arn: "${aws_kms_key.Serving.arn}",
  production_variants: [{ model_name: "${aws_sagemaker_model.Model.name}", serverless_config: { max_concurrency: 5, memory_size_in_mb: 2048 }, variant_name: "primary" }],
});
const endpointConfig = (overrides: Record<string, unknown> = {}) =>
  resource("aws_sagemaker_endpoint_configuration", "Config", {
    kms_key_arn: "${aws_kms_key.Serving.arn}",
    production_variants: [{ model_name: "${aws_sagemaker_model.Model.name}", instance_type: "ml.c6i.xlarge", initial_instance_count: 3, variant_name: "primary" }],
    ...overrides,
  });
const dataQualityJob = (overrides: Record<string, unknown> = {}) =>
  resource("aws_sagemaker_data_quality_job_definition", "Drift", {
    name: "churn-data-quality",
    data_quality_job_output_config: { kms_key_id: "${aws_kms_key.Serving.arn}", monitoring_outputs: { s3_output: { s3_uri: "s3://bucket/monitoring" } } },
    job_resources: { cluster_config: { instance_count: 1, instance_type: "ml.m5.large", volume_kms_key_id: "${aws_kms_key.Serving.arn}", volume_size_in_gb: 20 } },
    network_config: { enable_inter_container_traffic_encryption: true, enable_network_isolation: true },
    ...overrides,
  });
const featureGroup = (overrides: Record<string, unknown> = {}) =>
  resource("aws_sagemaker_feature_group", "Profiles", {
    feature_group_name: "customer-profile-v1",
    online_store_config: { enable_online_store: true, security_config: { kms_key_id: "${aws_kms_key.Data.arn}" } },
    offline_store_config: { s3_storage_config: { kms_key_id: "${aws_kms_key.Data.arn}", s3_uri: "s3://bucket/offline-store" } },
    ...overrides,
  });
const ALARMS = { alarms: [{ alarm_name: "churn-5xx-error-rate" }, { alarm_name: "churn-model-latency-p99" }] };
const endpoint = (deployment?: Record<string, unknown>) =>
  resource("aws_sagemaker_endpoint", "Endpoint", { name: "churn", endpoint_config_name: "${aws_sagemaker_endpoint_configuration.Config.name}", deployment_config: deployment });
const BLUE_GREEN = { termination_wait_in_seconds: 900, traffic_routing_configuration: { type: "CANARY", canary_size: { type: "CAPACITY_PERCENT", value: 10 }, wait_interval_in_seconds: 600 } };

const GOOD_CONTAINER = {
  name: "trainer",
  image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.1",
  resources: { limits: { cpu: "1", memory: "600Mi" }, requests: { cpu: "100m", memory: "600Mi" } },
  security_context: { allow_privilege_escalation: false, capabilities: { drop: ["ALL"] }, read_only_root_filesystem: true, run_as_non_root: true },
};
const POD_SECURITY = { run_as_non_root: true, run_as_user: "65534", seccomp_profile: { type: "RuntimeDefault" } };
const deployment = (container: Record<string, unknown> = {}, podOverrides: Record<string, unknown> = {}, namespace: unknown = "${kubernetes_namespace_v1.Team.metadata[0].name}") =>
  resource("kubernetes_deployment_v1", "Trainer", {
    metadata: { name: "trainer", namespace },
    spec: { selector: { match_labels: { app: "trainer" } }, template: { metadata: { labels: { app: "trainer" } }, spec: { container: [{ ...GOOD_CONTAINER, ...container }], security_context: POD_SECURITY, ...podOverrides } } },
  });
/** A daemon set as a plan's planned values show it: every block a list. */
const plannedDaemonSet = (container: Record<string, unknown> = {}) =>
  resource("kubernetes_daemon_set_v1", "Plugin", {
    metadata: [{ name: "nvidia-device-plugin", namespace: "kube-system" }],
    spec: [
      {
        template: [
          {
            spec: [
              {
                container: [
                  {
                    ...GOOD_CONTAINER,
                    resources: [{ limits: { cpu: "200m", memory: "256Mi" }, requests: { cpu: "50m", memory: "64Mi" } }],
                    security_context: [{ allow_privilege_escalation: false, privileged: false, capabilities: [{ drop: ["ALL"], add: null }] }],
                    ...container,
                  },
                ],
                security_context: [{ seccomp_profile: [{ type: "RuntimeDefault" }] }],
              },
            ],
          },
        ],
      },
    ],
  });
const pod = (container: Record<string, unknown> = {}) =>
  resource("kubernetes_pod_v1", "Debug", { metadata: { name: "debug", namespace: "nlp" }, spec: { container: [{ ...GOOD_CONTAINER, ...container }], security_context: POD_SECURITY } });

const NAMESPACE = resource("kubernetes_namespace_v1", "Team", { metadata: { name: "nlp", labels: { team: "nlp" } } });
const NS_REF = "${kubernetes_namespace_v1.Team.metadata[0].name}";
const QUOTA = resource("kubernetes_resource_quota_v1", "Quota", { metadata: { name: "training-quota", namespace: NS_REF }, spec: { hard: { "requests.nvidia.com/gpu": "8" } } });
const networkPolicy = (name: string, spec: Record<string, unknown>, namespace: unknown = NS_REF) =>
  resource("kubernetes_network_policy_v1", name, { metadata: { name, namespace }, spec });
const DEFAULT_DENY = networkPolicy("DefaultDeny", { pod_selector: {}, policy_types: ["Ingress", "Egress"] });
const ALLOW_SAME_NAMESPACE = networkPolicy("AllowSame", {
  pod_selector: {},
  policy_types: ["Ingress", "Egress"],
  ingress: [{ from: [{ pod_selector: {} }] }],
  egress: [{ to: [{ pod_selector: {} }] }],
});

// ---- Cases: every rule, at least one compliant and one violating resource ------------------------------------

interface Case {
  readonly name: string;
  readonly resource: ResourceView;
  /** The other resources of the stack. */
  readonly others?: readonly ResourceView[];
  readonly protected?: boolean;
}
interface RuleCases {
  readonly compliant: readonly Case[];
  readonly violating: readonly Case[];
  /** Resources of the rule's types that it has nothing to say about. */
  readonly notApplicable?: readonly Case[];
}


const PIPELINE_DEFINITION = retrainingPipelineDefinition({
  roleArn: "arn:aws:iam::123456789012:role/retraining",
  modelPackageGroupName: "churn",
  featureInputs: { "customer-profile-v2": "s3://store/offline-store/123456789012/sagemaker/eu-west-1/offline-store/customer-profile-v2-" },
  outputS3Uri: "s3://artifacts/models/churn/retraining",
  trainingImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-test/training/pytorch:1.0.0",
  inferenceImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-test/inference/churn:1.0.0",
  processingInstanceType: "ml.m5.xlarge",
  trainingInstanceType: "ml.m5.2xlarge",
  maxRuntimeSeconds: 3600,
  minimumMetrics: { auc: 0.8 },
  volumeKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/v",
  outputKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/o",
  subnetIds: ["subnet-1"],
  securityGroupIds: ["sg-1"],
});
const pipelineResource = (definition: unknown) => resource("aws_sagemaker_pipeline", "Retraining", { pipeline_name: "retraining", pipeline_definition: JSON.stringify(definition) });

const CASES: Record<string, RuleCases> = {
  "MLB-IAM-001": {
    compliant: [
      { name: "named actions on named resources", resource: rolePolicy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "${aws_s3_bucket.Data.arn}/*" }) },
      { name: "service wildcard on one resource", resource: rolePolicy({ Effect: "Allow", Action: "s3:*", Resource: "${aws_s3_bucket.Data.arn}/*" }) },
      { name: 'Deny with Action "*"', resource: rolePolicy({ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }) },
    ],
    violating: [
      { name: 'Action "*"', resource: rolePolicy({ Effect: "Allow", Action: "*", Resource: "*" }) },
      { name: 'Action "*" even on one resource', resource: resource("aws_iam_policy", "P", { policy: policy({ Effect: "Allow", Action: ["*"], Resource: "arn:aws:s3:::bucket" }) }) },
      { name: '"s3:*" on Resource "*"', resource: rolePolicy({ Effect: "Allow", Action: ["s3:GetObject", "s3:*"], Resource: "*" }) },
      { name: "Allow with NotAction on *", resource: rolePolicy({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) },
      {
        name: "a role's inline_policy block (plan shape)",
        resource: resource("aws_iam_role", "Role", { assume_role_policy: policy({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }), inline_policy: [{ name: "admin", policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) }] }),
      },
    ],
    notApplicable: [
      { name: "policy unknown in a plan", resource: resource("aws_iam_role_policy", "Unknown", { role: "ci" }) },
      { name: "policy from a data source (checked in the plan)", resource: resource("aws_iam_policy", "Doc", { policy: "${data.aws_iam_policy_document.x.json}" }) },
    ],
  },
  "MLB-IAM-002": {
    compliant: [
      { name: "the cluster autoscaler's policy", resource: AUTOSCALER_POLICY },
      { name: "ecr:GetAuthorizationToken and ec2:Describe* on *", resource: rolePolicy({ Effect: "Allow", Action: ["ecr:GetAuthorizationToken", "ec2:DescribeSubnets", "ec2:Describe*"], Resource: "*" }) },
      {
        name: "kms:CreateGrant for AWS resources",
        resource: rolePolicy({ Effect: "Allow", Action: "kms:CreateGrant", Resource: "*", Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } }),
      },
      { name: "cloudwatch:PutMetricData with a namespace", resource: rolePolicy({ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/Endpoints" } } }) },
      { name: "cloudwatch:DescribeAlarms on named alarms", resource: rolePolicy({ Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:churn-5xx"] }) },
    ],
    violating: [
      { name: "s3:GetObject on *", resource: rolePolicy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }) },
      { name: "cloudwatch:DescribeAlarms on * (it takes alarm ARNs)", resource: rolePolicy({ Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: "*" }) },
      { name: "logs:DescribeLogGroups on * (it takes log-group ARNs)", resource: rolePolicy({ Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: ["*"] }) },
      { name: "kms:CreateGrant on * without kms:GrantIsForAWSResource", resource: rolePolicy({ Effect: "Allow", Action: "kms:CreateGrant", Resource: "*" }) },
      {
        name: "autoscaling:SetDesiredCapacity without a tag condition",
        resource: rolePolicy({ Effect: "Allow", Action: ["autoscaling:SetDesiredCapacity", "autoscaling:DescribeTags"], Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } }),
      },
      { name: "a wildcard wider than the allowlist", resource: rolePolicy({ Effect: "Allow", Action: ["ec2:Describe*", "ec2:Run*"], Resource: "*" }) },
      { name: "NotResource", resource: rolePolicy({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" }) },
    ],
  },
  "MLB-IAM-003": {
    compliant: [
      { name: "a service principal", resource: trustRole({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "161803398874" } } }) },
      { name: "an IRSA trust", resource: trustRole(irsaStatement({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:nlp:nlp-training" } })) },
    ],
    violating: [
      { name: 'Principal "*"', resource: trustRole({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }) },
      { name: 'Principal { AWS: "*" } even with a condition', resource: trustRole({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } } }) },
      { name: "NotPrincipal", resource: trustRole({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }) },
    ],
    notApplicable: [{ name: "assume_role_policy unknown in a plan", resource: resource("aws_iam_role", "Role", { name: "role" }) }],
  },
  "MLB-IAM-004": {
    compliant: [
      {
        name: "synthesized IRSA trust (issuer host a local)",
        resource: trustRole(irsaStatement({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa", [`${ISSUER}:aud`]: "sts.amazonaws.com" } })),
      },
      {
        name: "planned IRSA trust (resolved provider ARN)",
        resource: trustRole(
          irsaStatement(
            { StringEquals: { "oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:nlp:nlp-training" } },
            "arn:aws:iam::161803398874:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123",
          ),
        ),
      },
    ],
    violating: [
      { name: "no sub condition", resource: trustRole(irsaStatement({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } })) },
      { name: "no condition at all", resource: trustRole({ Effect: "Allow", Principal: { Federated: "${aws_iam_openid_connect_provider.Oidc.arn}" }, Action: "sts:AssumeRoleWithWebIdentity" }) },
      { name: "a wildcard service account", resource: trustRole(irsaStatement({ StringLike: { [`${ISSUER}:sub`]: "system:serviceaccount:nlp:*" } })) },
      { name: "a sub that is not a service account", resource: trustRole(irsaStatement({ StringEquals: { [`${ISSUER}:sub`]: "nlp-training" } })) },
      { name: "sub only under an IfExists operator", resource: trustRole(irsaStatement({ StringEqualsIfExists: { [`${ISSUER}:sub`]: "system:serviceaccount:nlp:nlp-training" } })) },
    ],
    notApplicable: [
      { name: "a service role", resource: trustRole({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }) },
      {
        name: "GitHub Actions OIDC (not a cluster)",
        resource: trustRole(
          irsaStatement(
            { StringLike: { "token.actions.githubusercontent.com:sub": "repo:org/repo:*" } },
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
          ),
        ),
      },
    ],
  },
  "MLB-IAM-005": {
    compliant: [
      { name: "AmazonEKSClusterPolicy", resource: resource("aws_iam_role_policy_attachment", "A", { policy_arn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", role: "${aws_iam_role.Role.name}" }) },
      { name: "a role without managed policies", resource: trustRole({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }) },
    ],
    violating: [
      { name: "role attachment", resource: resource("aws_iam_role_policy_attachment", "A", { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess", role: "ci" }) },
      { name: "policy attachment (GovCloud)", resource: resource("aws_iam_policy_attachment", "A", { name: "admins", policy_arn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess", roles: ["ci"] }) },
      { name: "managed_policy_arns of a role", resource: resource("aws_iam_role", "Role", { managed_policy_arns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"] }) },
    ],
  },
  // MLB-EKS-007 (the other engineer's rule for the deploy path) is tested in rules-deploy-path.test.ts; here only
  // the fixtures every rule of these files has.
  "MLB-EKS-007": {
    compliant: [
      {
        name: "a private endpoint with HTTPS admitted to the cluster security group",
        resource: cluster(),
        others: [
          resource("aws_vpc_security_group_ingress_rule", "Api", {
            security_group_id: "${aws_eks_cluster.Cluster.vpc_config[0].cluster_security_group_id}",
            ip_protocol: "tcp",
            from_port: 443,
            to_port: 443,
            cidr_ipv4: "10.200.0.0/16",
          }),
        ],
      },
    ],
    violating: [{ name: "a private endpoint nothing can reach", resource: cluster() }],
    notApplicable: [{ name: "a public endpoint", resource: cluster({ vpc_config: { endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } }) }],
  },
  "MLB-IAM-006": {
    compliant: [
      {
        name: "register pending approval only (StringEqualsIfExists), as ModelRegistry.grantRegister does",
        resource: rolePolicy({
          Effect: "Allow",
          Action: "sagemaker:CreateModelPackage",
          Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*",
          Condition: { StringEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } },
        }),
      },
      {
        name: "an Allow limited by a Deny of any other status in the same document",
        resource: rolePolicy(
          { Effect: "Allow", Action: ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage"], Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" },
          { Effect: "Deny", Action: "sagemaker:CreateModelPackage", Resource: "*", Condition: { StringNotEqualsIfExists: { "sagemaker:ModelApprovalStatus": "PendingManualApproval" } } },
        ),
      },
    ],
    violating: [
      { name: "CreateModelPackage without a condition", resource: rolePolicy({ Effect: "Allow", Action: ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage"], Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" }) },
      { name: "sagemaker:Create* (a wildcard covers it)", resource: rolePolicy({ Effect: "Allow", Action: "sagemaker:Create*", Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" }) },
      {
        name: "a condition that also allows Approved",
        resource: rolePolicy({
          Effect: "Allow",
          Action: "sagemaker:CreateModelPackage",
          Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*",
          Condition: { StringEquals: { "sagemaker:ModelApprovalStatus": ["PendingManualApproval", "Approved"] } },
        }),
      },
      {
        name: "a role's inline_policy block (plan shape)",
        resource: resource("aws_iam_role", "Trainer", { inline_policy: [{ name: "register", policy: policy({ Effect: "Allow", Action: "sagemaker:CreateModelPackage", Resource: "*" }) }] }),
      },
    ],
    notApplicable: [
      { name: "approving is not registering (MLB-IAM-006 is about CreateModelPackage)", resource: rolePolicy({ Effect: "Allow", Action: "sagemaker:UpdateModelPackage", Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" }) },
      { name: "a Deny of CreateModelPackage", resource: rolePolicy({ Effect: "Deny", Action: "sagemaker:CreateModelPackage", Resource: "*" }) },
    ],
  },
  "MLB-IAM-007": (() => {
    const groups = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `arn:aws:sagemaker:eu-west-1:123456789012:feature-group/customer-behaviour-aggregates-${from + i}-v1`);
    const read = (n: number, from = 0) => ({ Effect: "Allow", Action: "sagemaker:DescribeFeatureGroup", Resource: groups(n, from) });
    const managed = (...statements: Record<string, unknown>[]) => resource("aws_iam_policy", "Overflow", { name: "overflow", policy: policy(...statements) });
    const inline = (name: string, ...statements: Record<string, unknown>[]) =>
      resource("aws_iam_role_policy", name, { name, role: "${aws_iam_role.Role.name}", policy: policy(...statements) });
    const role = resource("aws_iam_role", "Role", { name: "role", assume_role_policy: policy({ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }) });
    return {
      compliant: [
        { name: "a managed policy of 60 ARNs (about 5,000 characters)", resource: managed(read(60)) },
        { name: "a role whose two inline policies stay within 10,240 together", resource: role, others: [inline("A", read(50)), inline("B", read(50, 50))] },
        { name: "references counted at their longest: 20 bucket ARNs fit", resource: managed({ Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 20 }, (_, i) => `\${aws_s3_bucket.B${i}.arn}/*`) }) },
      ],
      violating: [
        { name: "a managed policy of 80 ARNs (over 6,144 characters)", resource: managed(read(80)) },
        { name: "a role whose inline policies pass 10,240 together, though each is within it", resource: role, others: [inline("A", read(70)), inline("B", read(70, 70))] },
        { name: "an inline policy over 10,240 on its own", resource: inline("Big", read(130)) },
        { name: "three references of unknown length (2,048 each) in a managed policy", resource: managed({ Effect: "Allow", Action: "s3:GetObject", Resource: ["${var.a}", "${var.b}", "${var.c}"] }) },
        {
          name: "a role's inline_policy blocks (plan shape)",
          resource: resource("aws_iam_role", "Trainer", { inline_policy: [{ name: "a", policy: policy(read(70)) }, { name: "b", policy: policy(read(70, 70)) }] }),
        },
      ],
      notApplicable: [
        { name: "a role without inline policies", resource: role },
        { name: "a document that is a reference (a data source's json)", resource: resource("aws_iam_policy", "P", { policy: "${data.aws_iam_policy_document.p.json}" }) },
        { name: "a document a plan knows only after apply", resource: resource("aws_iam_role_policy", "P", { role: "role", policy: "${known after apply}" }) },
      ],
    };
  })(),
  "MLB-NET-001": {
    compliant: [
      {
        name: "HTTPS from the VPC",
        resource: resource("aws_vpc_security_group_ingress_rule", "Https", { cidr_ipv4: "10.30.0.0/16", from_port: 443, to_port: 443, ip_protocol: "tcp", security_group_id: "${aws_security_group.Endpoints.id}" }),
      },
      { name: "inline ingress from a security group", resource: resource("aws_security_group", "Sg", { ingress: [{ from_port: 443, to_port: 443, protocol: "tcp", security_groups: ["sg-1"], cidr_blocks: [] }] }) },
      { name: "no inline rules (plan shape)", resource: resource("aws_security_group", "Sg", { ingress: [], egress: [{ cidr_blocks: ["0.0.0.0/0"], from_port: 443, to_port: 443, protocol: "tcp" }] }) },
    ],
    violating: [
      { name: "inline SSH from anywhere", resource: resource("aws_security_group", "Sg", { ingress: [{ description: "ssh", from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }] }) },
      { name: "security group rule from ::/0", resource: resource("aws_security_group_rule", "R", { type: "ingress", from_port: 0, to_port: 0, protocol: "-1", ipv6_cidr_blocks: ["::/0"], security_group_id: "sg-1" }) },
      { name: "VPC ingress rule from 0.0.0.0/0", resource: resource("aws_vpc_security_group_ingress_rule", "R", { cidr_ipv4: "0.0.0.0/0", from_port: 80, to_port: 80, ip_protocol: "tcp" }) },
    ],
    notApplicable: [{ name: "an egress security group rule", resource: resource("aws_security_group_rule", "R", { type: "egress", cidr_blocks: ["0.0.0.0/0"], protocol: "-1" }) }],
  },
  "MLB-NET-002": {
    compliant: [
      { name: "map_public_ip_on_launch false", resource: resource("aws_subnet", "Private", { cidr_block: "10.30.0.0/19", map_public_ip_on_launch: false }) },
      { name: "not set", resource: resource("aws_subnet", "Private", { cidr_block: "10.30.0.0/19" }) },
    ],
    violating: [
      { name: "true", resource: resource("aws_subnet", "Public", { map_public_ip_on_launch: true }) },
      { name: '"true"', resource: resource("aws_subnet", "Public", { map_public_ip_on_launch: "true" }) },
    ],
  },
  "MLB-NET-003": {
    compliant: [
      { name: "a flow log on the VPC", resource: VPC, others: [FLOW_LOG, DEFAULT_SG] },
      {
        name: "a flow log by VPC id (plan of an existing VPC)",
        resource: resource("aws_vpc", "Vpc", { id: "vpc-0abc" }),
        others: [resource("aws_flow_log", "FlowLog", { vpc_id: "vpc-0abc", traffic_type: "ALL" })],
      },
    ],
    violating: [
      { name: "no flow log", resource: VPC, others: [DEFAULT_SG] },
      { name: "a flow log on another VPC", resource: VPC, others: [resource("aws_flow_log", "Other", { vpc_id: "${aws_vpc.Other.id}" })] },
    ],
  },
  "MLB-NET-004": {
    compliant: [
      { name: "adopted with no rules", resource: VPC, others: [FLOW_LOG, DEFAULT_SG] },
      {
        name: "adopted with empty rule lists, by VPC id (plan of an existing VPC)",
        resource: resource("aws_vpc", "Vpc", { id: "vpc-0abc", cidr_block: "10.30.0.0/16" }),
        others: [resource("aws_default_security_group", "Default", { vpc_id: "vpc-0abc", ingress: [], egress: [] })],
      },
    ],
    violating: [
      { name: "not adopted", resource: VPC, others: [FLOW_LOG] },
      {
        name: "adopted with its allow-all rules",
        resource: VPC,
        others: [resource("aws_default_security_group", "Default", { vpc_id: "${aws_vpc.Vpc.id}", ingress: [{ protocol: "-1", self: true, from_port: 0, to_port: 0 }] })],
      },
    ],
  },
  "MLB-NET-005": {
    compliant: [
      { name: "IMDSv2 required", resource: launchTemplate(IMDS_OK) },
      { name: "metadata endpoint disabled (plan shape)", resource: launchTemplate([{ http_endpoint: "disabled", http_tokens: "optional" }]) },
    ],
    violating: [
      { name: "no metadata_options", resource: launchTemplate(undefined) },
      { name: "http_tokens optional", resource: launchTemplate({ ...IMDS_OK, http_tokens: "optional" }) },
    ],
  },
  "MLB-NET-006": {
    compliant: [
      { name: "hop limit 1", resource: launchTemplate(IMDS_OK) },
      { name: 'hop limit "1" (plan shape)', resource: launchTemplate([{ ...IMDS_OK, http_put_response_hop_limit: "1" }]) },
    ],
    violating: [
      { name: "hop limit 2", resource: launchTemplate({ ...IMDS_OK, http_put_response_hop_limit: 2 }) },
      { name: "hop limit not set", resource: launchTemplate({ http_tokens: "required" }) },
    ],
  },
  "MLB-NET-007": {
    compliant: [
      { name: "no network interfaces", resource: launchTemplate(IMDS_OK) },
      { name: "private interface", resource: launchTemplate(IMDS_OK, { network_interfaces: [{ associate_public_ip_address: "false", security_groups: ["sg-1"] }] }) },
    ],
    violating: [{ name: "public interface", resource: launchTemplate(IMDS_OK, { network_interfaces: { associate_public_ip_address: true } }) }],
  },
  "MLB-EKS-001": {
    compliant: [
      { name: "secrets encrypted with our key", resource: cluster() },
      { name: "plan shape", resource: PLANNED_CLUSTER },
    ],
    violating: [
      { name: "no encryption_config", resource: cluster({ encryption_config: undefined }) },
      { name: "resources without secrets", resource: cluster({ encryption_config: [{ provider: [{ key_arn: "arn:aws:kms:eu-west-1:1:key/a" }], resources: [] }] }) },
      { name: "no key", resource: cluster({ encryption_config: { resources: ["secrets"] } }) },
    ],
  },
  "MLB-EKS-002": {
    compliant: [
      { name: "private endpoint in a protected environment", resource: cluster(), protected: true },
      { name: "private endpoint elsewhere", resource: cluster() },
    ],
    violating: [
      { name: "public endpoint in a protected environment", resource: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } }), protected: true },
      { name: "public by default in a protected environment", resource: cluster({ vpc_config: { subnet_ids: ["subnet-1"] } }), protected: true },
      { name: "planned public endpoint in a protected environment", resource: PLANNED_CLUSTER, protected: true },
    ],
    notApplicable: [{ name: "public endpoint in an unprotected environment", resource: PLANNED_CLUSTER }],
  },
  "MLB-EKS-003": {
    compliant: [
      { name: "private endpoint", resource: cluster() },
      { name: "public, fenced to the office", resource: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } }) },
      { name: "public, fenced (plan shape)", resource: PLANNED_CLUSTER },
    ],
    violating: [
      { name: "public, open to the world", resource: cluster({ vpc_config: { endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24", "0.0.0.0/0"] } }) },
      { name: "public, CIDRs defaulted", resource: cluster({ vpc_config: { endpoint_public_access: "true" } }) },
    ],
  },
  "MLB-EKS-004": {
    compliant: [{ name: "all five log types", resource: cluster() }],
    violating: [
      { name: "api and audit only", resource: cluster({ enabled_cluster_log_types: ["api", "audit"] }) },
      { name: "no log types", resource: cluster({ enabled_cluster_log_types: undefined }) },
    ],
  },
  "MLB-EKS-005": {
    compliant: [
      { name: '"1.33"', resource: cluster() },
      { name: "the number 1.3 (1.30)", resource: cluster({ version: 1.3 }) },
      { name: "not set (EKS default)", resource: cluster({ version: undefined }) },
    ],
    violating: [
      { name: '"1.28"', resource: cluster({ version: "1.28" }) },
      { name: '"1.36", not yet known', resource: cluster({ version: "1.36" }) },
      { name: "not a version", resource: cluster({ version: "latest" }) },
    ],
  },
  "MLB-EKS-006": {
    compliant: [
      { name: "no remote_access", resource: resource("aws_eks_node_group", "Pool", { node_group_name: "pool" }) },
      { name: "SSH from a bastion group", resource: resource("aws_eks_node_group", "Pool", { remote_access: [{ ec2_ssh_key: "ops", source_security_group_ids: ["sg-bastion"] }] }) },
    ],
    violating: [{ name: "SSH key without source groups", resource: resource("aws_eks_node_group", "Pool", { remote_access: { ec2_ssh_key: "ops" } }) }],
  },
  "MLB-SM-001": {
    compliant: [{ name: "isolated", resource: MODEL_ISOLATED }],
    violating: [
      { name: "not isolated", resource: MODEL_OPEN },
      { name: "not isolated, served by an instance variant", resource: MODEL_OPEN, others: [endpointConfig()] },
    ],
    notApplicable: [{ name: "served only by serverless variants (which support no isolation)", resource: MODEL_OPEN, others: [serverlessConfig] }],
  },
  "MLB-SM-002": {
    compliant: [{ name: "in the VPC", resource: MODEL_ISOLATED }],
    violating: [
      { name: "no vpc_config", resource: MODEL_OPEN, others: [endpointConfig()] },
      { name: "vpc_config without security groups", resource: resource("aws_sagemaker_model", "Model", { vpc_config: [{ subnets: ["subnet-1"], security_group_ids: [] }] }) },
    ],
    notApplicable: [{ name: "served only by serverless variants (which support no VPC)", resource: MODEL_OPEN, others: [serverlessConfig] }],
  },
  "MLB-SM-003": {
    compliant: [{ name: "kms_key_arn set", resource: endpointConfig() }],
    violating: [{ name: "no kms_key_arn", resource: endpointConfig({ kms_key_arn: undefined }) }],
    notApplicable: [
      {
        name: "variants all on instance types with NVMe storage (which refuse a key)",
        resource: endpointConfig({ kms_key_arn: undefined, production_variants: [{ model_name: "m", instance_type: "ml.g5.xlarge", variant_name: "primary" }] }),
      },
    ],
  },
  "MLB-SM-004": {
    compliant: [{ name: "capture encrypted", resource: endpointConfig({ data_capture_config: { enable_capture: true, kms_key_id: "${aws_kms_key.Serving.arn}", destination_s3_uri: "s3://b/c" } }) }],
    violating: [{ name: "capture without a key", resource: endpointConfig({ data_capture_config: [{ enable_capture: true, destination_s3_uri: "s3://b/c", kms_key_id: null }] }) }],
    notApplicable: [
      { name: "no data capture", resource: endpointConfig() },
      { name: "capture disabled", resource: endpointConfig({ data_capture_config: { enable_capture: false } }) },
    ],
  },
  "MLB-SM-005": {
    compliant: [{ name: "output key", resource: dataQualityJob() }],
    violating: [{ name: "no output key", resource: dataQualityJob({ data_quality_job_output_config: { monitoring_outputs: { s3_output: { s3_uri: "s3://b" } } } }) }],
  },
  "MLB-SM-006": {
    compliant: [{ name: "volume key", resource: dataQualityJob() }],
    violating: [{ name: "no volume key (plan shape)", resource: dataQualityJob({ job_resources: [{ cluster_config: [{ instance_count: 1, volume_kms_key_id: null }] }] }) }],
  },
  "MLB-SM-007": {
    compliant: [{ name: "inter-container encryption", resource: dataQualityJob() }],
    violating: [
      { name: "disabled", resource: dataQualityJob({ network_config: { enable_inter_container_traffic_encryption: false, enable_network_isolation: true } }) },
      { name: "no network_config", resource: dataQualityJob({ network_config: undefined }) },
    ],
  },
  "MLB-SM-008": {
    compliant: [{ name: "network isolation", resource: dataQualityJob() }],
    violating: [{ name: "not isolated", resource: dataQualityJob({ network_config: { enable_inter_container_traffic_encryption: true } }) }],
  },
  "MLB-SM-009": {
    compliant: [{ name: "online store key", resource: featureGroup() }],
    violating: [{ name: "online store without a key", resource: featureGroup({ online_store_config: { enable_online_store: true } }) }],
    notApplicable: [{ name: "offline only", resource: featureGroup({ online_store_config: undefined }) }],
  },
  "MLB-SM-010": {
    compliant: [{ name: "offline store key", resource: featureGroup() }],
    violating: [{ name: "offline store without a key", resource: featureGroup({ offline_store_config: [{ s3_storage_config: [{ s3_uri: "s3://b", kms_key_id: null }] }] }) }],
    notApplicable: [{ name: "online only", resource: featureGroup({ offline_store_config: undefined }) }],
  },
  "MLB-SM-012": {
    compliant: [
      {
        name: "shared with named accounts",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: ["arn:aws:iam::111122223333:root"] }, Action: "sagemaker:DescribeModelPackage", Resource: "*" }] }),
        }),
      },
    ],
    violating: [
      {
        name: "shared with everyone",
        resource: resource("aws_sagemaker_model_package_group_policy", "Open", {
          resource_policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "sagemaker:DescribeModelPackage", Resource: "*" }] }),
        }),
      },
    ],
  },
  "MLB-SM-014": {
    compliant: [{ name: "the retraining pipeline's steps: our keys, the VPC", resource: pipelineResource(PIPELINE_DEFINITION) }],
    violating: [
      {
        name: "a training step without a volume key, a processing step outside the VPC (inside the condition's branches too)",
        resource: pipelineResource({
          ...PIPELINE_DEFINITION,
          Steps: PIPELINE_DEFINITION.Steps.map((step) =>
            step.Name === "Train"
              ? { ...step, Arguments: { ...step.Arguments, ResourceConfig: { InstanceType: "ml.m5.xlarge", InstanceCount: 1 } } }
              : step.Name === "Prepare"
                ? { ...step, Arguments: { ...step.Arguments, NetworkConfig: { EnableNetworkIsolation: false } } }
                : step,
          ),
        }),
      },
    ],
    notApplicable: [{ name: "a definition Terraform only knows at apply", resource: resource("aws_sagemaker_pipeline", "Later", { pipeline_definition: "${file(\"x\")}" }) }],
  },
  "MLB-SM-013": {
    compliant: [
      {
        name: "consumers may describe the packages and create models from them (AWS's cross-account deployment policy)",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          model_package_group_name: "${aws_sagemaker_model_package_group.Churn.model_package_group_name}",
          resource_policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::111122223333:root"] }, Action: ["sagemaker:DescribeModelPackageGroup"], Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn" },
              {
                Effect: "Allow",
                Principal: { AWS: ["arn:aws:iam::111122223333:root"] },
                Action: ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel"],
                Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*",
              },
            ],
          }),
        }),
      },
      {
        name: "an account id and a role of it, CreateModel through sagemaker:*",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "sagemaker:DescribeModelPackage", Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" },
              { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/deployer" }, Action: "sagemaker:*", Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" },
            ],
          }),
        }),
      },
    ],
    violating: [
      {
        name: "read-only sharing, as the registry shipped before issue #11",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({
            Statement: [
              {
                Sid: "ConsumerAccountsReadPackages",
                Effect: "Allow",
                Principal: { AWS: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] },
                Action: ["sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages", "sagemaker:DescribeModelPackage"],
                Resource: ["arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/churn", "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*"],
              },
            ],
          }),
        }),
      },
      {
        name: "CreateModel for one consumer but not the other",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] }, Action: "sagemaker:DescribeModelPackage", Resource: "*" },
              { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sagemaker:CreateModel", Resource: "*" },
            ],
          }),
        }),
      },
    ],
    notApplicable: [
      {
        name: "a training account that registers into the group (AWS's cross-account registration policy)",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: ["sagemaker:CreateModelPackage"], Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" }],
          }),
        }),
      },
      {
        name: "the group's own account",
        resource: resource("aws_sagemaker_model_package_group_policy", "Churn", {
          resource_policy: JSON.stringify({
            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/reader" }, Action: "sagemaker:DescribeModelPackage", Resource: "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/*" }],
          }),
        }),
      },
      { name: "a policy known only at apply", resource: resource("aws_sagemaker_model_package_group_policy", "Churn", { resource_policy: "${data.aws_iam_policy_document.group.json}" }) },
    ],
  },
  "MLB-K8S-011": {
    compliant: [
      {
        name: "named verbs and resources",
        resource: resource("kubernetes_cluster_role_v1", "Autoscaler", { rule: [{ api_groups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }] }),
      },
    ],
    violating: [
      { name: "every verb", resource: resource("kubernetes_role_v1", "Admin", { rule: [{ api_groups: [""], resources: ["pods"], verbs: ["*"] }] }) },
      { name: "every resource of every group", resource: resource("kubernetes_cluster_role_v1", "God", { rule: { api_groups: ["*"], resources: ["*"], verbs: ["get"] } }) },
    ],
  },
  // Issue 13: a node provisioner's role, and services that stay inside the VPC.
  "MLB-IAM-008": {
    compliant: [
      {
        name: "Karpenter's launch statements, scoped by request and resource tags",
        resource: rolePolicy(
          {
            Sid: "CreateScopedToCluster",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Resource: ["arn:aws:ec2:eu-west-1:*:fleet/*", "arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:launch-template/*", "arn:aws:ec2:eu-west-1:*:volume/*"],
            Condition: { StringEquals: { "aws:RequestTag/kubernetes.io/cluster/mlops-prod-training": "owned" }, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
          },
          {
            Sid: "DeleteScopedToCluster",
            Effect: "Allow",
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Resource: ["arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:launch-template/*"],
            Condition: { StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/${aws_eks_cluster.Cluster.name}": "owned" } },
          },
          { Sid: "LaunchFromSharedResources", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet"], Resource: ["arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:eu-west-1:*:subnet/*"] },
        ),
      },
      { name: "a named launch template", resource: rolePolicy({ Effect: "Allow", Action: "ec2:CreateTags", Resource: "${aws_launch_template.Nodes.arn}" }) },
    ],
    violating: [
      { name: "RunInstances on *", resource: rolePolicy({ Effect: "Allow", Action: "ec2:RunInstances", Resource: "*" }) },
      {
        name: "TerminateInstances on every instance with only a region condition",
        resource: rolePolicy({ Effect: "Allow", Action: ["ec2:TerminateInstances"], Resource: "arn:aws:ec2:eu-west-1:123456789012:instance/*", Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } }),
      },
      { name: "a wildcard action that covers CreateTags", resource: rolePolicy({ Effect: "Allow", Action: "ec2:Create*", Resource: "arn:${data.aws_partition.p.partition}:ec2:eu-west-1:*:instance/*" }) },
      {
        name: "an IfExists tag condition (untagged instances pass)",
        resource: rolePolicy({ Effect: "Allow", Action: "ec2:TerminateInstances", Resource: "*", Condition: { StringEqualsIfExists: { "aws:ResourceTag/kubernetes.io/cluster/c": "owned" } } }),
      },
    ],
    notApplicable: [{ name: "no capacity actions", resource: rolePolicy({ Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" }) }],
  },
  "MLB-IAM-009": {
    compliant: [
      {
        name: "the node role, to EC2 only",
        resource: rolePolicy({ Effect: "Allow", Action: "iam:PassRole", Resource: "${aws_iam_role.KarpenterNode.arn}", Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }),
      },
      {
        name: "a literal role ARN",
        resource: rolePolicy({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::161803398874:role/mlops-prod-karpenter-node", Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com"] } } }),
      },
    ],
    violating: [
      { name: "any role", resource: rolePolicy({ Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }) },
      { name: "every role of the account", resource: rolePolicy({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::161803398874:role/*", Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }) },
      { name: "to any service", resource: rolePolicy({ Effect: "Allow", Action: "iam:PassRole", Resource: "${aws_iam_role.KarpenterNode.arn}" }) },
      { name: "through iam:*Role", resource: rolePolicy({ Effect: "Allow", Action: "iam:Pass*", Resource: "${aws_iam_role.KarpenterNode.arn}", Condition: { StringLike: { "iam:PassedToService": "*" } } }) },
    ],
    notApplicable: [{ name: "no PassRole", resource: rolePolicy({ Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: "${aws_iam_instance_profile.Nodes.arn}" }) }],
  },
  "MLB-K8S-012": {
    compliant: [
      { name: "ClusterIP", resource: resource("kubernetes_service_v1", "Grafana", { metadata: { name: "grafana", namespace: "monitoring" }, spec: { type: "ClusterIP", port: [{ port: 80 }] } }) },
      {
        name: "an internal load balancer",
        resource: resource("kubernetes_service_v1", "Lb", {
          metadata: { name: "api", namespace: "vision", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } },
          spec: { type: "LoadBalancer" },
        }),
      },
      {
        name: "the in-tree internal annotation (plan shape)",
        resource: resource("kubernetes_service", "Lb", { metadata: [{ name: "api", annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } }], spec: [{ type: "LoadBalancer" }] }),
      },
    ],
    violating: [
      { name: "an internet-facing load balancer", resource: resource("kubernetes_service_v1", "Dcgm", { metadata: { name: "dcgm", namespace: "kube-system" }, spec: { type: "LoadBalancer" } }) },
      { name: "a NodePort", resource: resource("kubernetes_service_v1", "Np", { metadata: { name: "prometheus" }, spec: { type: "NodePort" } }) },
      {
        name: "scheme internet-facing",
        resource: resource("kubernetes_service_v1", "Lb", { metadata: { name: "api", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" } }, spec: { type: "LoadBalancer" } }),
      },
    ],
    notApplicable: [{ name: "type known only at apply", resource: resource("kubernetes_service_v1", "R", { metadata: { name: "x" }, spec: { type: "${var.type}" } }) }],
  },
  "MLB-SM-011": {
    compliant: [
      { name: "canary with rollback alarms", resource: endpoint({ blue_green_update_policy: BLUE_GREEN, auto_rollback_configuration: ALARMS }) },
      { name: "plan shape", resource: endpoint({ blue_green_update_policy: [BLUE_GREEN], auto_rollback_configuration: [ALARMS] } as Record<string, unknown>) },
    ],
    violating: [
      { name: "blue/green without rollback", resource: endpoint({ blue_green_update_policy: BLUE_GREEN }) },
      { name: "rollback without alarms", resource: endpoint({ blue_green_update_policy: BLUE_GREEN, auto_rollback_configuration: { alarms: [] } }) },
    ],
    notApplicable: [{ name: "no deployment config", resource: endpoint() }],
  },
  "MLB-K8S-001": {
    compliant: [
      { name: "team namespace by reference", resource: deployment() },
      { name: "kube-system (plan shape)", resource: plannedDaemonSet() },
    ],
    violating: [
      { name: "no namespace (null)", resource: deployment({}, {}, null) },
      { name: '"default"', resource: deployment({}, {}, "default") },
    ],
  },
  "MLB-K8S-002": {
    compliant: [
      { name: "requests and limits", resource: deployment() },
      { name: "plan shape", resource: plannedDaemonSet() },
    ],
    violating: [
      { name: "no resources", resource: deployment({ resources: undefined }) },
      { name: "no memory limit", resource: pod({ resources: { limits: { cpu: "1" }, requests: { cpu: "1", memory: "1Gi" } } }) },
      { name: "an init container without resources", resource: deployment({}, { init_container: [{ name: "init", image: "busybox:1.36" }] }) },
    ],
  },
  "MLB-K8S-003": {
    compliant: [{ name: "not privileged", resource: deployment() }],
    violating: [
      { name: "privileged", resource: deployment({ security_context: { ...GOOD_CONTAINER.security_context, privileged: true } }) },
      { name: "privileged (plan shape)", resource: plannedDaemonSet({ security_context: [{ privileged: "true", allow_privilege_escalation: false, capabilities: [{ drop: ["ALL"] }] }] }) },
    ],
  },
  "MLB-K8S-004": {
    compliant: [
      { name: "allow_privilege_escalation false", resource: deployment() },
      { name: "plan shape", resource: plannedDaemonSet() },
    ],
    violating: [
      { name: "not set", resource: deployment({ security_context: { capabilities: { drop: ["ALL"] } } }) },
      { name: "true", resource: pod({ security_context: { allow_privilege_escalation: true } }) },
    ],
  },
  "MLB-K8S-005": {
    compliant: [
      { name: "version tag", resource: deployment() },
      { name: "digest", resource: deployment({ image: "nvcr.io/nvidia/k8s-device-plugin@sha256:" + "a".repeat(64) }) },
      { name: "registry with a port and a tag", resource: deployment({ image: "registry.local:5000/team/trainer:2024.06" }) },
      { name: "ECR repository reference with a tag", resource: deployment({ image: "${aws_ecr_repository.Trainer.repository_url}:v3" }) },
    ],
    violating: [
      { name: "no tag", resource: deployment({ image: "registry.local:5000/team/trainer" }) },
      { name: "latest", resource: pod({ image: "python:latest" }) },
      { name: "no image", resource: deployment({ image: undefined }) },
    ],
  },
  "MLB-K8S-006": {
    compliant: [
      { name: "drops ALL", resource: deployment() },
      { name: "drops NET_RAW", resource: pod({ security_context: { allow_privilege_escalation: false, capabilities: { drop: ["NET_RAW"], add: ["NET_BIND_SERVICE"] } } }) },
      { name: "plan shape", resource: plannedDaemonSet() },
    ],
    violating: [
      { name: "drops nothing", resource: deployment({ security_context: { allow_privilege_escalation: false } }) },
      { name: "drops other capabilities", resource: pod({ security_context: { capabilities: { drop: ["SYS_ADMIN"] } } }) },
    ],
  },
  "MLB-K8S-007": {
    compliant: [
      { name: "pod security context", resource: deployment() },
      { name: "plan shape", resource: plannedDaemonSet() },
    ],
    violating: [
      { name: "no pod security context", resource: deployment({}, { security_context: undefined }) },
      { name: "empty block list (plan shape)", resource: resource("kubernetes_pod_v1", "P", { metadata: [{ namespace: "nlp" }], spec: [{ container: [GOOD_CONTAINER], security_context: [] }] }) },
    ],
  },
  "MLB-K8S-008": {
    compliant: [{ name: "default without automount", resource: resource("kubernetes_service_account_v1", "Default", { metadata: { name: "default", namespace: NS_REF }, automount_service_account_token: false }) }],
    violating: [
      { name: "default, automount by default", resource: resource("kubernetes_service_account_v1", "Default", { metadata: { name: "default", namespace: NS_REF } }) },
      { name: "default, automount true (plan shape)", resource: resource("kubernetes_service_account", "Default", { metadata: [{ name: "default", namespace: "nlp" }], automount_service_account_token: true }) },
    ],
    notApplicable: [
      { name: "a workload's own service account", resource: resource("kubernetes_service_account_v1", "Sa", { metadata: { name: "nlp-training", namespace: NS_REF }, automount_service_account_token: true }) },
    ],
  },
  "MLB-K8S-009": {
    compliant: [
      { name: "quota by namespace reference", resource: NAMESPACE, others: [QUOTA] },
      {
        name: "quota by namespace name (plan shape)",
        resource: resource("kubernetes_namespace_v1", "Team", { metadata: [{ name: "nlp" }] }),
        others: [resource("kubernetes_resource_quota_v1", "Q", { metadata: [{ name: "q", namespace: "nlp" }] })],
      },
    ],
    violating: [
      { name: "no quota", resource: NAMESPACE, others: [DEFAULT_DENY] },
      { name: "a quota in another namespace", resource: NAMESPACE, others: [resource("kubernetes_resource_quota_v1", "Q", { metadata: { name: "q", namespace: "vision" } })] },
    ],
    notApplicable: [{ name: "kube-system", resource: resource("kubernetes_namespace_v1", "System", { metadata: { name: "kube-system" } }) }],
  },
  "MLB-K8S-010": {
    compliant: [
      { name: "default-deny beside allow rules", resource: NAMESPACE, others: [QUOTA, ALLOW_SAME_NAMESPACE, DEFAULT_DENY] },
      {
        name: "deny per direction, by name, plan shape",
        resource: NAMESPACE,
        others: [
          networkPolicy("DenyIn", { pod_selector: [{ match_labels: null, match_expressions: [] }], policy_types: ["Ingress"], ingress: [] }, "nlp"),
          networkPolicy("DenyOut", [{ pod_selector: [{}], policy_types: ["Egress"], egress: [] }] as unknown as Record<string, unknown>, "nlp"),
        ],
      },
    ],
    violating: [
      { name: "allow rules only", resource: NAMESPACE, others: [QUOTA, ALLOW_SAME_NAMESPACE] },
      { name: "deny for some pods only", resource: NAMESPACE, others: [networkPolicy("Deny", { pod_selector: { match_labels: { app: "x" } }, policy_types: ["Ingress", "Egress"] })] },
      { name: "ingress deny only (policy_types left out)", resource: NAMESPACE, others: [networkPolicy("Deny", { pod_selector: {} })] },
      { name: "default-deny in another namespace", resource: NAMESPACE, others: [networkPolicy("Deny", { pod_selector: {}, policy_types: ["Ingress", "Egress"] }, "vision")] },
    ],
    notApplicable: [{ name: "kube-system", resource: resource("kubernetes_namespace_v1", "System", { metadata: { name: "kube-system" } }) }],
  },
};

function check(rule: Rule, c: Case): RuleResult {
  return rule.check(c.resource, contextOf([c.resource, ...(c.others ?? [])], c.protected ?? false));
}

// ---- Tests -------------------------------------------------------------------------------------------------------

describe("compute, network, IAM, SageMaker and Kubernetes rules", () => {
  it("have unique ids MLB-<AREA>-<NNN>, a rationale, resource types and fixtures here", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^MLB-[A-Z0-9]+-\d{3}$/);
      expect(rule.rationale.trim()).not.toBe("");
      expect(rule.rationale).not.toContain("\n");
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
      expect(["error", "warning"]).toContain(rule.severity);
      for (const check of rule.publicChecks) expect(check).toMatch(/^(CKV2?_(AWS|K8S)_\d+|AWS-\d{4}|[A-Z]+\d+|[A-Za-z]+)$/);
    }
    expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
  });

  describe.each(RULES.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
    const cases = CASES[id]!;

    it.each(cases.compliant.map((c) => [c.name, c] as const))("passes: %s", (_name, c) => {
      expect(check(rule, c)).toEqual({ status: "compliant" });
    });

    it.each(cases.violating.map((c) => [c.name, c] as const))("fails with its id: %s", (_name, c) => {
      const result = check(rule, c);
      expect(result.status).toBe("non-compliant");
      if (result.status !== "non-compliant") return;
      expect(result.message.trim()).not.toBe("");
      expect(result.fix.trim()).not.toBe("");
      const failing = RULES.filter((r) => check(r, c).status === "non-compliant").map((r) => r.id);
      expect(failing).toContain(id);
    });

    if (cases.notApplicable) {
      it.each(cases.notApplicable.map((c) => [c.name, c] as const))("does not apply: %s", (_name, c) => {
        expect(check(rule, c)).toEqual({ status: "not-applicable" });
      });
    }

    it("does not apply to other resource types", () => {
      expect(rule.check(resource("aws_s3_bucket", "B", { bucket: "b" }), contextOf([]))).toEqual({ status: "not-applicable" });
    });

    it("never throws on any attributes of its types (unknown, missing, odd shapes)", () => {
      const statuses = ["compliant", "non-compliant", "not-applicable"];
      fc.assert(
        fc.property(fc.constantFrom(...rule.resourceTypes), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }), (type, extra) => {
          const attributes = { ...(CASES[id]!.violating[0]!.resource.attributes as Record<string, unknown>), ...extra };
          const subject = resource(type, "Fuzzed", attributes);
          expect(statuses).toContain(rule.check(subject, contextOf([subject])).status);
          expect(statuses).toContain(rule.check(resource(type, "Empty", {}), contextOf([])).status);
        }),
        { numRuns: 50 },
      );
    });
  });
});

describe("no violations where a reference hides the value (apply knows it, a plan check sees it)", () => {
  it.each([
    ["MLB-EKS-002", cluster({ vpc_config: { endpoint_public_access: "${var.public}" } })],
    ["MLB-EKS-005", cluster({ version: "${var.kubernetes_version}" })],
    ["MLB-NET-006", launchTemplate({ http_tokens: "required", http_put_response_hop_limit: "${var.hops}" })],
    ["MLB-K8S-005", deployment({ image: "${var.image}" })],
    ["MLB-SM-001", resource("aws_sagemaker_model", "M", { enable_network_isolation: "${var.isolated}" })],
  ] as const)("%s", (id, subject) => {
    const rule = RULES.find((r) => r.id === id)!;
    expect(rule.check(subject, contextOf([subject], true)).status).toBe("compliant");
  });
});

describe("actionCovered", () => {
  it.each([
    ["ec2:Describe*", "ec2:DescribeSubnets", true],
    ["ec2:Describe*", "EC2:describesubnets", true],
    ["ec2:Describe*", "ec2:DescribeInst*", true],
    ["ec2:Describe*", "ec2:*", false],
    ["ec2:Describe*", "ec2:D*", false],
    ["ecr:GetAuthorizationToken", "ecr:Get*", false],
    ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithWebIdentity", true],
    ["sts:AssumeRole*", "sts:AssumeRoleWithWebIdentity", true],
  ] as const)("%s covers %s: %s", (pattern, action, expected) => {
    expect(actionCovered(pattern, action)).toBe(expected);
  });
});

describe("imageParts", () => {
  it.each([
    ["python:3.12", { tag: "3.12", digest: undefined, opaque: false }],
    ["registry.local:5000/team/app", { tag: undefined, digest: undefined, opaque: false }],
    ["registry.local:5000/team/app:v1@sha256:abc", { tag: "v1", digest: "sha256:abc", opaque: false }],
    ["${aws_ecr_repository.R.repository_url}:v3", { tag: "v3", digest: undefined, opaque: false }],
    ["${var.image}", { opaque: true }],
  ] as const)("%s", (image, expected) => {
    expect(imageParts(image)).toEqual(expected);
  });
});
