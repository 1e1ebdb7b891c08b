import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { environmentInputs } from "../../environments/inputs";
import { GuardrailViolationError, applyGuardrails, checkGuardrails } from "../../guardrails/apply";
import { evaluate, resourcesOfStackJson } from "../../guardrails/engine";
import { writeGuardrailReport } from "../../guardrails/report";
import { Rule, compliant, nonCompliant } from "../../guardrails/rule";
import { GuardrailSuppressionError, suppressGuardrail, suppressGuardrailByAddress } from "../../guardrails/suppressions";
import { synthesizePlatform, failedGuardrailsReport } from "../../stacks/synthesize";

/** A rule only tests use: every S3 bucket must be called "allowed". */
const TEST_RULE: Rule = {
  id: "MLB-TEST-001",
  severity: "error",
  resourceTypes: ["aws_s3_bucket"],
  rationale: "test rule",
  publicChecks: [],
  check: (resource) => (resource.attributes.bucket === "allowed" ? compliant : nonCompliant(`bucket "${String(resource.attributes.bucket)}" is not allowed`, 'call it "allowed"')),
};
const WARNING_RULE: Rule = { ...TEST_RULE, id: "MLB-TEST-002", severity: "warning", resourceTypes: ["aws_sqs_queue"], check: () => nonCompliant("a queue", "no queue") };
const rules = [TEST_RULE, WARNING_RULE];

