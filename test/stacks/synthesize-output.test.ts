import { spawnSync } from "child_process";
import { ConstructPropsError } from "../../constructs/core/errors";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateEnvironmentInputs } from "../../bench/generate-environments";
import { NodePool } from "../../constructs/training-cluster/node-pool";
import { EnvironmentConfigError } from "../../environments/errors";
import { GuardrailViolationError } from "../../guardrails/apply";
import { Rule, compliant, nonCompliant } from "../../guardrails/rule";
import { failedGuardrailsReport, synthesizePlatform } from "../../stacks/synthesize";

// A few small syntheses per test (about 0.2 s each); the cdktf CLI test runs two apps in child processes.
jest.setTimeout(120_000);

const ONE = generateEnvironmentInputs(1);
const TWO = generateEnvironmentInputs(2);
/** ONE with a change in every stack of gen1. */
const ONE_CHANGED = [{ ...ONE[0], logs: { retentionDays: 365 } }];
const idsOf = (envs: readonly { name: string }[]) =>
  envs.flatMap((env) => ["bootstrap", "network", "data", "training", "workloads", "serving"].map((layer) => `${env.name}-${layer}`)).sort();
const ONE_IDS = idsOf(ONE);
const TWO_IDS = idsOf(TWO);

let parent: string;
let outdir: string;

beforeEach(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-synth-output-"));
  outdir = path.join(parent, "cdktf.out");
});

afterEach(() => {
  fs.rmSync(parent, { recursive: true, force: true });
  jest.restoreAllMocks();
});

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Everything in `dir`, hidden entries included, links not followed: path -> content, link target or "dir". */
function tree(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    entries[name] = stat.isSymbolicLink() ? `-> ${fs.readlinkSync(file)}` : stat.isDirectory() ? "dir" : fs.readFileSync(file, "utf8");
  }
  return entries;
}

const generations = () => fs.readdirSync(outdir).filter((name) => name.startsWith(".gen-"));

describe("the layout of outdir", () => {
  test("readers open manifest.json, stacks/, guardrails.json and guardrails.md through one link to the live generation", () => {
    const ids = synthesizePlatform(ONE, { outdir });

    const [generation] = generations();
    expect(fs.readdirSync(outdir).sort()).toEqual([".current", generation, "guardrails.json", "guardrails.md", "manifest.json", "maturity.json", "maturity.md", "stacks"]);
    expect(fs.readlinkSync(path.join(outdir, ".current"))).toBe(generation);
    for (const entry of ["manifest.json", "stacks", "guardrails.json", "guardrails.md"]) expect(fs.readlinkSync(path.join(outdir, entry))).toBe(path.join(".current", entry));
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
    expect(Object.keys(manifest.stacks).sort()).toEqual([...ids].sort());
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([...ids].sort());
    expect(JSON.parse(fs.readFileSync(path.join(outdir, "guardrails.json"), "utf8")).stacks.map((s: { stack: string }) => s.stack).sort()).toEqual([...ids].sort());
  });

  test("a resynthesis replaces the old generation, keeping Terraform's working files by hard link", () => {
    synthesizePlatform(ONE, { outdir });
    const stack = path.join(outdir, "stacks", "gen1-network");
    write(path.join(stack, ".terraform", "providers", "terraform-provider-aws"), "a provider binary");
    fs.symlinkSync(path.join("providers", "terraform-provider-aws"), path.join(stack, ".terraform", "cached-provider"));
    write(path.join(stack, ".terraform.lock.hcl"), "# provider locks");
    write(path.join(stack, "tfplan"), "a saved plan");
    const provider = fs.statSync(path.join(stack, ".terraform", "providers", "terraform-provider-aws"));
    const before = fs.readFileSync(path.join(stack, "cdk.tf.json"), "utf8");
    const [old] = generations();

    synthesizePlatform(ONE_CHANGED, { outdir });

    expect(fs.readFileSync(path.join(stack, "cdk.tf.json"), "utf8")).not.toBe(before);
    expect(fs.readFileSync(path.join(stack, ".terraform.lock.hcl"), "utf8")).toBe("# provider locks");
    expect(fs.readFileSync(path.join(stack, "tfplan"), "utf8")).toBe("a saved plan");
    expect(fs.readlinkSync(path.join(stack, ".terraform", "cached-provider"))).toBe(path.join("providers", "terraform-provider-aws"));
    // The same file, not a copy.
    expect(fs.statSync(path.join(stack, ".terraform", "providers", "terraform-provider-aws")).ino).toBe(provider.ino);
    expect(generations()).toHaveLength(1);
    expect(generations()).not.toContain(old);
  });

  test("CDKTF_OUTDIR is the default outdir", () => {
    const saved = process.env.CDKTF_OUTDIR;
    process.env.CDKTF_OUTDIR = outdir;
    try {
      synthesizePlatform(ONE);
      expect(failedGuardrailsReport()).toBe(path.join(parent, "cdktf.out.failed-guardrails.md"));
    } finally {
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
    }
    expect(fs.existsSync(path.join(outdir, "stacks", "gen1-network", "cdk.tf.json"))).toBe(true);
  });
});

