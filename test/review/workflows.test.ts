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
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  steps: Step[];
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
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const APPLIES = /\b(cdktf\s+deploy|cdktf\s+destroy|terraform\b[^\n]*\s(apply|destroy)\b|npm\s+run\s+deploy)/;
const WRITE_SCOPES_ALLOWED: Record<string, readonly string[]> = { "id-token": ["write"], "pull-requests": ["write", "read"], contents: ["read"] };

describe.each(["pr-review.yml", "deploy.yml"])("%s", (file) => {
  const { text, workflow } = load(file);

  it("parses, with jobs that all have steps", () => {
    expect(typeof workflow.name).toBe("string");
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    for (const job of Object.values(workflow.jobs)) expect(job.steps.length).toBeGreaterThan(0);
  });

  it("grants contents: read at the top and, per job, only the scopes it needs", () => {
    expect(workflow.permissions).toEqual({ "contents": "read" });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect([name, typeof job.permissions]).toEqual([name, "object"]);
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect([name, scope, WRITE_SCOPES_ALLOWED[scope]?.includes(level) ?? false]).toEqual([name, scope, true]);
      }
      const usesOidc = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
      expect([name, (job.permissions as Record<string, string>)["id-token"] === "write"]).toEqual([name, usesOidc]);
    }
  });

  it("takes AWS credentials from OIDC roles only, never from stored keys", () => {
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secrets\./);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))) {
        expect(step.with?.["role-to-assume"]).toMatch(/^\$\{\{ (vars\.|env\.)/);
      }
    }
  });

  it("installs with npm ci on Node 20", () => {
    for (const job of Object.values(workflow.jobs).filter((j) => j.steps.some((s) => s.uses?.startsWith("actions/setup-node")))) {
      expect(job.steps.find((s) => s.uses?.startsWith("actions/setup-node"))!.with?.["node-version"]).toBe(20);
      expect(runs(job)).toMatch(/\bnpm ci\b/);
    }
  });
});

describe("pr-review.yml", () => {
  const { workflow } = load("pr-review.yml");

  it("runs on pull requests only", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  it("never applies or deploys anything", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect([name, APPLIES.test(runs(job))]).toEqual([name, false]);
      expect(environmentName(job)).toBeUndefined();
    }
  });

  it("tests, synthesizes, and reviews the diff against the base branch with full history", () => {
    const job = workflow.jobs.review;
    expect(job.steps.find((s) => s.uses?.startsWith("actions/checkout"))!.with?.["fetch-depth"]).toBe(0);
    const script = runs(job);
    expect(script.indexOf("npm test")).toBeLessThan(script.indexOf("npm run synth"));
    expect(script).toContain('npm run -s review -- diff --base "origin/${{ github.base_ref }}" --head cdktf.out --format markdown > review.md');
  });

  it("validates and plans every stack with the real providers, offline, before the review", () => {
    const job = workflow.jobs.review;
    const terraform = job.steps.findIndex((s) => s.uses?.startsWith("hashicorp/setup-terraform"));
    const verify = job.steps.findIndex((s) => /^npm run verify -- --require-all$/.test(s.run ?? ""));
    expect(terraform).toBeGreaterThan(0);
    // The wrapper rewrites terraform's stdout, which the check parses.
    expect(job.steps[terraform].with?.terraform_wrapper).toBe(false);
    expect(verify).toBeGreaterThan(terraform);
    expect(verify).toBeLessThan(job.steps.findIndex((s) => (s.run ?? "").includes("review -- diff")));
  });

  it("plans per environment only where its plan role variable is set, and summarizes each plan with review plan", () => {
    const job = workflow.jobs.plan;
    expect(JSON.stringify(job)).toContain("vars[matrix.role]");
    for (const step of job.steps.slice(1)) expect(step.if).toBe("env.ROLE_ARN != ''");
    const script = runs(job);
    expect(script).toMatch(/terraform -chdir="\$dir" plan [^\n]*-lock=false/);
    expect(script).toContain("terraform -chdir=\"$dir\" show -json tfplan");
    expect(script).toContain("npm run -s review -- plan");
  });

  it("posts or updates one comment, found by the review's hidden marker, from the only job that may write to the pull request", () => {
    const writers = Object.entries(workflow.jobs).filter(([, job]) => (job.permissions as Record<string, string>)["pull-requests"] === "write");
    expect(writers.map(([name]) => name)).toEqual(["comment"]);
    const script = String(workflow.jobs.comment.steps.find((s) => s.uses?.startsWith("actions/github-script"))!.with?.script);
    expect(script).toContain("<!-- mlops-blueprint-review -->");
    expect(script).toContain("updateComment");
    expect(script).toContain("createComment");
  });
});

describe("deploy.yml", () => {
  const { workflow } = load("deploy.yml");
  const deployJobs = ["deploy-dev", "deploy-staging", "deploy-prod"];

  it("runs on pushes to main", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] } });
  });

  it("deploys dev, then staging, then prod, each behind its GitHub environment", () => {
    expect(needs(workflow.jobs["deploy-staging"])).toContain("deploy-dev");
    expect(needs(workflow.jobs["deploy-prod"])).toContain("deploy-staging");
    expect(needs(workflow.jobs["deploy-dev"])).not.toContain("deploy-staging");
    expect(deployJobs.map((name) => environmentName(workflow.jobs[name]))).toEqual(["dev", "staging", "prod"]);
    // Only these jobs deploy.
    for (const [name, job] of Object.entries(workflow.jobs)) expect([name, APPLIES.test(runs(job))]).toEqual([name, deployJobs.includes(name)]);
  });

  it("gates every deploy with review plan --fail-on destroy-stateful (unless the merged pull request allows it) and errored", () => {
    // One gate script for every environment, so the three deploys cannot drift apart.
    const script = fs.readFileSync(path.join(WORKFLOWS, "..", "scripts", "plan-and-gate.sh"), "utf8");
    expect(script).toContain("npm run -s review -- plan");
    expect(script).toContain("gate=(--fail-on destroy-stateful,errored)");
    expect(script).toContain("gate=(--fail-on errored)");
    expect(script).toContain('if [ "$ALLOW_DESTROY" = "true" ]');
    for (const name of deployJobs) {
      const steps = workflow.jobs[name].steps;
      const gate = steps.findIndex((s) => s.run === "bash .github/scripts/plan-and-gate.sh");
      const deploy = steps.findIndex((s) => /cdktf deploy "\$ENVIRONMENT-\*" --auto-approve/.test(s.run ?? ""));
      expect([name, gate >= 0, deploy > gate]).toEqual([name, true, true]);
      expect(needs(workflow.jobs[name])).toContain("merged-pr");
    }
    const labels = String(workflow.jobs["merged-pr"].steps[0].with?.script);
    expect(labels).toContain("listPullRequestsAssociatedWithCommit");
    expect(labels).toContain('"allow-destroy"');
  });
});
