import { Testing } from "cdktf";
import { prod } from "../../environments/prod";
import { awaitingModel } from "../../environments/serving-schema";
import { parseEnvironment } from "../../environments/schema";
import { createPlatform } from "../../stacks/platform";
import { deployRunnerName, trainingClusterName } from "../../stacks/training-stack";
import { mutated } from "../support/config-errors";
import { resourcesOfType, synthJson } from "../support/terraform-json";

const RUNNER = { repositoryUrl: "https://github.com/o/r", connectionArn: "arn:aws:codeconnections:eu-west-1:161803398874:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab" };

function platformOf(edit: Parameters<typeof mutated>[1]) {
  return createPlatform(Testing.app(), parseEnvironment(mutated(prod, edit)));
}
const attributesOf = (json: ReturnType<typeof synthJson>, type: string) => resourcesOfType(json, type).map(([, a]) => a as Record<string, any>);

describe("the deploy path of an environment whose cluster API is private", () => {
  it("puts a runner in the private subnets and lets it, and the configured networks, in to the API on 443", () => {
    const platform = platformOf((c) => {
      c.training.deployRunner = RUNNER;
      c.training.apiAccess = { cidrs: ["10.200.0.0/16"], securityGroupIds: [] };
    });
    const json = synthJson(platform.training);
    const [project] = attributesOf(json, "aws_codebuild_project");
    expect(project.name).toBe(deployRunnerName("prod"));
    expect(project.vpc_config.subnets).toEqual(expect.arrayContaining([expect.stringContaining("aws_subnet.Network_PrivateSubnet")]));
    const ingress = attributesOf(json, "aws_vpc_security_group_ingress_rule");
    expect(ingress).toEqual([
      expect.objectContaining({ cidr_ipv4: "10.200.0.0/16", from_port: 443 }),
      expect.objectContaining({ referenced_security_group_id: expect.stringContaining("aws_security_group.DeployRunner_SecurityGroup"), from_port: 443 }),
    ]);
  });

  it("has no runner where none is configured, and exports what a user needs to attach an access path", () => {
    const json = synthJson(platformOf((c) => delete c.training.deployRunner).training) as { output?: Record<string, unknown> };
    expect(attributesOf(json as ReturnType<typeof synthJson>, "aws_codebuild_project")).toEqual([]);
    expect(json.output?.cluster_security_group_id).toEqual({ value: expect.stringContaining("cluster_security_group_id"), description: expect.stringContaining("443") });
    expect(Object.keys(json.output ?? {})).not.toContain("deploy_runner_project");
  });

  it("creates the interface endpoints the environment lists, and no other", () => {
    const endpoints = (list: string[]) =>
      attributesOf(synthJson(platformOf((c) => (c.network.interfaceEndpoints = list)).network), "aws_vpc_endpoint")
        .filter((e) => e.vpc_endpoint_type === "Interface")
        .map((e) => String(e.service_name).split(".").slice(3).join("."));
    expect(endpoints([])).toEqual([]);
    expect(endpoints(["sts", "ecr.api"]).sort()).toEqual(["ecr.api", "sts"]);
  });
});

describe("the first deploy of an environment, before any model version exists", () => {
  it("declares an endpoint without a model, and creates nothing of it (nor its drift monitoring) until one is set", () => {
    const platform = platformOf((c) => c.serving.endpoints.forEach((e: { model?: unknown }) => delete e.model));
    expect(platform.serving.endpoints).toEqual({});
    const types = Object.keys(synthJson(platform.serving).resource ?? {});
    expect(types.filter((t) => t.startsWith("aws_sagemaker_"))).toEqual([]);
    expect(types).toEqual(expect.arrayContaining(["aws_sns_topic", "aws_s3_bucket"]));
  });

  it("says which endpoints wait for a version", () => {
    const env = parseEnvironment(mutated(prod, (c) => delete c.serving.endpoints[0].model));
    expect(awaitingModel(env)).toEqual(["prod: serving.endpoints.0 (churn)"]);
    expect(awaitingModel(parseEnvironment(prod))).toEqual([]);
  });
});

describe("what the training stack gives Karpenter and the metrics", () => {
  // The layers as createPlatform builds them (with the guardrails checking each stack).
  const environment = parseEnvironment(prod);
  const { network, training, serving } = createPlatform(Testing.app(), environment);
  const trainingJson = synthJson(training) as ReturnType<typeof synthJson> & { output?: Record<string, { value: unknown }> };

  it("names the cluster with the one naming function, which tags the private subnets for Karpenter's discovery", () => {
    expect(training.clusterName).toBe(trainingClusterName("prod"));
    expect(training.clusterName).toBe("mlops-prod-training");
    const subnets = attributesOf(synthJson(network), "aws_subnet").filter((s) => String(s.tags.Name).includes("-private-"));
    expect(subnets).toHaveLength(environment.network.availabilityZones.length);
    for (const subnet of subnets) expect(subnet.tags["karpenter.sh/discovery"]).toBe(training.clusterName);
    expect(attributesOf(trainingJson, "aws_ec2_tag")).toEqual([expect.objectContaining({ key: "karpenter.sh/discovery", value: training.clusterName })]);
  });

  it("has no GPU node group: the system pool is the only one, at its configured size", () => {
    expect(attributesOf(trainingJson, "aws_eks_node_group").map((g) => [g.node_group_name, g.scaling_config.desired_size])).toEqual([
      ["mlops-prod-training-system", environment.training.systemPool.minSize],
    ]);
  });

  it("exports the controller role, queue, node profile and workspace the workloads stack reads", () => {
    expect(Object.keys(trainingJson.output ?? {})).toEqual(
      expect.arrayContaining(["karpenter_interruption_queue", "karpenter_node_instance_profile", "prometheus_workspace_id", "prometheus_endpoint", "cluster_security_group_id"]),
    );
    expect(training.karpenter.controllerRoleArn).toBeDefined();
    expect(attributesOf(trainingJson, "aws_iam_role").map((r) => r.name)).toEqual(expect.arrayContaining(["mlops-prod-training-karpenter", "mlops-prod-training-karpenter-node"]));
  });

  it("lets EC2 Spot use the cluster key only where a GPU pool runs on Spot", () => {
    const spot = environment.training.gpuPools.some((p) => p.capacityType === "SPOT");
    expect(JSON.stringify(attributesOf(trainingJson, "aws_kms_key")).includes("AWSServiceRoleForEC2Spot")).toBe(spot);
  });

  it("scrapes the cluster into a workspace whose alerts reach the serving stack's topic", () => {
    expect(attributesOf(trainingJson, "aws_prometheus_scraper")).toHaveLength(1);
    expect(attributesOf(trainingJson, "aws_prometheus_rule_group_namespace")).toHaveLength(1);
    const [definition] = attributesOf(synthJson(serving), "aws_prometheus_alert_manager_definition");
    expect(definition.workspace_id).toContain("prometheus_workspace");
    expect(definition.definition).toContain(`arn:aws:sns:${environment.account.region}:${environment.account.id}:mlops-prod-alerts`);
  });
});
