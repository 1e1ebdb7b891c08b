import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "../constructs/core/kms-key";
import { Network } from "../constructs/network/network";
import { KARPENTER_DISCOVERY_TAG_KEY } from "../constructs/training-cluster/karpenter-infrastructure";
import type { EnvironmentConfig } from "../environments/schema";
import { PlatformStack } from "./platform-stack";
import { trainingClusterName } from "./training-stack";

/**
 * `<env>-network`: the VPC every other layer runs in, and the key of the network's logs. Its private subnets carry the
 * training cluster's Karpenter discovery tag, so the GPU nodes Karpenter launches go there.
 */
export class NetworkStack extends PlatformStack {
  readonly network: Network;
  readonly logKey: KmsKey;

  constructor(scope: Construct, environment: EnvironmentConfig) {
    super(scope, { environment, layer: "network", readsOtherStacks: false });
    this.logKey = new KmsKey(this, "LogKey", {
      alias: this.resourceName(["network-logs"], 250),
      description: `Encrypts the network logs of ${environment.name}`,
      deletionWindowInDays: environment.protection.kmsKeyDeletionWindowDays,
    });
    this.network = new Network(this, "Network", {
      namePrefix: this.namePrefix,
      cidr: environment.network.vpcCidr,
      availabilityZones: environment.network.availabilityZones,
      natGateways: environment.network.natGateways,
      encryptionKey: this.logKey,
      flowLogRetentionDays: environment.logs.retentionDays,
      interfaceEndpoints: environment.network.interfaceEndpoints,
      privateSubnetTags: { [KARPENTER_DISCOVERY_TAG_KEY]: trainingClusterName(environment.name) },
    });
    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId, description: `The VPC of ${environment.name}` });
    new TerraformOutput(this, "private_subnet_ids", {
      value: this.network.privateSubnetIds,
      description: "The private subnets, one per zone: where clusters, endpoints and jobs run (no public addresses)",
    });
  }
}
