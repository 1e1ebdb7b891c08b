import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateEnvironmentInputs } from "../../bench/generate-environments";
import { synthesizePlatform, synthesizeStepByStep } from "../../stacks/synthesize";

// Each case synthesizes one or two small environments two or three times (about 0.2 s each), the child
// processes load the app from source; leave room for slow CI machines.
jest.setTimeout(180_000);

/** The old synthesis: gen1 and gen2. The new one: gen2 removed, gen1 changed. */
const OLD_INPUTS = generateEnvironmentInputs(2);
const NEW_INPUTS = [{ ...generateEnvironmentInputs(1)[0], logs: { retentionDays: 365 } }];

/** Terraform's working files beside the old stacks, as `cdktf deploy` and `terraform init` leave them. */
const WORKING_FILES: Record<string, string> = {
  "stacks/gen1-network/.terraform/providers/registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64/terraform-provider-aws": "a provider binary",
  "stacks/gen1-network/.terraform.lock.hcl": "# provider locks",
  "stacks/gen1-network/tfplan": "a saved plan",
  "stacks/gen1-bootstrap/terraform.gen1-bootstrap.tfstate": "local state of a kept stack",
  "stacks/gen2-bootstrap/terraform.gen2-bootstrap.tfstate": "local state of a removed stack",
};
const REMOVED_STATE = "removed-stacks/gen2-bootstrap/terraform.gen2-bootstrap.tfstate";

/** What readers see in outdir: every file reachable through its entries (links followed), by path, with its content. */
function synthesisIn(outdir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    const stat = fs.statSync(path.join(outdir, relative), { throwIfNoEntry: false });
    if (stat?.isDirectory()) for (const name of fs.readdirSync(path.join(outdir, relative))) walk(path.join(relative, name));
    else if (stat) files[relative] = fs.readFileSync(path.join(outdir, relative), "utf8");
  };
  ["manifest.json", "stacks", "guardrails.json", "guardrails.md", "maturity.json", "maturity.md"].forEach(walk);
  return files;
}

let root: string;
let oldTemplate: string;
let OLD: Record<string, string>;
let NEW: Record<string, string>;
/** The file system steps of a run from the old synthesis to the new one, in order. */
let steps: string[];
let copies = 0;

/** A fresh copy of `template` (links kept as they are); returns its outdir. */
function copyOf(template: string): string {
  const dir = path.join(root, `case-${++copies}`);
  fs.cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
  return path.join(dir, "cdktf.out");
}

class Killed extends Error {}

/**
 * The steps to kill after: every kind of step, and of a kind repeated per stack or per entry ("carried working files
 * of <stack>", "adopted <entry>", "linked <entry>") its first and last occurrence: the same code runs for each name.
 */
function stepsToKillAfter(all: readonly string[]): number[] {
  const kind = (step: string) => step.replace(/ (of )?\S+$/, "");
  const kinds = all.map(kind);
  return all.flatMap((_, i) => (kinds.indexOf(kinds[i]) === i || kinds.lastIndexOf(kinds[i]) === i ? [i] : []));
}

/** A step hook that dies right after the `n`th step (1-based). */
function killAfter(n: number): (step: string) => void {
  let count = 0;
  return (step) => {
    if (++count === n) throw new Killed(step);
  };
}

function which(synthesis: Record<string, string>): "old" | "new" | "neither" {
  return JSON.stringify(synthesis) === JSON.stringify(OLD) ? "old" : JSON.stringify(synthesis) === JSON.stringify(NEW) ? "new" : "neither";
}

/** After a run completed: the new synthesis, one generation, no leftovers, no local state lost. */
function expectFinished(outdir: string): void {
  expect(synthesisIn(outdir)).toEqual(NEW);
  const names = fs.readdirSync(outdir).sort();
  expect(names.filter((n) => n.startsWith(".gen-"))).toHaveLength(1);
  expect(names.filter((n) => !n.startsWith(".gen-"))).toEqual([".current", "guardrails.json", "guardrails.md", "manifest.json", "maturity.json", "maturity.md", "removed-stacks", "stacks"]);
  expect(fs.readdirSync(path.join(outdir, "removed-stacks"))).toEqual(["gen2-bootstrap"]);
  expect(fs.readFileSync(path.join(outdir, REMOVED_STATE), "utf8")).toBe(WORKING_FILES["stacks/gen2-bootstrap/terraform.gen2-bootstrap.tfstate"]);
}

