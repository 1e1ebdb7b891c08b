import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { ConstructPropsError } from "../constructs/core/errors";
import { EnvironmentConfigError, Problem } from "../environments/errors";
import { FeatureSchemaLock, checkFeatureSchemaLock } from "../environments/feature-schema-lock";
import { MATURITY_JSON, MATURITY_MD, environmentMaturity, maturityMarkdown } from "../environments/maturity";
import { EnvironmentConfig, parseEnvironments } from "../environments/schema";
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

/*
 * The layout of outdir, so that it holds at every instant either the whole previous synthesis or the whole new
 * one, even if the process is killed anywhere:
 *
 *   outdir/.gen-<pid>-<random>/          a generation: manifest.json, stacks/<id>/, guardrails.json, guardrails.md, maturity.json, maturity.md
 *   outdir/.current -> .gen-...          the live generation
 *   outdir/manifest.json -> .current/manifest.json, and likewise stacks, the guardrails and maturity reports
 *   outdir/removed-stacks/<id>/          folders of removed stacks that held local state (never part of a generation)
 *
 * A run builds a complete new generation (Terraform's working files carried over by hard link, never copied),
 * then switches by renaming a new `.current` link over the old one: rename(2) is atomic, and it moves all four
 * entries at once. Node has no atomic exchange of two directories, so swapping outdir itself would leave an
 * instant without it; a symlink at outdir would instead leak the generations beside it for every caller that
 * removes outdir (tests, bench). Readers (review, verify, the deploy scripts, terraform -chdir, the cdktf CLI)
 * open paths through the links and never notice. Whatever a killed run left (a generation, a link named with
 * its pid) is removed by the next run that gets as far as switching, unless that pid is still running.
 */
const CURRENT = ".current";
const GENERATION = ".gen-";
const NEXT_LINK = ".next-";
const ENTRIES = ["manifest.json", "stacks", "guardrails.json", "guardrails.md", MATURITY_JSON, MATURITY_MD] as const;
/** Stack folders of earlier generations that held local state: kept here (outside stacks/, which the cdktf CLI prunes). */
const REMOVED_STACKS = "removed-stacks";
/** Old versions of this app synthesized into `.mlops-synth-*` beside outdir; killed runs left them behind. */
const LEGACY_SCRATCH = ".mlops-synth-";

type Step = (step: string) => void;

