import * as fs from "fs";
import * as path from "path";
import { compliant, nonCompliant, type Rule } from "../../guardrails/rule";
import { removeTempDirs, tempDir, writeTemp } from "./fixtures/synth-dirs";
import { planJson, review } from "./fixtures/run";
import { ALL_RULES } from "../../guardrails/rules";
import type { TerraformPlan } from "../../review/plan-json";
import { summarizePlan } from "../../review/plan-summary";

// Real plans: public ones copied unchanged, and ours made with the real CLI (made/); README.md beside each set
// has the expected counts.
const PLANS = path.resolve(__dirname, "../fixtures/plans");
const fixture = (name: string) => path.join(PLANS, name);

afterAll(removeTempDirs);

const COLUMNS: Readonly<Record<string, string>> = { create: "create", update: "update", delete: "delete", replace: "replace", forget: "forget", read: "read", "no-op": "noop", import: "import", move: "move" };

/** The expected counts and errored flag of every fixture, read from the README tables by column name. */
function expectedCounts(): { file: string; counts: Record<string, number>; errored: boolean }[] {
  return ["README.md", "made/README.md"].flatMap((readme) => {
    const lines = fs.readFileSync(path.join(PLANS, readme), "utf8").split("\n");
    const header = lines.find((line) => line.startsWith("| file |"))!.split("|").map((c) => c.trim()).slice(1, -1);
    return lines
      .filter((line) => /^\| \S+\.json \|/.test(line))
      .map((row) => {
        const cells = row.split("|").map((c) => c.trim()).slice(1, -1);
        const counts: Record<string, number> = {};
        header.forEach((name, i) => {
          if (name in COLUMNS) counts[COLUMNS[name]] = Number(cells[i]);
        });
        // Action combinations the review does not know: none in these plans.
        counts.other = 0;
        return { file: path.join(path.dirname(readme), cells[0]), counts, errored: cells[header.indexOf("errored")] === "true" };
      });
  });
}



describe("review plan over real Terraform plans", () => {
  const table = expectedCounts();

  it("knows every fixture", () => {
    const files = (dir: string) => fs.readdirSync(path.join(PLANS, dir)).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f));
    expect(table.map((r) => r.file).sort()).toEqual([...files("."), ...files("made")].sort());
  });

  it.each(table.map((r) => [r.file, r.counts, r.errored] as const))("%s gives exactly its expected counts", async (file, counts, errored) => {
    const { code, json } = await planJson(fixture(file));
    expect(code).toBe(0);
    expect(json.summary).toEqual(counts);
    expect(json.errored).toBe(errored);
    expect(Object.keys(json)).toEqual(["errored", "failedChecks", "summary", "changes", "drift", "findings"]);
  });

  it("lists destructive changes first, with their action_reason", async () => {
    const { json } = await planJson(fixture("tfjson_replace_tainted.json"));
    expect(json.changes).toEqual([
      {
        address: "null_resource.example",
        type: "null_resource",
        action: "replace",
        stateful: false,
        replacement: "destroy-before-create",
        actionReason: "replace_because_tainted",
        attributes: [{ path: "id", before: "8868159889619753631", after: "(known after apply)" }],
      },
    ]);
    const markdown = (await review(["plan", fixture("tfjson_replace_tainted.json")], { rules: [] })).stdout;
    expect(markdown.split("\n")[0]).toBe("✅ plan: 1 to replace, no stateful resource destroyed");
    expect(markdown).toContain("#### Destructive changes\n\n- **replace (destroy before create)** `null_resource.example` — the object is tainted (`replace_because_tainted`)");
    expect(markdown).toContain("<!-- mlops-blueprint-review-plan -->");
  });

  it("shows attribute-level updates and leaves no-ops out of the list", async () => {
    const { json } = await planJson(fixture("snyk_aws_update_noop.json"));
    expect(json.changes).toEqual([
      {
        address: "aws_codebuild_project.some_projed",
        type: "aws_codebuild_project",
        action: "update",
        stateful: false,
        attributes: [{ path: "artifacts[0].encryption_disabled", before: false, after: true }],
      },
    ]);
  });

  it("trips --fail-on destroy-stateful with exit 3 when the plan destroys a bucket, and not otherwise", async () => {
    const destroy = await planJson(fixture("snyk_aws_destroy.json"), ["--fail-on", "destroy-stateful"]);
    expect(destroy.code).toBe(3);
    expect(destroy.stderr).toContain("aws_s3_bucket.terra_ci");
    expect(destroy.json.changes[0]).toMatchObject({ address: "aws_s3_bucket.terra_ci", action: "delete", stateful: true });
    expect((await planJson(fixture("snyk_aws_create.json"), ["--fail-on", "destroy-stateful"])).code).toBe(0);
    expect((await planJson(fixture("tfjson_replace_tainted.json"), ["--fail-on", "destroy-stateful"])).code).toBe(0);
  });

  it("runs the guardrails over the planned values, child modules included", async () => {
    const versioning: Rule = {
      id: "MLB-TEST-010",
      severity: "error",
      resourceTypes: ["aws_s3_bucket"],
      rationale: "test rule",
      publicChecks: [],
      check: (r, context) =>
        context.referencing(r.address, "aws_s3_bucket_versioning").length > 0 ? compliant : nonCompliant("no versioning", "add aws_s3_bucket_versioning"),
    };
    const { json } = await planJson(fixture("snyk_aws_create.json"), [], [versioning]);
    expect(json.findings).toEqual([
      { ruleId: "MLB-TEST-010", address: "aws_s3_bucket.terra_ci", severity: "error", message: "no versioning", fix: "add aws_s3_bucket_versioning", suppressed: false },
    ]);
    const plan = JSON.parse(fs.readFileSync(fixture("snyk_aws_create.json"), "utf8"));
    const bucket = plan.planned_values.root_module.resources.find((r: { type: string }) => r.type === "aws_s3_bucket");
    const nested = {
      ...plan,
      planned_values: {
        root_module: {
          child_modules: [
            {
              address: "module.store",
              resources: [
                { ...bucket, address: "module.store.aws_s3_bucket.terra_ci" },
                { address: "module.store.aws_s3_bucket_versioning.v", mode: "managed", type: "aws_s3_bucket_versioning", name: "v", values: { bucket: bucket.values.bucket } },
              ],
            },
          ],
        },
      },
      configuration: {},
    };
    const compliantPlan = await planJson(writeTemp("nested.json", JSON.stringify(nested)), [], [versioning]);
    expect(compliantPlan.json.findings).toEqual([]);
  });

  it("counts drift and output changes apart, masking sensitive outputs", async () => {
    const plan = {
      format_version: "1.2",
      resource_changes: [],
      resource_drift: [
        {
          address: "aws_s3_bucket.b",
          mode: "managed",
          type: "aws_s3_bucket",
          name: "b",
          change: { actions: ["update"], before: { tags: { team: "a" } }, after: { tags: { team: "b" } } },
        },
      ],
      output_changes: {
        endpoint: { actions: ["update"], before: "a", after: "b" },
        token: { actions: ["create"], before: null, after: "s3cr3t", after_sensitive: true },
        same: { actions: ["no-op"], before: 1, after: 1 },
      },
      planned_values: { root_module: {} },
    };
    const { code, json, stdout } = await planJson(writeTemp("drift.json", JSON.stringify(plan)));
    expect(code).toBe(0);
    expect(json.summary).toEqual({ create: 0, update: 0, delete: 0, replace: 0, forget: 0, read: 0, noop: 0, import: 0, move: 0, other: 0 });
    expect(json.drift).toEqual([{ address: "aws_s3_bucket.b", type: "aws_s3_bucket", action: "update", stateful: true, attributes: [{ path: "tags.team", before: "a", after: "b" }] }]);
    expect(json.changes).toEqual([
      { address: "output.endpoint", type: "output", action: "update", stateful: false, attributes: [{ path: "", before: "a", after: "b" }] },
      { address: "output.token", type: "output", action: "create", stateful: false, attributes: [{ path: "", before: null, after: "(sensitive)" }] },
    ]);
    expect(stdout).not.toContain("s3cr3t");
  });
});

