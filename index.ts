/**
 * mlops-blueprint's public API (contract): constructs, the platform's stacks, and the environment schema. Importing it
 * has no side effect: the blueprint's own environments, validated, are at `mlops-blueprint/environments`.
 */
export * from "./environments/api";
export { RetrainingPipeline, type RetrainingPipelineProps, type RetrainingPipelineSpec } from "./constructs/pipelines/retraining-pipeline";
export { baseStackProps, createPlatform, type Platform, type PlatformOptions } from "./stacks/platform";
export { PlatformStack, type BaseStackProps, type LayerConfig, type PlatformStackProps, type StackProtection } from "./stacks/platform-stack";
export { BootstrapStack, type BootstrapStackProps } from "./stacks/bootstrap-stack";
export { NetworkStack, type NetworkStackProps } from "./stacks/network-stack";
export { DataStack, type DataStackProps } from "./stacks/data-stack";
export { ServingStack, servingEndpointName, type ServingStackProps } from "./stacks/serving-stack";
export { TrainingStack, trainingClusterName, type TrainingStackProps } from "./stacks/training-stack";
export { WorkloadsStack, type ClusterConnection, type WorkloadsStackProps } from "./stacks/workloads-stack";
export { synthesizePlatform, type SynthesizeOptions } from "./stacks/synthesize";
export { stateBucketName, stateObjectKey, type StackAccount, type StateBucket, type StateLocation } from "./stacks/remote-state";

export { Network, type NetworkProps, type NatGatewayMode } from "./constructs/network/network";
export { VpcEndpoints, DEFAULT_INTERFACE_ENDPOINTS, type VpcEndpointsProps } from "./constructs/network/vpc-endpoints";
export { FlowLog, type FlowLogProps, type FlowLogTrafficType } from "./constructs/network/flow-log";