beforeAll(() => {
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
  root = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-synth-atomic-"));
  oldTemplate = path.join(root, "old");
  const outdir = path.join(oldTemplate, "cdktf.out");
  synthesizePlatform(OLD_INPUTS, { outdir });
  for (const [file, content] of Object.entries(WORKING_FILES)) {
    fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), content);
  }
  OLD = synthesisIn(outdir);

  const reference = copyOf(oldTemplate);
  steps = [];
  synthesizeStepByStep(NEW_INPUTS, { outdir: reference }, (step) => steps.push(step));
  NEW = synthesisIn(reference);
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  jest.restoreAllMocks();
});

test("the new synthesis differs from the old one and keeps the working files of the stacks it keeps", () => {
  expect(Object.keys(NEW).filter((f) => f.startsWith("stacks/gen2-"))).toEqual([]);
  expect(NEW["stacks/gen1-network/cdk.tf.json"]).not.toBe(OLD["stacks/gen1-network/cdk.tf.json"]);
  for (const [file, content] of Object.entries(WORKING_FILES).filter(([f]) => f.startsWith("stacks/gen1-"))) expect(NEW[file]).toBe(content);
  expect(steps.filter((s) => s === "switched")).toHaveLength(1);
});

test("killed right after any step, outdir holds exactly the old or the new synthesis; the next run finishes the job", () => {
  const killed = stepsToKillAfter(steps);
  const outcomes = killed.map((i) => {
    const step = steps[i];
    const outdir = copyOf(oldTemplate);
    expect(() => synthesizeStepByStep(NEW_INPUTS, { outdir }, killAfter(i + 1))).toThrow(Killed);
    const seen = which(synthesisIn(outdir));
    synthesizePlatform(NEW_INPUTS, { outdir });
    expectFinished(outdir);
    return `${step}: ${seen}`;
  });
  // One switch: the old synthesis until it, the new one from it on.
  const switched = steps.indexOf("switched");
  expect(killed).toContain(switched);
  expect(outcomes).toEqual(killed.map((i) => `${steps[i]}: ${i < switched ? "old" : "new"}`));
});

test("a run finishing what a killed one left can itself be killed after any step", () => {
  // Killed right after the switch: the old generation, with the removed stack's local state, is left over.
  const killedTemplate = path.dirname(copyOf(oldTemplate));
  expect(() => synthesizeStepByStep(NEW_INPUTS, { outdir: path.join(killedTemplate, "cdktf.out") }, killAfter(steps.indexOf("switched") + 1))).toThrow(Killed);
  const recoverySteps: string[] = [];
  synthesizeStepByStep(NEW_INPUTS, { outdir: copyOf(killedTemplate) }, (step) => recoverySteps.push(step));
  expect(recoverySteps).toEqual(expect.arrayContaining(["kept gen2-bootstrap", "removed a generation"]));

  // Every step of an old-to-new run is covered above; here the first, the middle and the last of the recovering run.
  for (const i of [...new Set([1, Math.ceil(recoverySteps.length / 2), recoverySteps.length])]) {
    const outdir = copyOf(killedTemplate);
    expect(() => synthesizeStepByStep(NEW_INPUTS, { outdir }, killAfter(i))).toThrow(Killed);
    expect({ after: recoverySteps[i - 1], seen: which(synthesisIn(outdir)) }).toEqual({ after: recoverySteps[i - 1], seen: "new" });
    synthesizePlatform(NEW_INPUTS, { outdir });
    expectFinished(outdir);
  }
});

