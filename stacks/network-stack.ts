import { Construct } from "constructs";
import { KmsKey } from "../constructs/core/kms-key";
import { Network } from "../constructs/network/network";
import type { EnvironmentConfig } from "../environments/schema";
import { PlatformStack } from "./platform-stack";

/** `<env>-network`: the VPC every other layer runs in, and the key of the network's logs. */
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
    });
  }
}
