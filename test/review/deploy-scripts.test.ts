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

describe("check-prerequisites.sh", () => {
  const ACCOUNT = "314159265358";
  const CONNECTION = `arn:aws:codeconnections:eu-west-1:${ACCOUNT}:connection/4f6a1c2e-8d3b-4e5f-9a7c-1b2d3e4f5a6b`;
  const role = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
  const keyPolicy = (...principals: string[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: principals.map((p) => ({ Effect: "Allow", Principal: { AWS: p }, Action: "kms:Decrypt", Resource: "*" })) });
  const training = {
    provider: { aws: [{ allowed_account_ids: [ACCOUNT] }] },
    resource: {
      aws_eks_access_entry: { Admin: { principal_arn: role("platform-admin") }, Reader: { principal_arn: role("ml-reader") }, Nodes: { principal_arn: "${aws_iam_role.Nodes.arn}" } },
      aws_kms_key: {
        ClusterKey: {
          // Spot's service-linked role must exist; the account root, a role made here and another account's role are not checked.
          policy: keyPolicy(`arn:aws:iam::${ACCOUNT}:root`, role("aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"), role("made-here"), role("elsewhere", "271828182845")),
        },
      },
      aws_iam_role: { MadeHere: { name: "made-here" } },
      aws_codebuild_project: { Runner: { source: { auth: { type: "CODECONNECTIONS", resource: CONNECTION } } } },
      aws_codebuild_source_credential: { Credential: { token: CONNECTION } },
    },
  };
  /** An `aws` that knows platform-admin and a connection in `$CONNECTION_STATE`, and no other role. */
  function fakeAws(): string {
    const bin = tempDir("mlops-bin-");
    fs.writeFileSync(
      path.join(bin, "aws"),
      `#!/usr/bin/env bash
echo "$*" >> "$LOG"
case "$*" in
  "iam get-role --role-name platform-admin "*) echo ${role("platform-admin")} ;;
  "iam get-role "*) echo "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name $4 cannot be found." >&2; exit 254 ;;
  "codeconnections get-connection "*) echo "$CONNECTION_STATE" ;;
  *) exit 2 ;;
esac
`,
      { mode: 0o755 },
    );
    return bin;
  }
  const env = (dir: string, state: string) => ({ ENVIRONMENT: "dev", CONNECTION_STATE: state, LOG: path.join(dir, "aws.log"), PATH: `${fakeAws()}:${process.env.PATH}` });

  it("fails naming each missing role and a pending connection, the stack and resource that name them, and the fix", () => {
    const dir = project({ "dev-training": { json: training }, "dev-network": {} });
    const result = run("check-prerequisites.sh", dir, env(dir, "PENDING"));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${role("platform-admin")}: exists`);
    expect(result.stdout).toContain("::error::dev-training (aws_eks_access_entry.Reader) names the IAM role ml-reader, which does not exist in this account: create it, or take it out of the environment's config");
    expect(result.stdout).toContain(
      "::error::dev-training (aws_kms_key.ClusterKey) names the IAM role AWSServiceRoleForEC2Spot, which does not exist in this account: make it once: aws iam create-service-linked-role --aws-service-name spot.amazonaws.com",
    );
    expect(result.stdout).toContain(`::error::dev-training (aws_codebuild_project.Runner) uses the connection ${CONNECTION}, whose status is PENDING: complete its handshake`);
    // Each role and connection is asked about once; what the stacks make or another account owns, never.
    const calls = fs.readFileSync(path.join(dir, "aws.log"), "utf8").trim().split("\n");
    expect(calls.map((c) => c.split(" --")[0] + " " + c.split(" ")[3])).toEqual([
      "iam get-role platform-admin",
      "iam get-role ml-reader",
      "iam get-role AWSServiceRoleForEC2Spot",
      `codeconnections get-connection ${CONNECTION}`,
    ]);
  });

  it("passes when every role exists and the connection is available, and refuses to run before synthesis", () => {
    const ready = { ...training, resource: { ...training.resource, aws_eks_access_entry: { Admin: training.resource.aws_eks_access_entry.Admin }, aws_kms_key: {} } };
    const dir = project({ "dev-training": { json: ready } });
    expect(run("check-prerequisites.sh", dir, env(dir, "AVAILABLE"))).toMatchObject({ code: 0, stdout: `${role("platform-admin")}: exists\n${CONNECTION}: AVAILABLE\n` });
    expect(fs.readdirSync(dir).sort()).toEqual(["aws.log", "cdktf.out"]); // no scratch file left in the user's tree
    expect(run("check-prerequisites.sh", project({ "prod-network": {} }), { ENVIRONMENT: "dev" })).toMatchObject({ code: 1, stdout: "::error::No cdktf.out/stacks/dev-*: synthesize first (npm run synth).\n" });
  });
});

describe("stacks.sh order", () => {
  it("lists stacks after those they read, whatever order the manifest has", () => {
    const dir = project({ "prod-workloads": { dependencies: ["prod-training"] }, "prod-training": { dependencies: ["prod-network"] }, "prod-network": {} });
    expect(run("stacks.sh", dir, { ENVIRONMENT: "prod", LAYERS: "" }).stdout).toBe("prod-network\nprod-training\nprod-workloads\n");
  });
});

describe("plan-and-gate.sh then apply-plans.sh", () => {
  /** Stand-ins that log what they are asked: terraform (plan writes tfplan; plan fails for stacks listed in $FAIL_PLAN_ONCE until one is applied) and npm (the gate: exits 3 for stacks in $TRIP). */
  function tools(): string {
    const bin = tempDir("mlops-bin-");
    fs.writeFileSync(
      path.join(bin, "terraform"),
      `#!/usr/bin/env bash
dir="\${1#-chdir=}"; shift
echo "$(basename "$dir") $1" >> "$LOG"
case "$1" in
  plan) if [ -n "\${FAIL_PLAN_ONCE:-}" ] && [[ " $FAIL_PLAN_ONCE " == *" $(basename "$dir") "* ]] && [ ! -f "$LOG.applied" ]; then exit 1; fi; touch "$dir/tfplan" ;;
  apply) touch "$LOG.applied" ;;
  show) echo '{}' ;;
esac
exit 0
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, "npm"), `#!/usr/bin/env bash\nfor s in \${TRIP:-}; do [[ "$*" == *"/$s/"* ]] && exit 3; done\nexit 0\n`, { mode: 0o755 });
    return bin;
  }
  const env = (dir: string, extra: Record<string, string> = {}) => ({
    ENVIRONMENT: "prod",
    LAYERS: "",
    ALLOW_DESTROY: "false",
    GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"),
    LOG: path.join(dir, "log"),
    PATH: `${tools()}:${process.env.PATH}`,
    ...extra,
  });
  const stacks = () => project({ "prod-network": {}, "prod-serving": { dependencies: ["prod-network"] } });
  const log = (dir: string) => fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n");

  it("applies exactly the plans that passed the gate, in dependency order", () => {
    const dir = stacks();
    expect(run("plan-and-gate.sh", dir, env(dir)).code).toBe(0);
    expect(run("apply-plans.sh", dir, env(dir)).code).toBe(0);
    expect(log(dir)).toEqual(["prod-network init", "prod-network plan", "prod-network show", "prod-serving init", "prod-serving plan", "prod-serving show", "prod-network apply", "prod-serving apply"]);
  });

  it("plans and gates a stack its dependencies had to be applied for, just before applying it", () => {
    const dir = stacks();
    expect(run("plan-and-gate.sh", dir, env(dir, { FAIL_PLAN_ONCE: "prod-serving" })).code).toBe(0);
    expect(run("apply-plans.sh", dir, env(dir, { FAIL_PLAN_ONCE: "prod-serving" })).code).toBe(0);
    expect(log(dir).slice(-4)).toEqual(["prod-network apply", "prod-serving plan", "prod-serving show", "prod-serving apply"]);
  });

  it("applies nothing of a stack whose plan trips the gate", () => {
    const dir = stacks();
    expect(run("plan-and-gate.sh", dir, env(dir, { TRIP: "prod-serving" })).code).toBe(3);
    expect(fs.existsSync(path.join(dir, "cdktf.out", "stacks", "prod-serving", "tfplan"))).toBe(false);
    const apply = run("apply-plans.sh", dir, env(dir, { TRIP: "prod-serving" }));
    expect(apply.code).toBe(3);
    expect(log(dir)).not.toContain("prod-serving apply");
  });
});
