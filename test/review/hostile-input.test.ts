/**
 * What a hostile tester fed `review plan` and `review diff`: documents whose keys shadow Object's own members,
 * JSON nested deep inside strings, values Terraform marks sensitive below what is printed, markdown smuggled
 * through plan values, action combinations the review does not know. Exit 0, 2 or 3 only; no secret printed.
 */
import * as fs from "fs";
import * as path from "path";
import { review } from "./fixtures/run";
import { removeTempDirs, writeSynthOutput, writeTemp } from "./fixtures/synth-dirs";

afterAll(removeTempDirs);

const plan = (extra: Record<string, unknown>) => writeTemp("plan.json", JSON.stringify({ format_version: "1.2", resource_changes: [], ...extra }));
const change = (actions: string[], before: unknown, after: unknown, extra: Record<string, unknown> = {}) => ({
  address: "terraform_data.x",
  type: "terraform_data",
  name: "x",
  change: { actions, before, after, ...extra },
});
async function both(file: string, argv: string[] = []) {
  const markdown = await review(["plan", file, ...argv]);
  const json = await review(["plan", file, "--format", "json", ...argv]);
  return { markdown, json, text: markdown.stdout + json.stdout + markdown.stderr + json.stderr };
}

describe("keys named like Object's own members", () => {
  it.each(["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"])("diffs an attribute named %s like any other, removed or added", async (key) => {
    const removed = await both(writeTemp("p.json", `{"format_version":"1.2","resource_changes":[${JSON.stringify(change(["update"], {}, {})).replace('"before":{}', `"before":{"${key}":"a"}`)}]}`));
    expect([removed.markdown.code, removed.json.code]).toEqual([0, 0]);
    expect(JSON.parse(removed.json.stdout).changes[0].attributes).toEqual([{ path: key, before: "a" }]);
    const added = await both(writeTemp("p.json", `{"format_version":"1.2","resource_changes":[${JSON.stringify(change(["update"], {}, {})).replace('"after":{}', `"after":{"${key}":"b"}`)}]}`));
    expect(JSON.parse(added.json.stdout).changes[0].attributes).toEqual([{ path: key, after: "b" }]);
  });

  it("reads a type, a check's name or a policy's Effect that is an object with its own toString without crashing", async () => {
    const evil = { toString: 1 };
    const { markdown } = await both(
      plan({
        configuration: { root_module: { resources: [{ address: "aws_s3_bucket.b", type: evil }] } },
        checks: [{ status: "fail", address: { to_display: evil } }],
        planned_values: { root_module: { resources: [{ address: "aws_iam_role.r", type: "aws_iam_role", values: { assume_role_policy: JSON.stringify({ Statement: [{ Effect: evil, Principal: { AWS: [evil] } }] }) } }] } },
      }),
    );
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain("**Check failed** `(unnamed check)`");
  });
});

describe("JSON nested deep inside a string", () => {
  it("diffs it as a string instead of walking it", async () => {
    const deep = (leaf: string) => `${"[".repeat(5000)}"${leaf}"${"]".repeat(5000)}`;
    const { markdown, json } = await both(plan({ resource_changes: [change(["update"], { input: deep("a") }, { input: deep("b") })] }));
    expect([markdown.code, json.code]).toEqual([0, 0]);
  });
});

