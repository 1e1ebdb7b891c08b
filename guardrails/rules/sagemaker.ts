/**
 * SageMaker: models isolated in our VPC, endpoints and monitoring jobs encrypted with our keys, feature stores
 * encrypted online and offline, and blue/green rollouts that roll back on alarms.
 */
import { compliant, nonCompliant, notApplicable, type ResourceView, type Rule, type RuleContext } from "../rule";
import { type Attributes, PUBLIC_ALLOW_FIX, block, blocks, bool, defineRule, describePublicAllows, dig, isReference, isSet, linksTo, policyStatements, publicAllowStatements, resourcesOfType } from "./attributes";
import { asList, effectOf, type PolicyStatementView } from "../policy-document";
import { hasInstanceStorage } from "../../constructs/serving/instance-types";
import { actionCovered } from "./iam";

const ENDPOINT_CONFIGURATION = "aws_sagemaker_endpoint_configuration";

/**
 * A configuration's variants, or undefined when its JSON cannot list them all: a `dynamic` block makes them only
 * when Terraform plans.
 */
function variantsOf(config: ResourceView): Attributes[] | undefined {
  const generated = block(config.attributes.dynamic);
  if (generated !== undefined && (generated.production_variants !== undefined || generated.shadow_production_variants !== undefined)) return undefined;
  return [...blocks(config.attributes.production_variants), ...blocks(config.attributes.shadow_production_variants)];
}

/** An expression that names a model of this stack's by its address; any other expression (a local, a variable, a data source, a module) may be any model's name. */
const REFERS_TO_A_MODEL = /\$\{[^}]*\baws_sagemaker_model\.[A-Za-z0-9_-]+/;

/** A model_name expression that may resolve to any model's name: a local, a variable, a data source, a module. */
const mayNameAnyModel = (name: unknown): boolean => typeof name === "string" && name.includes("${") && !REFERS_TO_A_MODEL.test(name);

/**
 * Serverless inference supports neither network isolation nor a VPC (SageMaker's serverless feature exclusions):
 * a model that serverless variants serve, and that no other variant of the stack may serve, is not judged for them.
 * A model any instance variant may serve is, and so is every model of a stack whose variants the JSON cannot list
 * (`dynamic` blocks). A rule sees one stack: a model served from another stack's configuration is judged by what
 * its own stack shows.
 */
function servedServerlessOnly(model: ResourceView, context: RuleContext): boolean {
  const referring = new Set(context.referencing(model.address, ENDPOINT_CONFIGURATION).map((config) => config.address));
  let served = false;
  for (const config of resourcesOfType(context.resources, ENDPOINT_CONFIGURATION)) {
    const variants = variantsOf(config);
    if (variants === undefined) return false;
    for (const variant of variants) {
      // Its model_name refers to the model or is its name (in a plan where it is unknown: its configuration refers to it).
      const serves = linksTo(variant.model_name, model, [model.attributes.name], referring.has(config.address));
      const serverless = block(variant.serverless_config) !== undefined;
      if ((serves || mayNameAnyModel(variant.model_name)) && !serverless) return false;
      served ||= serves;
    }
  }
  return served;
}

const modelNetworkIsolation = defineRule({
  id: "MLB-SM-001",
  severity: "warning",
  resourceTypes: ["aws_sagemaker_model"],
  rationale: "Without network isolation a model container can call out to the network: a compromised or malicious model can exfiltrate data.",
  publicChecks: ["CKV_AWS_370"],
  check(resource, context) {
    const isolation = resource.attributes.enable_network_isolation;
    if (bool(isolation) === true || isReference(isolation)) return compliant;
    if (servedServerlessOnly(resource, context)) return notApplicable;
    return nonCompliant(
      "enable_network_isolation is not true",
      "Set enable_network_isolation = true; the container then gets its model artifacts and image through SageMaker only.",
    );
  },
});

const modelInVpc = defineRule({
  id: "MLB-SM-002",
  severity: "warning",
  resourceTypes: ["aws_sagemaker_model"],
  rationale: "A model outside our VPC runs in SageMaker's network, beyond our security groups, endpoints and flow logs.",
  publicChecks: [],
  check(resource, context) {
    const vpc = block(resource.attributes.vpc_config);
    if (vpc !== undefined && isSet(vpc.subnets) && isSet(vpc.security_group_ids)) return compliant;
    if (servedServerlessOnly(resource, context)) return notApplicable;
    return nonCompliant(
      `vpc_config ${vpc === undefined ? "is not set" : "lacks subnets or security_group_ids"}`,
      "Set vpc_config { subnets = <private subnet ids>, security_group_ids = [<model security group>] }.",
    );
  },
});

