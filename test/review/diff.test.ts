import * as fs from "fs";
import * as path from "path";
import { evaluate, resourcesOfStackJson } from "../../guardrails/engine";
import { nonCompliant, compliant, type Rule } from "../../guardrails/rule";
import { ALL_RULES } from "../../guardrails/rules";
import { dataStack, meta, networkStack, removeTempDirs, stack, writeSynthOutput, type StackJson } from "./fixtures/synth-dirs";
import { review } from "./fixtures/run";

afterAll(removeTempDirs);

const SECRET = "hunter2-do-not-print";

/** Base: dev and prod, each a data and a network stack, plus a Kubernetes secret and a database in dev. */
function baseStacks(): Record<string, StackJson> {
  const devData = dataStack("dev");
  devData.resource!.kubernetes_secret_v1 = {
    Creds: { ...meta("dev-data", "Creds"), metadata: { name: "creds", namespace: "ml" }, data: { username: "svc", api_key: "old-key" } },
  };
  devData.resource!.aws_db_instance = { Db: { ...meta("dev-data", "Db"), identifier: "meta", password: "old-password" } };
  return { "dev-data": devData, "dev-network": networkStack("dev"), "prod-data": dataStack("prod", true), "prod-network": networkStack("prod") };
}

/** Head: in dev a key is created, the role's trust policy updated, the security group deleted, the bucket renamed, secrets changed; in prod the bucket is gone. */
function headStacks(): Record<string, StackJson> {
  const stacks = structuredClone(baseStacks());
  const dev = stacks["dev-data"].resource!;
  dev.aws_kms_key = { Key: { ...meta("dev-data", "Key"), description: "new key", enable_key_rotation: false } };
  dev.aws_iam_role.Role.assume_role_policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  delete dev.aws_security_group;
  dev.aws_s3_bucket.Offline.bucket = "mlops-dev-offline-2";
  (dev.kubernetes_secret_v1.Creds.data as Record<string, string>).api_key = SECRET;
  dev.aws_db_instance.Db.password = SECRET;
  delete stacks["prod-data"].resource!.aws_s3_bucket;
  return stacks;
}

type Json = { stacks: { stack: string; environment: string; summary: Record<string, number>; changes: any[] }[]; warnings: any[]; versions: unknown; maturity: unknown };

async function diffJson(base: string, head: string, extra: string[] = [], rules: readonly Rule[] = []) {
  const run = await review(["diff", "--base", base, "--head", head, "--format", "json", ...extra], { rules });
  return { ...run, json: JSON.parse(run.stdout) as Json };
}

