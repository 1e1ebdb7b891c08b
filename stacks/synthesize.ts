import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { App } from "cdktf";
import { EnvironmentConfigError, Problem } from "../environments/errors";
import { FeatureSchemaLock, checkFeatureSchemaLock } from "../environments/feature-schema-lock";
import { parseEnvironments } from "../environments/schema";
import { GuardrailViolationError, applyGuardrails } from "../guardrails/apply";
import { writeGuardrailReport } from "../guardrails/report";
import type { Rule } from "../guardrails/rule";
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
  /**
   * The guardrail rules every stack is checked with.
   * @default ALL_RULES
   */
  readonly guardrailRules?: readonly Rule[];
}

/**
 * Validates every environment, builds and synthesizes all their stacks into a scratch folder, checks them
 * with the guardrails, and only then moves the stacks into `outdir`. An invalid environment
 * (EnvironmentConfigError) or an unsuppressed guardrail error (GuardrailViolationError) leaves the stacks in
 * `outdir` as they were. The guardrails report (`guardrails.json`, `guardrails.md`) is written either way once
 * the stacks were checked. Returns the ids of the synthesized stacks.
 */
export function synthesizePlatform(inputs: readonly unknown[], options: SynthesizeOptions = {}): string[] {
  const environments = parseEnvironments(inputs);
  if (options.featureSchemaLock) {
    const problems = checkFeatureSchemaLock(environments, options.featureSchemaLock);
    if (problems.length > 0) throw new EnvironmentConfigError(problems);
  }
  const outdir = resolve(options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");
  mkdirSync(dirname(outdir), { recursive: true });
  // Beside outdir, so moving the result in is a rename on the same file system.
  const scratch = mkdtempSync(join(dirname(outdir), ".mlops-synth-"));
  try {
    const app = new App({ outdir: scratch });
    const guardrails = applyGuardrails(app, { rules: options.guardrailRules });
    const stackIds: string[] = [];
    const problems: Problem[] = [];
    for (const env of environments) {
      try {
        stackIds.push(...Object.values(createPlatform(app, env, options)).map((stack) => stack.node.id));
      } catch (error) {
        // A construct refusing its props means the schema let something through: report it like any other
        // config problem, for this environment.
        if (!(error instanceof Error) || error.constructor !== Error) throw error;
        problems.push({ environment: env.name, path: "(constructs)", message: error.message });
      }
    }
    if (problems.length > 0) throw new EnvironmentConfigError(problems);
    try {
      app.synth();
    } catch (error) {
      if (guardrails.violations.length === 0) throw error;
      writeReport(guardrails, outdir);
      throw new GuardrailViolationError(guardrails.violations);
    }
    moveInto(scratch, outdir, stackIds);
    writeReport(guardrails, outdir);
    return stackIds;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function writeReport(guardrails: ReturnType<typeof applyGuardrails>, outdir: string): void {
  mkdirSync(outdir, { recursive: true });
  writeGuardrailReport(guardrails, outdir);
}

/**
 * Moves the synthesized files into `outdir` file by file: Terraform's working files beside them
 * (`.terraform/`, plans, lock files made by `cdktf deploy`) stay where they are.
 */
function moveInto(scratch: string, outdir: string, stackIds: readonly string[]): void {
  for (const id of stackIds) {
    const from = join(scratch, "stacks", id);
    const to = join(outdir, "stacks", id);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from)) renameSync(join(from, file), join(to, file));
  }
  renameSync(join(scratch, "manifest.json"), join(outdir, "manifest.json"));
}
