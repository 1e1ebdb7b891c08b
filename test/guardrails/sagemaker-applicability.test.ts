import { evaluate, resourcesOfStackJson } from "../../guardrails/engine";
import { sagemakerRules } from "../../guardrails/rules/sagemaker";
import type { TerraformPlan } from "../../review/plan-json";
import { summarizePlan } from "../../review/plan-summary";

/**
 * SageMaker's own limits decide where MLB-SM-001/002/003 apply, with no suppression: serverless variants support
 * neither network isolation nor a VPC, and instance types with local NVMe storage refuse a KMS key. Judged on
 * synthesized JSON and on plans, where a model created in the same apply has a name known only after apply.
 */
const RULES = sagemakerRules.filter((r) => ["MLB-SM-001", "MLB-SM-002", "MLB-SM-003"].includes(r.id));

const OPEN_MODEL = { enable_network_isolation: false, execution_role_arn: "arn:aws:iam::123456789012:role/r" };
const SERVERLESS = { serverless_config: { max_concurrency: 5, memory_size_in_mb: 2048 } };
const variant = (model: string, capacity: Record<string, unknown>, name = "primary") => ({ variant_name: name, model_name: `\${aws_sagemaker_model.${model}.name}`, ...capacity });

type Variants = Record<string, ReturnType<typeof variant>[]>;

/** A stack of models M1, M2 (open) and endpoint configurations with the given variants, without a KMS key. */
function synthesized(configs: Variants): string[] {
  const json = {
    resource: {
      aws_sagemaker_model: { M1: { name: "m1", ...OPEN_MODEL }, M2: { name: "m2", ...OPEN_MODEL } },
      aws_sagemaker_endpoint_configuration: Object.fromEntries(Object.entries(configs).map(([name, variants]) => [name, { production_variants: variants }])),
    },
  };
  return evaluate(resourcesOfStackJson(json), { rules: RULES, protected: false }).map((f) => `${f.ruleId} ${f.address}`).sort();
}

/** The same stack as `terraform show -json` plans it: the models' names are computed, so every model_name is unknown. */
function planned(configs: Variants): string[] {
  const models = ["M1", "M2"].map((name) => ({ address: `aws_sagemaker_model.${name}`, type: "aws_sagemaker_model", name, values: OPEN_MODEL, unknown: { name: true } }));
  const endpointConfigs = Object.entries(configs).map(([name, variants]) => ({
    address: `aws_sagemaker_endpoint_configuration.${name}`,
    type: "aws_sagemaker_endpoint_configuration",
    name,
    values: { production_variants: variants.map(({ model_name: _, ...rest }) => ({ ...rest, serverless_config: "serverless_config" in rest ? [rest.serverless_config] : [] })) },
    unknown: { production_variants: variants.map(() => ({ model_name: true })) },
    expressions: { production_variants: variants.map((v) => ({ model_name: { references: [v.model_name.slice(2, -1), v.model_name.slice(2, -1).replace(/\.name$/, "")] } })) },
  }));
  const all = [...models, ...endpointConfigs];
  const plan = {
    format_version: "1.2",
    resource_changes: all.map((r) => ({ address: r.address, type: r.type, name: r.name, mode: "managed", change: { actions: ["create"], before: null, after: r.values, after_unknown: r.unknown } })),
    planned_values: { root_module: { resources: all.map((r) => ({ address: r.address, mode: "managed", type: r.type, name: r.name, values: r.values })) } },
    configuration: {
      root_module: {
        resources: all.map((r) => ({ address: r.address, mode: "managed", type: r.type, name: r.name, expressions: "expressions" in r ? r.expressions : { enable_network_isolation: {}, execution_role_arn: {} } })),
      },
    },
  } as unknown as TerraformPlan;
  return summarizePlan(plan, { rules: RULES }).findings.map((f) => `${f.ruleId} ${f.address}`).sort();
}

const onM1 = (findings: string[]) => findings.filter((f) => f.endsWith("aws_sagemaker_model.M1"));
const onKey = (findings: string[]) => findings.filter((f) => f.startsWith("MLB-SM-003"));
const M1_FINDINGS = ["MLB-SM-001 aws_sagemaker_model.M1", "MLB-SM-002 aws_sagemaker_model.M1"];

