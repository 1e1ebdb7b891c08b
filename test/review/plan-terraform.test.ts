/**
 * review plan over what Terraform 0.12 to 1.14 writes: errored plans, forget, imports, moves,
 * create-before-destroy, deposed objects, sensitivity-only updates, drift without addresses, other
 * encodings, wrong shapes, and size. The plans under fixtures/plans/made/ come from the real CLI.
 */
import * as fs from "fs";
import * as path from "path";
import { generatePlan } from "../../bench/generate-plan";
import { compliant, nonCompliant, type Rule } from "../../guardrails/rule";
import { ALL_RULES } from "../../guardrails/rules";
import { planJson, review } from "./fixtures/run";
import { removeTempDirs, writeTemp } from "./fixtures/synth-dirs";

const MADE = path.resolve(__dirname, "../fixtures/plans/made");
const made = (name: string) => path.join(MADE, `${name}.json`);
afterAll(removeTempDirs);



/** Flags every terraform_data: shows which resources the guardrails judge. */
const everyObject: Rule = { id: "MLB-TEST-001", severity: "error", resourceTypes: ["terraform_data"], rationale: "test", publicChecks: [], check: () => nonCompliant("judged", "none") };

describe("errored plans", () => {
  it.each(["errored_precondition", "errored_refresh", "errored_refresh_only"])("%s: a failing headline, errored in the JSON, exit 3 under --fail-on errored", async (name) => {
    const markdown = await review(["plan", made(name)], { rules: [] });
    expect(markdown.code).toBe(0);
    expect(markdown.stdout.split("\n")[0]).toMatch(/^❌ plan errored: Terraform stopped at an error and will not apply this plan/);
    const gated = await planJson(made(name), ["--fail-on", "errored"]);
    expect(gated.code).toBe(3);
    expect(gated.json.errored).toBe(true);
    expect(gated.stderr).toBe(`review: --fail-on errored: ${made(name)} is an errored plan: terraform plan failed and Terraform will not apply it\n`);
  });

  it("says which check failed and why", async () => {
    const { json, stdout } = await planJson(made("errored_precondition"));
    expect(json.failedChecks).toEqual([{ address: "terraform_data.bad", problems: ["Precondition always fails."] }]);
    expect((await review(["plan", made("errored_precondition")], { rules: [] })).stdout).toContain("- 🛑 **Check failed** `terraform_data.bad`: Precondition always fails.");
    expect(stdout).not.toBe("");
  });

  it("lets a plan that did not error through --fail-on errored", async () => {
    expect((await planJson(made("moved"), ["--fail-on", "errored"])).code).toBe(0);
  });

  it("is refused as a gate of review diff, which has no plan", async () => {
    const run = await review(["diff", "--base", "a", "--head", "b", "--fail-on", "errored"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--fail-on errored applies to review plan");
  });
});

describe("what a plan does besides create, update and destroy", () => {
  it("counts forget and never judges what it forgets", async () => {
    const { json } = await planJson(made("forget"), [], [everyObject]);
    expect(json.summary).toMatchObject({ forget: 1, delete: 0, noop: 1 });
    expect(json.changes).toEqual([expect.objectContaining({ address: "terraform_data.x", action: "forget" })]);
    expect(json.findings.map((f: { address: string }) => f.address)).toEqual(["terraform_data.keep"]);
    const markdown = (await review(["plan", made("forget")], { rules: [] })).stdout;
    expect(markdown.split("\n")[0]).toBe("✅ plan: 1 to forget, nothing destroyed");
    expect(markdown).toContain("| create | update | replace | destroy | forget | read | no-op | import | move | other |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n| 0 | 0 | 0 | 0 | 1 | 0 | 1 | 0 | 0 | 0 |");
  });

  it("says imports as such, alone and with an update", async () => {
    const { json } = await planJson(made("import"));
    expect(json.changes).toEqual([
      expect.objectContaining({ address: "terraform_data.updated", action: "update", imported: { id: "import-updated-id" } }),
      expect.objectContaining({ address: "terraform_data.alone", action: "no-op", imported: { id: "import-alone-id" } }),
    ]);
    const markdown = (await review(["plan", made("import")], { rules: [] })).stdout;
    expect(markdown.split("\n")[0]).toBe("✅ plan: 1 to update, 2 to import, nothing destroyed");
    expect(markdown).toContain("- **import + update** `terraform_data.updated` (import id `import-updated-id`)");
    expect(markdown).toContain("- **import** `terraform_data.alone` (import id `import-alone-id`)");
  });

  it("says moves as such, alone and with an update", async () => {
    const { json } = await planJson(made("moved"));
    expect(json.summary).toMatchObject({ move: 2, update: 1, noop: 1 });
    const markdown = (await review(["plan", made("moved")], { rules: [] })).stdout;
    expect(markdown.split("\n")[0]).toBe("✅ plan: 1 to update, 2 to move, nothing destroyed");
    expect(markdown).toContain("- **move + update** `terraform_data.d` (`terraform_data.c` moved to `terraform_data.d`)");
    expect(markdown).toContain("- **move** `terraform_data.b` (`terraform_data.a` moved to `terraform_data.b`)");
  });

  it("tells create-before-destroy from destroy-before-create", async () => {
    const { json } = await planJson(made("create_before_destroy"));
    expect(json.changes.map((c: { address: string; replacement: string }) => [c.address, c.replacement])).toEqual([
      ["terraform_data.cbd", "create-before-destroy"],
      ["terraform_data.plain", "destroy-before-create"],
    ]);
    expect((await review(["plan", made("create_before_destroy")], { rules: [] })).stdout).toContain("- **replace (create before destroy)** `terraform_data.cbd`");
  });

  it("names a deposed object apart from the current one", async () => {
    const { json } = await planJson(made("deposed"));
    expect(json.changes.map((c: { address: string; action: string }) => `${c.action} ${c.address}`)).toEqual([
      expect.stringMatching(/^delete terraform_data\.cbd \(deposed [0-9a-f]{8}\)$/),
      "replace terraform_data.cbd",
    ]);
  });

  it("says what became sensitive in a sensitivity-only update, never the value", async () => {
    const { json } = await planJson(made("sensitive_only"));
    expect(json.changes).toEqual([{ address: "terraform_data.s", type: "terraform_data", action: "update", stateful: false, attributes: [{ path: "input", sensitivity: "became sensitive" }] }]);
    const markdown = (await review(["plan", made("sensitive_only")], { rules: [] })).stdout;
    expect(markdown).toContain("  - `input`: became sensitive (value unchanged)");
    expect(markdown).not.toContain("same-value");
  });

  it("accepts drift without an address (Terraform 1.0.0) and derives it", async () => {
    const plan = {
      format_version: "0.2",
      terraform_version: "1.0.0",
      resource_changes: [],
      resource_drift: [
        { module_address: 'module.store["a"]', mode: "managed", type: "aws_s3_bucket", name: "b", index: 0, change: { actions: ["update"], before: { tags: {} }, after: { tags: { x: "1" } } } },
        { mode: "data", type: "aws_iam_policy_document", name: "p", index: "k", change: { actions: ["update"], before: { json: "a" }, after: { json: "b" } } },
      ],
      planned_values: { root_module: {} },
    };
    const { code, json } = await planJson(writeTemp("drift-1.0.0.json", JSON.stringify(plan)));
    expect(code).toBe(0);
    expect(json.drift.map((c: { address: string }) => c.address)).toEqual(['module.store["a"].aws_s3_bucket.b[0]', 'data.aws_iam_policy_document.p["k"]']);
  });
});

describe("guardrails over a real plan's unknowns", () => {
  // generatePlan: buckets whose versioning, encryption and public access block refer to them through
  // `bucket`, known only after apply, with the configuration's references, as Terraform writes a first plan.
  const s3 = ALL_RULES.filter((r) => ["MLB-S3-001", "MLB-S3-002", "MLB-S3-003"].includes(r.id));

  it("attaches a companion whose bucket is unknown but refers to the bucket in the configuration", async () => {
    const { json } = await planJson(writeTemp("buckets.json", JSON.stringify(generatePlan(8))), [], s3);
    expect(json.findings).toEqual([]);
  });

  it("still flags a bucket that really has no companion", async () => {
    const plan = generatePlan(8) as { resource_changes: { type: string }[]; planned_values: { root_module: { resources: { type: string }[] } } };
    const drop = (r: { type: string }) => r.type !== "aws_s3_bucket_versioning";
    plan.resource_changes = plan.resource_changes.filter(drop);
    plan.planned_values.root_module.resources = plan.planned_values.root_module.resources.filter(drop);
    const { json } = await planJson(writeTemp("unversioned.json", JSON.stringify(plan)), [], s3);
    expect(json.findings.map((f: { ruleId: string; address: string }) => `${f.ruleId} ${f.address}`)).toEqual(["MLB-S3-002 aws_s3_bucket.b0", "MLB-S3-002 aws_s3_bucket.b1"]);
  });

  it("does not judge prevent_destroy, which plans do not carry, even for a protected environment", async () => {
    const protect = ALL_RULES.filter((r) => r.id === "MLB-PROTECT-001");
    const { json } = await planJson(writeTemp("protected.json", JSON.stringify(generatePlan(4))), ["--protected"], protect);
    expect(json.findings).toEqual([]);
  });

  it("reads an attribute the provider computes, and the configuration does not set, as absent", async () => {
    const policy: Rule = {
      id: "MLB-TEST-002",
      severity: "error",
      resourceTypes: ["aws_s3_bucket"],
      rationale: "test",
      publicChecks: [],
      check: (r) => (r.attributes.policy === undefined ? nonCompliant("no policy", "add one") : compliant),
    };
    const plan = generatePlan(1) as { resource_changes: { change: { after_unknown: Record<string, boolean> } }[] };
    plan.resource_changes[0].change.after_unknown.policy = true;
    const { json } = await planJson(writeTemp("computed.json", JSON.stringify(plan)), [], [policy]);
    expect(json.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(["MLB-TEST-002"]);
  });
});

describe("encodings", () => {
  const utf8 = fs.readFileSync(made("moved"));
  const utf16le = Buffer.from(utf8.toString("utf8"), "utf16le");
  const utf16be = Buffer.from(utf16le).swap16();

  it.each([
    ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])],
    ["UTF-16 LE with a BOM (PowerShell's >)", Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le])],
    ["UTF-16 BE with a BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be])],
    ["UTF-16 LE without a BOM", utf16le],
  ])("reads %s like UTF-8", async (_what, bytes) => {
    const expected = await planJson(made("moved"));
    const actual = await planJson(writeTemp("encoded.json", bytes));
    expect(actual.code).toBe(0);
    expect(actual.json).toEqual(expected.json);
  });

  it("refuses a binary plan file with the true cause", async () => {
    const run = await review(["plan", writeTemp("plan.bin", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x14, 0x00]))]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is binary, not JSON text");
  });
});

