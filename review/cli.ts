import { resolve } from "node:path";
import type { Rule } from "../guardrails/rule";
import { DiffCommand, PlanCommand, USAGE, parseArgs } from "./args";
import { reviewDiff, destroyedStateful } from "./diff-report";
import { EXIT, ReviewInputError } from "./errors";
import { SynthesizedBase, isGitRef, resolveBase, synthesizeRef } from "./git-base";
import { renderDiffJson, renderPlanJson } from "./json-output";
import { renderDiffMarkdown } from "./markdown-diff";
import { renderPlanMarkdown } from "./markdown-plan";
import { loadPlan } from "./plan-json";
import { destroyedStatefulInPlan, summarizePlan } from "./plan-summary";
import { loadSynthOutput } from "./synth-output";
import { runAsMain } from "./run-as-main";

export interface Output {
  write(text: string): unknown;
}

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
}

/** What tests (or another caller) may replace. */
export interface Dependencies {
  /** @default ALL_RULES */
  readonly rules?: readonly Rule[];
  /** @default process.cwd() */
  readonly cwd?: string;
  readonly isGitRef?: (ref: string, cwd: string) => boolean;
  readonly synthesizeRef?: (ref: string, cwd: string) => SynthesizedBase;
}

function gateMessage(what: string, addresses: readonly string[]): string {
  return `review: --fail-on destroy-stateful: ${what} destroys ${addresses.length} stateful resource${addresses.length === 1 ? "" : "s"}: ${addresses.join(", ")}\n`;
}

async function diff(command: DiffCommand, io: Io, deps: Dependencies): Promise<number> {
  const cwd = deps.cwd ?? process.cwd();
  // Head first: a missing head fails before a base is synthesized for nothing.
  const head = loadSynthOutput(resolve(cwd, command.head));
  const source = resolveBase(command.base, cwd, deps.isGitRef ?? isGitRef);
  const synthesized = source.kind === "ref" ? (deps.synthesizeRef ?? synthesizeRef)(source.ref, cwd) : undefined;
  try {
    const base = loadSynthOutput(source.kind === "dir" ? source.dir : synthesized!.dir);
    const report = reviewDiff(base, head, { ...(deps.rules ? { rules: deps.rules } : {}), ...(source.kind === "ref" ? { baseRef: source.ref } : {}) });
    io.stdout.write(command.format === "json" ? renderDiffJson(report) : renderDiffMarkdown(report));
    const lost = destroyedStateful(report);
    if (command.failOn.includes("destroy-stateful") && lost.length > 0) {
      io.stderr.write(gateMessage("the change", lost.map((l) => `${l.stack} ${l.address}`)));
      return EXIT.gate;
    }
    return EXIT.ok;
  } finally {
    synthesized?.cleanup();
  }
}

async function plan(command: PlanCommand, io: Io, deps: Dependencies): Promise<number> {
  const file = resolve(deps.cwd ?? process.cwd(), command.file);
  const report = summarizePlan(loadPlan(file), { ...(deps.rules ? { rules: deps.rules } : {}), ...(command.protected ? { protected: true } : {}) });
  io.stdout.write(command.format === "json" ? renderPlanJson(report) : renderPlanMarkdown(report));
  const lost = destroyedStatefulInPlan(report);
  let code: number = EXIT.ok;
  if (command.failOn.includes("errored") && report.errored) {
    io.stderr.write(`review: --fail-on errored: ${command.file} is an errored plan: terraform plan failed and Terraform will not apply it\n`);
    code = EXIT.gate;
  }
  if (command.failOn.includes("destroy-stateful") && lost.length > 0) {
    io.stderr.write(gateMessage(command.file, lost.map((c) => c.address)));
    code = EXIT.gate;
  }
  return code;
}

/** A message as a terminal should get it: control characters (but line breaks) escaped, each line at most 1,000 characters. */
function printable(message: string): string {
  return message
    .split("\n")
    .map((line) => line.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)))
    .map((line) => (line.length > 1000 ? `${line.slice(0, 1000)}… (${line.length} characters)` : line))
    .join("\n");
}

/** `npm run review -- <subcommand> [options]`: writes the review to stdout and returns the exit code. */
export async function main(argv: readonly string[], io: Io = process, deps: Dependencies = {}): Promise<number> {
  try {
    const command = parseArgs(argv);
    if (command.command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    return command.command === "diff" ? await diff(command, io, deps) : await plan(command, io, deps);
  } catch (error) {
    if (!(error instanceof ReviewInputError)) throw error;
    io.stderr.write(`review: ${printable(error.message)}\n`);
    return EXIT.badInput;
  }
}

if (require.main === module) runAsMain("review", () => main(process.argv.slice(2)));
