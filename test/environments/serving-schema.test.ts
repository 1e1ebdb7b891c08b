import { dev } from "../../environments/dev";
import { environmentInputs } from "../../environments/inputs";
import { prod } from "../../environments/prod";
import { staging } from "../../environments/staging";
import { parseEnvironment } from "../../environments/schema";
import { KmsKey } from "../../constructs/core/kms-key";
import { SecureBucket } from "../../constructs/core/secure-bucket";
import { ServingEndpoint } from "../../constructs/serving/serving-endpoint";
import { inputsWith, mutated, problemLines, problemLinesOfAll } from "../support/config-errors";
import { TEST_ACCOUNT, TEST_REGION, testStack } from "../support/stack";

const AT = "serving.endpoints.0";
const endpoint = (c: any) => c.serving.endpoints[0];

describe("serving refusals", () => {
  it.each([
    ["a model that is neither a package nor an image with its artifact", (c: any) => (endpoint(c).model = { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference/churn:1.4.0" }),
      [`prod: ${AT}.model: must have both image and modelDataUrl`]],
    ["a package and an image at once", (c: any) => (endpoint(c).model.image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference/churn:1.4.0"),
      [`prod: ${AT}.model: must be either { modelPackageArn } or { image, modelDataUrl }, not both or neither`]],
    ["a model version that is not a package ARN", (c: any) => (endpoint(c).model.modelPackageArn = "churn:7"),
      [`prod: ${AT}.model.modelPackageArn: "churn:7" must be a versioned model package ARN: arn:aws:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>`]],
    ["min instances above max", (c: any) => (endpoint(c).instances.minInstances = 20),
      [`prod: ${AT}.instances.minInstances: is 20, above maxInstances 12; minInstances must be <= maxInstances`]],
    ["an initial count outside min-max", (c: any) => (endpoint(c).instances.initialInstanceCount = 13),
      [`prod: ${AT}.instances.initialInstanceCount: is 13; it must be between minInstances 3 and maxInstances 12`]],
    ["a canary of 0 %", (c: any) => (endpoint(c).rollout.canaryPercent = 0), [`prod: ${AT}.rollout.canaryPercent: is 0; a canary is a whole 1-50 % of the new fleet`]],
    ["a canary of 60 %", (c: any) => (endpoint(c).rollout.canaryPercent = 60), [`prod: ${AT}.rollout.canaryPercent: is 60; a canary is a whole 1-50 % of the new fleet`]],
    ["a sampling percentage above 100", (c: any) => (endpoint(c).dataCapture.samplingPercent = 120), [`prod: ${AT}.dataCapture.samplingPercent: is 120; it must be a whole percentage, 0-100`]],
    ["a negative sampling percentage", (c: any) => (endpoint(c).dataCapture.samplingPercent = -1), [`prod: ${AT}.dataCapture.samplingPercent: is -1; it must be a whole percentage, 0-100`]],
    ["serverless settings on an endpoint with instances", (c: any) => (endpoint(c).serverless = { memorySizeMb: 2048, maxConcurrency: 5 }),
      [`prod: ${AT}.serverless: an endpoint runs on instances or serverless, not both; remove one`]],
    ["neither instances nor serverless", (c: any) => delete endpoint(c).instances, [`prod: ${AT}.instances: is missing; give instances or serverless`]],
    ["two endpoints with one name", (c: any) => c.serving.endpoints.push({ ...endpoint(c) }), ["prod: serving.endpoints.1.name: is used by another endpoint"]],
    ["an unknown rollout type", (c: any) => (endpoint(c).rollout = { type: "bigBang", waitSeconds: 0 }),
      [`prod: ${AT}.rollout.type: must have type "allAtOnce", "canary" or "linear"`]],
    ["drift monitoring without captured data", (c: any) => (endpoint(c).dataCapture.samplingPercent = 0),
      [`prod: ${AT}.drift: drift monitoring reads captured data; set dataCapture.samplingPercent above 0`]],
    ["a zero latency threshold", (c: any) => (endpoint(c).alarms.latencyP99Ms = 0), [`prod: ${AT}.alarms.latencyP99Ms: is 0; it must be more than 0`]],
    ["a negative error-rate threshold", (c: any) => (endpoint(c).alarms.error5xxPercent = -1), [`prod: ${AT}.alarms.error5xxPercent: is -1; it must be 0.01-100 %`]],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });
});

describe("serverless refusals (SageMaker's feature exclusions)", () => {
  it.each([
    ["a memory size SageMaker does not offer", (c: any) => (endpoint(c).serverless.memorySizeMb = 1500),
      [`dev: ${AT}.serverless.memorySizeMb: is 1500; SageMaker allows 1024, 2048, 3072, 4096, 5120, 6144`]],
    ["network isolation", (c: any) => (endpoint(c).networkIsolation = true),
      [`dev: ${AT}.networkIsolation: is not supported by serverless endpoints (nor is a VPC); set it to false or use instances`]],
    ["data capture", (c: any) => (endpoint(c).dataCapture.samplingPercent = 10),
      [`dev: ${AT}.dataCapture.samplingPercent: data capture is not supported by serverless endpoints; set it to 0 or use instances`]],
    ["a canary rollout", (c: any) => (endpoint(c).rollout = { type: "canary", canaryPercent: 10, waitSeconds: 60 }),
      [`dev: ${AT}.rollout.type: "canary" moves a share of instances and a serverless endpoint has none; use "allAtOnce"`]],
    ["a CPU alarm", (c: any) => (endpoint(c).alarms.cpuUtilizationPercent = 80),
      [`dev: ${AT}.alarms.cpuUtilizationPercent: serverless endpoints publish no CPU utilization; remove it`]],
    ["drift monitoring", (c: any) => (endpoint(c).drift = { ...structuredClone(prod.serving.endpoints[0].drift), retraining: undefined }),
      [`dev: ${AT}.drift: Model Monitor is not supported by serverless endpoints; use instances or remove drift`]],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(dev, edit))).toEqual(expected);
  });
});

describe("drift refusals", () => {
  it.each([
    ["a schedule Model Monitor does not run", (c: any) => (endpoint(c).drift.scheduleExpression = "cron(15 * * * ? *)"),
      [`prod: ${AT}.drift.scheduleExpression: "cron(15 * * * ? *)" is not a recurring Model Monitor schedule; use "cron(0 * ? * * *)" (hourly), "cron(0 H ? * * *)" (daily at hour H UTC) or "cron(0 H/N ? * * *)" (every N hours from hour H)`]],
    ["more features than one alarm can combine", (c: any) => (endpoint(c).drift.features = Array.from({ length: 11 }, (_, i) => `f${i}`)),
      [`prod: ${AT}.drift.features: lists 11 features; a CloudWatch metric math alarm references at most 10 metrics`]],
    ["a linear step below 10 %", (c: any) => (endpoint(c).rollout = { type: "linear", stepPercent: 5, waitSeconds: 60 }),
      [`prod: ${AT}.rollout.stepPercent: is 5; a linear step is a whole 10-50 % of the new fleet`]],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });
});

describe("monitoring refusals", () => {
  it.each([
    ["a zero budget", (c: any) => (c.monitoring.monthlyBudgetUsd = 0), ["dev: monitoring.monthlyBudgetUsd: is 0; it must be an amount of USD greater than 0"]],
    ["an email subscription that is not an address", (c: any) => (c.monitoring.alertSubscriptions[0].endpoint = "ml-platform"),
      ['dev: monitoring.alertSubscriptions.0.endpoint: "ml-platform" must be an email address']],
    ["an https subscription over http", (c: any) => c.monitoring.alertSubscriptions.push({ protocol: "https", endpoint: "http://hooks.example.com" }),
      ['dev: monitoring.alertSubscriptions.1.endpoint: "http://hooks.example.com" must be an https:// URL']],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(dev, edit))).toEqual(expected);
  });
});