const endpointConfigurationKms = defineRule({
  id: "MLB-SM-003",
  severity: "error",
  resourceTypes: [ENDPOINT_CONFIGURATION],
  rationale: "The ML storage volumes of endpoint instances hold the model and request data; they must be encrypted with our KMS key.",
  publicChecks: ["CKV_AWS_98", "SageMakerEndpointConfigurationKMSKeyConfigured"],
  check(resource) {
    if (isSet(resource.attributes.kms_key_arn)) return compliant;
    // CreateEndpointConfig refuses a KMS key when a variant's instances have local NVMe storage, which the
    // instance encrypts with a hardware module: a configuration that runs only on such types has nothing to judge.
    const types = (variantsOf(resource) ?? []).map((v) => v.instance_type);
    if (types.length > 0 && types.every((type) => typeof type === "string" && !isReference(type) && hasInstanceStorage(type))) return notApplicable;
    return nonCompliant(
      "kms_key_arn is not set: the endpoint's storage volumes are encrypted with an AWS-owned key",
      "Set kms_key_arn to the serving KMS key. A configuration that mixes instance types with local NVMe storage (which refuse a key) and others cannot take one: run its variants on one kind.",
    );
  },
});

const dataCaptureKms = defineRule({
  id: "MLB-SM-004",
  severity: "error",
  resourceTypes: [ENDPOINT_CONFIGURATION],
  rationale: "Data capture writes real requests and predictions to S3; they must be encrypted with our KMS key.",
  publicChecks: [],
  check(resource) {
    const capture = block(resource.attributes.data_capture_config);
    if (capture === undefined || bool(capture.enable_capture) === false) return notApplicable;
    return isSet(capture.kms_key_id)
      ? compliant
      : nonCompliant(
          "data_capture_config.kms_key_id is not set: captured requests and responses are not encrypted with our key",
          "Set data_capture_config.kms_key_id to the serving KMS key (and let the execution role use it).",
        );
  },
});

function dataQualitySetting(
  id: string,
  rationale: string,
  publicChecks: readonly string[],
  path: readonly string[],
  expect: "set" | "true",
  fix: string,
): Rule {
  const attribute = path.join(".");
  return defineRule({
    id,
    severity: "error",
    resourceTypes: ["aws_sagemaker_data_quality_job_definition"],
    rationale,
    publicChecks,
    check(resource) {
      const value = dig(resource.attributes, ...path);
      const ok = expect === "set" ? isSet(value) : bool(value) === true || isReference(value);
      return ok ? compliant : nonCompliant(`${attribute} is ${expect === "set" ? "not set" : "not true"}`, fix);
    },
  });
}

const dataQualityOutputKms = dataQualitySetting(
  "MLB-SM-005",
  "Monitoring reports summarize captured production data; they must be encrypted with our KMS key.",
  ["CKV_AWS_367"],
  ["data_quality_job_output_config", "kms_key_id"],
  "set",
  "Set data_quality_job_output_config.kms_key_id to the serving KMS key.",
);

const dataQualityVolumeKms = dataQualitySetting(
  "MLB-SM-006",
  "The monitoring job's volume holds captured production data while it runs; it must be encrypted with our KMS key.",
  ["CKV_AWS_368"],
  ["job_resources", "cluster_config", "volume_kms_key_id"],
  "set",
  "Set job_resources.cluster_config.volume_kms_key_id to the serving KMS key.",
);

const dataQualityInterContainerEncryption = dataQualitySetting(
  "MLB-SM-007",
  "Without it, data moves in clear text between the instances of a distributed monitoring job.",
  ["CKV_AWS_369"],
  ["network_config", "enable_inter_container_traffic_encryption"],
  "true",
  "Set network_config.enable_inter_container_traffic_encryption = true.",
);

const dataQualityNetworkIsolation = dataQualitySetting(
  "MLB-SM-008",
  "The monitoring container reads production data; with network isolation it cannot send it anywhere.",
  [],
  ["network_config", "enable_network_isolation"],
  "true",
  "Set network_config.enable_network_isolation = true.",
);

const featureGroupOnlineKms = defineRule({
  id: "MLB-SM-009",
  severity: "error",
  resourceTypes: ["aws_sagemaker_feature_group"],
  rationale: "The online store holds the latest features of every entity (often personal data); it must be encrypted with our KMS key.",
  publicChecks: [],
  check(resource) {
    const online = block(resource.attributes.online_store_config);
    if (online === undefined || !(bool(online.enable_online_store) === true || isReference(online.enable_online_store))) return notApplicable;
    return isSet(dig(online, "security_config", "kms_key_id"))
      ? compliant
      : nonCompliant(
          "online_store_config.security_config.kms_key_id is not set: the online store is encrypted with an AWS-owned key",
          "Set online_store_config.security_config.kms_key_id to the data KMS key.",
        );
  },
});

