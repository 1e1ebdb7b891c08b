import { Testing, TerraformStack } from "cdktf";
import { version } from "../../package.json";
import { STATEFUL_RESOURCE_TYPES } from "../../constructs/core/stateful";
import { environments } from "../../environments";
import type { EnvironmentConfig } from "../../environments/schema";
import { PlatformOptions, clusterConnection, createPlatform } from "../../stacks/platform";
import { allResources, policyOf, synthJson } from "../support/terraform-json";

const platforms = new Map<EnvironmentConfig, TerraformStack[]>();
/** The environment's stacks, built once per environment (with options: built anew). */
const stacksOf = (env: EnvironmentConfig, options?: PlatformOptions): TerraformStack[] => {
  if (options) return Object.values(createPlatform(Testing.app(), env, options));
  if (!platforms.has(env)) platforms.set(env, Object.values(createPlatform(Testing.app(), env)));
  return platforms.get(env)!;
};
const byName = (name: string) => environments.find((env) => env.name === name)!;

describe.each(environments.map((env) => [env.name, env] as const))("%s platform", (name, env) => {
  const stacks = stacksOf(env);

  it("names every stack <env>-<layer> so `cdktf deploy '<env>-*'` deploys exactly this environment", () => {
    expect(stacks.map((s) => s.node.id)).toEqual(["bootstrap", "network", "data", "training", "workloads", "serving"].map((layer) => `${name}-${layer}`));
  });

  it.each(stacks.map((s) => [s.node.id, s] as const))("%s keeps its own encrypted, locked state in the environment's account", (id, stack) => {
    expect(synthJson(stack).terraform?.backend).toEqual({
      s3: {
        bucket: `mlops-${name}-tfstate-${env.account.id}`,
        key: `${id}/terraform.tfstate`,
        region: env.account.region,
        encrypt: true,
        use_lockfile: true,
        kms_key_id: `arn:aws:kms:${env.account.region}:${env.account.id}:alias/mlops-${name}-tfstate`,
        allowed_account_ids: [env.account.id],
      },
    });
  });

  it.each(stacks.map((s) => [s.node.id, s] as const))("%s has one AWS provider pinned to the account, tagging every resource", (id, stack) => {
    const layer = id.slice(name.length + 1);
    expect(synthJson(stack).provider?.aws).toEqual([
      {
        region: env.account.region,
        allowed_account_ids: [env.account.id],
        default_tags: [
          {
            tags: {
              "mlops:environment": name,
              "mlops:layer": layer,
              "mlops:managed-by": "mlops-blueprint",
              "mlops:blueprint-version": version,
            },
          },
        ],
      },
    ]);
  });
});

describe("outputs", () => {
  /** What each layer tells its users, by output name (cdktf's own cross-stack outputs aside). */
  const NAMED: Record<string, string[]> = {
    bootstrap: ["state_bucket"],
    network: ["vpc_id", "private_subnet_ids"],
    data: ["feature_store_offline_bucket", "feature_store_glue_database", "model_artifact_bucket", "model_package_group_arns", "image_repository_urls"],
    training: ["cluster_name", "cluster_security_group_id", "karpenter_interruption_queue", "karpenter_node_instance_profile", "prometheus_workspace_id", "prometheus_endpoint"],
    workloads: ["teams"],
    serving: ["alert_topic_arn", "endpoint_names", "retraining_pipeline_arns"],
  };
  it.each(environments.map((env) => [env.name, env] as const))("%s: every layer names and describes what its users need", (_, env) => {
    for (const stack of stacksOf(env)) {
      const layer = stack.node.id.slice(env.name.length + 1);
      if (!(layer in NAMED)) continue;
      const outputs = ((synthJson(stack) as { output?: Record<string, { description?: string }> }).output ?? {});
      for (const name of NAMED[layer]) expect([stack.node.id, name, typeof outputs[name]?.description]).toEqual([stack.node.id, name, "string"]);
    }
  });
});

