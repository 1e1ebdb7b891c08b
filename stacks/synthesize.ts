import { App } from "cdktf";
import { parseEnvironments } from "../environments/schema";
import { PlatformOptions, createPlatform } from "./platform";

export interface SynthesizeOptions extends PlatformOptions {
  /**
   * Where the Terraform JSON goes.
   * @default $CDKTF_OUTDIR, else "cdktf.out"
   */
  readonly outdir?: string;
}

/**
 * Validates every environment first, then builds and synthesizes all their stacks.
 * An invalid environment throws EnvironmentConfigError before anything is constructed or written.
 * Returns the ids of the synthesized stacks.
 */
export function synthesizePlatform(inputs: readonly unknown[], options: SynthesizeOptions = {}): string[] {
  const environments = parseEnvironments(inputs);
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  const stackIds = environments.flatMap((env) => Object.values(createPlatform(app, env, options)).map((stack) => stack.node.id));
  app.synth();
  return stackIds;
}