const featureGroupOfflineKms = defineRule({
  id: "MLB-SM-010",
  severity: "error",
  resourceTypes: ["aws_sagemaker_feature_group"],
  rationale: "The offline store keeps every feature value ever written, in S3; it must be encrypted with our KMS key.",
  publicChecks: [],
  check(resource) {
    const offline = block(resource.attributes.offline_store_config);
    if (offline === undefined) return notApplicable;
    return isSet(dig(offline, "s3_storage_config", "kms_key_id"))
      ? compliant
      : nonCompliant(
          "offline_store_config.s3_storage_config.kms_key_id is not set",
          "Set offline_store_config.s3_storage_config.kms_key_id to the data KMS key.",
        );
  },
});

const rolloutRollsBackOnAlarms = defineRule({
  id: "MLB-SM-011",
  severity: "warning",
  resourceTypes: ["aws_sagemaker_endpoint"],
  rationale: "A blue/green or rolling deployment without alarms shifts all traffic to a broken model and never rolls back on its own.",
  publicChecks: [],
  check(resource) {
    const deployment = block(resource.attributes.deployment_config);
    if (deployment === undefined) return notApplicable;
    const kind = block(deployment.blue_green_update_policy) !== undefined ? "blue/green" : block(deployment.rolling_update_policy) !== undefined ? "rolling" : undefined;
    if (kind === undefined) return notApplicable;
    const alarms = blocks(dig(deployment, "auto_rollback_configuration", "alarms")).filter((alarm) => isSet(alarm.alarm_name));
    return alarms.length > 0
      ? compliant
      : nonCompliant(
          `deployment_config has a ${kind} update policy but auto_rollback_configuration names no alarms`,
          "Set deployment_config.auto_rollback_configuration.alarms to the endpoint's latency and error-rate alarms.",
        );
  },
});

const packageGroupPolicyNotPublic = defineRule({
  id: "MLB-SM-012",
  severity: "error",
  resourceTypes: ["aws_sagemaker_model_package_group_policy"],
  rationale: "Sharing models across accounts names those accounts; a public group policy would let anyone read the models.",
  publicChecks: [],
  check(policy) {
    const found = publicAllowStatements(policy.attributes.resource_policy);
    if (found === undefined || found.length === 0) return compliant;
    return nonCompliant(describePublicAllows(found, "the model package group policy"), PUBLIC_ALLOW_FIX);
  },
});

/** What a principal that may deploy from a shared group is granted: it reads the group's packages. */
const CONSUMER_READ_ACTIONS = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:DescribeModelPackageGroup"];
const CREATE_MODEL = "sagemaker:CreateModel";

/** The account of an AWS principal (`111122223333`, `arn:aws:iam::111122223333:root|role/...`); the text itself when it does not say (a reference). */
function principalAccount(principal: string): string {
  return /^\d{12}$/.exec(principal)?.[0] ?? /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1] ?? principal;
}

/** The AWS principals an Allow statement names ("*" is MLB-SM-012's), by account. */
function allowedAccounts(statement: PolicyStatementView): string[] {
  if (effectOf(statement) !== "allow") return [];
  const principal = statement.Principal;
  if (typeof principal !== "object" || principal === null || Array.isArray(principal)) return [];
  const aws = Object.entries(principal).flatMap(([kind, value]) => (kind.toLowerCase() === "aws" ? asList(value) : []));
  return aws.filter((p) => p.trim() !== "*").map(principalAccount);
}

const grants = (statement: PolicyStatementView, action: string) => asList(statement.Action).some((pattern) => actionCovered(pattern, action));