export { ServingEndpoint, type ServingEndpointProps, type InstanceEndpointProps, type ServerlessEndpointProps } from "./constructs/serving/serving-endpoint";
export { INSTANCE_METRICS_NAMESPACE, INVOCATION_METRICS_NAMESPACE, type EndpointMetric, type EndpointMetricOptions, type InstanceMetricName, type InvocationMetricName } from "./constructs/serving/endpoint-metrics";
export {
  servingEndpointProblems,
  type EndpointSettings,
  type RolloutStrategy,
  type AllAtOnceRollout,
  type CanaryRollout,
  type LinearRollout,
  type InstanceCapacity,
  type ServerlessCapacity,
  type EndpointAlarmThresholds,
  type InstanceAlarmThresholds,
  type DataCaptureSettings,
} from "./constructs/serving/endpoint-settings";
export { type DataCaptureProps } from "./constructs/serving/data-capture";
export { type ModelSource } from "./constructs/serving/model-source";
export { type ModelArtifactSource } from "./constructs/serving/serving-model";
export { Monitoring, type MonitoringProps, type AlertSubscription, type MonitoredEndpoint, type PrometheusAlertSource } from "./constructs/monitoring/monitoring";
export { DriftMonitor, type DriftMonitorProps, type DriftSpec } from "./constructs/monitoring/drift-monitor";
export { FeatureStore, type FeatureStoreProps } from "./constructs/feature-store/feature-store";
export {
  FeatureGroup,
  type FeatureGroupProps,
  type FeatureGroupSpec,
  type FeatureDefinition,
  type FeatureType,
  featureGroupName,
  featureGroupTableName,
} from "./constructs/feature-store/feature-group";
export { GlueCatalogEncryption, type GlueCatalogEncryptionProps } from "./constructs/feature-store/glue-catalog-encryption";
export {
  MODEL_ARTIFACTS_PREFIX,
  ModelRegistry,
  type ModelRegistryProps,
  type ModelPackageGroupSpec,
  type TrackingServerSize,
} from "./constructs/model-registry/model-registry";
export {
  GpuTrainingCluster,
  type GpuTrainingClusterProps,
  type NodePoolSpec,
  type AddonVersions,
  type ApiAccessSources,
  type UpgradePolicy,
} from "./constructs/training-cluster/gpu-training-cluster";
export { NodePool, type NodePoolProps } from "./constructs/training-cluster/node-pool";
export { KarpenterInfrastructure, type KarpenterInfrastructureProps, KARPENTER_DISCOVERY_TAG_KEY } from "./constructs/training-cluster/karpenter-infrastructure";
export { PrometheusWorkspace, type PrometheusWorkspaceProps } from "./constructs/observability/prometheus-workspace";
export { DeployRunner, type DeployRunnerProps } from "./constructs/training-cluster/deploy-runner";
export { IrsaRole, type IrsaRoleProps } from "./constructs/training-cluster/irsa-role";
export { NvidiaDevicePlugin, type NvidiaDevicePluginProps } from "./constructs/training-cluster/workloads/nvidia-device-plugin";
export { Karpenter, type KarpenterProps } from "./constructs/training-cluster/workloads/karpenter";
export { GpuNodePools, type GpuNodePoolsProps, type GpuNodePoolSpec } from "./constructs/training-cluster/workloads/gpu-node-pools";
export { CpuNodePool, type CpuNodePoolProps, type CpuNodePoolSpec } from "./constructs/training-cluster/workloads/cpu-node-pool";
export { Kueue, type KueueProps } from "./constructs/training-cluster/workloads/kueue";
export { KueueQueues, type KueueQueuesProps, kueueQueueObjects, teamGpuCap } from "./constructs/training-cluster/workloads/kueue-queues";
export { DcgmExporter, type DcgmExporterProps } from "./constructs/training-cluster/workloads/dcgm-exporter";
export { Grafana, type GrafanaProps } from "./constructs/training-cluster/workloads/grafana";
export { PlatformNamespace, type PlatformNamespaceProps } from "./constructs/training-cluster/workloads/platform-namespace";
export { ApsCollectorRbac, APS_COLLECTOR_USER } from "./constructs/training-cluster/workloads/aps-collector-rbac";
export { PinnedRelease, ClusterObjects, type PinnedChart, type KubernetesObject } from "./constructs/training-cluster/workloads/helm";
export { platformDashboards, DashboardConfigMaps, type Dashboard, type DashboardConfigMapsProps, type PlatformDashboardOptions } from "./constructs/observability/dashboards";
export { TeamNamespace, type TeamNamespaceProps } from "./constructs/training-cluster/workloads/team-namespace";
export { TrainingPriorityClasses } from "./constructs/training-cluster/workloads/priority-classes";
export { gpusPerInstance, GPU_INSTANCE_FAMILIES, type GpuSharing } from "./constructs/training-cluster/gpu-instances";
export { KmsKey, type KmsKeyProps } from "./constructs/core/kms-key";
export { SecureBucket, type SecureBucketProps, type LifecycleTransition, type StorageClass } from "./constructs/core/secure-bucket";
export { EncryptedLogGroup, type EncryptedLogGroupProps } from "./constructs/core/log-group";
export { ServiceRole, serviceTrust, type ImportedRoleOptions, type ServiceRoleProps } from "./constructs/core/service-role";
export { type IKmsKey, type AddToResourcePolicyResult } from "./constructs/core/kms-key";
export { type BucketGrantOptions, type ISecureBucket, type SecureBucketAttributes } from "./constructs/core/secure-bucket";
export { type IRole } from "./constructs/core/service-role";
export { Grant } from "./constructs/core/grant";
export { formatArn, accountRootArn, type ArnComponents } from "./constructs/core/arn";
export { ConstructPropsError, type PropsProblem } from "./constructs/core/errors";
// Each construct's check of its props, pure (it makes nothing): the construct throws what it finds, the environment
// schema reports it at the config's field; a team can check its own config with them before synthesizing.
export { kmsKeyProblems } from "./constructs/core/kms-key";
export { logGroupProblems } from "./constructs/core/log-group";
export { networkProblems } from "./constructs/network/network";
export { featureStoreProblems } from "./constructs/feature-store/feature-store";
export { featureGroupSpecProblems } from "./constructs/feature-store/feature-group";
export { modelRegistryProblems } from "./constructs/model-registry/model-registry";
export { driftSpecProblems } from "./constructs/monitoring/drift-monitor";
export { subscriptionProblems } from "./constructs/monitoring/monitoring";
export { prometheusWorkspaceProblems } from "./constructs/observability/prometheus-workspace";
export { retrainingPipelineProblems } from "./constructs/pipelines/retraining-pipeline";
export { trainingClusterProblems } from "./constructs/training-cluster/gpu-training-cluster";
export { nodePoolProblems } from "./constructs/training-cluster/node-pool";
export { deployRunnerProblems } from "./constructs/training-cluster/deploy-runner";
export { gpuSharingProblems } from "./constructs/training-cluster/gpu-instances";
export { chartVersionProblems, versionMismatchProblems } from "./constructs/training-cluster/versions";
export { cpuPoolProblems } from "./constructs/training-cluster/workloads/cpu-node-pool";
export { gpuPoolProblems } from "./constructs/training-cluster/workloads/gpu-node-pools";
export { karpenterProblems } from "./constructs/training-cluster/workloads/karpenter";
export { kueueQueueProblems } from "./constructs/training-cluster/workloads/kueue-queues";
export { devicePluginProblems } from "./constructs/training-cluster/workloads/nvidia-device-plugin";
export { teamNamespaceProblems } from "./constructs/training-cluster/workloads/team-namespace";
export { type IGrantable, type PolicyStatement, policyDocument } from "./constructs/core/iam";
export { resourceName, type ResourceNameOptions } from "./constructs/core/naming";
export { setAwsEnvironment, awsEnvironmentOf, type AwsEnvironment } from "./constructs/core/aws-environment";
export { protectStatefulResources, StatefulResourceProtection } from "./constructs/core/protection";
export { STATEFUL_RESOURCE_TYPES, DELETION_PROTECTION } from "./constructs/core/stateful";
export { platformTags } from "./constructs/core/tags";
export { BLUEPRINT_VERSION } from "./constructs/core/version";

export {
  applyGuardrails,
  checkGuardrails,
  suppressGuardrail,
  suppressGuardrailByAddress,
  writeGuardrailReport,
  evaluate,
  formatFinding,
  ALL_RULES,
  GuardrailRun,
  GuardrailViolationError,
  type GuardrailOptions,
  type StackGuardrailResult,
  type Finding,
  type Rule,
  type RuleContext,
  type RuleResult,
  type ResourceView,
  type Severity,
} from "./guardrails";