describe("the continuous training loop", () => {
  it.each(environments.map((env) => [env.name, env] as const))("%s: each drift alarm starts the pipeline declared for its endpoint, which registers in its own registry", (_, env) => {
    const serving = synthJson(stacksOf(env).find((s) => s.node.id.endsWith("-serving"))!);
    const pipelines = allResources(serving).filter((r) => r.type === "aws_sagemaker_pipeline");
    const targets = allResources(serving).filter((r) => r.type === "aws_cloudwatch_event_target" && r.attributes.target_id === "start-retraining-pipeline");
    const declared = env.serving.endpoints.filter((e) => e.model && e.drift?.retraining && "pipeline" in e.drift.retraining);
    // Every monitored endpoint closes the loop: its drift starts a retraining pipeline.
    expect(env.serving.endpoints.filter((e) => e.drift && !e.drift.retraining).map((e) => e.name)).toEqual([]);
    expect(pipelines.map((p) => p.attributes.pipeline_name).sort()).toEqual(declared.map((e) => `mlops-${env.name}-${e.name}-retraining`).sort());
    for (const endpoint of declared) {
      const name = `mlops-${env.name}-${endpoint.name}-retraining`;
      expect(targets.map((t) => t.attributes.arn)).toContain(`arn:aws:sagemaker:${env.account.region}:${env.account.id}:pipeline/${name}`);
      const definition = JSON.parse(pipelines.find((p) => p.attributes.pipeline_name === name)!.attributes.pipeline_definition as string);
      const register = JSON.stringify(definition).match(/"ModelPackageGroupName":"([^"]+)"/)![1];
      expect(register).toBe(endpoint.model!.modelPackageArn!.split("/")[1]);
    }
  });
});