describe("promotion between environments", () => {
  it("staging and prod serve dev's packages, which dev shares with them", () => {
    expect(prod.serving.endpoints[0].model.modelPackageArn).toMatch(/:314159265358:model-package\/churn\/\d+$/);
    expect(staging.serving.endpoints[0].model.modelPackageArn).toMatch(/:314159265358:model-package\/churn\/\d+$/);
  });

  it("refuses to serve a package of an environment that does not share its registry with this one", () => {
    const devNotSharingWithProd = inputsWith("dev", (c) => (c.data.modelRegistry.consumerAccountIds = c.data.modelRegistry.consumerAccountIds.filter((id: string) => id !== prod.account.id)));
    expect(problemLinesOfAll(devNotSharingWithProd)).toEqual([
      "prod: serving.endpoints.0.model.modelPackageArn: is a package of dev's registry, which does not share with prod; add 161803398874 to dev's data.modelRegistry.consumerAccountIds",
    ]);
  });
});

describe("the feature/model contract", () => {
  const churnIn = (c: any) => c.data.modelRegistry.modelPackageGroups.find((g: { name: string }) => g.name === "churn");

  it("refuses serving a group's models where a feature group version they read is missing, naming both", () => {
    // Staging drops customer-profile v2 (and its own churn group, which reads it, stops declaring the read).
    let left: string[] = [];
    const inputs = inputsWith("staging", (c) => {
      c.data.featureStore.featureGroups = c.data.featureStore.featureGroups.filter((g: { name: string; version: number }) => `${g.name}-v${g.version}` !== "customer-profile-v2");
      left = c.data.featureStore.featureGroups.map((g: { name: string; version: number }) => `${g.name}-v${g.version}`);
      delete churnIn(c).featureGroups;
    });
    expect(problemLinesOfAll(inputs)).toEqual([
      "staging: serving.endpoints.0.model.modelPackageArn: serves package group \"churn\", whose models read feature group customer-profile-v2 (dev's data.modelRegistry.modelPackageGroups), " +
        `which staging's feature store lacks (it has: ${left.join(", ") || "none"}): add customer-profile-v2 to staging's data.featureStore.featureGroups first`,
    ]);
  });

  it("refuses a contract naming a feature group the registry's own environment lacks", () => {
    const has = dev.data.featureStore.featureGroups.map((g) => `${g.name}-v${g.version}`).join(", ");
    const churn = dev.data.modelRegistry.modelPackageGroups.findIndex((g) => g.name === "churn");
    expect(problemLines(mutated(dev, (c) => (churnIn(c).featureGroups = [{ name: "transactions", version: 7 }])))).toEqual([
      `dev: data.modelRegistry.modelPackageGroups.${churn}.featureGroups.0: transactions-v7 is not in this environment's feature store (it has: ${has}); declare it in data.featureStore.featureGroups or read a version that exists`,
    ]);
  });

});

