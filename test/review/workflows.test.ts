import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/**
 * The users' CI cannot run here; these checks hold its structure: it parses, deploys go dev -> staging ->
 * prod behind GitHub environments, nothing applies on a pull request, credentials come from OIDC only,
 * and every job has the least permissions it needs.
 */
const WORKFLOWS = path.resolve(__dirname, "../../.github/workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  with?: Record<string, unknown>;
  "runs-on"?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

function load(file: string): { text: string; workflow: Workflow } {
  const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
  return { text, workflow: parse(text) as Workflow };
}

const needs = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const environmentName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const steps = (job: Job) => job.steps ?? [];
const runs = (job: Job) => steps(job).map((s) => s.run ?? "").join("\n");
const APPLIES = /\b(cdktf\s+deploy|cdktf\s+destroy|terraform\b[^\n]*\s(apply|destroy)\b|npm\s+run\s+deploy|apply-plans\.sh)/;
const WRITE_SCOPES_ALLOWED: Record<string, readonly string[]> = { "id-token": ["write"], "pull-requests": ["write", "read"], contents: ["read"] };
/** promote.yml pushes the branch of the pull request it opens. */
const scopesAllowed = (file: string): Record<string, readonly string[]> => (file === "promote.yml" ? { ...WRITE_SCOPES_ALLOWED, contents: ["read", "write"] } : WRITE_SCOPES_ALLOWED);

describe.each(["pr-review.yml", "deploy.yml", "deploy-stacks.yml", "promote.yml"])("%s", (file) => {
  const { text, workflow } = load(file);

  it("parses, with jobs that all have steps or call a workflow of this repository", () => {
    expect(typeof workflow.name).toBe("string");
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    for (const job of Object.values(workflow.jobs)) {
      if (job.uses) expect(fs.existsSync(path.join(WORKFLOWS, "..", "..", job.uses))).toBe(true);
      else expect(steps(job).length).toBeGreaterThan(0);
    }
  });

  it("grants contents: read at the top and, per job, only the scopes it needs", () => {
    expect(workflow.permissions).toEqual({ "contents": "read" });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect([name, typeof job.permissions]).toEqual([name, "object"]);
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect([name, scope, scopesAllowed(file)[scope]?.includes(level) ?? false]).toEqual([name, scope, true]);
      }
      // A job that calls a deploy workflow grants it the token that workflow's own job uses.
      const usesOidc = job.uses !== undefined || steps(job).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
      expect([name, (job.permissions as Record<string, string>)["id-token"] === "write"]).toEqual([name, usesOidc]);
    }
  });

  it("takes AWS credentials from OIDC roles only, never from stored keys", () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secrets\./);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of steps(job).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))) {
        expect(step.with?.["role-to-assume"]).toMatch(/^\$\{\{ (vars\.|env\.)/);
      }
    }
  });

  it("installs with npm ci on Node 20", () => {
    for (const job of Object.values(workflow.jobs).filter((j) => steps(j).some((s) => s.uses?.startsWith("actions/setup-node")))) {
      expect(steps(job).find((s) => s.uses?.startsWith("actions/setup-node"))!.with?.["node-version"]).toBe(20);
      expect(runs(job)).toMatch(/\bnpm ci\b/);
    }
  });
});

