import * as fs from "fs";
import * as path from "path";
import { USAGE, parseArgs } from "../../review/args";
import { resolveBase } from "../../review/git-base";
import { networkStack, removeTempDirs, tempDir, writeSynthOutput } from "./fixtures/synth-dirs";
import { review } from "./fixtures/run";

afterAll(removeTempDirs);

describe("arguments", () => {
  it("parses both subcommands with their options, in either --name value or --name=value form", () => {
    expect(parseArgs(["diff", "--base", "origin/main", "--head=out", "--format", "json", "--fail-on", "destroy-stateful"])).toEqual({
      command: "diff",
      base: "origin/main",
      head: "out",
      format: "json",
      failOn: ["destroy-stateful"],
    });
    expect(parseArgs(["diff", "--base", "origin/main"])).toMatchObject({ head: "cdktf.out", format: "markdown", failOn: [] });
    expect(parseArgs(["plan", "plan.json", "--protected"])).toEqual({ command: "plan", file: "plan.json", format: "markdown", failOn: [], protected: true });
  });

  it.each([
    [[], "no subcommand"],
    [["apply"], 'unknown subcommand "apply"'],
    [["diff", "--head", "x"], "diff needs --base"],
    [["diff", "--base"], "--base needs a value"],
    [["diff", "--base", "a", "--format", "xml"], "--format xml: allowed: markdown, json"],
    [["diff", "--base", "a", "--fail-on", "everything"], "--fail-on everything: allowed: destroy-stateful"],
    [["diff", "--base", "a", "--verbose"], "unknown option --verbose"],
    [["plan"], "plan needs exactly one plan JSON file"],
    [["plan", "a.json", "b.json"], "plan needs exactly one plan JSON file"],
  ])("%j exits 2 with the usage", async (argv, message) => {
    const run = await review(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage: npm run review --");
    expect(run.stdout).toBe("");
  });

  it("prints the usage on --help and exits 0", async () => {
    expect(await review(["--help"])).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: "" });
  });
});

describe("--base: a synth output directory or a git ref", () => {
  const cwd = tempDir();
  const never = () => false;

  it("takes an existing directory as a synth output, whatever git knows", () => {
    fs.mkdirSync(path.join(cwd, "base-out"));
    expect(resolveBase("base-out", cwd, () => true)).toEqual({ kind: "dir", dir: path.join(cwd, "base-out") });
  });

  it("takes anything else that git resolves to a commit as a ref", () => {
    expect(resolveBase("origin/main", cwd, (ref) => ref === "origin/main")).toEqual({ kind: "ref", ref: "origin/main" });
  });

  it("refuses a file, and a name that is neither", () => {
    fs.writeFileSync(path.join(cwd, "plan.json"), "{}");
    expect(() => resolveBase("plan.json", cwd, never)).toThrow("--base plan.json: is a file");
    expect(() => resolveBase("origin/nope", cwd, never)).toThrow("--base origin/nope: neither a directory nor a git ref");
  });

  it("synthesizes a ref through the injected synthesizer, says which ref it compared with, and cleans up", async () => {
    const synthesized = writeSynthOutput({ "dev-network": networkStack("dev") });
    const head = writeSynthOutput({ "dev-network": networkStack("dev") });
    const calls: string[] = [];
    const run = await review(["diff", "--base", "origin/main", "--head", head], {
      cwd,
      isGitRef: (ref) => ref === "origin/main",
      synthesizeRef: (ref, at) => {
        calls.push(`synthesize ${ref} in ${at}`);
        return { dir: synthesized, cleanup: () => calls.push("cleanup") };
      },
    });
    expect(run.code).toBe(0);
    expect(calls).toEqual([`synthesize origin/main in ${cwd}`, "cleanup"]);
    expect(run.stdout).toContain("Offline review of the synthesized Terraform against `origin/main`");
  });

  it("defaults --head to cdktf.out in the working directory, and says when it is missing", async () => {
    const dir = tempDir();
    const missing = await review(["diff", "--base", dir], { cwd: dir, isGitRef: never });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(dir, "cdktf.out")}: no such directory`);
    fs.cpSync(writeSynthOutput({ "dev-network": networkStack("dev") }), path.join(dir, "cdktf.out"), { recursive: true });
    const run = await review(["diff", "--base", "cdktf.out"], { cwd: dir, isGitRef: never });
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("✅ 1 environment, no change");
  });
});