describe("wrong shapes exit 2, naming the file and the JSON path", () => {
  const base = JSON.parse(fs.readFileSync(made("moved"), "utf8"));

  it.each([
    ["an output change that is null", { output_changes: { endpoint: null } }, "output_changes.endpoint: expected an object, found null"],
    ["resources that are an object", { planned_values: { root_module: { resources: {} } } }, "planned_values.root_module.resources: expected a list, found an object"],
    ["child_modules that are not a list", { planned_values: { root_module: { child_modules: "x" } } }, 'planned_values.root_module.child_modules: expected a list, found string "x"'],
    [
      "replace_paths that are not a list",
      { resource_changes: [{ ...base.resource_changes[0], change: { ...base.resource_changes[0].change, replace_paths: 3 } }] },
      "resource_changes[0].change.replace_paths: expected a list, found number 3",
    ],
    ["a module call that is null", { configuration: { root_module: { module_calls: { store: null } } } }, "configuration.root_module.module_calls.store: expected an object, found null"],
    ["a resource change that is a string", { resource_changes: ["x"] }, 'resource_changes[0]: expected an object, found string "x"'],
    ["errored that is not a boolean", { errored: "yes" }, 'errored: expected true or false, found string "yes"'],
  ])("%s", async (_what, patch, message) => {
    const file = writeTemp("shape.json", JSON.stringify({ ...base, ...patch }));
    const run = await review(["plan", file]);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`review: ${file}: ${message}\n`);
    expect(run.code).toBe(2);
  });

  it("refuses values nested 10,000 deep, naming where", async () => {
    const text = JSON.stringify(base).replace(/\}$/, `,"variables":{"x":{"value":${"[".repeat(10_000)}1${"]".repeat(10_000)}}}}`);
    const file = writeTemp("deep.json", text);
    const run = await review(["plan", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^review: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: variables\\.x\\.value(\\[0\\]){21}…: nested deeper than 256 levels; not something Terraform writes\n$`));
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])("reads a resource type named %s like any other", async (type) => {
    const change = { address: `${type}.x`, mode: "managed", type, name: "x", action_reason: type, change: { actions: [type], before: { a: 1 }, after: { a: 2 } } };
    const plan = { format_version: "1.2", resource_changes: [change, { ...change, change: { actions: ["update"], before: { a: 1 }, after: { a: 2 } } }], planned_values: { root_module: { resources: [{ address: `${type}.x`, type, values: {} }] } } };
    const file = writeTemp("proto.json", JSON.stringify(plan));
    const markdown = await review(["plan", file]);
    const json = await planJson(file);
    expect(markdown.code).toBe(0);
    expect(json.json.summary.update).toBe(1);
    expect(Object.getPrototypeOf(json.json.summary)).toBe(Object.prototype);
  });
});

describe("size", () => {
  it("renders 50,000 changes in markdown without overflowing the stack, and within a comment's size", async () => {
    const run = await review(["plan", writeTemp("large.json", JSON.stringify(generatePlan(50_000)))], { rules: [] });
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("✅ plan: 50000 to create, nothing destroyed");
    expect(run.stdout).toContain("_The list of changes is left out to fit a comment; `--format json` has every change and its attributes._");
    expect(run.stdout.length).toBeLessThan(60_000);
  });

  it("leaves attribute detail out first, and keeps the list of changes while it fits", async () => {
    const update = (i: number) => ({ address: `terraform_data.d${i}`, type: "terraform_data", name: `d${i}`, change: { actions: ["update"], before: { input: "a".repeat(300) }, after: { input: "b".repeat(300) } } });
    const plan = { format_version: "1.2", resource_changes: Array.from({ length: 150 }, (_, i) => update(i)) };
    const run = await review(["plan", writeTemp("medium.json", JSON.stringify(plan))], { rules: [] });
    expect(run.stdout).toContain("_Attribute detail left out to fit a comment; `--format json` has it._");
    expect(run.stdout).toContain("- **update** `terraform_data.d149`");
    expect(run.stdout).not.toContain("bbbb");
  });
});
