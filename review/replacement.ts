import { AttributeChange, namePath } from "./attribute-diff";
import { own } from "./json-file";

/**
 * Which attribute changes force Terraform to destroy a resource and create a new one ("forces replacement"),
 * for the types this blueprint declares, as the AWS (6.x), Kubernetes and Helm providers define them.
 * Paths are attribute and block names without list indexes; a path covers everything under it.
 *
 * A type that is not here is reported as updated in place: the offline diff cannot know better, and the
 * real plan (`review plan`) is the authority. Keep this a data table; add a row when a stack uses a new type.
 */
export interface ForceNewAttribute {
  readonly path: string;
  /** "changed" (default): any change forces replacement; "removed": only removing the block does. */
  readonly when?: "changed" | "removed";
}

export interface ReplacementRule {
  /** The attributes that force a new resource, or "all": every attribute but tags and meta-arguments. */
  readonly forceNew: readonly (string | ForceNewAttribute)[] | "all";
  /** Paths under a force-new one that update in place. */
  readonly except?: readonly string[];
  /** Set when replacement is how this type changes by design: the review says so instead of warning. */
  readonly expected?: string;
  /** What to do instead of replacing it. */
  readonly advice?: string;
}

export const REPLACEMENT_RULES: Readonly<Record<string, ReplacementRule>> = {
  // Stateful: replacing one loses what it holds.
  aws_s3_bucket: { forceNew: ["bucket", "bucket_prefix", "object_lock_enabled"] },
  aws_kms_key: { forceNew: ["customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id", "xks_key_id"] },
  aws_cloudwatch_log_group: { forceNew: ["name", "name_prefix", "log_group_class"] },
  aws_dynamodb_table: { forceNew: ["name", "hash_key", "range_key", "local_secondary_index"] },
  // Everything but tags, throughput and the online store's TTL is fixed at creation.
  aws_sagemaker_feature_group: {
    forceNew: "all",
    except: ["throughput_config", "online_store_config.ttl_duration"],
    advice: "declare the new schema as the next version (<group>-v<N+1>) beside this one and run npm run lock",
  },
  aws_ecr_repository: { forceNew: ["name", "encryption_configuration"] },
  aws_glue_catalog_database: { forceNew: ["name", "catalog_id"] },
  // Subnets and security groups update in place since provider 5.25; encryption can be added but not removed.
  aws_eks_cluster: {
    forceNew: [
      "name",
      "role_arn",
      "bootstrap_self_managed_addons",
      "access_config.bootstrap_cluster_creator_admin_permissions",
      "kubernetes_network_config.service_ipv4_cidr",
      "kubernetes_network_config.ip_family",
      "remote_network_config",
      "outpost_config",
      { path: "encryption_config", when: "removed" },
    ],
  },
  aws_sagemaker_mlflow_tracking_server: { forceNew: ["tracking_server_name", "role_arn", "mlflow_version"] },

  // Serving: immutable by design, a new version is a new resource behind the same endpoint.
  aws_sagemaker_model: {
    forceNew: "all",
    expected: "a model is immutable: serving a new version creates a new model (create before destroy)",
  },
  aws_sagemaker_endpoint_configuration: {
    forceNew: "all",
    expected: "an endpoint configuration is immutable: the endpoint moves to the new one with its rollout",
  },
  aws_sagemaker_endpoint: { forceNew: ["name"] },
  aws_sagemaker_model_package_group: { forceNew: ["model_package_group_name"] },

  // Cluster and network.
  aws_eks_node_group: {
    forceNew: ["cluster_name", "node_group_name", "node_group_name_prefix", "node_role_arn", "subnet_ids", "ami_type", "capacity_type", "disk_size", "instance_types", "remote_access"],
  },
  aws_eks_addon: { forceNew: ["cluster_name", "addon_name"] },
  aws_eks_access_entry: { forceNew: ["cluster_name", "principal_arn"] },
  aws_eks_access_policy_association: { forceNew: ["cluster_name", "principal_arn", "policy_arn"] },
  aws_iam_openid_connect_provider: { forceNew: ["url"] },
  aws_launch_template: { forceNew: ["name", "name_prefix"] },
  aws_iam_instance_profile: { forceNew: ["name", "name_prefix", "path"] },
  aws_ec2_tag: { forceNew: ["resource_id", "key"] },
  aws_sqs_queue: { forceNew: ["name", "name_prefix", "fifo_queue"] },
  aws_sqs_queue_policy: { forceNew: ["queue_url"] },
  aws_cloudwatch_event_rule: { forceNew: ["name", "name_prefix", "event_bus_name"] },
  aws_cloudwatch_event_target: { forceNew: ["rule", "target_id", "event_bus_name"] },
  aws_vpc: { forceNew: ["cidr_block"] },
  aws_subnet: { forceNew: ["vpc_id", "cidr_block", "availability_zone", "availability_zone_id"] },
  aws_nat_gateway: { forceNew: ["allocation_id", "subnet_id", "connectivity_type"] },
  aws_vpc_endpoint: { forceNew: ["vpc_id", "service_name", "vpc_endpoint_type"] },
  aws_flow_log: { forceNew: "all" },
  aws_security_group: { forceNew: ["name", "name_prefix", "description", "vpc_id"] },

  // Identity and monitoring.
  aws_iam_role: { forceNew: ["name", "name_prefix", "path"] },
  aws_kms_alias: { forceNew: ["name", "name_prefix"] },
  aws_sns_topic: { forceNew: ["name", "name_prefix", "fifo_topic"] },
  aws_cloudwatch_metric_alarm: { forceNew: ["alarm_name"] },

  // Metrics. A workspace keeps its key for life; a collector is bound to its cluster and network.
  aws_prometheus_workspace: { forceNew: ["kms_key_arn"], advice: "a new workspace starts with no metric history: keep this one, or export what you need first" },
  aws_prometheus_scraper: { forceNew: ["source"] },
  aws_prometheus_rule_group_namespace: { forceNew: ["name", "workspace_id"] },
  aws_prometheus_alert_manager_definition: { forceNew: ["workspace_id"] },

  // Kubernetes: a new name is a new object.
  kubernetes_namespace_v1: { forceNew: ["metadata.name"] },
  kubernetes_service_account_v1: { forceNew: ["metadata.name", "metadata.namespace"] },
  kubernetes_config_map_v1: { forceNew: ["metadata.name", "metadata.namespace"] },
  // Helm: a release is its name in its namespace.
  helm_release: { forceNew: ["name", "namespace"] },
};

