import { STATEFUL_RESOURCE_TYPES } from "../../constructs/core/stateful";
import { diffAttributes } from "../../review/attribute-diff";
import { orderEnvironments, orderStacks } from "../../review/order";
import { REPLACEMENT_RULES, forcesReplacement } from "../../review/replacement";
import { isSensitive, masked } from "../../review/sensitive";

/** Whether changing `before` into `after` (attribute maps) forces a new resource of `type`. */
const replaces = (type: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
  diffAttributes(before, after).some((c) => forcesReplacement(type, c));

describe("the replacement table", () => {
  it("has a row for every stateful type", () => {
    expect([...STATEFUL_RESOURCE_TYPES].filter((t) => !REPLACEMENT_RULES[t])).toEqual([]);
  });

  it.each([
    ["aws_s3_bucket", { bucket: "a" }, { bucket: "b" }, true],
    ["aws_s3_bucket", { bucket: "a", force_destroy: false }, { bucket: "a", force_destroy: true }, false],
    ["aws_dynamodb_table", { name: "t", hash_key: "id" }, { name: "t", hash_key: "pk" }, true],
    ["aws_dynamodb_table", { name: "t", billing_mode: "PROVISIONED" }, { name: "t", billing_mode: "PAY_PER_REQUEST" }, false],
    ["aws_kms_key", { key_usage: "ENCRYPT_DECRYPT" }, { key_usage: "SIGN_VERIFY" }, true],
    ["aws_kms_key", { enable_key_rotation: false }, { enable_key_rotation: true }, false],
    ["aws_sagemaker_feature_group", { feature_definition: [{ feature_name: "a", feature_type: "String" }] }, { feature_definition: [{ feature_name: "a", feature_type: "Integral" }] }, true],
    ["aws_sagemaker_feature_group", { online_store_config: { enable_online_store: true, ttl_duration: { value: 30 } } }, { online_store_config: { enable_online_store: true, ttl_duration: { value: 90 } } }, false],
    ["aws_sagemaker_feature_group", { tags: { a: "1" } }, { tags: { a: "2" } }, false],
    ["aws_eks_cluster", { name: "a" }, { name: "b" }, true],
    ["aws_eks_cluster", { version: "1.32" }, { version: "1.33" }, false],
    ["aws_eks_cluster", { vpc_config: { subnet_ids: ["a"] } }, { vpc_config: { subnet_ids: ["a", "b"] } }, false],
    ["aws_eks_cluster", { encryption_config: { resources: ["secrets"] } }, {}, true],
    ["aws_eks_cluster", {}, { encryption_config: { resources: ["secrets"] } }, false],
    ["aws_sagemaker_mlflow_tracking_server", { mlflow_version: "2.13" }, { mlflow_version: "2.16" }, true],
    ["aws_sagemaker_mlflow_tracking_server", { tracking_server_size: "Small" }, { tracking_server_size: "Medium" }, false],
    ["aws_sagemaker_model", { primary_container: { image: "a" } }, { primary_container: { image: "b" } }, true],
    ["aws_sagemaker_endpoint", { endpoint_config_name: "a" }, { endpoint_config_name: "b" }, false],
    ["aws_iam_role_policy", { policy: "{}" }, { policy: '{"Statement":[]}' }, false],
    ["aws_s3_bucket", { lifecycle: { prevent_destroy: true } }, {}, false],
  ])("%s: %j -> %j replaces: %s", (type, before, after, expected) => {
    expect(replaces(type, before, after)).toBe(expected);
  });
});

describe("masking", () => {
  it.each([
    ["aws_db_instance", ["password"], "x", true],
    ["aws_db_instance", ["master_user_secret", 0, "secret_arn"], "arn", true],
    ["aws_secretsmanager_secret_version", ["secret_string"], "x", true],
    ["kubernetes_manifest", ["manifest", "spec", "clientSecret"], "x", true],
    ["tls_private_key", ["private_key_pem"], "x", true],
    ["provider", ["token"], "x", true],
    ["kubernetes_secret_v1", ["data", "anything"], "x", true],
    ["kubernetes_secret_v1", ["metadata", "name"], "creds", false],
    ["aws_ssm_parameter", ["value"], "x", true],
    ["aws_ssm_parameter", ["name"], "/app/key", false],
    ["kubernetes_service_account_v1", ["automount_service_account_token"], false, false],
    ["aws_iam_role_policy", ["policy", "Statement", 0, "Action"], "secretsmanager:GetSecretValue", false],
    ["aws_eks_cluster", ["encryption_config", "resources"], ["secrets"], false],
  ])("%s %j = %j is sensitive: %s", (type, segments, value, expected) => {
    expect(isSensitive(type, segments, value)).toBe(expected);
    expect(masked(type, segments, value)).toEqual(expected ? "(sensitive)" : value);
  });
});

describe("review order", () => {
  it("puts environments in promotion order and stacks in dependency order", () => {
    expect(orderEnvironments(["prod", "dev", "staging", "qa", "preprod", "production"])).toEqual(["dev", "qa", "preprod", "staging", "prod", "production"]);
    const deps = new Map([
      ["dev-serving", ["dev-network", "dev-data"]],
      ["dev-training", ["dev-network"]],
      ["dev-workloads", ["dev-training"]],
    ]);
    expect(orderStacks(["dev-workloads", "dev-serving", "dev-training", "dev-network", "dev-data", "dev-bootstrap"], deps)).toEqual([
      "dev-bootstrap",
      "dev-data",
      "dev-network",
      "dev-serving",
      "dev-training",
      "dev-workloads",
    ]);
  });
});