describe("promote.yml", () => {
  const { workflow } = load("promote.yml");
  const job = workflow.jobs.promote;
  const at = (pattern: RegExp) => steps(job).findIndex((s) => pattern.test(s.run ?? ""));

  it("runs when asked (workflow_dispatch) with the command's inputs, and never deploys", () => {
    expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys((workflow.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs)).toEqual(["endpoint", "version", "to", "registry"]);
    expect(APPLIES.test(runs(job))).toBe(false);
  });

  it("fetches the evidence of both versions with read-only credentials, then promotes with it, then opens the pull request", () => {
    const arns = at(/--print-arns/);
    const credentials = steps(job).findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
    const fetch = at(/aws sagemaker describe-model-package --model-package-name "\$TO_ARN"/);
    const promote = at(/--evidence evidence\.json --current current\.json --body pr-body\.md/);
    const pr = at(/gh pr create .*--body-file pr-body\.md/);
    expect([arns >= 0, credentials > arns, fetch > credentials, promote > fetch, pr > promote]).toEqual([true, true, true, true, true]);
    expect(steps(job)[credentials].with?.["role-to-assume"]).toBe("${{ vars.PROMOTE_READ_ROLE_ARN }}");
    // Inputs reach the shell as environment variables, never spliced into the script.
    expect(runs(job)).not.toMatch(/\$\{\{/);
  });
});

describe("pr-review.yml", () => {
  const { workflow } = load("pr-review.yml");

  it("runs on pull requests only", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("never applies or deploys anything, and never runs behind a deploy environment", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect([name, APPLIES.test(runs(job))]).toEqual([name, false]);
      expect(job.uses).toBeUndefined();
      expect([name, environmentName(job) === undefined || environmentName(job)!.endsWith("-plan")]).toEqual([name, true]);
    }
  });

  it("plans with pull-request code only for same-repository pull requests, behind an environment whose reviewers approve each run", () => {
    const job = workflow.jobs.plan;
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(environmentName(job)).toBe("${{ matrix.environment }}-plan");
  });

  it("tests, synthesizes, and reviews the diff against the base branch with full history", () => {
    const job = workflow.jobs.review;
    expect(steps(job).find((s) => s.uses?.startsWith("actions/checkout"))!.with?.["fetch-depth"]).toBe(0);
    const script = runs(job);
    expect(script.indexOf("npm test")).toBeLessThan(script.indexOf("npm run synth"));
    expect(script).toContain('npm run -s review -- diff --base "origin/${{ github.base_ref }}" --head cdktf.out --format markdown > review.md');
  });

  it("validates and plans every stack with the real providers, offline, before the review", () => {
    const job = workflow.jobs.review;
    const terraform = steps(job).findIndex((s) => s.uses?.startsWith("hashicorp/setup-terraform"));
    const verify = steps(job).findIndex((s) => /^npm run verify -- --require-all$/.test(s.run ?? ""));
    expect(terraform).toBeGreaterThan(0);
    // The wrapper rewrites terraform's stdout, which the check parses.
    expect(steps(job)[terraform].with?.terraform_wrapper).toBe(false);
    expect(verify).toBeGreaterThan(terraform);
    expect(verify).toBeLessThan(steps(job).findIndex((s) => (s.run ?? "").includes("review -- diff")));
  });

  it("plans per environment only where its plan role variable is set, and summarizes each plan with review plan", () => {
    const job = workflow.jobs.plan;
    expect(JSON.stringify(job)).toContain("vars[matrix.role]");
    for (const step of steps(job).slice(1)) expect(step.if).toBe("env.ROLE_ARN != ''");
    const script = runs(job);
    expect(script).toMatch(/terraform -chdir="\$dir" plan [^\n]*-lock=false/);
    expect(script).toContain("terraform -chdir=\"$dir\" show -json tfplan");
    expect(script).toContain("npm run -s review -- plan");
  });

  it("posts or updates one comment, found by the review's hidden marker, from the only job that may write to the pull request", () => {
    const writers = Object.entries(workflow.jobs).filter(([, job]) => (job.permissions as Record<string, string>)["pull-requests"] === "write");
    expect(writers.map(([name]) => name)).toEqual(["comment"]);
    const script = String(steps(workflow.jobs.comment).find((s) => s.uses?.startsWith("actions/github-script"))!.with?.script);
    expect(script).toContain("<!-- mlops-blueprint-review -->");
    expect(script).toContain("updateComment");
    expect(script).toContain("createComment");
  });
});

describe("deploy.yml", () => {
  const { workflow } = load("deploy.yml");
  const deployStacks = load("deploy-stacks.yml").workflow;
  const environments = ["dev", "staging", "prod"];
  const calls = Object.entries(workflow.jobs).filter(([, job]) => job.uses !== undefined);

  it("runs on pushes to main", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
  });

  it("deploys dev, then staging, then prod: per environment its AWS layers from a hosted runner, then its workloads from the in-VPC runner", () => {
    expect(calls.map(([name]) => name)).toEqual(environments.flatMap((env) => [`deploy-${env}`, `deploy-${env}-workloads`]));
    for (const [name, job] of calls) expect([name, job.uses]).toEqual([name, "./.github/workflows/deploy-stacks.yml"]);
    environments.forEach((env, i) => {
      const aws = workflow.jobs[`deploy-${env}`];
      const workloads = workflow.jobs[`deploy-${env}-workloads`];
      expect(aws.with).toMatchObject({ environment: env, layers: "bootstrap network data training serving", runner: "ubuntu-latest" });
      expect(workloads.with).toMatchObject({ environment: env, layers: "workloads" });
      expect(String(workloads.with?.runner)).toContain(`codebuild-mlops-${env}-deploy-runner-{0}-{1}', github.run_id, github.run_attempt`);
      expect(needs(workloads)).toContain(`deploy-${env}`);
      if (i > 0) expect(needs(aws)).toContain(`deploy-${environments[i - 1]}-workloads`);
    });
    // Every layer is deployed by exactly one call per environment.
    const layers = calls.map(([, job]) => `${job.with?.environment} ${job.with?.layers}`).join(" ");
    for (const env of environments) expect(layers.match(new RegExp(`${env} [a-z ]*\\bworkloads\\b`, "g"))).toHaveLength(1);
  });

  it("deploys only behind the GitHub environment it deploys, and nothing else in these workflows applies", () => {
    const job = deployStacks.jobs.deploy;
    expect(environmentName(job)).toBe("${{ inputs.environment }}");
    expect(APPLIES.test(runs(job))).toBe(true);
    for (const [name, other] of Object.entries(workflow.jobs)) expect([name, APPLIES.test(runs(other))]).toEqual([name, false]);
  });

  it("gates every deploy with review plan --fail-on destroy-stateful (unless the merged pull request allows it) and errored", () => {
    // One gate script for every environment, so the deploys cannot drift apart.
    const script = fs.readFileSync(path.join(WORKFLOWS, "..", "scripts", "plan-and-gate.sh"), "utf8");
    const lib = fs.readFileSync(path.join(WORKFLOWS, "..", "scripts", "gate-lib.sh"), "utf8");
    expect(script).toContain("plan_and_review");
    expect(lib).toContain("npm run -s review -- plan");
    expect(lib).toContain("gate=(--fail-on destroy-stateful,errored)");
    expect(lib).toContain("gate=(--fail-on errored)");
    expect(lib).toContain('if [ "${ALLOW_DESTROY:-false}" = "true" ]');
    const stepsOfDeploy = steps(deployStacks.jobs.deploy);
    const gate = stepsOfDeploy.findIndex((s) => s.run === "bash .github/scripts/plan-and-gate.sh");
    const deploy = stepsOfDeploy.findIndex((s) => s.run === "bash .github/scripts/apply-plans.sh");
    const prerequisites = stepsOfDeploy.findIndex((s) => s.run === "bash .github/scripts/check-prerequisites.sh");
    expect([prerequisites >= 0, gate > prerequisites, deploy > gate]).toEqual([true, true, true]);
    // What is applied is the plan that was gated, never a new one.
    const apply = fs.readFileSync(path.join(WORKFLOWS, "..", "scripts", "apply-plans.sh"), "utf8");
    expect(apply).toMatch(/terraform -chdir="\$dir" apply -input=false -no-color tfplan/);
    expect(apply).not.toMatch(/auto-approve/);
    for (const [, job] of calls) {
      expect(needs(job)).toContain("merged-pr");
      expect(job.with?.["allow-destroy"]).toBe("${{ needs.merged-pr.outputs.allow-destroy }}");
    }
    const labels = String(steps(workflow.jobs["merged-pr"])[0].with?.script);
    expect(labels).toContain("listPullRequestsAssociatedWithCommit");
    expect(labels).toContain('"allow-destroy"');
  });

  it("checks the served model versions exist and are approved before it deploys the serving layer", () => {
    const stepsOfDeploy = steps(deployStacks.jobs.deploy);
    const check = stepsOfDeploy.findIndex((s) => s.run === "bash .github/scripts/check-model-packages.sh");
    expect(check).toBeGreaterThan(0);
    expect(stepsOfDeploy[check].if).toContain("' serving '");
    expect(check).toBeLessThan(stepsOfDeploy.findIndex((s) => (s.run ?? "").includes("apply-plans.sh")));
  });
});