/** Meta-arguments and tags never force replacement. */
const NEVER_FORCE_NEW = new Set(["lifecycle", "depends_on", "provider", "count", "for_each", "timeouts", "tags", "tags_all", "provisioner", "connection"]);

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`);

/** Whether changing this attribute of a resource of `type` forces a new resource. */
export function forcesReplacement(type: string, change: AttributeChange): boolean {
  const rule = own(REPLACEMENT_RULES, type);
  if (!rule) return false;
  const path = namePath(change.segments);
  if (path === "" || NEVER_FORCE_NEW.has(path.split(".")[0])) return false;
  if (rule.except?.some((prefix) => under(path, prefix))) return false;
  if (rule.forceNew === "all") return true;
  return rule.forceNew.some((entry) => {
    const attribute = typeof entry === "string" ? { path: entry } : entry;
    if (attribute.when === "removed") return path === attribute.path && change.before !== undefined && change.after === undefined;
    return under(path, attribute.path);
  });
}

/** What to do instead of replacing a resource of this type, if the table says. */
export function replacementAdvice(type: string): string | undefined {
  return own(REPLACEMENT_RULES, type)?.advice;
}

/** Why replacing a resource of this type is expected, if it is. */
export function expectedReplacement(type: string): string | undefined {
  return own(REPLACEMENT_RULES, type)?.expected;
}
