import * as fs from "fs";
import * as path from "path";
import { environmentInputs } from "../../environments/inputs";
import { parseEnvironments } from "../../environments/schema";
import { replaceServedArn } from "../../promote/edit-arn";
import { main } from "../../promote/cli";
import { PromotionError } from "../../promote/errors";
import { removeTempDirs, tempDir } from "../review/fixtures/synth-dirs";

afterAll(removeTempDirs);

const ROOT = path.resolve(__dirname, "../..");
const configs = parseEnvironments(environmentInputs);
/** An environment whose endpoint serves a registry version and declares promotion minimums (whichever the shipped set has). */
const env = configs.find((c) => c.serving.endpoints.some((e) => e.model?.modelPackageArn && e.promotion))!;
const endpoint = env.serving.endpoints.find((e) => e.model?.modelPackageArn && e.promotion)!;
const served = endpoint.model!.modelPackageArn!;
const servedVersion = Number(served.split("/").at(-1));
const next = servedVersion + 1;
const nextArn = served.replace(/\/\d+$/, `/${next}`);
const minimums = endpoint.promotion!.minimumMetrics;

/** describe-model-package output of a version, with metrics as the retraining pipeline registers them. */
function evidence(arn: string, status: string, metrics: Record<string, number>) {
  return {
    ModelPackageGroupName: arn.split("/").at(-2),
    ModelPackageVersion: Number(arn.split("/").at(-1)),
    ModelPackageArn: arn,
    ModelApprovalStatus: status,
    ApprovalDescription: "Offline AUC and recall above the gate; canary in staging clean",
    LastModifiedBy: { UserProfileName: "ml-lead" },
    LastModifiedTime: "2026-11-20T10:00:00Z",
    CustomerMetadataProperties: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`metric.${k}`, String(v)])),
    DriftCheckBaselines: { ModelDataQuality: { Constraints: { ContentType: "application/json", S3Uri: "s3://artifacts/churn/baseline/constraints.json" } } },
  };
}
const above = (delta: number) => Object.fromEntries(Object.entries(minimums).map(([k, v]) => [k, Math.round((v + delta) * 1000) / 1000]));

/** A working copy: the environment files, where the command edits; evidence files beside them. */
function workingCopy(files: Record<string, unknown> = {}) {
  const dir = tempDir("mlops-promote-");
  fs.mkdirSync(path.join(dir, "environments"));
  for (const name of fs.readdirSync(path.join(ROOT, "environments")).filter((f) => f.endsWith(".ts"))) {
    fs.copyFileSync(path.join(ROOT, "environments", name), path.join(dir, "environments", name));
  }
  for (const [name, json] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof json === "string" ? json : JSON.stringify(json, null, 2));
  return dir;
}

