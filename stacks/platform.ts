import { Construct } from "constructs";
import { MODEL_ARTIFACTS_PREFIX } from "../constructs/model-registry/model-registry";
import type { EnvironmentConfig } from "../environments/schema";
import { BootstrapStack } from "./bootstrap-stack";
import { DataStack } from "./data-stack";
import { NetworkStack } from "./network-stack";
import type { BaseStackProps } from "./platform-stack";
import type { StateLocation } from "./remote-state";
import { ServingStack, servingEndpointName } from "./serving-stack";
import { TrainingStack } from "./training-stack";
import { ClusterConnection, WorkloadsStack, type WorkloadsStackProps } from "./workloads-stack";

export interface PlatformOptions {
  /**
   * Where the bootstrap stack keeps its state: `local` only for its very first apply,
   * before the state bucket exists (see README, "Bootstrap an environment").
   * @default "s3"
   */
  readonly bootstrapState?: StateLocation;
}

/** The stacks of one environment, by layer. */
export interface Platform {
  readonly bootstrap: BootstrapStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly training: TrainingStack;
  readonly workloads: WorkloadsStack;
  readonly serving: ServingStack;
}

/** What every stack of an environment takes from its config: its name, account, protection and state. */
export function baseStackProps(environment: EnvironmentConfig): BaseStackProps {
  return { environmentName: environment.name, account: environment.account, protection: environment.protection };
}

/**
 * Creates every layer stack of one environment, ids `<env>-<layer>`, each with its layer's part of the config and
 * the others' outputs it uses; checked by the guardrails at synth.
 */
export function createPlatform(scope: Construct, environment: EnvironmentConfig, options: PlatformOptions = {}): Platform {
  const { name } = environment;
  const base = baseStackProps(environment);
  const logRetentionDays = environment.logs.retentionDays;
  const bootstrap = new BootstrapStack(scope, `${name}-bootstrap`, { ...base, state: options.bootstrapState ?? "s3" });
  const network = new NetworkStack(scope, `${name}-network`, { ...base, network: environment.network, logRetentionDays });
  const data = new DataStack(scope, `${name}-data`, { ...base, data: environment.data });
  const training = new TrainingStack(scope, `${name}-training`, { ...base, training: environment.training, network: network.network, logRetentionDays });
  // Kubernetes resources live apart from the cluster: their provider is configured from the
  // training stack's outputs, never from a cluster created in the same apply.
  const workloads = new WorkloadsStack(scope, `${name}-workloads`, workloadsStackProps(environment, clusterConnection(training)));
  grantTeamsDataAccess(workloads, data);
  const serving = new ServingStack(scope, `${name}-serving`, {
    ...base,
    serving: environment.serving,
    monitoring: environment.monitoring,
    modelPackageGroups: environment.data.modelRegistry.modelPackageGroups,
    logRetentionDays,
    network: network.network,
    featureStore: data.featureStore,
    modelRegistry: data.modelRegistry,
    trainingClusterName: training.clusterName,
    prometheusWorkspace: { id: training.prometheus.workspaceId, arn: training.prometheus.workspaceArn },
  });
  return { bootstrap, network, data, training, workloads, serving };
}

/** The workloads stack's props from an environment config, on a cluster (the training stack's, or one of your own). */
export function workloadsStackProps(environment: EnvironmentConfig, cluster: ClusterConnection): WorkloadsStackProps {
  return {
    ...baseStackProps(environment),
    training: environment.training,
    cluster,
    vpcCidr: environment.network.vpcCidr,
    servingEndpointNames: environment.serving.endpoints.map((endpoint) => servingEndpointName(environment.name, endpoint.name)),
  };
}

/** What the workloads stack takes from the training stack: each a reference, so an output of the training stack. */
export function clusterConnection(training: TrainingStack): ClusterConnection {
  const { cluster, karpenter, prometheus } = training;
  return {
    clusterName: cluster.clusterName,
    endpoint: cluster.endpoint,
    certificateAuthorityData: cluster.certificateAuthorityData,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
    clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    clusterKeyArn: training.key.keyArn,
    karpenterControllerRoleArn: karpenter.controllerRoleArn,
    karpenterInterruptionQueueName: karpenter.interruptionQueueName,
    karpenterNodeInstanceProfileName: karpenter.instanceProfileName,
    prometheusWorkspaceArn: prometheus.workspaceArn,
    prometheusEndpoint: prometheus.prometheusEndpoint,
  };
}

/**
 * Training jobs read features and every artifact, write their own (`teams/<team>/`), and register the models
 * they train with artifacts under `models/<team>/`: no team can overwrite what another team's package points at.
 */
function grantTeamsDataAccess(workloads: WorkloadsStack, data: DataStack): void {
  for (const [name, team] of Object.entries(workloads.teams)) {
    data.featureStore.grantRead(team.role);
    data.modelRegistry.grantReadArtifacts(team.role);
    data.modelRegistry.grantWriteArtifacts(team.role, { keyPrefix: `teams/${name}` });
    data.modelRegistry.grantRegister(team.role, { artifactPrefix: `${MODEL_ARTIFACTS_PREFIX}/${name}` });
  }
}
