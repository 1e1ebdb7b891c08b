/**
 * Issue #12: configs that synthesized but would fail at apply (or collide) are refused by the schema, each
 * naming its field; and validation itself reports every problem at once, whatever the input.
 */
import fc from "fast-check";
import { budgetAmount } from "../../constructs/monitoring/monitoring";
import { dev } from "../../environments/dev";
import { EnvironmentConfigError } from "../../environments/errors";
import { prod } from "../../environments/prod";
import { parseEnvironment, parseEnvironments } from "../../environments/schema";
import { environmentInputs } from "../../environments/inputs";
import { staging } from "../../environments/staging";
import { type Draft, inputsWith, mutated, problemLines, problemLinesOfAll } from "../support/config-errors";

const ENDPOINT = "serving.endpoints.0";

describe("training: names and access that collide in the cluster or in IAM", () => {
  it.each([
    ["two teams whose names give one IAM role", (c: Draft) => c.training.teams.push({ ...c.training.teams[0], name: "recommendations", gpuQuotas: {} }) && (c.training.teams[0].name = "recom-mendations") && (c.training.teams.at(-1).name = "recom--mendations"),
      ['prod: training.teams.3.name: "recom--mendations" gives the same IAM role name as team "recom-mendations"; rename one']],
    ["a team named like a namespace Kubernetes keeps", (c: Draft) => (c.training.teams[1].name = "kube-system"),
      ['prod: training.teams.1.name: "kube-system" is a namespace Kubernetes keeps for itself; name the team otherwise']],
    ["a team named default", (c: Draft) => (c.training.teams[1].name = "default"), ['prod: training.teams.1.name: "default" is a namespace Kubernetes keeps for itself; name the team otherwise']],
    ["a GPU pool named like the system pool", (c: Draft) => ((c.training.gpuPools[0].name = "system"), c.training.teams.forEach((t: Draft) => delete t.gpuQuotas["a10g-4gpu"])),
      ['prod: training.gpuPools.0.name: "system" is the system pool\'s name (its node group would collide); name the GPU pool otherwise']],
    ["a GPU pool named like the CPU pool", (c: Draft) => ((c.training.gpuPools[0].name = "cpu"), c.training.teams.forEach((t: Draft) => delete t.gpuQuotas["a10g-4gpu"])),
      ['prod: training.gpuPools.0.name: "cpu" is the CPU pool\'s name (its NodePool would collide); name the GPU pool otherwise']],
    ["a GPU pool named like Kueue's CPU and memory flavor", (c: Draft) => ((c.training.gpuPools[0].name = "cpu-memory"), c.training.teams.forEach((t: Draft) => delete t.gpuQuotas["a10g-4gpu"])),
      ['prod: training.gpuPools.0.name: "cpu-memory" is the name of the CPU and memory flavor; rename the pool']],
    ["a GPU pool named like the device plugin's default configuration", (c: Draft) => ((c.training.gpuPools[0].name = "default"), c.training.teams.forEach((t: Draft) => delete t.gpuQuotas["a10g-4gpu"])),
      ['prod: training.gpuPools.0.name: "default" is the name of the device plugin\'s default configuration entry; rename the pool']],
    ["a team named like the queue of unassigned capacity", (c: Draft) => (c.training.teams[1].name = "unassigned"),
      ['prod: training.teams.1.name: "unassigned" is the queue that holds capacity no team has; name the team otherwise']],
    ["one role twice in the access entries", (c: Draft) => c.training.access.readOnlyRoleArns.push(c.training.access.adminRoleArns[0]),
      ["prod: training.access.readOnlyRoleArns.1: arn:aws:iam::161803398874:role/platform-admin is already in adminRoleArns; EKS allows one access entry per principal, so give each role one level"]],
    ["a role of another account (a copied file's)", (c: Draft) => (c.training.access.adminRoleArns[0] = "arn:aws:iam::271828182845:role/platform-admin"),
      ["prod: training.access.adminRoleArns.0: is a role of account 271828182845, not the cluster's 161803398874"]],
    ["a deploy runner connection of another account", (c: Draft) => (c.training.deployRunner.connectionArn = staging.training.deployRunner!.connectionArn),
      ["prod: training.deployRunner.connectionArn: is a connection of account 271828182845, not the runner's 161803398874; make one in this account"]],
  ])("refuses %s", (_what, edit, expected) => {
    expect(problemLines(mutated(prod, edit as (c: Draft) => void))).toEqual(expected);
  });
});