async function run(args: string[], dir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    return { code: await main(args, dir), stdout: out.join(""), stderr: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const envFile = (dir: string) => fs.readFileSync(path.join(dir, "environments", `${env.name}.ts`), "utf8");
const original = fs.readFileSync(path.join(ROOT, "environments", `${env.name}.ts`), "utf8");
const args = (...extra: string[]) => [endpoint.name, String(next), "--to", env.name, "--evidence", "next.json", ...extra];

describe("npm run promote", () => {
  it("promotes an approved version that meets the gate: one literal changes, and the pull request body says from, to, metrics and evidence", async () => {
    const dir = workingCopy({ "next.json": evidence(nextArn, "Approved", above(0.05)), "current.json": evidence(served, "Approved", above(0.01)) });
    const result = await run(args("--current", "current.json", "--body", "body.md").map((a) => (a.endsWith(".json") || a.endsWith(".md") ? path.join(dir, a) : a)), dir);
    expect(result).toMatchObject({ code: 0 });
    const changed = envFile(dir).split("\n").filter((line, i) => line !== original.split("\n")[i]);
    expect(changed).toEqual([original.split("\n").find((line) => line.includes(served))!.replace(served, nextArn)]);
    const body = fs.readFileSync(path.join(dir, "body.md"), "utf8");
    expect(body).toContain(`: \`churn/${servedVersion}\` → \`churn/${next}\``);
    for (const [name, minimum] of Object.entries(minimums)) expect(body).toMatch(new RegExp(`\\| ${name} \\| [0-9.]+ \\| ${minimum} \\| [0-9.]+ \\| ✅ \\|`));
    expect(body).toContain("Approved by ml-lead");
    expect(body).toContain("s3://artifacts/churn/baseline/constraints.json");
    expect(body).toMatch(/Data capture: (on, \d+ % of requests|off)/);
  });

  it.each([
    ["a version pending approval", evidence(nextArn, "PendingManualApproval", above(0.05)), /is PendingManualApproval, not Approved: approve it in the registry first/],
    ["a metric below its minimum", evidence(nextArn, "Approved", above(-0.01)), /is [0-9.]+, below the minimum/],
    ["evidence of another version", evidence(served, "Approved", above(0.05)), /the evidence is of .*, not of /],
  ])("refuses %s, and changes nothing", async (_what, next, message) => {
    const dir = workingCopy({ "next.json": next, "current.json": evidence(served, "Approved", above(0)) });
    const result = await run(args("--current", path.join(dir, "current.json")).map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Nothing was changed.");
    expect(envFile(dir)).toBe(original);
  });

  it.each([
    ["a package SageMaker has not finished creating", { ...evidence(nextArn, "Approved", above(0.05)), ModelPackageStatus: "InProgress" }, /is InProgress, not Completed/],
    ["a served version without the gated metrics, when the endpoint must beat it", evidence(nextArn, "Approved", above(0.05)), /the served version reports no \w+ \(metric\.\w+\), so it cannot be beaten on it/],
  ])("refuses %s", async (what, next, message) => {
    if (what.startsWith("a served") && !endpoint.promotion!.mustBeatCurrent) return expect(endpoint.promotion!.mustBeatCurrent).toBeFalsy();
    const dir = workingCopy({ "next.json": next, "current.json": evidence(served, "Approved", {}) });
    const result = await run(args("--current", path.join(dir, "current.json")).map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(envFile(dir)).toBe(original);
  });

  it("refuses a time the CLI printed as a number rather than misread it", async () => {
    const dir = workingCopy({ "next.json": { ...evidence(nextArn, "Approved", above(0.05)), LastModifiedTime: 1763632800 } });
    const result = await run(args().map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining("LastModifiedTime is 1763632800; expected text (run the AWS CLI with --cli-timestamp-format iso8601") });
  });

  it("refuses a version below the one served now when the endpoint must beat it, and asks for it when it is missing", async () => {
    if (!endpoint.promotion!.mustBeatCurrent) return expect(endpoint.promotion!.mustBeatCurrent).toBeFalsy();
    const dir = workingCopy({ "next.json": evidence(nextArn, "Approved", above(0.01)), "current.json": evidence(served, "Approved", above(0.05)) });
    const worse = await run(args("--current", path.join(dir, "current.json")).map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(worse.code).toBe(1);
    expect(worse.stderr).toMatch(/below the served version's/);
    const blind = await run(args().map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(blind.stderr).toMatch(/mustBeatCurrent is set: pass --current/);
  });

  it("refuses what the schema refuses: a registry that does not share with the environment", async () => {
    const other = configs.find((c) => c.name !== env.name && !c.data.modelRegistry.consumerAccountIds.includes(env.account.id))!;
    const otherArn = nextArn.replace(/:\d{12}:/, `:${other.account.id}:`);
    const dir = workingCopy({ "next.json": evidence(otherArn, "Approved", above(0.05)), "current.json": evidence(served, "Approved", above(0)) });
    const result = await run([...args("--current", path.join(dir, "current.json"), "--registry", other.name)].map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the configuration would be refused: ${env.name}: serving.endpoints.`);
    expect(envFile(dir)).toBe(original);
  });

  it("says what is wrong with bad input (exit 2): an evidence file that is not describe-model-package output, an unknown endpoint", async () => {
    const dir = workingCopy({ "next.json": { Arn: "x" } });
    const bad = await run(args().map((a) => (a === "next.json" ? path.join(dir, a) : a)), dir);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("next.json: ModelPackageArn is missing; is this aws sagemaker describe-model-package output?") });
    const unknown = await run(["nope", "2", "--to", env.name, "--print-arns"], dir);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining(`nope: ${env.name} has no such endpoint`) });
  });

  it("prints the ARNs to fetch evidence of, without evidence", async () => {
    const result = await run([endpoint.name, String(next), "--to", env.name, "--print-arns"], workingCopy());
    expect(JSON.parse(result.stdout)).toEqual({ to: nextArn, current: served });
  });
});

describe("the environment file edit", () => {
  const source = `// prod
export const prod = {
  data: { model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/1" } },
  serving: {
    endpoints: [
      { name: "fraud", model: { modelPackageArn: 'arn:aws:sagemaker:eu-west-1:111111111111:model-package/fraud/3' } },
      {
        // The name may come after the model, and comments stay.
        model: { modelPackageArn: "arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/7" /* current */ },
        name: "churn",
      },
    ],
  },
};
`;

  it("replaces only the endpoint's served literal, keeping quotes, comments and the other values", () => {
    const { text, previous } = replaceServedArn(source, "prod.ts", "churn", "arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/8");
    expect(previous).toBe("arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/7");
    expect(text).toBe(source.replace("churn/7", "churn/8"));
    expect(replaceServedArn(source, "prod.ts", "fraud", "arn:x").text).toBe(source.replace("'arn:aws:sagemaker:eu-west-1:111111111111:model-package/fraud/3'", "'arn:x'"));
  });

  it("refuses an endpoint it cannot find, or an ARN built in code", () => {
    expect(() => replaceServedArn(source, "prod.ts", "ranking", "arn:x")).toThrow(PromotionError);
    expect(() => replaceServedArn(source, "prod.ts", "ranking", "arn:x")).toThrow(/no serving endpoint "ranking" with a literal model.modelPackageArn \(endpoints with one: fraud, churn\)/);
    const built = source.replace('"arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn/7"', "`${BASE}/churn/7`");
    expect(() => replaceServedArn(built, "prod.ts", "churn", "arn:x")).toThrow(/no serving endpoint "churn"/);
  });
});
