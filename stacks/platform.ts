import { Construct } from "constructs";
import type { EnvironmentConfig } from "../environments/schema";
import { BootstrapStack } from "./bootstrap-stack";
import { NetworkStack } from "./network-stack";
import type { StateLocation } from "./remote-state";

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
}

/** Creates every layer stack of one environment, ids `<env>-<layer>`. */
export function createPlatform(scope: Construct, environment: EnvironmentConfig, options: PlatformOptions = {}): Platform {
  return {
    bootstrap: new BootstrapStack(scope, environment, options.bootstrapState ?? "s3"),
    network: new NetworkStack(scope, environment),
  };
}