describe("review diff between two synth outputs", () => {
  const base = writeSynthOutput(baseStacks());
  const head = writeSynthOutput(headStacks());

  it("has exactly the contract's JSON shape", async () => {
    const { code, json } = await diffJson(base, head);
    expect(code).toBe(0);
    expect(Object.keys(json)).toEqual(["stacks", "warnings", "versions", "maturity"]);
    for (const s of json.stacks) {
      expect(Object.keys(s)).toEqual(["stack", "environment", "summary", "changes"]);
      expect(Object.keys(s.summary)).toEqual(["create", "update", "delete", "replace"]);
      for (const c of s.changes) expect(Object.keys(c).filter((k) => k !== "attributes")).toEqual(["address", "type", "action", "stateful"]);
    }
    expect(json.stacks.map((s) => [s.stack, s.environment])).toEqual([
      ["dev-data", "dev"],
      ["dev-network", "dev"],
      ["prod-data", "prod"],
      ["prod-network", "prod"],
    ]);
  });

  it("finds the created, updated, deleted and replaced resources of a stack", async () => {
    const { json } = await diffJson(base, head);
    const dev = json.stacks.find((s) => s.stack === "dev-data")!;
    expect(dev.summary).toEqual({ create: 1, update: 3, delete: 1, replace: 1 });
    const byAddress = Object.fromEntries(dev.changes.map((c) => [c.address, c]));
    expect(byAddress["aws_kms_key.Key"]).toEqual({ address: "aws_kms_key.Key", type: "aws_kms_key", action: "create", stateful: true });
    expect(byAddress["aws_security_group.Group"]).toMatchObject({ action: "delete", stateful: false });
    expect(byAddress["aws_s3_bucket.Offline"]).toEqual({
      address: "aws_s3_bucket.Offline",
      type: "aws_s3_bucket",
      action: "replace",
      stateful: true,
      attributes: [{ path: "bucket", before: "mlops-dev-offline", after: "mlops-dev-offline-2", forcesReplacement: true }],
    });
    // A policy held as a JSON string is compared statement by statement.
    expect(byAddress["aws_iam_role.Role"]).toMatchObject({ action: "update", stateful: false });
    expect(byAddress["aws_iam_role.Role"].attributes).toEqual([
      { path: "assume_role_policy.Statement[0]", after: { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" } },
    ]);
  });

  it("masks sensitive values: attributes named like credentials and every value of a Kubernetes secret", async () => {
    const { json, stdout } = await diffJson(base, head);
    const dev = json.stacks.find((s) => s.stack === "dev-data")!;
    const attributes = (address: string) => dev.changes.find((c) => c.address === address).attributes;
    expect(attributes("aws_db_instance.Db")).toEqual([{ path: "password", before: "(sensitive)", after: "(sensitive)" }]);
    expect(attributes("kubernetes_secret_v1.Creds")).toEqual([{ path: "data.api_key", before: "(sensitive)", after: "(sensitive)" }]);
    const markdown = (await review(["diff", "--base", base, "--head", head])).stdout;
    for (const text of [stdout, markdown]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("old-password");
      expect(text).not.toContain("old-key");
    }
    expect(markdown).toContain("`password`: _(sensitive)_ → _(sensitive)_");
  });

  it("reports stacks without change as such, in one line per environment", async () => {
    const { json } = await diffJson(base, head);
    for (const id of ["dev-network", "prod-network"]) {
      expect(json.stacks.find((s) => s.stack === id)).toEqual({ stack: id, environment: id.split("-")[0], summary: { create: 0, update: 0, delete: 0, replace: 0 }, changes: [] });
    }
    const markdown = (await review(["diff", "--base", base, "--head", head])).stdout;
    expect(markdown).toContain("No change: dev-network.");
    expect(markdown).toContain("No change: prod-network.");
    const same = await review(["diff", "--base", base, "--head", base]);
    expect(same.stdout.split("\n")[0]).toBe("✅ 2 environments, no change");
    expect(same.stdout).toContain("### dev: no change (2 stacks)");
  });

  it("warns first about stateful resources destroyed or replaced, then IAM and security group changes", async () => {
    const { json } = await diffJson(base, head);
    expect(json.warnings.map((w) => [w.kind, w.stack, w.addresses])).toEqual([
      ["destroy-stateful", "prod-data", ["aws_s3_bucket.Offline"]],
      ["replace-stateful", "dev-data", ["aws_s3_bucket.Offline"]],
      ["iam", "dev-data", ["aws_iam_role.Role"]],
      ["security-group", "dev-data", ["aws_security_group.Group"]],
    ]);
    const markdown = (await review(["diff", "--base", base, "--head", head], { rules: [] })).stdout;
    const lines = markdown.split("\n");
    expect(lines[0]).toBe("⚠️ 2 environments, 2 stacks change: 1 to create, 3 to update, 1 to replace, 2 to destroy, destroys 2 stateful resources; 2 warnings");
    expect(lines.indexOf("#### Warnings")).toBeLessThan(lines.findIndex((l) => l.startsWith("### dev")));
  });

  it("trips --fail-on destroy-stateful with exit code 3 when a stateful resource is deleted, and names it", async () => {
    const gated = await review(["diff", "--base", base, "--head", head, "--fail-on", "destroy-stateful"]);
    expect(gated.code).toBe(3);
    expect(gated.stderr).toContain("prod-data aws_s3_bucket.Offline");
    expect(gated.stdout.split("\n")[0]).toMatch(/^⚠️/);
    expect((await review(["diff", "--base", base, "--head", head])).code).toBe(0);
    // Only the prod deletion: still a stateful loss.
    const onlyDelete = writeSynthOutput({ ...baseStacks(), "prod-data": headStacks()["prod-data"] });
    expect((await review(["diff", "--base", base, "--head", onlyDelete, "--fail-on", "destroy-stateful"])).code).toBe(3);
    // Nothing stateful lost: the gate stays open.
    const safe = baseStacks();
    safe["dev-data"].resource!.aws_iam_role.Role.assume_role_policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}';
    expect((await review(["diff", "--base", base, "--head", writeSynthOutput(safe), "--fail-on", "destroy-stateful"])).code).toBe(0);
  });
});

describe("guardrail findings in a diff", () => {
  // Rule-agnostic: a rule of the test's own, injected in place of ALL_RULES.
  const rotation: Rule = {
    id: "MLB-TEST-001",
    severity: "error",
    resourceTypes: ["aws_kms_key"],
    rationale: "test rule",
    publicChecks: [],
    check: (r) => (r.attributes.enable_key_rotation === true ? compliant : nonCompliant("key rotation is off", "set enable_key_rotation = true")),
  };
  const withKey = (rotationOn: boolean, name = "Key") => {
    const stacks = baseStacks();
    stacks["dev-data"].resource!.aws_kms_key = { [name]: { ...meta("dev-data", name), enable_key_rotation: rotationOn } };
    return stacks;
  };

  it("reports a finding the change introduces, and not one base already had", async () => {
    const base = writeSynthOutput(withKey(true));
    const head = writeSynthOutput(withKey(false));
    const { json } = await diffJson(base, head, [], [rotation]);
    const guardrail = json.warnings.filter((w) => w.kind === "guardrail");
    expect(guardrail).toEqual([
      {
        kind: "guardrail",
        environment: "dev",
        stack: "dev-data",
        addresses: ["dev-data/aws_kms_key.Key"],
        message: "error: MLB-TEST-001 dev-data/aws_kms_key.Key: key rotation is off (fix: set enable_key_rotation = true)",
      },
    ]);
    const markdown = (await review(["diff", "--base", base, "--head", head], { rules: [rotation] })).stdout;
    expect(markdown).toContain("🛑 **Guardrail** error: MLB-TEST-001 `dev-data/aws_kms_key.Key`: key rotation is off");
    const already = writeSynthOutput(withKey(false));
    expect((await diffJson(already, head, [], [rotation])).json.warnings.filter((w) => w.kind === "guardrail")).toEqual([]);
  });

  it("with ALL_RULES, whatever they are today: each finding on resources only head has is a warning", async () => {
    const head = baseStacks();
    const types = [...new Set(ALL_RULES.flatMap((r) => r.resourceTypes))];
    for (const type of types) head["dev-data"].resource![type] = { ...head["dev-data"].resource![type], Bare: { ...meta("dev-data", `Bare-${type}`) } };
    const expected = evaluate(resourcesOfStackJson(head["dev-data"] as Parameters<typeof resourcesOfStackJson>[0]), { rules: ALL_RULES, protected: false, addressPrefix: "dev-data" })
      .filter((f) => f.address.endsWith(".Bare"))
      .map((f) => f.address);
    const run = await review(["diff", "--base", writeSynthOutput(baseStacks()), "--head", writeSynthOutput(head), "--format", "json"]);
    const warned = (JSON.parse(run.stdout) as Json).warnings.filter((w) => w.kind === "guardrail").flatMap((w) => w.addresses as string[]);
    expect(warned.filter((a) => a.endsWith(".Bare")).sort()).toEqual(expected.sort());
  });

  it("does not count a finding the app suppressed (guardrails.json beside head)", async () => {
    const base = writeSynthOutput(withKey(true));
    const report = {
      rules: [],
      stacks: [{ stack: "dev-data", protected: false, rulesRun: 1, findings: [{ ruleId: "MLB-TEST-001", address: "dev-data/aws_kms_key.Key", severity: "error", suppressed: true, reason: "rotated by hand" }] }],
    };
    const head = writeSynthOutput(withKey(false), { guardrails: report });
    expect((await diffJson(base, head, [], [rotation])).json.warnings.filter((w) => w.kind === "guardrail")).toEqual([]);
  });

  it("runs the rules as for a protected environment when its stateful resources have prevent_destroy", async () => {
    const seen: boolean[] = [];
    const probe: Rule = { ...rotation, id: "MLB-TEST-002", resourceTypes: ["aws_vpc"], check: (_r, context) => (seen.push(context.protected), compliant) };
    const dir = writeSynthOutput(baseStacks());
    await review(["diff", "--base", dir, "--head", dir], { rules: [probe] });
    // dev-network, prod-network, twice each (base and head): prod's network stack is protected through prod-data.
    expect(seen).toEqual([false, true, false, true]);
  });
});

describe("what a change does through references and to stack settings", () => {
  const serving = (image: string): StackJson =>
    stack("prod-serving", {
      aws_sagemaker_model: { Model: { ...meta("prod-serving", "Model"), name: `churn-${image}`, primary_container: { image: `churn:${image}` } } },
      aws_sagemaker_endpoint_configuration: {
        Config: { ...meta("prod-serving", "Config"), name_prefix: "churn-", production_variants: [{ model_name: "${aws_sagemaker_model.Model.name}", variant_name: "primary" }] },
      },
      aws_sagemaker_endpoint: {
        Endpoint: { ...meta("prod-serving", "Endpoint"), name: "mlops-prod-churn", endpoint_config_name: "${aws_sagemaker_endpoint_configuration.Config.name}" },
      },
      aws_cloudwatch_metric_alarm: { Alarm: { ...meta("prod-serving", "Alarm"), alarm_name: "latency", dimensions: { EndpointName: "${aws_sagemaker_endpoint.Endpoint.name}" } } },
    });

  it("replaces what names a replaced model and updates the endpoint, as a plan would, without warnings", async () => {
    const base = writeSynthOutput({ "prod-serving": serving("7") });
    const head = writeSynthOutput({ "prod-serving": serving("8") });
    const { json } = await diffJson(base, head);
    const changes = json.stacks[0].changes;
    expect(changes.map((c) => [c.action, c.address])).toEqual([
      ["replace", "aws_sagemaker_endpoint_configuration.Config"],
      ["replace", "aws_sagemaker_model.Model"],
      ["update", "aws_sagemaker_endpoint.Endpoint"],
    ]);
    expect(changes[0].attributes).toEqual([{ path: "production_variants[0].model_name", before: "churn-7", after: "churn-8", forcesReplacement: true }]);
    expect(changes[2].attributes).toEqual([{ path: "endpoint_config_name", before: "${aws_sagemaker_endpoint_configuration.Config.name}", after: "(known after apply)" }]);
    expect(json.warnings).toEqual([]);
    const markdown = (await review(["diff", "--base", base, "--head", head])).stdout;
    expect(markdown.split("\n")[0]).toBe("✅ 1 environment, 1 stack changes: 1 to update, 2 to replace, no stateful resource destroyed");
    expect(markdown).toContain("expected: a model is immutable");
  });

  it("replaces a feature group whose role is replaced: its role_arn is known only after apply and cannot change in place", async () => {
    const base = writeSynthOutput({ "dev-data": dataStack("dev") });
    const renamed = dataStack("dev");
    renamed.resource!.aws_iam_role.Role.name = "mlops-dev-feature-store-2";
    const { code, json } = await diffJson(base, writeSynthOutput({ "dev-data": renamed }), ["--fail-on", "destroy-stateful"]);
    expect(code).toBe(3);
    const group = json.stacks[0].changes.find((c) => c.type === "aws_sagemaker_feature_group");
    expect(group).toMatchObject({ action: "replace", stateful: true, attributes: [{ path: "role_arn", after: "(known after apply)", forcesReplacement: true }] });
    expect(json.warnings[0].message).toContain("aws_sagemaker_feature_group.Profile is replaced (role_arn cannot change in place)");
  });

  it("reports backend and provider changes as stack-level changes, not counted as resources", async () => {
    const before = networkStack("dev");
    const after = structuredClone(before) as any;
    after.terraform.backend.s3.bucket = "another-state-bucket";
    after.terraform.required_providers.aws.version = "6.26.0";
    after["//"].metadata.version = "0.22.0";
    const { json } = await diffJson(writeSynthOutput({ "dev-network": before }), writeSynthOutput({ "dev-network": after }));
    expect(json.stacks[0].summary).toEqual({ create: 0, update: 0, delete: 0, replace: 0 });
    expect(json.stacks[0].changes).toEqual([
      { address: "terraform.backend", type: "terraform", action: "update", stateful: false, attributes: [{ path: "s3.bucket", before: "state-dev", after: "another-state-bucket" }] },
      { address: "terraform.required_providers", type: "terraform", action: "update", stateful: false, attributes: [{ path: "aws.version", before: "6.25.0", after: "6.26.0" }] },
    ]);
    expect(json.warnings.map((w) => w.kind)).toEqual(["backend"]);
  });

  it("reports added and removed stacks; a removed stack's stateful resources count as destroyed", async () => {
    const base = writeSynthOutput({ "dev-data": dataStack("dev") });
    const head = writeSynthOutput({ "dev-network": networkStack("dev") });
    const run = await diffJson(base, head, ["--fail-on", "destroy-stateful"]);
    expect(run.code).toBe(3);
    expect(run.json.stacks.map((s) => [s.stack, s.summary])).toEqual([
      ["dev-data", { create: 0, update: 0, delete: 4, replace: 0 }],
      ["dev-network", { create: 1, update: 0, delete: 0, replace: 0 }],
    ]);
    expect(run.json.warnings.map((w) => w.kind)).toEqual(["destroy-stateful", "destroy-stateful", "stack-removed"]);
  });

  it("reads a synth output without manifest.json, and names a broken stack file", async () => {
    const dir = writeSynthOutput({ "dev-network": networkStack("dev") }, { manifest: false });
    expect((await review(["diff", "--base", dir, "--head", dir])).code).toBe(0);
    const broken = writeSynthOutput({ "dev-network": networkStack("dev") });
    const file = path.join(broken, "stacks", "dev-network", "cdk.tf.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, 40));
    const run = await review(["diff", "--base", dir, "--head", broken]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain("not valid JSON");
    const missing = await review(["diff", "--base", dir, "--head", path.join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(dir, "nope")}: no such directory`);
  });
});

describe("review diff refuses damaged synth output with exit 2, naming the file and the JSON path", () => {
  const good = { resource: { aws_s3_bucket: { b: { bucket: "x" } } }, terraform: {} };
  it.each([
    ["a null resource", { resource: { aws_s3_bucket: { b: null } } }, "resource.aws_s3_bucket.b: expected an object, found null"],
    ["a null resource type", { resource: { aws_s3_bucket: null } }, "resource.aws_s3_bucket: expected an object, found null"],
    ["resources as a list", { resource: [] }, "resource: expected an object, found a list"],
    ["a null output", { output: { a: null } }, "output.a: expected an object, found null"],
    ["a null data source", { data: { aws_iam_policy_document: { p: null } } }, "data.aws_iam_policy_document.p: expected an object, found null"],
    ["a null provider configuration", { provider: { aws: [null] } }, "provider.aws[0]: expected an object, found null"],
  ])("%s", async (_what, damaged, message) => {
    const base = writeSynthOutput({ "dev-data": good });
    const head = writeSynthOutput({ "dev-data": damaged as StackJson });
    const run = await review(["diff", "--base", base, "--head", head]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `review: ${path.join(head, "stacks", "dev-data", "cdk.tf.json")}: ${message}\n` });
  });
});
