/**
 * The real-provider check against the real Terraform CLI and hashicorp/aws, offline. Needs `terraform` and
 * a provider mirror named by MLOPS_PROVIDER_MIRROR (.ci/run finds and names it); skipped without them.
 */
import * as fs from "fs";
import * as path from "path";
import { evaluate, resourcesOfStackJson } from "../../guardrails/engine";
import { ALL_RULES } from "../../guardrails/rules";
import { main } from "../../verify/cli";
import { StackJson, removeTempDirs, tempDir, writeSynthOutput } from "../review/fixtures/synth-dirs";
import { consumerJson, producerJson } from "./fixtures";

const MIRROR = process.env.MLOPS_PROVIDER_MIRROR;
const describeWithTerraform = MIRROR ? describe : describe.skip;

afterAll(removeTempDirs);

/** guardrails.json as synthesis writes it: every stack's findings at synth time. */
function guardrailsReport(stacks: Record<string, StackJson>, leaveOut: string[] = []) {
  return {
    rules: [],
    stacks: Object.entries(stacks).map(([id, json]) => ({
      stack: id,
      protected: false,
      findings: evaluate(resourcesOfStackJson(json), { rules: ALL_RULES, protected: false, addressPrefix: id }).filter((f) => !leaveOut.includes(`${f.ruleId} ${f.address}`)),
    })),
  };
}

/** A mirror holding only the AWS provider of MLOPS_PROVIDER_MIRROR (so the kubernetes provider is surely absent). */
function awsOnlyMirror(): string {
  const dir = tempDir("mlops-mirror-");
  const aws = path.join(MIRROR!, "registry.terraform.io", "hashicorp", "aws");
  // Terraform follows a link to a platform folder, not to the folders above it: link each platform.
  for (const version of fs.readdirSync(aws)) {
    for (const platform of fs.readdirSync(path.join(aws, version))) {
      fs.mkdirSync(path.join(dir, "registry.terraform.io", "hashicorp", "aws", version), { recursive: true });
      fs.symlinkSync(path.join(aws, version, platform), path.join(dir, "registry.terraform.io", "hashicorp", "aws", version, platform));
    }
  }
  return dir;
}

const withoutOutputs = ({ output: _output, ...json }: StackJson): StackJson => json;

async function verify(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }, process.env);
  return { code, stdout, stderr };
}

describeWithTerraform("npm run verify with the real provider", () => {
  jest.setTimeout(180_000);

  it("passes stacks that validate, plan to what was synthesized and agree with synth-time guardrails; fails the others, naming why", async () => {
    const stacks: Record<string, StackJson> = {
      "t-data": producerJson(),
      "t-serving": consumerJson(),
      "u-bogus": withoutOutputs(producerJson({ bogus_attribute: true })),
      "w-cluster": { ...withoutOutputs(producerJson()), terraform: { required_providers: { kubernetes: { source: "kubernetes", version: "2.38.0" } } } },
    };
    stacks["u-bogus"].terraform = { backend: { s3: { bucket: "u", key: "u-bogus/terraform.tfstate" } }, required_providers: { aws: { source: "aws", version: "6.25.0" } } };
    const disagreeing = writeSynthOutput({ ...stacks, "v-data": producerJson() }, {
      guardrails: guardrailsReport({ ...stacks, "v-data": producerJson() }, ["MLB-S3-001 v-data/aws_s3_bucket.Data"]),
      dependencies: { "t-serving": ["t-data"] },
    });

    const run = await verify(["--synth-dir", disagreeing, "--mirror", awsOnlyMirror(), "--jobs", "2"]);

    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/hashicorp\/aws 5\.100\.0 is older than the pinned 6\.25\.0/);
    expect(run.stdout).toMatch(/^✓ t-data: valid; plan creates 4 of 4 synthesized resources; guardrails agree \(\d+ finding\(s\)\), 1 newer attribute value\(s\) dropped/m);
    expect(run.stdout).toMatch(/^✓ t-serving: valid; plan creates 2 of 2 synthesized resources; guardrails agree/m);
    expect(run.stdout).toMatch(/^✗ u-bogus .*\n {4}validate: Extraneous JSON object property: No argument or block type is named "bogus_attribute"/m);
    expect(run.stdout).toMatch(/^✗ v-data .*\n {4}guardrails: only at plan time: MLB-S3-001 v-data\/aws_s3_bucket.Data$/m);
    expect(run.stdout).toMatch(/^not validated: 1 stack\(s\) need hashicorp\/kubernetes, which the mirror does not hold: w-cluster$/m);
    expect(run.stdout).toMatch(/^✗ 2 of 4 stack\(s\) validated and planned with the real provider .*; 2 failed; 1 not validated$/m);
  });

  it("fails with --require-all when a stack could not be validated", async () => {
    const stacks: Record<string, StackJson> = { "w-cluster": { terraform: { required_providers: { kubernetes: { source: "kubernetes", version: "2.38.0" } } }, resource: {} } };
    const dir = writeSynthOutput(stacks, { guardrails: guardrailsReport(stacks) });
    const run = await verify(["--synth-dir", dir, "--mirror", awsOnlyMirror(), "--require-all"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("verify: --require-all: 1 stack(s) not validated\n");
  });
});

describe("npm run verify: bad input", () => {
  it.each([
    [["--jobs", "0"], "verify: --jobs 0: expected a whole number of at least 1\n"],
    [["--synth-dir", "/nonexistent/cdktf.out"], "verify: /nonexistent/cdktf.out: no such directory (expected a synth output such as cdktf.out; run npm run synth)\n"],
  ])("%j exits 2", async (argv, message) => {
    const run = await verify(argv);
    expect(run).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("refuses an unknown option with the usage", async () => {
    const run = await verify(["--mirrors", "x"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^verify: unknown argument "--mirrors"\n\nUsage: npm run verify/);
  });

  it("needs the guardrails report synthesis writes", async () => {
    const dir = writeSynthOutput({ "t-data": producerJson() });
    const run = await verify(["--synth-dir", dir]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `verify: ${dir}: has no guardrails.json to compare plan-time findings with; run npm run synth\n` });
  });
});