describe("stacks no longer synthesized", () => {
  test("are removed, except a folder holding local state: moved to removed-stacks/ with a warning naming it", () => {
    synthesizePlatform(TWO, { outdir });
    const stacks = path.join(outdir, "stacks");
    write(path.join(stacks, "gen2-bootstrap", "terraform.gen2-bootstrap.tfstate"), "local state");
    write(path.join(stacks, "gen2-network", ".terraform", "terraform.tfstate"), "backend state");
    // Empty state and working files alone are not worth keeping.
    write(path.join(stacks, "gen2-data", ".terraform", "terraform.tfstate"), "");
    write(path.join(stacks, "gen2-data", ".terraform.lock.hcl"), "# provider locks");
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);

    synthesizePlatform(ONE, { outdir });

    expect(fs.readdirSync(stacks).sort()).toEqual(ONE_IDS);
    expect(fs.readdirSync(path.join(outdir, "removed-stacks")).sort()).toEqual(["gen2-bootstrap", "gen2-network"]);
    expect(fs.readFileSync(path.join(outdir, "removed-stacks", "gen2-bootstrap", "terraform.gen2-bootstrap.tfstate"), "utf8")).toBe("local state");
    // With its configuration, to destroy or migrate what the state holds.
    expect(fs.existsSync(path.join(outdir, "removed-stacks", "gen2-bootstrap", "cdk.tf.json"))).toBe(true);
    expect(fs.readFileSync(path.join(outdir, "removed-stacks", "gen2-network", ".terraform", "terraform.tfstate"), "utf8")).toBe("backend state");
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/^Warning: stack gen2-bootstrap is no longer synthesized, but its folder held local Terraform state \(terraform\.gen2-bootstrap\.tfstate\)\. Moved it to \S+removed-stacks\/gen2-bootstrap instead of deleting it/),
      expect.stringMatching(/^Warning: stack gen2-network .*\(\.terraform\/terraform\.tfstate\)\. Moved it to \S+removed-stacks\/gen2-network /),
    ]);

    // Removed again later: the first one kept stays.
    synthesizePlatform(TWO, { outdir });
    write(path.join(stacks, "gen2-bootstrap", "terraform.gen2-bootstrap.tfstate"), "newer local state");
    synthesizePlatform(ONE, { outdir });
    expect(fs.readFileSync(path.join(outdir, "removed-stacks", "gen2-bootstrap", "terraform.gen2-bootstrap.tfstate"), "utf8")).toBe("local state");
    expect(fs.readFileSync(path.join(outdir, "removed-stacks", "gen2-bootstrap.2", "terraform.gen2-bootstrap.tfstate"), "utf8")).toBe("newer local state");
  });

  test("run through the cdktf CLI, which removes the stack folders it no longer synthesizes itself, work too", () => {
    // The CLI's own synth (what `cdktf synth` and `cdktf deploy` run), with our app as the synth command.
    const app = `require(${JSON.stringify(path.resolve(__dirname, "../../stacks/synthesize"))}).synthesizePlatform(require(${JSON.stringify(path.resolve(__dirname, "../../bench/generate-environments"))}).generateEnvironmentInputs(Number(process.env.ENVIRONMENTS)))`;
    const command = [process.execPath, "-r", require.resolve("sucrase/register/ts"), "-e", app].map((arg) => `'${arg}'`).join(" ");
    const cli = `
      const { SynthStack } = require(${JSON.stringify(require.resolve("@cdktf/cli-core/src/lib/synth-stack"))});
      (async () => {
        for (const count of ["2", "1"]) {
          process.env.ENVIRONMENTS = count;
          const stacks = await SynthStack.synth(new AbortController().signal, process.env.COMMAND, process.env.OUTDIR, process.cwd(), true);
          process.stdout.write(JSON.stringify(stacks.map((s) => s.name).sort()) + "\\n");
        }
      })().catch((error) => { process.stdout.write("failed: " + error.message + "\\n"); process.exitCode = 1; });`;
    const run = spawnSync(process.execPath, ["-e", cli], {
      cwd: path.resolve(__dirname, "../.."),
      env: { ...process.env, COMMAND: command, OUTDIR: outdir, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
      encoding: "utf8",
    });

    expect(run.stdout.split("\n").filter((line) => line.startsWith("[") || line.startsWith("failed"))).toEqual([JSON.stringify(TWO_IDS), JSON.stringify(ONE_IDS)]);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(ONE_IDS);
  });
});