const outdirOf = (outdir?: string) => resolve(outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");
/** `<outdir>.failed-guardrails`: beside outdir, whose previous synthesis and report a refused run leaves untouched. */
const failedReportName = (outdir: string) => `${basename(outdir)}.failed-guardrails`;

/** The report (`.md`; `.json` beside it) of the last run the guardrails refused; removed by the next successful run. */
export function failedGuardrailsReport(outdir?: string): string {
  const dir = outdirOf(outdir);
  return join(dirname(dir), `${failedReportName(dir)}.md`);
}

/**
 * Validates every environment, builds and synthesizes all their stacks into a new generation inside `outdir`,
 * checks them with the guardrails, and only then switches `outdir` to it (see the layout above). An invalid
 * environment (EnvironmentConfigError) or an unsuppressed guardrail error (GuardrailViolationError) changes
 * nothing in `outdir`; the refused run's guardrails report goes to failedGuardrailsReport(). Stacks no longer
 * synthesized are removed, but a folder holding local Terraform state is moved to `outdir/removed-stacks/`
 * with a warning instead. Returns the ids of the synthesized stacks.
 */
export function synthesizePlatform(inputs: readonly unknown[], options: SynthesizeOptions = {}): string[] {
  return synthesizeStepByStep(inputs, options, () => undefined);
}

/**
 * synthesizePlatform, calling `step` after each step that changes the file system, with the step's name: the tests
 * throw from it to simulate the process dying right there (nothing after it runs, no cleanup either).
 */
export function synthesizeStepByStep(inputs: readonly unknown[], options: SynthesizeOptions, step: Step): string[] {
  const environments = parseEnvironments(inputs);
  if (options.featureSchemaLock) {
    const problems = checkFeatureSchemaLock(environments, options.featureSchemaLock);
    if (problems.length > 0) throw new EnvironmentConfigError(problems);
  }
  const outdir = outdirOf(options.outdir);
  const madeOutdir = !existsSync(outdir);
  mkdirSync(outdir, { recursive: true });
  const generation = newGeneration(outdir);
  step("created the new generation");
  let stackIds: string[];
  try {
    stackIds = synthesizeInto(outdir, generation, environments, options);
  } catch (error) {
    rmSync(join(outdir, generation), { recursive: true, force: true });
    if (madeOutdir && readdirSync(outdir).length === 0) rmdirSync(outdir);
    throw error;
  }
  step("synthesized");
  // Only a run that will switch touches what earlier runs left: a failing run changes nothing in outdir.
  const live = linkEntries(outdir, removeLeftovers(outdir, generation, step), step);
  if (live) carryWorkingFiles(join(outdir, live, "stacks"), join(outdir, generation, "stacks"), step);
  switchTo(outdir, generation, step);
  if (live) retire(outdir, live, generation, step);
  for (const ext of ["md", "json"]) rmSync(join(dirname(outdir), `${failedReportName(outdir)}.${ext}`), { force: true });
  return stackIds;
}

/** The stacks and their guardrails report, written into `outdir/generation`; returns the stack ids. */
function synthesizeInto(outdir: string, generation: string, environments: readonly EnvironmentConfig[], options: SynthesizeOptions): string[] {
  const dir = join(outdir, generation);
  const app = new App({ outdir: dir });
  const stackIds: string[] = [];
  const problems: Problem[] = [];
  for (const env of environments) {
    try {
      stackIds.push(...Object.values(createPlatform(app, env, options)).map((stack) => stack.node.id));
    } catch (error) {
      // A construct refusing its props means the schema let something through: report it like any other
      // config problem, for this environment.
      if (!(error instanceof ConstructPropsError)) throw error;
      problems.push({ environment: env.name, path: "(constructs)", message: error.message });
    }
  }
  if (problems.length > 0) throw new EnvironmentConfigError(problems);
  const guardrails = applyGuardrails(app, { rules: options.guardrailRules });
  try {
    app.synth();
  } catch (error) {
    if (!(error instanceof GuardrailViolationError)) throw error;
    writeGuardrailReport(guardrails, dirname(outdir), failedReportName(outdir));
    throw error;
  }
  writeGuardrailReport(guardrails, dir);
  const maturity = environments.map(environmentMaturity);
  writeFileSync(join(dir, MATURITY_JSON), `${JSON.stringify({ environments: maturity }, null, 2)}\n`);
  writeFileSync(join(dir, MATURITY_MD), maturityMarkdown(maturity));
  return stackIds;
}

/** Makes an empty generation folder and returns its name (mkdirSync, unlike mkdtempSync, gives it the umask's mode). */
function newGeneration(outdir: string): string {
  const name = `${GENERATION}${process.pid}-${randomBytes(6).toString("hex")}`;
  mkdirSync(join(outdir, name));
  return name;
}

/** The name of the live generation, if there is one. */
function liveGeneration(outdir: string): string | undefined {
  const link = join(outdir, CURRENT);
  if (!lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) return undefined;
  const target = basename(readlinkSync(link));
  return existsSync(join(outdir, target)) ? target : undefined;
}

/** Whether another live process owns a generation or link named with its pid (it may be synthesizing right now). */
function runningElsewhere(pid: number): boolean {
  // This process runs one synthesis at a time: an earlier one that left something behind died.
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes what killed runs left (never the live generation, nor `keep`); returns the live generation. */
function removeLeftovers(outdir: string, keep: string, step: Step): string | undefined {
  const parent = dirname(outdir);
  for (const name of readdirSync(parent)) if (name.startsWith(LEGACY_SCRATCH)) rmSync(join(parent, name), { recursive: true, force: true });
  const live = liveGeneration(outdir);
  for (const name of readdirSync(outdir)) {
    const prefix = [GENERATION, NEXT_LINK].find((p) => name.startsWith(p));
    if (!prefix || name === keep || name === live || runningElsewhere(parseInt(name.slice(prefix.length), 10))) continue;
    if (name.startsWith(GENERATION)) {
      retire(outdir, name, live, step);
    } else {
      rmSync(join(outdir, name), { force: true });
      step("removed a leftover link");
    }
  }
  return live;
}

/**
 * Makes each entry readers open a link through `.current`. An output written before generations existed has
 * them as real files: they move into a generation that becomes live first (the one conversion that leaves an
 * entry missing for an instant; a kill there is finished by the next run). Returns the live generation.
 */
function linkEntries(outdir: string, live: string | undefined, step: Step): string | undefined {
  for (const entry of ENTRIES) {
    const path = join(outdir, entry);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) continue;
    if (stat) {
      if (!live) {
        live = newGeneration(outdir);
        switchTo(outdir, live, step);
      }
      renameSync(path, join(outdir, live, entry));
      step(`adopted ${entry}`);
    }
    symlinkSync(join(CURRENT, entry), path);
    step(`linked ${entry}`);
  }
  return live;
}

/** Points `.current` at `generation` with one atomic rename. */
function switchTo(outdir: string, generation: string, step: Step): void {
  const next = join(outdir, `${NEXT_LINK}${process.pid}`);
  rmSync(next, { force: true });
  symlinkSync(generation, next);
  step("made the next link");
  renameSync(next, join(outdir, CURRENT));
  step("switched");
}

/**
 * Terraform's working files beside each stack the new generation keeps (`.terraform/`, `.terraform.lock.hcl`,
 * plans, local state): everything in its old folder that synthesis did not write anew, hard-linked (a kill
 * before the switch leaves the old generation whole; a provider binary is never copied).
 */
function carryWorkingFiles(from: string, to: string, step: Step): void {
  if (!existsSync(from)) return;
  for (const id of subfolders(from)) {
    const target = join(to, id);
    if (!existsSync(target)) {
      // The cdktf CLI (which sets SYNTH_HCL_OUTPUT for its app) deletes the stack folders it saw before the
      // synthesis that are no longer in the manifest, and fails if one is gone already: leave it an empty one.
      if (process.env.SYNTH_HCL_OUTPUT !== undefined) mkdirSync(target);
      continue;
    }
    const written = new Set(readdirSync(target));
    for (const name of readdirSync(join(from, id))) if (!written.has(name)) linkTree(join(from, id, name), join(target, name));
    step(`carried working files of ${id}`);
  }
}

const subfolders = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

function linkTree(from: string, to: string): void {
  const stat = lstatSync(from);
  if (stat.isDirectory()) {
    mkdirSync(to);
    for (const name of readdirSync(from)) linkTree(join(from, name), join(to, name));
  } else if (stat.isSymbolicLink()) {
    symlinkSync(readlinkSync(from), to);
  } else {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to); // a file system without hard links
    }
  }
}

