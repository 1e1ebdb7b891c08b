import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "../constructs/core/kms-key";
import { Network } from "../constructs/network/network";
import { KARPENTER_DISCOVERY_TAG_KEY } from "../constructs/training-cluster/karpenter-infrastructure";
import type { NetworkConfig } from "../environments/schema";
import { BaseStackProps, LayerConfig, PlatformStack } from "./platform-stack";
import { trainingClusterName } from "./training-stack";

export interface NetworkStackProps extends BaseStackProps {
  readonly network: LayerConfig<NetworkConfig>;
  /** Days the VPC flow logs are kept. */
  readonly logRetentionDays: number;
}

/**
 * `<env>-network`: the VPC every other layer runs in, and the key of the network's logs. Its private subnets carry the
 * training cluster's Karpenter discovery tag, so the GPU nodes Karpenter launches go there.
 */
export class NetworkStack extends PlatformStack {
  readonly network: Network;
  readonly logKey: KmsKey;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { ...props, layer: "network" });
    const { network, environmentName } = props;
    this.logKey = new KmsKey(this, "LogKey", {
      alias: this.resourceName(["network-logs"], 250),
      description: `Encrypts the network logs of ${environmentName}`,
      deletionWindowInDays: this.kmsKeyDeletionWindowDays,
    });
    this.network = new Network(this, "Network", {
      namePrefix: this.namePrefix,
      vpcCidr: network.vpcCidr,
      availabilityZones: network.availabilityZones,
      natGateways: network.natGateways,
      encryptionKey: this.logKey,
      flowLogRetentionDays: props.logRetentionDays,
      interfaceEndpoints: network.interfaceEndpoints,
      privateSubnetTags: { [KARPENTER_DISCOVERY_TAG_KEY]: trainingClusterName(environmentName) },
    });
    new TerraformOutput(this, "vpc_id", { value: this.network.vpcId, description: `The VPC of ${environmentName}` });
    new TerraformOutput(this, "private_subnet_ids", {
      value: this.network.privateSubnetIds,
      description: "The private subnets, one per zone: where clusters, endpoints and jobs run (no public addresses)",
    });
    this.readsNoOtherStack(NetworkStack);
  }
}