describe("a refused synthesis changes nothing in outdir", () => {
  test("a guardrail failure: the old stacks and their report stay; the findings go beside outdir", () => {
    synthesizePlatform(ONE, { outdir });
    write(path.join(outdir, "stacks", "gen1-network", ".terraform.lock.hcl"), "# provider locks");
    const before = tree(outdir);
    const bucketsMustBeAllowed: Rule = {
      id: "MLB-TEST-001",
      severity: "error",
      resourceTypes: ["aws_s3_bucket"],
      rationale: "test rule",
      publicChecks: [],
      check: (resource) => (resource.attributes.bucket === "allowed" ? compliant : nonCompliant(`bucket "${String(resource.attributes.bucket)}" is not allowed`, 'call it "allowed"')),
    };

    expect(() => synthesizePlatform(ONE_CHANGED, { outdir, guardrailRules: [bucketsMustBeAllowed] })).toThrow(GuardrailViolationError);

    expect(tree(outdir)).toEqual(before);
    const report = failedGuardrailsReport(outdir);
    expect(report).toBe(`${outdir}.failed-guardrails.md`);
    expect(fs.readFileSync(report, "utf8")).toMatch(/^- error: MLB-TEST-001 gen1-bootstrap\/aws_s3_bucket\.StateBucket_\w+: bucket "mlops-gen1-tfstate-100000000001" is not allowed/m);
    const json = JSON.parse(fs.readFileSync(`${outdir}.failed-guardrails.json`, "utf8")) as { stacks: { stack: string }[] };
    expect(json.stacks.map((s) => s.stack).sort()).toEqual(ONE_IDS);
    expect(fs.readdirSync(parent).sort()).toEqual(["cdktf.out", "cdktf.out.failed-guardrails.json", "cdktf.out.failed-guardrails.md"]);

    // The next successful run removes the report of the refused one.
    synthesizePlatform(ONE_CHANGED, { outdir });
    expect(fs.readdirSync(parent)).toEqual(["cdktf.out"]);
  });

  test("an invalid environment, found by the schema or by a construct", () => {
    synthesizePlatform(ONE, { outdir });
    const before = tree(outdir);

    expect(() => synthesizePlatform([{ ...ONE[0], account: { id: "1", region: "eu-west-1" } }], { outdir })).toThrow(EnvironmentConfigError);
    expect(tree(outdir)).toEqual(before);

    jest.spyOn(NodePool.prototype as unknown as { validate: () => number }, "validate").mockImplementationOnce(() => {
      throw new ConstructPropsError("gen1-training/Cluster/SystemPool: something the schema missed");
    });
    expect(() => synthesizePlatform(ONE_CHANGED, { outdir })).toThrow(EnvironmentConfigError);
    expect(tree(outdir)).toEqual(before);
    // A plain Error is no refused prop (cdktf's own errors are plain): a bug, thrown as it is.
    jest.spyOn(NodePool.prototype as unknown as { validate: () => number }, "validate").mockImplementationOnce(() => {
      throw new Error("something broke");
    });
    expect(() => synthesizePlatform(ONE_CHANGED, { outdir })).toThrow(/^something broke$/);
    expect(tree(outdir)).toEqual(before);
  });

  test("an outdir that did not exist is not made", () => {
    jest.spyOn(NodePool.prototype as unknown as { validate: () => number }, "validate").mockImplementationOnce(() => {
      throw new ConstructPropsError("gen1-training/Cluster/SystemPool: something the schema missed");
    });
    expect(() => synthesizePlatform(ONE, { outdir })).toThrow(EnvironmentConfigError);
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});

describe("what killed runs left", () => {
  test("is removed by the next run, except the generation of a process still running", () => {
    synthesizePlatform(ONE, { outdir });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const alive = process.ppid;
    write(path.join(outdir, `.gen-${dead}-0123456789ab`, "stacks", "gen1-network", "cdk.tf.json"), "{}");
    fs.symlinkSync(`.gen-${dead}-0123456789ab`, path.join(outdir, `.next-${dead}`));
    write(path.join(outdir, `.gen-${alive}-0123456789ab`, "stacks", "gen1-network", "cdk.tf.json"), "{}");
    // Older versions synthesized into .mlops-synth-* beside outdir.
    write(path.join(parent, ".mlops-synth-AbCdEf", "stacks", "gen1-network", "cdk.tf.json"), "{}");

    synthesizePlatform(ONE, { outdir });

    const [live] = generations().filter((name) => !name.startsWith(`.gen-${alive}-`));
    expect(fs.readdirSync(outdir).sort()).toEqual([".current", `.gen-${alive}-0123456789ab`, live, "guardrails.json", "guardrails.md", "manifest.json", "maturity.json", "maturity.md", "stacks"].sort());
    expect(fs.readdirSync(parent)).toEqual(["cdktf.out"]);
  });

  test("an output written before generations existed becomes one, its working files kept", () => {
    write(path.join(outdir, "stacks", "gen1-network", "cdk.tf.json"), "{}");
    write(path.join(outdir, "stacks", "gen1-network", ".terraform.lock.hcl"), "# provider locks");
    write(path.join(outdir, "manifest.json"), "{}");

    synthesizePlatform(ONE, { outdir });

    for (const entry of ["manifest.json", "stacks"]) expect(fs.lstatSync(path.join(outdir, entry)).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(outdir, "stacks", "gen1-network", ".terraform.lock.hcl"), "utf8")).toBe("# provider locks");
    expect(JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")).stacks).toHaveProperty("gen1-network");
    expect(generations()).toHaveLength(1);
  });
});
