import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthesizeRef } from "../../review/git-base";
import { removeTempDirs, stack, tempDir, writeSynthOutput } from "./fixtures/synth-dirs";
import { review } from "./fixtures/run";

/**
 * End to end in a throwaway git repository: a tiny "app" (tsconfig.build.json + main.ts that writes a
 * synth output where CDKTF_OUTDIR says) committed twice, the base synthesized from the first commit.
 */
const hasGit = spawnSync("git", ["--version"]).status === 0;

const TSCONFIG = { compilerOptions: { target: "ES2022", module: "commonjs", outDir: "dist", strict: true, types: [] }, include: ["main.ts"] };

function app(bucket: string, valid = true): string {
  return `declare const require: (id: string) => any;
declare const process: { env: Record<string, string | undefined> };
const fs = require("fs");
const path = require("path");
const out: string = process.env.CDKTF_OUTDIR ?? "cdktf.out";
const json = ${JSON.stringify(stack("dev-data", { aws_s3_bucket: { Data: { bucket: "BUCKET" } } }))};
json.resource.aws_s3_bucket.Data.bucket = ${valid ? JSON.stringify(bucket) : "undefinedName"};
fs.mkdirSync(path.join(out, "stacks", "dev-data"), { recursive: true });
fs.writeFileSync(path.join(out, "stacks", "dev-data", "cdk.tf.json"), JSON.stringify(json));
fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify({ stacks: { "dev-data": { synthesizedStackPath: "stacks/dev-data/cdk.tf.json", dependencies: [] } } }));
`;
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=review-test", "-c", "user.email=review-test@example.com", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function commit(repo: string, main: string, message: string): void {
  fs.writeFileSync(path.join(repo, "main.ts"), main);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", message);
}

const leftovers = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("mlops-review-base-"));

afterAll(removeTempDirs);

(hasGit ? describe : describe.skip)("--base <git ref>, synthesized in a temporary worktree", () => {
  const repo = tempDir("mlops-review-repo-");
  git(repo, "init", "-q");
  fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\ndist\ncdktf.out\n");
  fs.writeFileSync(path.join(repo, "tsconfig.build.json"), JSON.stringify(TSCONFIG));
  // The repository's dependencies, as a checkout after npm ci would have them.
  fs.symlinkSync(path.resolve(__dirname, "../../node_modules"), path.join(repo, "node_modules"), "junction");
  commit(repo, app("data-v1"), "v1");
  commit(repo, app("data-v2"), "v2");
  commit(repo, app("data-v3", false), "v3 does not compile");
  const before = leftovers();

  it("compares head with the app as it was at the ref, then removes the worktree and the temporary synth output", async () => {
    const head = writeSynthOutput({ "dev-data": stack("dev-data", { aws_s3_bucket: { Data: { bucket: "data-v2" } } }) });
    const run = await review(["diff", "--base", "HEAD~2", "--head", head, "--format", "json"], { cwd: repo, rules: [] });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const changes = JSON.parse(run.stdout).stacks[0].changes;
    expect(changes).toEqual([
      {
        address: "aws_s3_bucket.Data",
        type: "aws_s3_bucket",
        action: "replace",
        stateful: true,
        attributes: [{ path: "bucket", before: "data-v1", after: "data-v2", forcesReplacement: true }],
      },
    ]);
    expect(git(repo, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(1);
    expect(leftovers()).toEqual(before);
    expect(fs.realpathSync(path.join(repo, "node_modules"))).toBe(fs.realpathSync(path.resolve(__dirname, "../../node_modules")));
  });

  it("fails with exit 2 and the compiler's words when the ref does not build, and cleans up", async () => {
    const head = writeSynthOutput({ "dev-data": stack("dev-data", {}) });
    const run = await review(["diff", "--base", "HEAD", "--head", head], { cwd: repo, rules: [] });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^review: --base HEAD: could not compile that commit \(tsc -p tsconfig.build.json\):\n[\s\S]*undefinedName/);
    expect(() => synthesizeRef("no-such-ref", repo)).toThrow("--base no-such-ref: git worktree add failed");
    expect(git(repo, "worktree", "list", "--porcelain").match(/^worktree /gm)).toHaveLength(1);
    expect(leftovers()).toEqual(before);
  });
});