describe("state", () => {
  it("gives every stack of every environment a different state object", () => {
    const keys = environments.flatMap((env) =>
      stacksOf(env).map((stack) => {
        const s3 = synthJson(stack).terraform!.backend!.s3;
        return `${s3.bucket}/${s3.key}`;
      }),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("uses local state for the bootstrap stack only when asked, for its first apply", () => {
    const [bootstrap, network] = stacksOf(byName("dev"), { bootstrapState: "local" });
    expect(synthJson(bootstrap).terraform?.backend).toEqual({ local: { path: "terraform.dev-bootstrap.tfstate" } });
    expect(synthJson(network).terraform?.backend).toHaveProperty("s3");
  });
});

describe("bootstrap", () => {
  it("creates the state bucket the other stacks use, with its key, protected in every environment", () => {
    for (const env of environments) {
      const [bootstrap] = stacksOf(env);
      const resources = allResources(synthJson(bootstrap));
      const bucket = resources.find((r) => r.type === "aws_s3_bucket")!;
      expect(bucket.attributes).toMatchObject({ bucket: `mlops-${env.name}-tfstate-${env.account.id}`, lifecycle: { prevent_destroy: true } });
      expect(resources.find((r) => r.type === "aws_kms_alias")!.attributes.name).toBe(`alias/mlops-${env.name}-tfstate`);
      expect(resources.find((r) => r.type === "aws_kms_key")!.attributes.lifecycle).toEqual({ prevent_destroy: true });
      expect(resources.map((r) => r.type)).toEqual(
        expect.arrayContaining(["aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block", "aws_s3_bucket_policy"]),
      );
    }
  });
});

describe("protection", () => {
  it.each(environments.map((env) => [env.name, env] as const))(
    "%s: stateful resources outside bootstrap have prevent_destroy exactly when the environment is protected",
    (_, env) => {
      const [, ...layers] = stacksOf(env);
      const stateful = layers.flatMap((stack) => allResources(synthJson(stack))).filter((r) => STATEFUL_RESOURCE_TYPES.has(r.type));
      expect(stateful.length).toBeGreaterThan(0);
      for (const resource of stateful) {
        expect([resource.type, resource.attributes.lifecycle]).toEqual([
          resource.type,
          env.protection.enabled ? { prevent_destroy: true } : undefined,
        ]);
      }
    },
  );

  it("protects prod and leaves dev disposable", () => {
    expect(byName("prod").protection.enabled).toBe(true);
    expect(byName("dev").protection.enabled).toBe(false);
  });
});

describe("tags", () => {
  it("leaves the platform tags to the provider: no resource overrides them", () => {
    for (const stack of environments.flatMap((env) => stacksOf(env))) {
      for (const resource of allResources(synthJson(stack))) {
        const tags = (resource.attributes.tags ?? {}) as Record<string, string>;
        expect(Object.keys(tags).filter((key) => key.startsWith("mlops:"))).toEqual([]);
      }
    }
  });
});

describe("team access to data", () => {
  it("lets each team's training role read features, read and write artifacts and register models, through references to the data stack", () => {
    const prod = byName("prod");
    const workloads = stacksOf(prod).find((s) => s.node.id === "prod-workloads")!;
    const json = synthJson(workloads);
    for (const team of prod.training.teams) {
      const role = allResources(json).find((r) => r.type === "aws_iam_role" && r.attributes.name === `mlops-prod-${team.name}-training`)!;
      const policy = allResources(json).find(
        (r) => r.type === "aws_iam_role_policy" && String(r.attributes.role).includes(`aws_iam_role.${role.name}.`),
      )!;
      const actions = policyOf(policy.attributes).Statement.flatMap((s) => s.Action as string | string[]);
      expect(actions).toEqual(
        expect.arrayContaining(["sagemaker:GetRecord", "sagemaker:DescribeFeatureGroup", "s3:GetObject", "s3:PutObject", "sagemaker:CreateModelPackage"]),
      );
      expect(actions).not.toContain("sagemaker:PutRecord");
      // Writes only under the team's own prefixes: no team overwrites what another team's package points at.
      const writes = policyOf(policy.attributes).Statement.filter((s) => ([] as string[]).concat(s.Action as string[]).includes("s3:PutObject"));
      expect(writes.map((s) => String(s.Resource).replace(/^\$\{[^}]+\}/, "<bucket>")).sort()).toEqual([`<bucket>/models/${team.name}/*`, `<bucket>/teams/${team.name}/*`]);
    }
  });
});

describe("workloads on the training cluster", () => {
  it("take the cluster, Karpenter's role, queue and instance profile, the cluster key and the Prometheus workspace from the training stack", () => {
    const { training } = createPlatform(Testing.app(), byName("dev"));
    expect(clusterConnection(training)).toEqual({
      clusterName: training.cluster.clusterName,
      endpoint: training.cluster.endpoint,
      certificateAuthorityData: training.cluster.certificateAuthorityData,
      oidcProviderArn: training.cluster.oidcProviderArn,
      oidcIssuerUrl: training.cluster.oidcIssuerUrl,
      clusterSecurityGroupId: training.cluster.clusterSecurityGroupId,
      clusterKeyArn: training.key.keyArn,
      karpenterControllerRoleArn: training.karpenter.controllerRoleArn,
      karpenterInterruptionQueueName: training.karpenter.interruptionQueueName,
      karpenterNodeInstanceProfileName: training.karpenter.instanceProfileName,
      prometheusWorkspaceArn: training.prometheus.workspaceArn,
      prometheusEndpoint: training.prometheus.prometheusEndpoint,
    });
  });

  it("leave the training stack's GPU capacity to Karpenter: the workloads stack holds the NodePools, the training stack no GPU node group", () => {
    for (const env of environments) {
      const stacks = stacksOf(env);
      const training = stacks.find((s) => s.node.id === `${env.name}-training`)!;
      const workloads = stacks.find((s) => s.node.id === `${env.name}-workloads`)!;
      expect(allResources(synthJson(training)).filter((r) => r.type === "aws_eks_node_group")).toHaveLength(1);
      const capacity = allResources(synthJson(workloads)).find((r) => r.type === "helm_release" && r.attributes.name === "gpu-capacity")!;
      const pools = (JSON.parse((capacity.attributes.values as string[])[0]).objects as { kind: string; metadata: { name: string } }[]).filter((o) => o.kind === "NodePool");
      expect(pools.map((p) => p.metadata.name)).toEqual(env.training.gpuPools.map((p) => p.name));
    }
  });
});
