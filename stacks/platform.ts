import { Construct } from "constructs";
import { MODEL_ARTIFACTS_PREFIX } from "../constructs/model-registry/model-registry";
import type { EnvironmentConfig } from "../environments/schema";
import { applyGuardrails } from "../guardrails/apply";
import { BootstrapStack } from "./bootstrap-stack";
import { DataStack } from "./data-stack";
import { NetworkStack } from "./network-stack";
import type { StateLocation } from "./remote-state";
import { ServingStack } from "./serving-stack";
import { TrainingStack } from "./training-stack";
import { ClusterConnection, WorkloadsStack } from "./workloads-stack";

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

/** Creates every layer stack of one environment, ids `<env>-<layer>`, checked by the guardrails at synth. */
export function createPlatform(scope: Construct, environment: EnvironmentConfig, options: PlatformOptions = {}): Platform {
  applyGuardrails(scope);
  const bootstrap = new BootstrapStack(scope, environment, options.bootstrapState ?? "s3");
  const network = new NetworkStack(scope, environment);
  const data = new DataStack(scope, environment);
  const training = new TrainingStack(scope, environment, network);
  // Kubernetes resources live apart from the cluster: their provider is configured from the
  // training stack's outputs, never from a cluster created in the same apply.
  const workloads = new WorkloadsStack(scope, environment, clusterConnection(training));
  grantTeamsDataAccess(workloads, data);
  const serving = new ServingStack(scope, environment, {
    network,
    data,
    trainingClusterName: training.clusterName,
    prometheusWorkspace: { id: training.prometheus.workspaceId, arn: training.prometheus.workspaceArn },
  });
  return { bootstrap, network, data, training, workloads, serving };
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