describe("retraining declared with the drift monitoring", () => {
  const pipelineOf = (c: any) => endpoint(c).drift.retraining.pipeline;
  const P = `${AT}.drift.retraining.pipeline`;
  const churnGroup = prod.data.modelRegistry.modelPackageGroups.findIndex((g) => g.name === "churn");

  it.each([
    ["an image of another account", (c: any) => (pipelineOf(c).trainingImage = pipelineOf(c).trainingImage.replace(prod.account.id, "999999999999")),
      [`prod: ${P}.trainingImage: is an image of account 999999999999; the pipeline pulls from this environment's registry (${prod.account.id})`]],
    ["no gate", (c: any) => (pipelineOf(c).minimumMetrics = {}),
      [`prod: ${P}.minimumMetrics: is empty; the gate needs at least one metric and its minimum, or every model would be registered`]],
    ["a package group this environment's registry does not declare", (c: any) => c.data.modelRegistry.modelPackageGroups.splice(churnGroup, 1),
      [`prod: ${P}: registers new versions of package group "churn" in this environment's registry, which does not declare it; add it to data.modelRegistry.modelPackageGroups`]],
    ["a group whose contract names no feature groups", (c: any) => delete c.data.modelRegistry.modelPackageGroups[churnGroup].featureGroups,
      [`prod: ${P}: reads the feature groups package group "churn" declares, and it declares none; set its featureGroups in data.modelRegistry.modelPackageGroups`]],
    ["the field it replaced", (c: any) => (endpoint(c).drift.retrainingPipelineArn = "arn:aws:sagemaker:eu-west-1:161803398874:pipeline/churn"),
      [
        `prod: ${AT}.drift.retrainingPipelineArn: unknown field "retrainingPipelineArn"; allowed: baselineStatisticsUri, baselineConstraintsUri, scheduleExpression, features, threshold, retraining.`,
        `prod: ${AT}.drift.retrainingPipelineArn: was replaced by retraining: { pipeline: {...} } (a pipeline declared here) or retraining: { externalPipelineArn } (one made elsewhere)`,
      ]],
  ])("refuses %s", (_, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });

  it("accepts a pipeline made elsewhere, named explicitly", () => {
    // (A pipeline made elsewhere is no declared loop: maturity level 2 at most, so no minimum above it.)
    const external = mutated(prod, (c: any) => ((endpoint(c).drift.retraining = { externalPipelineArn: `arn:aws:sagemaker:eu-west-1:${prod.account.id}:pipeline/churn-retraining` }), delete c.maturity));
    expect(parseEnvironment(external).serving.endpoints[0].drift?.retraining).toEqual({ externalPipelineArn: `arn:aws:sagemaker:eu-west-1:${prod.account.id}:pipeline/churn-retraining` });
  });
});