describe("training: versions that do not belong together", () => {
  it("refuses a 1.34 cluster with 1.33 node AMIs and add-ons, naming each", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.kubernetesVersion = "1.34")))).toEqual([
      `prod: training.nodeAmiReleaseVersion: ${prod.training.nodeAmiReleaseVersion} is a node AMI for Kubernetes 1.33, not the cluster's 1.34; use a 1.34.x-<date> release`,
      "prod: training.addons.kubeProxy: v1.33.3-eksbuild.6 is kube-proxy for Kubernetes 1.33; the cluster runs 1.34: use a v1.34.x-eksbuild.N version",
    ]);
  });

  it("refuses a CoreDNS EKS does not run on the cluster's version", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.addons.coreDns = "v1.10.1-eksbuild.38")))).toEqual([
      "prod: training.addons.coreDns: v1.10.1-eksbuild.38 is CoreDNS 1.10; EKS runs CoreDNS 1.12 on Kubernetes 1.33 (COREDNS_MINORS in constructs/training-cluster/versions.ts)",
    ]);
  });

  it("accepts a whole upgrade done together", () => {
    const upgraded = mutated(prod, (c) => {
      c.training.kubernetesVersion = "1.34";
      c.training.nodeAmiReleaseVersion = "1.34.1-20251120";
      c.training.addons.kubeProxy = "v1.34.1-eksbuild.2";
      c.training.addons.coreDns = "v1.12.4-eksbuild.1";
    });
    expect(parseEnvironment(upgraded).training.kubernetesVersion).toBe("1.34");
  });
});

