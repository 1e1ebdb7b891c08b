/**
 * Resource types that hold data or identity that cannot be recreated: destroying one loses data.
 * Protected environments put `prevent_destroy` on them; the plan review warns loudly when one is destroyed.
 */
export const STATEFUL_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_cloudwatch_log_group",
  "aws_dynamodb_table",
  "aws_sagemaker_feature_group",
  "aws_ecr_repository",
  "aws_glue_catalog_database",
  "aws_eks_cluster",
  "aws_sagemaker_mlflow_tracking_server",
  // The cluster's metric history.
  "aws_prometheus_workspace",
]);

/** The service's own guard against deletion, per type, as the attribute value a protected resource must have. */
export const DELETION_PROTECTION: Readonly<Record<string, Readonly<Record<string, boolean>>>> = {
  aws_s3_bucket: { force_destroy: false },
  aws_ecr_repository: { force_delete: false },
  aws_dynamodb_table: { deletion_protection_enabled: true },
  aws_cloudwatch_log_group: { deletion_protection_enabled: true },
  aws_eks_cluster: { deletion_protection: true },
};
