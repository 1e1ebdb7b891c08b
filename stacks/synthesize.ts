import { existsSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { EnvironmentConfigError, Problem } from "../environments/errors";
import { FeatureSchemaLock, checkFeatureSchemaLock } from "../environments/feature-schema-lock";
import { parseEnvironments } from "../environments/schema";
import { PlatformOptions, createPlatform } from "./platform";

export interface SynthesizeOptions extends PlatformOptions {
  /**
   * Where the Terraform JSON goes.
   * @default $CDKTF_OUTDIR, else "cdktf.out"
   */
  readonly outdir?: string;
  /**
   * Feature group schemas as locked: a group whose schema differs from its entry, or that has none, is refused.
   * @default - no lock check (for apps that declare no feature groups of ours)
   */
  readonly featureSchemaLock?: FeatureSchemaLock;
}

/**
 * Validates every environment first, then builds and synthesizes all their stacks.
 * An invalid environment throws EnvironmentConfigError before anything is constructed or written.
 * Returns the ids of the synthesized stacks.
 */
export function synthesizePlatform(inputs: readonly unknown[], options: SynthesizeOptions = {}): string[] {
  const environments = parseEnvironments(inputs);
  if (options.featureSchemaLock) {
    const problems = checkFeatureSchemaLock(environments, options.featureSchemaLock);
    if (problems.length > 0) throw new EnvironmentConfigError(problems);
  }
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const createdDirs = [outdir, join(outdir, "stacks")].filter((dir) => !existsSync(dir));
  const app = new App({ outdir });
  const stackIds: string[] = [];
  const problems: Problem[] = [];
  for (const env of environments) {
    try {
      stackIds.push(...Object.values(createPlatform(app, env, options)).map((stack) => stack.node.id));
    } catch (error) {
      // A construct refusing its props means the schema let something through: report it like any other
      // config problem, for this environment, and still write nothing.
      if (!(error instanceof Error) || error.constructor !== Error) throw error;
      problems.push({ environment: env.name, path: "(constructs)", message: error.message });
    }
  }
  if (problems.length > 0) {
    // App creates its (still empty) output folders up front; leave the disk as it was.
    createdDirs.reverse().forEach((dir) => rmdirSync(dir));
    throw new EnvironmentConfigError(problems);
  }
  app.synth();
  return stackIds;
}