/** Local Terraform state in a stack folder (non-empty files, relative): `terraform[.<x>].tfstate[.backup]`, workspaces, `.terraform/terraform.tfstate`. */
function stateFiles(dir: string): string[] {
  const candidates = readdirSync(dir).filter((name) => /^terraform(\..+)?\.tfstate(\.backup)?$/.test(name));
  candidates.push(join(".terraform", "terraform.tfstate"));
  const workspaces = join(dir, "terraform.tfstate.d");
  if (existsSync(workspaces)) candidates.push(...readdirSync(workspaces, { recursive: true }).map((f) => join("terraform.tfstate.d", String(f))));
  return candidates.filter((file) => {
    const stat = statSync(join(dir, file), { throwIfNoEntry: false });
    return stat !== undefined && stat.isFile() && stat.size > 0;
  });
}

/** Whether `copy` is the same file as `file` (carried by hard link) or, failing that, has the same bytes. */
function sameFile(file: string, copy: string): boolean {
  const a = statSync(file);
  const b = statSync(copy, { throwIfNoEntry: false });
  if (!b) return false;
  return (a.ino === b.ino && a.dev === b.dev) || (a.size === b.size && readFileSync(file).equals(readFileSync(copy)));
}

/**
 * Deletes a generation that is not live. A stack folder in it holding local state that the `live` generation
 * does not hold too (the stack is no longer synthesized) is never deleted: it moves to `removed-stacks/`, with a
 * warning naming it.
 */
function retire(outdir: string, generation: string, live: string | undefined, step: Step): void {
  const stacks = join(outdir, generation, "stacks");
  for (const id of existsSync(stacks) ? subfolders(stacks) : []) {
    const dir = join(stacks, id);
    const liveDir = live ? join(outdir, live, "stacks", id) : undefined;
    const unkept = stateFiles(dir).filter((file) => !liveDir || !sameFile(join(dir, file), join(liveDir, file)));
    if (unkept.length === 0) continue;
    let kept = join(outdir, REMOVED_STACKS, id);
    for (let n = 2; existsSync(kept); n++) kept = join(outdir, REMOVED_STACKS, `${id}.${n}`);
    mkdirSync(dirname(kept), { recursive: true });
    renameSync(dir, kept);
    const shown = kept.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), kept) : kept;
    console.warn(
      `Warning: stack ${id} is no longer synthesized, but its folder held local Terraform state (${unkept.join(", ")}). ` +
        `Moved it to ${shown} instead of deleting it: destroy or migrate that state (terraform -chdir=${shown} ...), then delete the folder.`,
    );
    step(`kept ${id}`);
  }
  rmSync(join(outdir, generation), { recursive: true, force: true });
  step("removed a generation");
}
