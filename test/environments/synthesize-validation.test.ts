import { ConstructPropsError } from "../../constructs/core/errors";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dev } from "../../environments/dev";
import { EnvironmentConfigError, formatProblem } from "../../environments/errors";
import { environmentInputs } from "../../environments/inputs";
import { prod } from "../../environments/prod";
import { synthesizePlatform } from "../../stacks/synthesize";
import { NodePool } from "../../constructs/training-cluster/node-pool";

// Synthesizing every stack takes about 0.6 s here; leave room for slow CI machines.
jest.setTimeout(60_000);

const tempDirs: string[] = [];

/** A fresh, empty directory under the OS temp dir, removed after the test. */
function freshOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-synth-"));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("synthesizePlatform", () => {
  test("an invalid environment stops synthesis before anything is written", () => {
    const outdir = freshOutdir();
    const badProd = structuredClone(prod) as { account: { id: string } };
    badProd.account.id = "16180339887";

    let caught: unknown;
    try {
      synthesizePlatform([dev, badProd], { outdir });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(EnvironmentConfigError);
    expect((caught as EnvironmentConfigError).problems.map(formatProblem)).toEqual([
      'prod: account.id: is "16180339887"; must be a 12-digit AWS account id',
    ]);
    expect(fs.readdirSync(outdir)).toEqual([]);
    expect(fs.existsSync(path.join(outdir, "stacks"))).toBe(false);
  });

  test("the shipped environments synthesize every layer stack of each", () => {
    const outdir = freshOutdir();

    const ids = synthesizePlatform(environmentInputs, { outdir });

    const layers = ["bootstrap", "network", "data", "training", "workloads", "serving"];
    const expected = environmentInputs.map((input) => (input as { name: string }).name).flatMap((env) => layers.map((layer) => `${env}-${layer}`));
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([...expected].sort());
    for (const id of expected) {
      const file = path.join(outdir, "stacks", id, "cdk.tf.json");
      expect(fs.existsSync(file)).toBe(true);
      // Valid JSON with Terraform content, not an empty placeholder.
      const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      expect(json).toHaveProperty("terraform");
      expect(json).toHaveProperty("resource");
    }
  });
});

describe("a construct refusing what the schema accepted", () => {
  afterEach(() => jest.restoreAllMocks());

  test("is reported as that environment's problem, and nothing is written", () => {
    const outdir = freshOutdir();
    jest.spyOn(NodePool.prototype as unknown as { validate: () => number }, "validate").mockImplementationOnce(() => {
      throw new ConstructPropsError("dev-training/Cluster/SystemPool: something the schema missed");
    });
    expect(() => synthesizePlatform(environmentInputs, { outdir })).toThrow(
      /^Invalid environment configuration \(1 problem\):\ndev: \(constructs\): dev-training\/Cluster\/SystemPool: something the schema missed$/,
    );
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test("a programming error is not disguised as a config problem", () => {
    jest.spyOn(NodePool.prototype as unknown as { validate: () => number }, "validate").mockImplementationOnce(() => {
      throw new TypeError("undefined is not a function");
    });
    expect(() => synthesizePlatform(environmentInputs, { outdir: freshOutdir() })).toThrow(TypeError);
  });
});