function teamStack(app = Testing.app(), id = "team-a"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

describe("checkGuardrails on a team's own stack of raw provider resources", () => {
  it("returns every finding with rule, address, severity and message, without throwing", () => {
    const stack = teamStack();
    new S3Bucket(stack, "Data", { bucket: "team-a-data" });
    new S3Bucket(stack, "Fine", { bucket: "allowed" });
    new SqsQueue(stack, "Jobs", {});
    const findings = checkGuardrails(stack, { rules });
    expect(findings).toEqual([
      { ruleId: "MLB-TEST-001", address: "team-a/aws_s3_bucket.Data", severity: "error", message: 'bucket "team-a-data" is not allowed', fix: 'call it "allowed"', suppressed: false },
      expect.objectContaining({ ruleId: "MLB-TEST-002", address: "team-a/aws_sqs_queue.Jobs", severity: "warning" }),
    ]);
  });

  it("keeps suppressed findings, with their reason", () => {
    const stack = teamStack();
    const bucket = new S3Bucket(stack, "Data", { bucket: "team-a-data" });
    suppressGuardrail(bucket, "MLB-TEST-001", "Legacy bucket kept until the migration in Q3");
    expect(checkGuardrails(stack, { rules })[0]).toMatchObject({ suppressed: true, reason: "Legacy bucket kept until the migration in Q3" });
  });

  it("suppresses by address pattern for a whole stack", () => {
    const stack = teamStack();
    new S3Bucket(stack, "LegacyOne", { bucket: "x" });
    new S3Bucket(stack, "Other", { bucket: "y" });
    suppressGuardrailByAddress(stack, "MLB-TEST-001", "aws_s3_bucket.Legacy*", "Imported buckets, renamed in PLAT-123");
    expect(checkGuardrails(stack, { rules }).map((f) => [f.address, f.suppressed])).toEqual([
      ["team-a/aws_s3_bucket.LegacyOne", true],
      ["team-a/aws_s3_bucket.Other", false],
    ]);
  });
});

describe("suppressions need a reason a reviewer can judge", () => {
  it.each([undefined, "", "because", "   short  "])("refuses the reason %p", (reason) => {
    const stack = teamStack();
    expect(() => suppressGuardrail(stack, "MLB-TEST-001", reason as string)).toThrow(/needs a reason of at least 10 characters/);
  });

  it("refuses something that is not a rule id", () => {
    expect(() => suppressGuardrail(teamStack(), "CKV_AWS_18", "Access logs go to the central account")).toThrow(/"CKV_AWS_18" is not a guardrail rule id/);
  });
});

describe("applyGuardrails", () => {
  const tmpApp = () => new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "mlops-guardrails-")) });
  const written = (app: App, stack: string) => fs.existsSync(path.join(app.outdir, "stacks", stack, "cdk.tf.json"));

  it("fails synthesis with every unsuppressed error of every stack at once, warnings and suppressed ones aside", () => {
    const app = tmpApp();
    new S3Bucket(teamStack(app, "one"), "A", { bucket: "a" });
    const two = teamStack(app, "two");
    new S3Bucket(two, "B", { bucket: "b" });
    new SqsQueue(two, "Q", {});
    suppressGuardrail(new S3Bucket(two, "C", { bucket: "c" }), "MLB-TEST-001", "Owned by the data team, checked there");
    applyGuardrails(app, { rules });
    expect(() => app.synth()).toThrow(GuardrailViolationError);
    expect(() => app.synth()).toThrow(
      /MLB-TEST-001 one\/aws_s3_bucket\.A: bucket "a" is not allowed \(fix: call it "allowed"\)[\s\S]*MLB-TEST-001 two\/aws_s3_bucket\.B: bucket "b"/,
    );
    // Checked before any stack is written: a plain App (a team's own) writes nothing a violation refused.
    expect(written(app, "one")).toBe(false);
    expect(written(app, "two")).toBe(false);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("writes the JSON it checked, all of it in the files", () => {
    const app = tmpApp();
    new S3Bucket(teamStack(app, "fine"), "A", { bucket: "allowed" });
    const run = applyGuardrails(app, { rules });
    app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", "fine", "cdk.tf.json"), "utf8"));
    expect(Object.values(json.resource.aws_s3_bucket)).toEqual([expect.objectContaining({ bucket: "allowed" })]);
    expect(run.stacks.map((s) => [s.stack, s.findings.length])).toEqual([["fine", 0]]);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("checks anew on every synthesis", () => {
    const app = tmpApp();
    const stack = teamStack(app, "again");
    applyGuardrails(app, { rules });
    app.synth();
    new S3Bucket(stack, "A", { bucket: "a" });
    expect(() => app.synth()).toThrow(/MLB-TEST-001 again\/aws_s3_bucket\.A/);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("refuses a suppression of a rule that does not exist, before writing anything", () => {
    const app = tmpApp();
    const stack = teamStack(app, "typo");
    suppressGuardrail(new S3Bucket(stack, "A", { bucket: "allowed" }), "MLB-S3-999", "Owned by the data team, checked there");
    applyGuardrails(app, { rules });
    expect(() => app.synth()).toThrow(GuardrailSuppressionError);
    expect(() => checkGuardrails(app, { rules })).toThrow(GuardrailSuppressionError);
    expect(() => app.synth()).toThrow(/typo\/A: suppresses MLB-S3-999, which is no guardrail rule \(a typo, or a rule since removed\); fix or drop the suppression/);
    expect(written(app, "typo")).toBe(false);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("checks stacks added after it was applied from a guarded one, and applying again guards only what is new", () => {
    const app = tmpApp();
    teamStack(app, "first");
    const run = applyGuardrails(app, { rules });
    expect(applyGuardrails(app)).toBe(run);
    expect(run.rules).toBe(rules);
    new S3Bucket(teamStack(app, "late"), "A", { bucket: "a" });
    expect(() => app.synth()).toThrow(/MLB-TEST-001 late\/aws_s3_bucket\.A/);
    expect(written(app, "first")).toBe(false);
    expect(run.stacks.map((s) => s.stack)).toEqual(["first", "late"]);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("lets a team suppress its own rules, by their own ids, and refuses ids of no shape", () => {
    const app = tmpApp();
    const stack = teamStack(app, "own");
    const acmeRule: Rule = { ...TEST_RULE, id: "ACME-S3-001" };
    suppressGuardrail(new S3Bucket(stack, "A", { bucket: "a" }), "ACME-S3-001", "Owned by the data team, checked there");
    const run = applyGuardrails(app, { rules: [acmeRule] });
    app.synth();
    expect(run.stacks[0].findings).toEqual([expect.objectContaining({ ruleId: "ACME-S3-001", suppressed: true })]);
    expect(() => suppressGuardrail(stack, "s3 rule 1", "Owned by the data team, checked there")).toThrow(GuardrailSuppressionError);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("refuses to guard an app that skips validation: the check would never run", () => {
    const app = new App({ outdir: os.tmpdir(), skipValidation: true });
    teamStack(app, "skipped");
    expect(() => applyGuardrails(app, { rules })).toThrow(/the app skips validation, and with it the guardrails; create it without skipValidation/);
  });

    it("refuses to guard an app without stacks: called too early it would guard nothing", () => {
    expect(() => applyGuardrails(Testing.app())).toThrow(/there is no stack under it to guard yet; call it after creating your stacks \(a PlatformStack guards itself\)/);
  });
});

describe("the report", () => {
  it("lists per stack the rules run, the findings, and suppressions with their reasons", () => {
    const app = Testing.app();
    const stack = teamStack(app, "reported");
    suppressGuardrail(new S3Bucket(stack, "Kept", { bucket: "kept" }), "MLB-TEST-001", "Kept for the audit trail until 2027");
    const run = applyGuardrails(app, { rules });
    app.synth();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-report-"));
    writeGuardrailReport(run, dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, "guardrails.json"), "utf8"));
    expect(json.stacks).toEqual([
      { stack: "reported", protected: false, rulesRun: 2, findings: [expect.objectContaining({ ruleId: "MLB-TEST-001", suppressed: true, reason: "Kept for the audit trail until 2027" })] },
    ]);
    expect(fs.readFileSync(path.join(dir, "guardrails.md"), "utf8")).toContain("suppressed: MLB-TEST-001 reported/aws_s3_bucket.Kept");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("synthesizePlatform with guardrails", () => {
  it("refuses to write stacks when a rule fails, lists the violations, and reports them beside the untouched output", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-violations-"));
    const bucketsMustBeAllowed = { ...TEST_RULE };
    let error: unknown;
    try {
      synthesizePlatform(environmentInputs, { outdir, guardrailRules: [bucketsMustBeAllowed] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GuardrailViolationError);
    expect((error as GuardrailViolationError).violations.length).toBeGreaterThan(3);
    expect((error as Error).message).toMatch(/^Guardrails found \d+ violations:\nMLB-TEST-001 dev-bootstrap\/aws_s3_bucket\.StateBucket_\w+: bucket "mlops-dev-tfstate-314159265358" is not allowed/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    const report = failedGuardrailsReport(outdir);
    expect(fs.readFileSync(report, "utf8")).toContain("MLB-TEST-001 dev-bootstrap/aws_s3_bucket.StateBucket_");
    fs.rmSync(outdir, { recursive: true, force: true });
    for (const file of [report, report.replace(/\.md$/, ".json")]) fs.rmSync(file, { force: true });
  });
});

describe("evaluate", () => {
  it("finds related resources through the references in their attributes", () => {
    const related: Rule = {
      ...TEST_RULE,
      id: "MLB-TEST-003",
      check: (resource, context) =>
        context.referencing(resource.address, "aws_s3_bucket_versioning").length > 0 ? compliant : nonCompliant("no versioning", "add it"),
    };
    const json = {
      resource: {
        aws_s3_bucket: { a: { bucket: "a" }, b: { bucket: "b" } },
        aws_s3_bucket_versioning: { va: { bucket: "${aws_s3_bucket.a.id}" } },
      },
    };
    expect(evaluate(resourcesOfStackJson(json), { rules: [related], protected: false }).map((f) => f.address)).toEqual(["aws_s3_bucket.b"]);
  });
});