describe("network ranges that open the API to the internet or cannot be a VPC", () => {
  it.each([
    ["the internet in two halves", (c: Draft) => (c.training.publicApiCidrs = ["0.0.0.0/1", "128.0.0.0/1"]),
      ["dev: training.publicApiCidrs: together open the API to 4,294,967,296 addresses (100.0 % of the internet); list your networks, a /8 at most in all"]],
    ["more ranges than EKS allows", (c: Draft) => (c.training.publicApiCidrs = Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`)),
      ["dev: training.publicApiCidrs: lists 41 ranges; EKS allows at most 40 per cluster"]],
  ])("refuses %s", (_what, edit, expected) => {
    expect(problemLines(mutated(dev, edit))).toEqual(expected);
  });

  it.each(["127.0.0.0/16", "169.254.0.0/16", "224.0.0.0/16", "0.0.0.0/16"])("refuses the VPC range %s", (cidr) => {
    expect(problemLines(mutated(dev, (c) => (c.network.vpcCidr = cidr)))).toEqual([expect.stringMatching(new RegExp(`^dev: network\\.vpcCidr: ${cidr.replace(/[./]/g, "\\$&")} overlaps .* which AWS does not allow in a VPC`))]);
  });
});

describe("between environments", () => {
  it("refuses two environments in one account, on the one listed later", () => {
    const copy = mutated(staging, (c) => {
      c.name = "qa";
      c.network.vpcCidr = "10.50.0.0/16";
    });
    expect(problemLinesOfAll([dev, staging, prod, copy])).toEqual([
      "qa: account.id: 271828182845 is also staging's account; environments collide in one account (feature groups, package groups, the account-wide Glue encryption setting): give each its own",
    ]);
  });

  it("refuses a registry shared with an environment it does not promote to (a copied staging sharing with prod)", () => {
    expect(problemLinesOfAll(inputsWith("staging", (c) => (c.data.modelRegistry.consumerAccountIds = [prod.account.id])))).toEqual([
      "staging: data.modelRegistry.consumerAccountIds.0: 161803398874 is prod's account, and prod serves no package of staging: staging shares its registry only with environments it promotes to; remove it",
    ]);
  });

  it("lets a registry share with an environment whose endpoints wait for a first version", () => {
    expect(parseEnvironments(inputsWith("staging", (c) => delete c.serving.endpoints[0].model))).toHaveLength(environmentInputs.length);
  });

  it("refuses an endpoint serving a package group the source registry does not declare", () => {
    // Without retraining or a maturity minimum here, which would first refuse prod's own registry lacking the group.
    const ranking = inputsWith("prod", (c) => ((c.serving.endpoints[0].model.modelPackageArn = "arn:aws:sagemaker:eu-west-1:314159265358:model-package/ranking/3"), delete c.serving.endpoints[0].drift.retraining, delete c.maturity));
    expect(problemLinesOfAll(ranking)).toEqual([
      `prod: ${ENDPOINT}.model.modelPackageArn: serves package group "ranking", which dev's registry does not declare (it declares: ${dev.data.modelRegistry.modelPackageGroups.map((g) => g.name).join(", ")}); add it to dev's data.modelRegistry.modelPackageGroups`,
    ]);
  });
});

describe("serving and monitoring: what the constructs refused only at synth", () => {
  it.each([
    ["two endpoints that normalize to one name", (c: Draft) => c.serving.endpoints.push({ ...c.serving.endpoints[0], name: "churn-" }) && (c.serving.endpoints[0].name = "chu-rn") && (c.serving.endpoints.at(-1).name = "chu--rn"),
      [`prod: serving.endpoints.1.name: "chu--rn" names the same SageMaker endpoint as "chu-rn"; rename one`]],
    ["a drift baseline URI ending in /", (c: Draft) => (c.serving.endpoints[0].drift.baselineStatisticsUri = "s3://mlops-baselines/churn/"),
      [`prod: ${ENDPOINT}.drift.baselineStatisticsUri: "s3://mlops-baselines/churn/" must be the s3:// URI of a file, e.g. "s3://bucket/baseline/statistics.json"`]],
    ["a drift feature name over 232 characters", (c: Draft) => (c.serving.endpoints[0].drift.features[0] = "f".repeat(233)),
      [`prod: ${ENDPOINT}.drift.features.0: "${"f".repeat(233)}" must be 1-232 letters, digits, "_", "-" or "." to name the metric feature_baseline_drift_<feature>`]],
    ["a pipeline ARN with an invalid name", (c: Draft) => (c.serving.endpoints[0].drift.retraining = { externalPipelineArn: "arn:aws:sagemaker:eu-west-1:161803398874:pipeline/-retrain" }),
      [`prod: ${ENDPOINT}.drift.retraining.externalPipelineArn: "arn:aws:sagemaker:eu-west-1:161803398874:pipeline/-retrain" must be a SageMaker pipeline ARN, arn:aws:sagemaker:<region>:<account>:pipeline/<name> (a name of letters, digits and inner hyphens, at most 256)`]],
    ["credentials in an https subscription", (c: Draft) => c.monitoring.alertSubscriptions.push({ protocol: "https", endpoint: "https://user:secret@hooks.example.com/alerts" }),
      ["prod: monitoring.alertSubscriptions.2.endpoint: must not carry credentials in the URL; use a secret path or token the receiver checks"]],
    ["a subscription twice", (c: Draft) => c.monitoring.alertSubscriptions.push({ ...c.monitoring.alertSubscriptions[0] }),
      [expect.stringMatching(/^prod: monitoring\.alertSubscriptions\.2\.endpoint: subscribes email ".*" a second time$/)]],
    ["a budget beyond a typo guard", (c: Draft) => (c.monitoring.monthlyBudgetUsd = 1e21), ["prod: monitoring.monthlyBudgetUsd: is 1e+21; at most 1,000,000,000 USD (a typo guard)"]],
    ["a budget in fractions of a cent", (c: Draft) => (c.monitoring.monthlyBudgetUsd = 99.999), ["prod: monitoring.monthlyBudgetUsd: is 99.999; AWS Budgets takes whole cents"]],
  ])("refuses %s", (_what, edit, expected) => {
    expect(problemLines(mutated(prod, edit as (c: Draft) => void))).toEqual(expected);
  });

  it.each([
    [1e9, "1000000000"],
    [1234.5, "1234.5"],
    [100, "100"],
    [0.01, "0.01"],
  ])("writes a budget of %p USD as the plain decimal %p", (usd, text) => {
    expect(budgetAmount(usd)).toBe(text);
  });
});

describe("validation itself", () => {
  it("still reports cross-field problems beside a fractional number in a whole-number field", () => {
    const lines = problemLines(
      mutated(prod, (c) => {
        c.training.teams[0].gpuQuotas.h100 = 1.5;
        c.protection.enabled = false;
      }),
    );
    expect(lines).toEqual([
      "prod: training.teams.0.gpuQuotas.h100: is 1.5, a number; expected a whole number",
      "prod: protection.enabled: a production environment must be protected; set it to true",
    ]);
  });

  it("says what is wrong with NaN, Infinity and BigInt, without crashing", () => {
    expect(problemLines(mutated(prod, (c) => (c.logs.retentionDays = Number.NaN)))).toEqual(["prod: logs.retentionDays: is NaN; expected a finite number"]);
    expect(problemLines(mutated(prod, (c) => (c.monitoring.monthlyBudgetUsd = Number.POSITIVE_INFINITY)))).toEqual(["prod: monitoring.monthlyBudgetUsd: is Infinity; expected a finite number"]);
    expect(problemLines({ ...prod, logs: { retentionDays: BigInt(30) } })).toEqual(["prod: logs.retentionDays: is 30n, a bigint; expected a number"]);
  });

  it("escapes what it echoes: a newline in a name cannot forge another problem line", () => {
    const error = (() => {
      try {
        parseEnvironment(mutated(prod, (c) => (c.name = "prod\nprod: protection.enabled: all good")));
      } catch (e) {
        return e as EnvironmentConfigError;
      }
      throw new Error("expected a refusal");
    })();
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(error.problems.length + 1);
    expect(lines[1]).toMatch(/^prod\\nprod: protection\.enabled: all good: name: /);
  });

  it("never throws anything but its own error, whatever it is given", () => {
    const anyEnvironment = fc.oneof(
      fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }),
      fc.record({ name: fc.string(), account: fc.anything({ withBigInt: true }), training: fc.anything(), serving: fc.anything(), monitoring: fc.anything(), data: fc.anything() }),
    );
    fc.assert(
      fc.property(anyEnvironment, (input) => {
        try {
          parseEnvironment(input);
        } catch (error) {
          expect(error).toBeInstanceOf(EnvironmentConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("data: what ECR, SageMaker and IAM would refuse", () => {
  it("refuses an image repository whose full name is over ECR's limit", () => {
    const name = `training/${"x".repeat(250)}`;
    expect(problemLines(mutated(prod, (c) => (c.data.modelRegistry.imageRepositories[0] = name)))).toEqual([
      `prod: data.modelRegistry.imageRepositories.0: "${name}" gives the repository name "mlops-prod/${name}" of ${"mlops-prod/".length + name.length} characters; ECR allows 256`,
    ]);
  });

  it("refuses a package group description over 1,024 characters", () => {
    expect(problemLines(mutated(dev, (c) => (c.data.modelRegistry.modelPackageGroups[0].description = "d".repeat(1025))))).toEqual([
      "dev: data.modelRegistry.modelPackageGroups.0.description: is 1025 characters; SageMaker allows 1024",
    ]);
  });

  it("caps feature groups at what team roles can list within IAM's limits", () => {
    const lines = problemLines(mutated(prod, (c) => (c.data.featureStore.featureGroups = Array.from({ length: 201 }, () => c.data.featureStore.featureGroups[0]))));
    expect(lines).toContain("prod: data.featureStore.featureGroups: at most 200 groups: every team role lists them, within IAM's policy size limits");
  });
});