describe("what the ServingEndpoint construct refuses, the schema refuses first, with the construct's own check", () => {
  it.each([
    ["a fractional canary", (c: any) => (endpoint(c).rollout.canaryPercent = 12.5), [`prod: ${AT}.rollout.canaryPercent: is 12.5; a canary is a whole 1-50 % of the new fleet`]],
    ["a fractional sampling percentage", (c: any) => (endpoint(c).dataCapture.samplingPercent = 12.5), [`prod: ${AT}.dataCapture.samplingPercent: is 12.5; it must be a whole percentage, 0-100`]],
    ["a package version 0", (c: any) => (endpoint(c).model.modelPackageArn = "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/0"),
      [`prod: ${AT}.model.modelPackageArn: "arn:aws:sagemaker:eu-west-1:314159265358:model-package/churn/0" must be a versioned model package ARN: arn:aws:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>`]],
    ["a package in another region", (c: any) => (endpoint(c).model.modelPackageArn = "arn:aws:sagemaker:us-east-1:314159265358:model-package/churn/7"),
      [`prod: ${AT}.model.modelPackageArn: "arn:aws:sagemaker:us-east-1:314159265358:model-package/churn/7" is in us-east-1; its image and model data are there, and SageMaker needs them in the endpoint's region, eu-west-1`]],
    ["a GPU alarm on an instance without GPUs", (c: any) => (endpoint(c).alarms.gpuUtilizationPercent = 80),
      [`prod: ${AT}.alarms.gpuUtilizationPercent: ml.c6i.xlarge has no GPU, so no GPU utilization to alarm on; remove it or use a G or P instance type`]],
    ["a no-invocations window longer than a day", (c: any) => (endpoint(c).alarms.noInvocationsMinutes = 2000),
      [`prod: ${AT}.alarms.noInvocationsMinutes: is 2000; it must be whole minutes 1-1440 (a day): an alarm looks back no further`]],
    ["a drift feature listed twice", (c: any) => endpoint(c).drift.features.push("tenure_months"), [`prod: ${AT}.drift.features.3: "tenure_months" is listed twice`]],
  ])("%s", (_, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });
});