test("a first synthesis killed after any step leaves no synthesis or the whole new one", () => {
  const firstSteps: string[] = [];
  synthesizeStepByStep(NEW_INPUTS, { outdir: path.join(root, "first-reference", "cdktf.out") }, (step) => firstSteps.push(step));
  const first = synthesisIn(path.join(root, "first-reference", "cdktf.out"));
  const switched = firstSteps.indexOf("switched");
  // The steps around the switch, where "nothing" turns into "the whole new synthesis".
  firstSteps.forEach((step, i) => {
    if (Math.abs(i - switched) > 1) return;
    const outdir = path.join(root, `first-${i}`, "cdktf.out");
    expect(() => synthesizeStepByStep(NEW_INPUTS, { outdir }, killAfter(i + 1))).toThrow(Killed);
    expect({ after: step, seen: synthesisIn(outdir) }).toEqual({ after: step, seen: i < switched ? {} : first });
    synthesizePlatform(NEW_INPUTS, { outdir });
    expect(synthesisIn(outdir)).toEqual(first);
    expect(fs.readdirSync(outdir).filter((n) => n.startsWith(".gen-") || n.startsWith(".next-"))).toHaveLength(1);
  });
});

test("an output written before generations existed is converted; a kill on the way loses no working file", () => {
  // As older versions wrote it: real folders and files in outdir, no generations.
  const legacyTemplate = path.join(root, "legacy");
  const legacy = path.join(legacyTemplate, "cdktf.out");
  fs.mkdirSync(legacy, { recursive: true });
  const old = path.join(oldTemplate, "cdktf.out");
  for (const entry of ["manifest.json", "stacks", "guardrails.json", "guardrails.md"]) fs.cpSync(path.join(old, entry), path.join(legacy, entry), { recursive: true, dereference: true });
  // Older versions wrote no maturity report.
  expect(synthesisIn(legacy)).toEqual(Object.fromEntries(Object.entries(OLD).filter(([f]) => !f.startsWith("maturity."))));
  const legacySteps: string[] = [];
  synthesizeStepByStep(NEW_INPUTS, { outdir: copyOf(legacyTemplate) }, (step) => legacySteps.push(step));
  // The conversion comes before the working files are carried; from there on it is a run like any other.
  const conversion = legacySteps.slice(0, legacySteps.findIndex((step) => step.startsWith("carried")));
  expect(conversion).toEqual(expect.arrayContaining(["adopted stacks", "linked stacks"]));

  stepsToKillAfter(conversion).forEach((i) => {
    const step = conversion[i];
    const outdir = copyOf(legacyTemplate);
    expect(() => synthesizeStepByStep(NEW_INPUTS, { outdir }, killAfter(i + 1))).toThrow(Killed);
    // Converting has no atomic step: an entry may be missing for an instant, but nothing is ever mixed.
    const seen = synthesisIn(outdir);
    if (which(seen) !== "new") expect({ after: step, seen }).toEqual({ after: step, seen: Object.fromEntries(Object.entries(OLD).filter(([f]) => f in seen)) });
    synthesizePlatform(NEW_INPUTS, { outdir });
    expectFinished(outdir);
  });
});

describe("a real SIGKILL of the synthesizing process", () => {
  /** Runs the synthesis from source in a child process that kills itself with SIGKILL right after `step`. */
  function synthesizeAndKill(outdir: string, step: string) {
    const script = `
      const { synthesizeStepByStep } = require(${JSON.stringify(path.resolve(__dirname, "../../stacks/synthesize"))});
      synthesizeStepByStep(JSON.parse(process.env.INPUTS), { outdir: process.env.OUTDIR }, (step) => {
        if (step === process.env.KILL_AFTER) process.kill(process.pid, "SIGKILL");
      });`;
    return spawnSync(process.execPath, ["-r", require.resolve("sucrase/register/ts"), "-e", script], {
      env: { ...process.env, INPUTS: JSON.stringify(NEW_INPUTS), OUTDIR: outdir, KILL_AFTER: step },
      encoding: "utf8",
    });
  }

  test.each([
    ["made the next link", "old"],
    ["switched", "new"],
  ])("right after %s leaves the %s synthesis, and the next run finishes the job", (step, expected) => {
    const outdir = copyOf(oldTemplate);
    const child = synthesizeAndKill(outdir, step);
    expect({ signal: child.signal, stderr: child.stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
    expect(which(synthesisIn(outdir))).toBe(expected);
    // Its generation is named after a process that no longer exists: the next run removes it.
    synthesizePlatform(NEW_INPUTS, { outdir });
    expectFinished(outdir);
  });
});
