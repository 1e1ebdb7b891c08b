import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Annotations, App, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { GuardrailViolationError } from "../../guardrails/apply";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { ConstructPropsError } from "../../constructs/core/errors";
import { KmsKey } from "../../constructs/core/kms-key";
import { environments } from "../../environments";
import type { EnvironmentConfig } from "../../environments/schema";
import { propsError } from "../support/stack";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { NetworkStack } from "../../stacks/network-stack";
import { createPlatform } from "../../stacks/platform";
import { PlatformStack } from "../../stacks/platform-stack";
import { resourcesOfType, synthJson } from "../support/terraform-json";

// A team's own environment, without any config of the blueprint's.
const account = { id: "271828182845", region: "eu-central-1" };
const base = { environmentName: "acme", account };
// Written as a team writes it, read-only: LayerConfig takes it.
const NETWORK = { vpcCidr: "10.70.0.0/16", availabilityZones: ["eu-central-1a", "eu-central-1b"], natGateways: "single", interfaceEndpoints: ["sts"] } as const;

describe("PlatformStack, the base a team's stack extends", () => {
  it("refuses an environment name, account or region no environment may have, each at its field", () => {
    const error = propsError(() => new PlatformStack(Testing.app(), "Team_A-x", { environmentName: "Team_A", account: { id: "12", region: "mars-1" }, layer: "x" }));
    expect(error.problems.map((p) => p.path)).toEqual(["environmentName", "account.id", "account.region"]);
    expect(error.message).toMatch(/environmentName: is "Team_A"; it must be 2-12 characters of lowercase letters/);
  });

  it("refuses an id that does not start with its environment's name, naming the fix", () => {
    expect(() => new PlatformStack(Testing.app(), "features", { ...base, layer: "features" })).toThrow(ConstructPropsError);
    expect(() => new PlatformStack(Testing.app(), "features", { ...base, layer: "features" })).toThrow(
      /features: the stack id must start with "acme-" .* name it "acme-features"/,
    );
  });

  it("protects by default: stateful resources get prevent_destroy, keys the longest deletion window", () => {
    const stack = new PlatformStack(Testing.app(), "acme-features", { ...base, layer: "features" });
    new KmsKey(stack, "Key", { alias: "acme-features", description: "d", deletionWindowInDays: stack.kmsKeyDeletionWindowDays });
    const [[, key]] = resourcesOfType(synthJson(stack), "aws_kms_key");
    expect(key).toEqual(expect.objectContaining({ deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } }));
  });

  it("leaves stateful resources destroyable when protection is turned off", () => {
    const stack = new PlatformStack(Testing.app(), "acme-features", { ...base, layer: "features", protection: { enabled: false, kmsKeyDeletionWindowDays: 7 } });
    new KmsKey(stack, "Key", { alias: "acme-features", description: "d", deletionWindowInDays: stack.kmsKeyDeletionWindowDays });
    const [[, key]] = resourcesOfType(synthJson(stack), "aws_kms_key");
    expect(key.lifecycle).toBeUndefined();
    expect(key.deletion_window_in_days).toBe(7);
  });

  it("gives provider, tags and its own state object in the environment's state bucket, or a local file", () => {
    const json = synthJson(new PlatformStack(Testing.app(), "acme-features", { ...base, layer: "features" }));
    expect(json.provider!.aws).toEqual([
      expect.objectContaining({ region: "eu-central-1", allowed_account_ids: ["271828182845"], default_tags: [{ tags: expect.objectContaining({ "mlops:environment": "acme", "mlops:layer": "features" }) }] }),
    ]);
    expect(json.terraform?.backend).toEqual({ s3: expect.objectContaining({ bucket: "mlops-acme-tfstate-271828182845", key: "acme-features/terraform.tfstate", use_lockfile: true }) });
    const local = synthJson(new PlatformStack(Testing.app(), "acme-bootstrap", { ...base, layer: "bootstrap", state: "local" }));
    expect(local.terraform?.backend).toEqual({ local: { path: "terraform.acme-bootstrap.tfstate" } });
  });

  it("keeps its state in a bucket of the team's own, its own object there, encrypted and locked", () => {
    const state = { bucket: "acme-terraform-state", keyArn: "arn:aws:kms:eu-central-1:271828182845:alias/acme-state" };
    const json = synthJson(new PlatformStack(Testing.app(), "acme-features", { ...base, layer: "features", state }));
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "acme-terraform-state",
        key: "acme-features/terraform.tfstate",
        region: "eu-central-1",
        encrypt: true,
        use_lockfile: true,
        kms_key_id: "arn:aws:kms:eu-central-1:271828182845:alias/acme-state",
        allowed_account_ids: ["271828182845"],
      },
    });
  });

  it("guards itself: in a plain App a violation stops the write of every stack, and each stack's JSON is made once", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "mlops-base-stack-")) });
    const made = jest.spyOn(TerraformStack.prototype, "toTerraform");
    new PlatformStack(app, "acme-fine", { ...base, layer: "fine" });
    const raw = new PlatformStack(app, "acme-raw", { ...base, layer: "raw" });
    app.synth();
    expect(made).toHaveBeenCalledTimes(2);
    made.mockRestore();
    // A bucket made without the blueprint's encryption, logging and public access block.
    new S3Bucket(raw, "Raw", { bucket: "acme-raw" });
    fs.rmSync(app.outdir, { recursive: true, force: true });
    expect(() => app.synth()).toThrow(GuardrailViolationError);
    expect(() => app.synth()).toThrow(/MLB-S3-\d+ acme-raw\/aws_s3_bucket\.Raw/);
    expect(fs.existsSync(path.join(app.outdir, "stacks"))).toBe(false);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  it("guards the app's other stacks too, even one made before it and never passed to applyGuardrails", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "mlops-base-stack-")) });
    const plain = new TerraformStack(app, "acme-plain");
    new AwsProvider(plain, "aws", { region: account.region });
    new S3Bucket(plain, "Raw", { bucket: "acme-raw" });
    new PlatformStack(app, "acme-fine", { ...base, layer: "fine" });
    expect(() => app.synth()).toThrow(/MLB-S3-\d+ acme-plain\/aws_s3_bucket\.Raw/);
    for (const id of ["acme-plain", "acme-fine"]) expect(fs.existsSync(path.join(app.outdir, "stacks", id, "cdk.tf.json"))).toBe(false);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

  describe("hands over the JSON it checked only within one App.synth()", () => {
    const twoStacks = () => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "mlops-handover-")) });
      const a = new PlatformStack(app, "acme-a", { ...base, layer: "a" });
      const b = new PlatformStack(app, "acme-b", { ...base, layer: "b" });
      return { app, a, b };
    };
    const buckets = (json: ReturnType<typeof synthJson>) => Object.keys(json.resource?.aws_s3_bucket ?? {});

    it("Testing.synth and Testing.fullSynth check every time and write what the stack is now", () => {
      const { app, a, b } = twoStacks();
      Testing.fullSynth(a);
      new S3Bucket(b, "Raw", { bucket: "acme-raw" });
      expect(() => Testing.synth(b, true)).toThrow(GuardrailViolationError);
      expect(() => Testing.fullSynth(b)).toThrow(GuardrailViolationError);
      expect(buckets(synthJson(b))).toHaveLength(1);
      fs.rmSync(app.outdir, { recursive: true, force: true });
    });

    it("after a refusal, the next App.synth() checks anew and writes nothing either", () => {
      const { app, b } = twoStacks();
      new S3Bucket(b, "Raw", { bucket: "acme-raw" });
      expect(() => Testing.fullSynth(b)).toThrow(GuardrailViolationError);
      expect(() => app.synth()).toThrow(GuardrailViolationError);
      for (const id of ["acme-a", "acme-b"]) expect(fs.existsSync(path.join(app.outdir, "stacks", id, "cdk.tf.json"))).toBe(false);
      fs.rmSync(app.outdir, { recursive: true, force: true });
    });

    it("a synthesis that cdktf fails after the check leaves nothing for the next one to take", async () => {
      const { app, a, b } = twoStacks();
      // cdktf refuses the first stack after the guardrails checked both: the second was checked, never written.
      Annotations.of(a).addError("refused by something else than the guardrails");
      expect(() => app.synth()).toThrow(/refused by something else/);
      await Promise.resolve();
      new S3Bucket(b, "Late", { bucket: "acme-late" });
      expect(() => Testing.fullSynth(b)).toThrow(GuardrailViolationError);
      fs.rmSync(app.outdir, { recursive: true, force: true });
    });
  });

    it("refuses an app that skips validation: the guardrails would not run", () => {
    const app = new App({ outdir: os.tmpdir(), skipValidation: true });
    expect(() => new PlatformStack(app, "acme-fine", { ...base, layer: "fine" })).toThrow(/the app skips validation, and with it the guardrails; create it without skipValidation/);
  });

  it("reads another stack's resources through a construct added to a layer that reads none itself", () => {
    const app = Testing.app();
    const bootstrap = new BootstrapStack(app, "acme-bootstrap", base);
    const network = new NetworkStack(app, "acme-network", { ...base, network: NETWORK, logRetentionDays: 90 });
    new TerraformOutput(bootstrap, "vpc", { value: network.network.vpcId });
    app.synth();
    const json = synthJson(bootstrap) as ReturnType<typeof synthJson> & { output?: Record<string, { value: unknown }> };
    expect(json.output?.vpc.value).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-acme-network\.outputs\./);
  });

  it("refuses, naming the way that works, a reference to another stack changed into an existing resource of such a layer", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "mlops-base-stack-")) });
    const bootstrap = new BootstrapStack(app, "acme-bootstrap", base);
    const network = new NetworkStack(app, "acme-network", { ...base, network: NETWORK, logRetentionDays: 90 });
    bootstrap.stateBucket.node.findAll().filter((c): c is S3Bucket => c instanceof S3Bucket)[0].addOverride("tags.vpc", network.network.vpcId);
    expect(() => app.synth()).toThrow(/acme-bootstrap: refers to aws_vpc\.\S+, which is not in this stack: the bootstrap layer reads no other stack.*as a construct of its own in this stack, or in a subclass/);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  });

    it("reads another stack's resources through remote state, whichever layer it extends", () => {
    const app = Testing.app();
    const network = new NetworkStack(app, "acme-network", { ...base, network: NETWORK, logRetentionDays: 90 });
    // A layer that reads no other stack itself: a team's subclass of it may.
    class TeamBootstrap extends BootstrapStack {
      constructor() {
        super(app, "acme-bootstrap", base);
        new TerraformOutput(this, "vpc", { value: network.network.vpcId });
      }
    }
    const team = new TeamBootstrap();
    app.synth();
    const json = synthJson(team) as ReturnType<typeof synthJson> & { output?: Record<string, { value: unknown }> };
    expect(json.output?.vpc.value).toMatch(/\$\{data\.terraform_remote_state\.cross-stack-reference-input-acme-network\.outputs\./);
  });
});