describe("review plan refuses bad input with exit 2 and a message naming the file", () => {
  const text = fs.readFileSync(fixture("snyk_aws_create.json"), "utf8");

  it.each([
    ["a missing file", () => path.join(tempDir(), "missing-plan.json"), "no such file"],
    ["a truncated file", () => writeTemp("truncated.json", text.slice(0, Math.floor(text.length / 2))), "(it ends before the document does: truncated?)"],
    ["an empty file", () => writeTemp("empty.json", ""), "is empty"],
    ["JSON that is not a plan", () => writeTemp("package.json", JSON.stringify({ name: "x", version: "1.0.0" })), "is not a Terraform plan"],
    ["a state instead of a plan", () => writeTemp("state.json", JSON.stringify({ format_version: "1.0", values: { root_module: {} } })), "it is a state"],
    ["an unsupported format_version", () => writeTemp("future.json", JSON.stringify({ format_version: "2.0", resource_changes: [] })), 'format_version "2.0" is not supported'],
    ["a change without actions", () => writeTemp("bad-change.json", JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "a.b", type: "a", change: {} }] })), "resource_changes[0].change.actions: expected a list, found nothing"],
  ])("%s", async (_what, make, problem) => {
    const file = make();
    const run = await review(["plan", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain(problem);
  });
});

describe("guardrails over planned values", () => {
  // A log group whose KMS key is created in the same apply: the plan leaves kms_key_id out of its values
  // and marks it in after_unknown. Rules must read it as set, not as missing.
  const plan: TerraformPlan = {
    format_version: "1.2",
    resource_changes: [
      {
        address: "aws_cloudwatch_log_group.logs",
        type: "aws_cloudwatch_log_group",
        name: "logs",
        mode: "managed",
        change: { actions: ["create"], before: null, after: { name: "/app", retention_in_days: 30 }, after_unknown: { kms_key_id: true, arn: true } },
      },
      {
        address: "aws_cloudwatch_log_group.plain",
        type: "aws_cloudwatch_log_group",
        name: "plain",
        mode: "managed",
        change: { actions: ["create"], before: null, after: { name: "/plain", retention_in_days: 30, kms_key_id: null }, after_unknown: { arn: true } },
      },
    ],
    planned_values: {
      root_module: {
        resources: [
          { address: "aws_cloudwatch_log_group.logs", mode: "managed", type: "aws_cloudwatch_log_group", name: "logs", values: { name: "/app", retention_in_days: 30 } },
          { address: "aws_cloudwatch_log_group.plain", mode: "managed", type: "aws_cloudwatch_log_group", name: "plain", values: { name: "/plain", retention_in_days: 30, kms_key_id: null } },
        ],
      },
    },
  } as unknown as TerraformPlan;

  it("reads a value known only after apply as set, and still flags one that is really unset", () => {
    const encryption = ALL_RULES.filter((rule) => rule.id === "MLB-CLOUDWATCH-001");
    const findings = summarizePlan(plan, { rules: encryption }).findings;
    expect(findings.map((f) => f.address)).toEqual(["aws_cloudwatch_log_group.plain"]);
  });
});