describe.each([
  ["synthesized JSON", synthesized],
  ["a plan", planned],
] as const)("MLB-SM-001/002/003 on %s", (_shape, findingsOf) => {
  it("do not judge isolation and VPC of a model served only by serverless variants (its configuration's key still is)", () => {
    const findings = findingsOf({ Serverless: [variant("M1", SERVERLESS)] });
    expect(onM1(findings)).toEqual([]);
    expect(onKey(findings)).toEqual(["MLB-SM-003 aws_sagemaker_endpoint_configuration.Serverless"]);
  });

  it("judge a model that an instance variant may serve too, in the same configuration or another", () => {
    expect(onM1(findingsOf({ Mixed: [variant("M1", SERVERLESS), variant("M1", { instance_type: "ml.c6i.xlarge" }, "instances")] }))).toEqual(M1_FINDINGS);
    expect(onM1(findingsOf({ Serverless: [variant("M1", SERVERLESS)], Instances: [variant("M1", { instance_type: "ml.c6i.xlarge" })] }))).toEqual(M1_FINDINGS);
  });

  it("judge a model served by no configuration", () => {
    expect(findingsOf({ Serverless: [variant("M1", SERVERLESS)] }).filter((f) => f.endsWith("aws_sagemaker_model.M2"))).toEqual(["MLB-SM-001 aws_sagemaker_model.M2", "MLB-SM-002 aws_sagemaker_model.M2"]);
  });

  it("do not ask a configuration whose variants all run on instance types with NVMe storage for a KMS key", () => {
    expect(onKey(findingsOf({ Nvme: [variant("M1", { instance_type: "ml.g5.xlarge" }), variant("M2", { instance_type: "ml.m5d.large" }, "b")] }))).toEqual([]);
  });

  it("ask for it where any variant runs on a type without instance storage", () => {
    expect(onKey(findingsOf({ Ebs: [variant("M1", { instance_type: "ml.c6i.xlarge" })] }))).toEqual(["MLB-SM-003 aws_sagemaker_endpoint_configuration.Ebs"]);
    expect(onKey(findingsOf({ Both: [variant("M1", { instance_type: "ml.g5.xlarge" }), variant("M2", { instance_type: "ml.c6i.xlarge" }, "b")] }))).toEqual([
      "MLB-SM-003 aws_sagemaker_endpoint_configuration.Both",
    ]);
  });
});

describe("MLB-SM-001/002/003 where synthesized JSON cannot show every variant or model", () => {
  /** A stack of model M1 (open), a serverless configuration serving it, and a second configuration given as is. */
  const findingsWith = (other: Record<string, unknown>): string[] => {
    const json = {
      resource: {
        aws_sagemaker_model: { M1: { name: "m1", ...OPEN_MODEL } },
        aws_sagemaker_endpoint_configuration: { Serverless: { production_variants: [variant("M1", SERVERLESS)] }, Other: other },
      },
    };
    return evaluate(resourcesOfStackJson(json), { rules: RULES, protected: false }).map((f) => `${f.ruleId} ${f.address}`).sort();
  };

  it("judge the model when another configuration makes its variants with a dynamic block", () => {
    const dynamic = { dynamic: { production_variants: { for_each: "${var.variants}", content: { variant_name: "${production_variants.key}", model_name: "${production_variants.value}", instance_type: "ml.c6i.xlarge" } } } };
    expect(onM1(findingsWith(dynamic))).toEqual(M1_FINDINGS);
  });

  it("judge the model when an instance variant names its model through a local, a variable or a data source", () => {
    for (const name of ["${local.model_name}", "${var.model}", "${data.terraform_remote_state.models.outputs.name}"]) {
      expect(onM1(findingsWith({ production_variants: [{ variant_name: "primary", model_name: name, instance_type: "ml.c6i.xlarge" }] }))).toEqual(M1_FINDINGS);
    }
  });

  it("still exempt the model when the instance variant names another model of the stack", () => {
    expect(onM1(findingsWith({ production_variants: [{ variant_name: "primary", model_name: "${aws_sagemaker_model.M2.name}", instance_type: "ml.c6i.xlarge" }] }))).toEqual([]);
  });

  it("ask a configuration with dynamic variants for its KMS key, whatever its listed types", () => {
    const config = { production_variants: [variant("M1", { instance_type: "ml.g5.xlarge" })], dynamic: { shadow_production_variants: { for_each: "${var.shadows}", content: { instance_type: "ml.m5.large" } } } };
    expect(onKey(findingsWith(config))).toContain("MLB-SM-003 aws_sagemaker_endpoint_configuration.Other");
  });
});
