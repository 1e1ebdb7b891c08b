/** The shell scripts the deploy workflow runs, run here for real (bash, node) with a stand-in AWS CLI. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { removeTempDirs, tempDir } from "./fixtures/synth-dirs";

const SCRIPTS = path.resolve(__dirname, "../../.github/scripts");
afterAll(removeTempDirs);

/** A working directory with cdktf.out/ holding these stacks, a manifest and a guardrails report. */
function project(stacks: Record<string, { json?: unknown; dependencies?: string[]; protected?: boolean }>): string {
  const dir = tempDir("mlops-deploy-");
  const manifest: Record<string, unknown> = {};
  for (const [id, stack] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", id), { recursive: true });
    fs.writeFileSync(path.join(dir, "cdktf.out", "stacks", id, "cdk.tf.json"), JSON.stringify(stack.json ?? {}));
    manifest[id] = { dependencies: stack.dependencies ?? [] };
  }
  fs.writeFileSync(path.join(dir, "cdktf.out", "manifest.json"), JSON.stringify({ stacks: manifest }));
  fs.writeFileSync(path.join(dir, "cdktf.out", "guardrails.json"), JSON.stringify({ stacks: Object.entries(stacks).map(([id, s]) => ({ stack: id, protected: s.protected ?? false })) }));
  return dir;
}

function run(script: string, cwd: string, env: Record<string, string>) {
  const result = spawnSync("bash", [path.join(SCRIPTS, script)], { cwd, env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("stacks.sh", () => {
  const dir = project({
    "prod-network": { protected: true },
    "prod-training": { dependencies: ["prod-network"], protected: true },
    "prod-workloads": { dependencies: ["prod-training"], protected: true },
    "staging-workloads": {},
  });

  it("lists the stacks of the environment's layers, or all of its stacks", () => {
    expect(run("stacks.sh", dir, { ENVIRONMENT: "prod", LAYERS: "workloads" }).stdout).toBe("prod-workloads\n");
    expect(run("stacks.sh", dir, { ENVIRONMENT: "prod", LAYERS: "network training" }).stdout).toBe("prod-network\nprod-training\n");
    expect(run("stacks.sh", dir, { ENVIRONMENT: "prod", LAYERS: "" }).stdout).toBe("prod-network\nprod-training\nprod-workloads\n");
  });

  it("adds dependency counts and protection for the gate", () => {
    expect(run("stacks.sh", dir, { ENVIRONMENT: "prod", LAYERS: "training", WITH_PROTECTION: "1" }).stdout).toBe("prod-training 1 --protected\n");
  });
});

describe("check-model-packages.sh", () => {
  const arn = (version: string) => `arn:aws:sagemaker:eu-west-1:314159265358:model-package/${version}`;
  const serving = {
    resource: {
      aws_sagemaker_model: {
        Churn: { primary_container: { model_package_name: arn("churn/8") } },
        Fraud: { primary_container: { model_package_name: arn("fraud/2") } },
        Ranker: { primary_container: { model_package_name: arn("ranker/1") } },
      },
    },
  };
  /** An `aws` that knows churn/8 as approved, fraud/2 as pending, and nothing else. */
  function fakeAws(): string {
    const bin = tempDir("mlops-bin-");
    fs.writeFileSync(
      path.join(bin, "aws"),
      `#!/usr/bin/env bash
case "$*" in
  *churn/8*) echo Approved ;;
  *fraud/2*) echo PendingManualApproval ;;
  *) echo "An error occurred (ValidationException) when calling the DescribeModelPackage operation: Model package not found" >&2; exit 254 ;;
esac
`,
      { mode: 0o755 },
    );
    return bin;
  }

  it("fails naming each served version that is missing or not approved, and what to do", () => {
    const dir = project({ "prod-serving": { json: serving } });
    const result = run("check-model-packages.sh", dir, { ENVIRONMENT: "prod", PATH: `${fakeAws()}:${process.env.PATH}` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${arn("churn/8")}: Approved`);
    expect(result.stdout).toContain(`::error::prod-serving (aws_sagemaker_model.Fraud) serves ${arn("fraud/2")}, whose approval status is PendingManualApproval: approve it`);
    expect(result.stdout).toContain(
      `::error::prod-serving (aws_sagemaker_model.Ranker) serves ${arn("ranker/1")}, which does not exist or is not shared with this account: register and approve that version in the source registry first, or leave the endpoint's model out of serving.endpoints until a version exists (first deploy). AWS said: An error occurred (ValidationException)`,
    );
  });

  it("passes when every served version is approved, and when nothing is served", () => {
    const approved = { resource: { aws_sagemaker_model: { Churn: serving.resource.aws_sagemaker_model.Churn } } };
    expect(run("check-model-packages.sh", project({ "prod-serving": { json: approved } }), { ENVIRONMENT: "prod", PATH: `${fakeAws()}:${process.env.PATH}` }).code).toBe(0);
    expect(run("check-model-packages.sh", project({ "prod-network": {} }), { ENVIRONMENT: "prod" })).toMatchObject({ code: 0, stdout: "No cdktf.out/stacks/prod-serving/cdk.tf.json: nothing is served in prod.\n" });
  });
});