describe("issue #11: what SageMaker would take but cannot do", () => {
  // Any shipped environment with an endpoint on instances, its endpoint set up in full by each case, so the cases
  // do not depend on what the shipped environments hold today.
  type Input = { name: string; serving: { endpoints: { instances?: unknown }[] } };
  const base = (environmentInputs as readonly Input[]).find((e) => e.serving.endpoints.some((endpoint) => endpoint.instances !== undefined))!;
  const at = (...path: (string | number)[]) => [`${base.name}: serving.endpoints.${base.serving.endpoints.findIndex((e) => e.instances !== undefined)}`, ...path].join(".");
  const withEndpoint = (change: (endpoint: any) => void) =>
    mutated(base as never, (c) => {
      const endpoint = c.serving.endpoints.find((e: any) => e.instances !== undefined);
      endpoint.instances = { ...endpoint.instances, instanceType: "ml.c6i.xlarge", initialInstanceCount: 3, minInstances: 3, maxInstances: 12 };
      endpoint.rollout = { type: "canary", canaryPercent: 34, waitSeconds: 600 };
      endpoint.alarms = { latencyP99Ms: 300, error5xxPercent: 1, error4xxPercent: 5 };
      change(endpoint);
    });

  it("accepts the base these cases change", () => {
    expect(() => parseEnvironment(withEndpoint(() => {}))).not.toThrow();
  });

  it.each([
    ["a canary of 20 % of one instance", (e: any) => ((e.instances = { ...e.instances, initialInstanceCount: 1, minInstances: 1 }), (e.rollout.canaryPercent = 20)),
      [`${at("rollout", "canaryPercent")}: 20 % of 1 instance (minInstances) is 0.2 of an instance; SageMaker shifts traffic to whole instances, so a canary must be at least one instance and leave one on the old fleet; raise minInstances (and initialInstanceCount) to 2 with canaryPercent 50, or raise minInstances (and initialInstanceCount) to 5, or use rollout type "allAtOnce"`]],
    ["a canary of 10 % of 3 instances", (e: any) => (e.rollout.canaryPercent = 10),
      [`${at("rollout", "canaryPercent")}: 10 % of 3 instances (minInstances) is 0.3 of an instance; SageMaker shifts traffic to whole instances, so a canary must be at least one instance and leave one on the old fleet; raise canaryPercent to 34, or raise minInstances (and initialInstanceCount) to 10, or use rollout type "allAtOnce"`]],
    ["a linear step of 20 % of 3 instances", (e: any) => (e.rollout = { type: "linear", stepPercent: 20, waitSeconds: 60 }),
      [`${at("rollout", "stepPercent")}: 20 % of 3 instances (minInstances) is 0.6 of an instance; SageMaker shifts traffic to whole instances, so a linear step must be at least one instance and leave one on the old fleet; raise stepPercent to 34, or raise minInstances (and initialInstanceCount) to 5, or use rollout type "allAtOnce"`]],
    ["a CPU threshold above 100 % (it is a share of the whole instance now)", (e: any) => (e.alarms.cpuUtilizationPercent = 300),
      [`${at("alarms", "cpuUtilizationPercent")}: is 300; it must be 1-100 %`]],
    ["a CPU alarm on a type whose vCPUs the blueprint does not know", (e: any) => ((e.instances.instanceType = "ml.x9.large"), (e.alarms.cpuUtilizationPercent = 80)),
      [`${at("alarms", "cpuUtilizationPercent")}: the vCPU count of ml.x9.large is not in SERVING_INSTANCE_VCPUS (constructs/serving/instance-types.ts), so the percentage of the instance cannot be converted to SageMaker's per-vCPU sum; add the type there or remove the alarm`]],
    ["a capture retention of 0 days", (e: any) => (e.dataCapture.retentionDays = 0), [`${at("dataCapture", "retentionDays")}: is 0; it must be a whole number of days, 1 or more`]],
    ["a fractional capture retention", (e: any) => (e.dataCapture.retentionDays = 1.5), [`${at("dataCapture", "retentionDays")}: is 1.5; it must be a whole number of days, 1 or more`]],
  ])("refuses %s, naming the field and the fix", (_, edit, expected) => {
    expect(problemLines(withEndpoint(edit))).toEqual(expected);
  });

  it("accepts a canary of one whole instance, a CPU alarm on a known type, and a capture retention", () => {
    const config = parseEnvironment(
      withEndpoint((e) => {
        e.instances = { ...e.instances, initialInstanceCount: 2, minInstances: 2 };
        e.rollout.canaryPercent = 50;
        e.alarms.cpuUtilizationPercent = 75;
        e.dataCapture.retentionDays = 14;
      }),
    );
    const endpoint = config.serving.endpoints.find((e) => e.instances !== undefined)!;
    expect(endpoint.dataCapture.retentionDays).toBe(14);
  });

  it("leaves the capture retention to the construct's default (30 days) when the config says nothing", () => {
    const config = parseEnvironment(withEndpoint((e) => delete e.dataCapture.retentionDays));
    expect(config.serving.endpoints.find((e) => e.instances !== undefined)!.dataCapture.retentionDays).toBeUndefined();
  });
});

