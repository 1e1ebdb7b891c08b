import fc from "fast-check";
import { STATEFUL_RESOURCE_TYPES } from "../constructs/core/stateful";
import { environments } from "../environments";
import { EnvironmentConfig, parseEnvironment } from "../environments/schema";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { poolCapacity } from "../constructs/training-cluster/workloads/gpu-node-pools";
import { synthesizePlatform } from "../stacks/synthesize";
import { validEnvironmentInput } from "./support/arbitraries";
import { shippedStackIds, shippedStackJson } from "./support/shipped-synth";
import { TerraformJson, allResources } from "./support/terraform-json";

/** Each stack's Terraform JSON by stack id. */
type StackJsons = Map<string, TerraformJson>;

/** Synthesized as `npm run synth` does (cross-stack references resolved), into a scratch folder. */
function synthesizedInTest(input: unknown): StackJsons {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-invariants-"));
  try {
    const ids = synthesizePlatform([input], { outdir });
    return new Map(ids.map((id) => [id, JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8")) as TerraformJson]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const fromShippedSynth = (env: EnvironmentConfig): StackJsons =>
  new Map(shippedStackIds().filter((id) => id.startsWith(`${env.name}-`)).map((id) => [id, shippedStackJson<TerraformJson>(id)]));

/** Addresses an interpolation names (`aws_x.y`, `data.terraform_remote_state.z`, `local.n`) that the stack does not define. */
function danglingReferences(json: TerraformJson & { data?: Record<string, Record<string, unknown>>; locals?: Record<string, unknown> }): string[] {
  const text = JSON.stringify({ ...json, "//": undefined });
  const defined = new Set([
    ...Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)),
    ...Object.entries(json.data ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `data.${type}.${name}`)),
    ...Object.keys(json.locals ?? {}).map((name) => `local.${name}`),
  ]);
  const named = [...text.matchAll(/\$\{([^}]*)\}/g)].flatMap(([, expression]) =>
    [...expression.matchAll(/\b((?:data\.)?(?:aws|kubernetes|helm|terraform)_[a-z0-9_]+\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]),
  );
  return [...new Set(named)].filter((address) => !defined.has(address));
}

/** What must hold for any valid environment, shipped or generated. */
function checkInvariants(env: EnvironmentConfig, stacks: StackJsons): void {
  const zones = env.network.availabilityZones.length;
  expect(stacks.size).toBe(6);
  for (const [stackId, json] of stacks) {
    const resources = allResources(json);
    const isBootstrap = stackId === `${env.name}-bootstrap`;
    expect(stackId.startsWith(`${env.name}-`)).toBe(true);
    expect(json.provider?.aws?.[0]?.allowed_account_ids).toEqual([env.account.id]);
    // Every reference resolves inside the stack: another stack's values arrive through remote state.
    expect([stackId, danglingReferences(json)]).toEqual([stackId, []]);
    expect(json.terraform?.backend?.s3).toMatchObject({ key: `${stackId}/terraform.tfstate`, encrypt: true, use_lockfile: true });

    for (const r of resources) {
      if (STATEFUL_RESOURCE_TYPES.has(r.type)) {
        const shouldProtect = isBootstrap || env.protection.enabled;
        expect([r.type, r.name, r.attributes.lifecycle]).toEqual([r.type, r.name, shouldProtect ? { prevent_destroy: true } : undefined]);
      }
      if (r.type === "aws_cloudwatch_log_group") {
        expect(r.attributes).toMatchObject({ retention_in_days: env.logs.retentionDays, kms_key_id: expect.stringContaining("aws_kms_key.") });
      }
      if (r.type === "aws_kms_key") {
        expect(r.attributes).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: env.protection.kmsKeyDeletionWindowDays });
      }
      if (r.type === "aws_subnet") expect(r.attributes.map_public_ip_on_launch).toBe(false);
    }
    // Every bucket has its own versioning, encryption, full public access block and policy.
    const count = (type: string) => resources.filter((r) => r.type === type).length;
    for (const bucket of resources.filter((r) => r.type === "aws_s3_bucket")) {
      const ofBucket = (type: string) => resources.filter((r) => r.type === type && r.attributes.bucket === `\${aws_s3_bucket.${bucket.name}.id}`);
      for (const companion of ["aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_policy"]) {
        expect([bucket.name, companion, ofBucket(companion).length]).toEqual([bucket.name, companion, 1]);
      }
      expect(ofBucket("aws_s3_bucket_public_access_block").map((r) => r.attributes)).toEqual([
        expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }),
      ]);
    }
    if (stackId === `${env.name}-training`) {
      // GPU capacity is Karpenter's: the system pool is the only node group, and Karpenter's queue is encrypted.
      expect(resources.filter((r) => r.type === "aws_eks_node_group").map((r) => r.attributes.ami_type)).toEqual(["AL2023_x86_64_STANDARD"]);
      expect(resources.filter((r) => r.type === "aws_sqs_queue").map((r) => r.attributes.kms_master_key_id)).toEqual([expect.stringContaining("aws_kms_key.")]);
      for (const template of resources.filter((r) => r.type === "aws_launch_template")) {
        expect(template.attributes.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      }
      expect(count("aws_eks_cluster")).toBe(1);
    }
    if (stackId === `${env.name}-data`) {
      expect(count("aws_sagemaker_feature_group")).toBe(env.data.featureStore.featureGroups.length);
      for (const group of resources.filter((r) => r.type === "aws_sagemaker_feature_group")) {
        const online = group.attributes.online_store_config as { security_config?: { kms_key_id?: string } } | undefined;
        const offline = group.attributes.offline_store_config as { s3_storage_config?: { kms_key_id?: string } } | undefined;
        if (online) expect(online.security_config?.kms_key_id).toContain("aws_kms_key.");
        if (offline) expect(offline.s3_storage_config?.kms_key_id).toContain("aws_kms_key.");
      }
      for (const repository of resources.filter((r) => r.type === "aws_ecr_repository")) {
        expect(repository.attributes).toMatchObject({ image_tag_mutability: "IMMUTABLE", image_scanning_configuration: { scan_on_push: true } });
      }
    }
    if (stackId === `${env.name}-serving`) {
      expect(count("aws_sagemaker_endpoint")).toBe(env.serving.endpoints.length);
      for (const config of resources.filter((r) => r.type === "aws_sagemaker_endpoint_configuration")) {
        expect(config.attributes.lifecycle).toEqual({ create_before_destroy: true });
        expect(config.attributes.name_prefix).toBeDefined();
      }
      for (const endpoint of resources.filter((r) => r.type === "aws_sagemaker_endpoint")) {
        const rollback = (endpoint.attributes.deployment_config as { auto_rollback_configuration?: { alarms?: unknown[] } }).auto_rollback_configuration;
        expect(rollback?.alarms?.length).toBeGreaterThan(0);
      }
      for (const alarm of resources.filter((r) => r.type === "aws_cloudwatch_metric_alarm")) {
        expect(alarm.attributes).toMatchObject({ actions_enabled: true, alarm_actions: [expect.stringContaining("aws_sns_topic.")] });
      }
      expect(count("aws_budgets_budget")).toBe(1);
    }
    if (stackId === `${env.name}-workloads`) {
      expect(count("aws_eks_cluster")).toBe(0);
      // The teams', Kueue's and Grafana's.
      expect(count("kubernetes_namespace_v1")).toBe(env.training.teams.length + 2);
      // Per team: its quota, and the zero-pod quota that keeps the platform's priority class from it; one per platform namespace.
      expect(count("kubernetes_resource_quota_v1")).toBe(2 * env.training.teams.length + 2);
      // Karpenter scales the GPU pools: no cluster autoscaler, and no workload outside a chart.
      expect(JSON.stringify(json)).not.toContain("cluster-autoscaler");
      expect(count("kubernetes_deployment_v1") + count("kubernetes_daemon_set_v1")).toBe(0);
      const releases = resources.filter((r) => r.type === "helm_release").map((r) => r.attributes as Record<string, any>);
      for (const release of releases) {
        expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect([release.name, release.repository ?? release.chart]).toEqual([release.name, expect.stringMatching(/^(oci:\/\/|https:\/\/|\.\/assets\/)/)]);
        expect(release.wait).toBe(true);
      }
      // Per GPU pool, the nominal quotas of all ClusterQueues add up to what the pool can reach.
      const objects = (name: string) => JSON.parse(releases.find((r) => r.name === name)!.values[0]).objects as Record<string, any>[];
      const flavors = objects("kueue-queues")
        .filter((o) => o.kind === "ClusterQueue")
        .flatMap((q) => q.spec.resourceGroups.flatMap((g: Record<string, any>) => g.flavors)) as { name: string; resources: { name: string; nominalQuota: string }[] }[];
      for (const pool of env.training.gpuPools) {
        const nominal = flavors.filter((f) => f.name === pool.name).reduce((sum, f) => sum + Number(f.resources.find((r) => r.name === "nvidia.com/gpu")!.nominalQuota), 0);
        expect([pool.name, nominal]).toEqual([pool.name, poolCapacity(pool)]);
      }
      expect(objects("gpu-capacity").filter((o) => o.kind === "NodePool").map((o) => o.metadata.name).sort()).toEqual(env.training.gpuPools.map((p) => p.name).sort());
    }
    if (stackId === `${env.name}-network`) {
      expect(count("aws_subnet")).toBe(2 * zones);
      expect(count("aws_nat_gateway")).toBe(env.network.natGateways === "perAz" ? zones : 1);
      expect(count("aws_flow_log")).toBe(1);
    }
  }
}

describe("invariants", () => {
  it.each(environments.map((env) => [env.name, env] as const))("hold for the shipped %s environment", (_, env) => {
    checkInvariants(env, fromShippedSynth(env));
  });

  it("hold between stacks: every output a stack reads through remote state is written by the stack it reads", () => {
    const outputsOf = (id: string) => Object.keys((shippedStackJson<{ output?: Record<string, unknown> }>(id).output ?? {}));
    for (const id of shippedStackIds()) {
      const text = JSON.stringify(shippedStackJson(id));
      for (const [, producer, output] of text.matchAll(/data\.terraform_remote_state\.cross-stack-reference-input-([a-z0-9-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
        expect([id, producer, outputsOf(producer).includes(output)]).toEqual([id, producer, true]);
      }
    }
  });

  it("hold for any valid generated environment", () => {
    fc.assert(
      fc.property(validEnvironmentInput, (input) => {
        checkInvariants(parseEnvironment(input), synthesizedInTest(input));
      }),
      { numRuns: 6 },
    );
  });
});
