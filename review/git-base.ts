import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ReviewInputError } from "./errors";

/** What `--base` names: a synth output directory, or a git ref to synthesize. */
export type BaseSource = { readonly kind: "dir"; readonly dir: string } | { readonly kind: "ref"; readonly ref: string };

/** A synth output made for the review, deleted by `cleanup`. */
export interface SynthesizedBase {
  readonly dir: string;
  cleanup(): void;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** True when `ref` names a commit in the repository at `cwd` (a branch, tag, sha, `origin/main`, `HEAD~1`). */
export function isGitRef(ref: string, cwd: string): boolean {
  if (ref.startsWith("-")) return false;
  return run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd).status === 0;
}

/** A directory that exists is a synth output; otherwise it must be a git ref. */
export function resolveBase(value: string, cwd: string, isRef: (ref: string, cwd: string) => boolean = isGitRef): BaseSource {
  const path = resolve(cwd, value);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new ReviewInputError(`--base ${value}: is a file; expected a synth output directory (cdktf.out) or a git ref`);
    return { kind: "dir", dir: path };
  }
  if (isRef(value, cwd)) return { kind: "ref", ref: value };
  throw new ReviewInputError(`--base ${value}: neither a directory nor a git ref of this repository (for a remote branch: git fetch origin first)`);
}

function tail(text: string, lines = 15): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/**
 * Synthesizes `ref` as the app did at that commit: a temporary `git worktree` of the ref, the current
 * checkout's node_modules linked in (same dependencies), its `tsc -p tsconfig.build.json`, then
 * `node dist/main.js` with CDKTF_OUTDIR in a temporary directory. The worktree is removed before
 * returning; the synth output stays until `cleanup()`.
 */
export function synthesizeRef(ref: string, cwd: string): SynthesizedBase {
  const top = run("git", ["rev-parse", "--show-toplevel"], cwd);
  if (top.status !== 0) throw new ReviewInputError(`--base ${ref}: ${cwd} is not in a git repository`);
  const root = top.stdout.trim();
  const modules = join(root, "node_modules");
  if (!existsSync(modules)) throw new ReviewInputError(`--base ${ref}: ${modules} is missing; run npm ci first`);
  const temp = mkdtempSync(join(tmpdir(), "mlops-review-base-"));
  const worktree = join(temp, "worktree");
  const outdir = join(temp, "cdktf.out");
  const cleanup = () => rmSync(temp, { recursive: true, force: true });
  const added = run("git", ["worktree", "add", "--detach", "--quiet", worktree, ref], root);
  if (added.status !== 0) {
    cleanup();
    throw new ReviewInputError(`--base ${ref}: git worktree add failed: ${tail(added.stderr)}`);
  }
  const link = join(worktree, "node_modules");
  let synthesized = false;
  try {
    symlinkSync(modules, link, "junction");
    // The compiler of the linked node_modules, run by this Node (as `npx tsc` would, without npx's registry fallback).
    const tsc = join(link, "typescript", "bin", "tsc");
    const steps: [string, string, readonly string[], NodeJS.ProcessEnv?][] = [
      ["compile", "tsc -p tsconfig.build.json", [tsc, "-p", "tsconfig.build.json"]],
      ["synthesize", "node dist/main.js", ["dist/main.js"], { ...process.env, CDKTF_OUTDIR: outdir }],
    ];
    for (const [step, label, args, env] of steps) {
      const result = run(process.execPath, args, worktree, env);
      if (result.error || result.status !== 0) {
        const output = tail(`${result.stdout ?? ""}\n${result.stderr ?? ""}`) || String(result.error ?? `exit ${result.status}`);
        throw new ReviewInputError(`--base ${ref}: could not ${step} that commit (${label}):\n${output}`);
      }
    }
    synthesized = true;
  } finally {
    // The link first: removing the worktree must never reach into the shared node_modules.
    try {
      unlinkSync(link);
    } catch {
      // never made
    }
    run("git", ["worktree", "remove", "--force", worktree], root);
    run("git", ["worktree", "prune"], root);
    if (!synthesized) cleanup();
  }
  return { dir: outdir, cleanup };
}