describe("one check of endpoint settings: the schema reports what ServingEndpoint would throw, at the same field, in the same words", () => {
  /** Builds prod's endpoint, as the config now says, with ServingEndpoint (the stack's mapping, test resources). */
  const build = (config: any) => {
    const stack = testStack();
    const key = new KmsKey(stack, "Key", { alias: "mlops-test-serving", description: "serving" });
    const bucket = new SecureBucket(stack, "Capture", { bucketName: `mlops-test-capture-${TEST_ACCOUNT}`, encryptionKey: key });
    const endpoint = config.serving.endpoints[0];
    new ServingEndpoint(stack, "Churn", {
      endpointName: "mlops-test-churn",
      model: endpoint.model,
      instances: endpoint.instances,
      rollout: endpoint.rollout,
      terminationWaitSeconds: endpoint.terminationWaitSeconds,
      networkIsolation: endpoint.networkIsolation,
      dataCapture: { ...endpoint.dataCapture, bucket },
      alarms: endpoint.alarms,
      encryptionKey: key,
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0aaa", "subnet-0bbb"],
      alertTopicArn: `arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:mlops-test-alerts`,
      logRetentionDays: 30,
    });
  };

  it("builds prod's endpoint as shipped (the cases below change one field each)", () => {
    expect(() => build(prod)).not.toThrow();
  });

  it.each<[string, string, (e: any) => void]>([
    ["an instance type that is not ml.<family>.<size>", "instances.instanceType", (e) => ((e.instances.instanceType = "ml.p6_b200.48xlarge"), delete e.alarms.cpuUtilizationPercent)],
    ["min instances above max", "instances.minInstances", (e) => (e.instances.minInstances = 20)],
    ["a cooldown over an hour (the construct took it, the schema did not)", "instances.scaleInCooldownSeconds", (e) => (e.instances.scaleInCooldownSeconds = 7200)],
    ["a canary of 0 %", "rollout.canaryPercent", (e) => (e.rollout.canaryPercent = 0)],
    ["a canary smaller than one instance", "rollout.canaryPercent", (e) => (e.rollout.canaryPercent = 10)],
    ["a sampling over 100 %", "dataCapture.samplingPercent", (e) => (e.dataCapture.samplingPercent = 120)],
    ["an error-rate threshold of 0.001 % (the construct took it, the schema did not)", "alarms.error5xxPercent", (e) => (e.alarms.error5xxPercent = 0.001)],
    ["a GPU alarm on a type without GPUs", "alarms.gpuUtilizationPercent", (e) => (e.alarms.gpuUtilizationPercent = 80)],
    ["a model package in another region", "model.modelPackageArn", (e) => (e.model.modelPackageArn = e.model.modelPackageArn.replace("eu-west-1", "us-east-1"))],
  ])("%s", (_, path, edit) => {
    const config = mutated(prod, (c) => edit(endpoint(c)));
    const lines = problemLines(config);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^prod: ${AT.replace(/\./g, "\\.")}\\.${path.replace(/\./g, "\\.")}: `))]);
    const message = lines[0].slice(`prod: ${AT}.${path}: `.length);
    expect(() => build(config)).toThrow(`test/Churn: ${path}: ${message}`);
  });

  it("accepts a type of a hyphenated family, ml.p6-b200.48xlarge, in both (the schema refused it before)", () => {
    // (Its vCPUs are not in SERVING_INSTANCE_VCPUS, so no CPU alarm.)
    const config = mutated(prod, (c) => ((endpoint(c).instances.instanceType = "ml.p6-b200.48xlarge"), delete endpoint(c).alarms.cpuUtilizationPercent));
    expect(parseEnvironment(config).serving.endpoints[0].instances?.instanceType).toBe("ml.p6-b200.48xlarge");
    expect(() => build(config)).not.toThrow();
  });
});