const packageGroupConsumersCanDeploy = defineRule({
  id: "MLB-SM-013",
  severity: "error",
  resourceTypes: ["aws_sagemaker_model_package_group_policy"],
  rationale:
    "Another account creates a model from a shared package only if the group's policy grants it sagemaker:CreateModel: a policy that lets accounts read the packages but not create models from them shares models nobody can deploy.",
  publicChecks: [],
  check(policy) {
    const statements = policyStatements(policy.attributes.resource_policy);
    if (statements === undefined) return notApplicable;
    // The group's own account, from the ARNs the policy is about: its principals need no resource policy.
    const owners = new Set(
      statements.flatMap((s) => asList(s.Resource)).flatMap((arn) => /^arn:[^:]+:sagemaker:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? []),
    );
    const consumers = new Set(
      statements.filter((s) => CONSUMER_READ_ACTIONS.some((a) => grants(s, a))).flatMap(allowedAccounts).filter((account) => !owners.has(account)),
    );
    if (consumers.size === 0) return notApplicable;
    const deploying = new Set(statements.filter((s) => grants(s, CREATE_MODEL)).flatMap(allowedAccounts));
    const missing = [...consumers].filter((account) => !deploying.has(account));
    if (missing.length === 0) return compliant;
    return nonCompliant(
      `the model package group policy lets ${missing.join(", ")} read the group's packages but does not grant ${CREATE_MODEL}, so they cannot deploy a version from it`,
      `Grant ${CREATE_MODEL} (with sagemaker:DescribeModelPackage and sagemaker:ListModelPackages) to those principals on arn:aws:sagemaker:<region>:<account>:model-package/<group>/*, as SageMaker's "Deploy a model version from a different account" shows; leave sagemaker:UpdateModelPackage out, it sets the approval status.`,
    );
  },
});

/** A pipeline definition's steps, those inside conditions included; undefined when the definition is not literal JSON. */
function pipelineSteps(definition: unknown): Record<string, unknown>[] | undefined {
  if (typeof definition !== "string") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return undefined;
  }
  const steps: Record<string, unknown>[] = [];
  const walk = (list: unknown): void => {
    for (const step of Array.isArray(list) ? list : []) {
      if (typeof step !== "object" || step === null) continue;
      steps.push(step as Record<string, unknown>);
      const args = (step as { Arguments?: Record<string, unknown> }).Arguments ?? {};
      walk(args.IfSteps);
      walk(args.ElseSteps);
    }
  };
  walk((parsed as { Steps?: unknown } | null)?.Steps);
  return steps;
}

/** What a processing or training step leaves unencrypted or outside the VPC. */
function stepGaps(step: Record<string, unknown>): string[] {
  const args = (step.Arguments ?? {}) as Record<string, unknown>;
  const has = (...path: string[]) => dig(args, ...path) !== undefined;
  if (step.Type === "Processing") {
    return [
      ...(has("ProcessingResources", "ClusterConfig", "VolumeKmsKeyId") ? [] : ["its volume (ProcessingResources.ClusterConfig.VolumeKmsKeyId)"]),
      ...(has("ProcessingOutputConfig", "KmsKeyId") ? [] : ["its outputs (ProcessingOutputConfig.KmsKeyId)"]),
      ...(has("NetworkConfig", "VpcConfig") ? [] : ["the VPC (NetworkConfig.VpcConfig)"]),
    ];
  }
  if (step.Type === "Training") {
    return [
      ...(has("ResourceConfig", "VolumeKmsKeyId") ? [] : ["its volume (ResourceConfig.VolumeKmsKeyId)"]),
      ...(has("OutputDataConfig", "KmsKeyId") ? [] : ["its model (OutputDataConfig.KmsKeyId)"]),
      ...(has("VpcConfig") ? [] : ["the VPC (VpcConfig)"]),
    ];
  }
  return [];
}

const pipelineJobsEncryptedInVpc = defineRule({
  id: "MLB-SM-014",
  severity: "error",
  resourceTypes: ["aws_sagemaker_pipeline"],
  rationale:
    "A pipeline's processing and training jobs read features and write models: without our keys their volumes and outputs are encrypted with keys we do not control, and outside the VPC they reach the internet directly.",
  publicChecks: [],
  check(pipeline) {
    const steps = pipelineSteps(pipeline.attributes.pipeline_definition);
    if (steps === undefined) return notApplicable;
    const gaps = steps.map((step) => [String(step.Name), stepGaps(step)] as const).filter(([, missing]) => missing.length > 0);
    if (gaps.length === 0) return compliant;
    return nonCompliant(
      `pipeline steps without our key or the VPC: ${gaps.map(([name, missing]) => `${name} (${missing.join(", ")})`).join("; ")}`,
      "Give every Processing and Training step a VolumeKmsKeyId and an output KmsKeyId of a key of ours, and a VpcConfig with private subnets (RetrainingPipeline's definition does).",
    );
  },
});

export const sagemakerRules: readonly Rule[] = [
  pipelineJobsEncryptedInVpc,
  packageGroupConsumersCanDeploy,
  packageGroupPolicyNotPublic,
  modelNetworkIsolation,
  modelInVpc,
  endpointConfigurationKms,
  dataCaptureKms,
  dataQualityOutputKms,
  dataQualityVolumeKms,
  dataQualityInterContainerEncryption,
  dataQualityNetworkIsolation,
  featureGroupOnlineKms,
  featureGroupOfflineKms,
  rolloutRollsBackOnAlarms,
];