describe("values Terraform marks sensitive", () => {
  it("masks a list or block that holds a sensitive leaf, and says no sensitivity change where the value changed (real plan)", async () => {
    const file = path.resolve(__dirname, "../fixtures/plans/made/sensitive_nested.json");
    const { text, json } = await both(file);
    expect(text).not.toContain("SEKRIT_A");
    expect(JSON.parse(json.stdout).changes[0].attributes).toEqual([
      { path: "input.l", before: ["pub", "v1"], after: "(sensitive)" },
      { path: "input.m", before: null, after: "(sensitive)" },
      { path: "output", before: { l: ["pub", "v1"], m: null }, after: "(known after apply)" },
    ]);
  });

  it("masks a whole before that holds a sensitive value when after is unknown", async () => {
    const { text } = await both(plan({ resource_changes: [change(["update"], { input: "OLDSECRET", id: "1" }, null, { after_unknown: true, before_sensitive: { input: true }, after_sensitive: {} })] }));
    expect(text).not.toContain("OLDSECRET");
  });

  it("keeps a sensitive planned value out of guardrail findings", async () => {
    const endpoint = "http://hooks.example.com/services/SECRET_WEBHOOK_TOKEN";
    const values = { topic_arn: "arn:aws:sns:eu-west-1:123456789012:t", protocol: "http", endpoint };
    const subscription = { address: "aws_sns_topic_subscription.s", mode: "managed", type: "aws_sns_topic_subscription", name: "s" };
    const { text, json } = await both(
      plan({
        planned_values: { root_module: { resources: [{ ...subscription, values, sensitive_values: { endpoint: true } }] } },
        resource_changes: [{ ...subscription, change: { actions: ["create"], before: null, after: values, after_sensitive: { endpoint: true } } }],
      }),
    );
    expect(JSON.parse(json.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain("MLB-SNS-003");
    expect(text).not.toContain("SECRET_WEBHOOK_TOKEN");
  });

  it("review diff masks credentials inside a block added or removed whole", async () => {
    const base = writeSynthOutput({ "dev-data": { resource: { aws_s3_bucket: { b: { bucket: "x" } } }, terraform: { backend: { s3: { bucket: "s", secret_key: "BACKEND_SECRET_KEY" } } } } });
    const head = writeSynthOutput({ "dev-data": { resource: { aws_s3_bucket: { b: { bucket: "x", config: { password: "HUNTER2_PW", user: "u" } } } }, terraform: { backend: { local: {} } } } });
    const markdown = await review(["diff", "--base", base, "--head", head], { rules: [] });
    const json = await review(["diff", "--base", base, "--head", head, "--format", "json"], { rules: [] });
    expect([markdown.code, json.code]).toEqual([0, 0]);
    for (const secret of ["BACKEND_SECRET_KEY", "HUNTER2_PW"]) expect(markdown.stdout + json.stdout).not.toContain(secret);
    expect(json.stdout).toContain('"user": "u"');
  });
});

describe("what a comment must not carry", () => {
  it("escapes links, images and mentions smuggled through a plan's values", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "![x](https://evil.example/p.png) @octo-org/security [click](javascript:alert(1))", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
    const { markdown } = await both(
      plan({
        planned_values: {
          root_module: {
            resources: [
              { address: "aws_s3_bucket_policy.p", mode: "managed", type: "aws_s3_bucket_policy", name: "p", values: { bucket: "b", policy } },
              { address: "aws_s3_bucket.b", mode: "managed", type: "aws_s3_bucket", name: "b", values: { bucket: "b" } },
            ],
          },
        },
      }),
    );
    expect(markdown.stdout).toContain("Guardrail");
    expect(markdown.stdout).not.toMatch(/!\[x\]\(https/);
    expect(markdown.stdout).not.toMatch(/(^|[^\\])\[click\]\(/);
    expect(markdown.stdout).not.toContain("@octo-org");
  });

  it("never quotes the file in a JSON syntax error (it may hold a secret)", async () => {
    const run = await review(["plan", writeTemp("broken.json", '{"a": S3CR3TTOKEN}')]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain("S3CR3T");
    expect(run.stderr).toMatch(/is not valid JSON( at character \d+)?\n$/);
  });
});

describe("action combinations the review does not know", () => {
  it("counts them as other, lists them, and trips the destroy gate when one deletes a stateful resource", async () => {
    const bucket = { address: "aws_s3_bucket.b", type: "aws_s3_bucket", name: "b", mode: "managed" };
    const file = plan({ resource_changes: [{ ...bucket, change: { actions: ["delete", "forget"], before: { bucket: "b" }, after: null } }] });
    const run = await review(["plan", file, "--format", "json", "--fail-on", "destroy-stateful"], { rules: [] });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).summary.other).toBe(1);
    const markdown = await review(["plan", file], { rules: [] });
    expect(markdown.stdout.split("\n")[0]).toBe("⚠️ plan: 1 other (see the list), destroys 1 stateful resource");
  });
});

describe("damaged synth output", () => {
  it("refuses a guardrails report whose finding ids are not strings, naming the path", async () => {
    const dir = writeSynthOutput({ "dev-data": { resource: {} } }, { guardrails: { stacks: [{ stack: "dev-data", findings: [{ ruleId: { toString: 1 }, address: "a" }] }] } });
    const run = await review(["diff", "--base", dir, "--head", dir]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `review: ${path.join(dir, "guardrails.json")}: stacks[0].findings[0].ruleId: expected a string, found an object\n` });
  });

  it("refuses a manifest that points outside the synth output", async () => {
    const dir = writeSynthOutput({ "dev-data": { resource: {} } });
    const manifest = path.join(dir, "manifest.json");
    fs.writeFileSync(manifest, JSON.stringify({ stacks: { "../../elsewhere": {} } }));
    const run = await review(["diff", "--base", dir, "--head", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("leaves the synth output");
  });
});