describe("a layer stack reused without an environment config", () => {
  it("takes its layer's props: a network for a team's own environment", () => {
    const stack = new NetworkStack(Testing.app(), "acme-network", {
      ...base,
      network: NETWORK,
      logRetentionDays: 90,
    });
    const json = synthJson(stack);
    expect(resourcesOfType(json, "aws_vpc").map(([, vpc]) => vpc.cidr_block)).toEqual(["10.70.0.0/16"]);
    expect(resourcesOfType(json, "aws_subnet").map(([, s]) => s.tags)).toContainEqual(expect.objectContaining({ "karpenter.sh/discovery": "mlops-acme-training" }));
    expect(stack.network.privateSubnetIds).toHaveLength(2);
  });
});

describe("a serving stack given a config the schema would refuse", () => {
  // A parsed environment's serving layer, changed past the schema, as a team building the stack by hand could.
  const changed = (edit: (env: EnvironmentConfig) => void): EnvironmentConfig => {
    const env = structuredClone(environments[0]);
    env.data.modelRegistry.modelPackageGroups = [{ name: "any", description: "Any model" }];
    env.serving.endpoints = [
      {
        name: "scorer",
        model: { modelPackageArn: `arn:aws:sagemaker:${env.account.region}:${env.account.id}:model-package/any/1` },
        networkIsolation: true,
        serverless: { memorySizeMb: 2048, maxConcurrency: 5 },
        rollout: { type: "allAtOnce", waitSeconds: 0 },
        terminationWaitSeconds: 300,
        dataCapture: { samplingPercent: 0, retentionDays: 30 },
        alarms: { latencyP99Ms: 250, error5xxPercent: 1, error4xxPercent: 5 },
      } as EnvironmentConfig["serving"]["endpoints"][number],
    ];
    edit(env);
    return env;
  };
  const DRIFT = {
    baselineStatisticsUri: "s3://baselines/statistics.json",
    baselineConstraintsUri: "s3://baselines/constraints.json",
    scheduleExpression: "cron(0 * ? * * *)",
    features: ["tenure_months"],
    threshold: 0.2,
  };

  it("refuses drift monitoring on a serverless endpoint, in the schema's words", () => {
    const env = changed((e) => (e.serving.endpoints[0].drift = DRIFT));
    expect(() => createPlatform(Testing.app(), env)).toThrow(ConstructPropsError);
    expect(() => createPlatform(Testing.app(), env)).toThrow(/serving\.endpoints\.0\.drift: Model Monitor is not supported by serverless endpoints/);
  });

  it("refuses a retraining pipeline whose package group declares no feature groups, instead of failing on it", () => {
    const env = changed((e) => {
      const endpoint = e.serving.endpoints[0] as { serverless?: unknown; instances?: unknown };
      delete endpoint.serverless;
      endpoint.instances = { instanceType: "ml.m5.large", initialInstanceCount: 2, minInstances: 2, maxInstances: 2, targetInvocationsPerInstance: 100, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 };
      e.serving.endpoints[0].dataCapture.samplingPercent = 10;
      e.serving.endpoints[0].drift = {
        ...DRIFT,
        retraining: { pipeline: { trainingImage: `${e.account.id}.dkr.ecr.${e.account.region}.amazonaws.com/training:1`, trainingInstanceType: "ml.m5.xlarge", processingInstanceType: "ml.m5.xlarge", inferenceImage: `${e.account.id}.dkr.ecr.${e.account.region}.amazonaws.com/serving:1`, minimumMetrics: { auc: 0.8 }, maxRuntimeHours: 4 } },
      } as never;
    });
    expect(() => createPlatform(Testing.app(), env)).toThrow(/serving\.endpoints\.0\.drift\.retraining\.pipeline: reads the feature groups package group "any" declares, and it declares none/);
    expect(() => createPlatform(Testing.app(), env)).toThrow(ConstructPropsError);
  });
});
