import { evaluate } from "../../guardrails/engine";
import type { ResourceView } from "../../guardrails/rule";
import { codebuildRules } from "../../guardrails/rules/codebuild";
import { eksRules } from "../../guardrails/rules/eks";

const resource = (type: string, name: string, attributes: Record<string, unknown>): ResourceView => ({ type, address: `${type}.${name}`, attributes });
const ids = (resources: ResourceView[], rules = [...eksRules, ...codebuildRules]) =>
  evaluate(resources, { rules, protected: true }).map((f) => `${f.ruleId} ${f.address}`);

const cluster = (vpc: Record<string, unknown>) =>
  resource("aws_eks_cluster", "Cluster", {
    name: "c",
    version: "1.33",
    role_arn: "arn",
    enabled_cluster_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    encryption_config: { resources: ["secrets"], provider: { key_arn: "${aws_kms_key.K.arn}" } },
    vpc_config: { endpoint_private_access: true, endpoint_public_access: false, subnet_ids: ["a", "b"], ...vpc },
  });
const SG = "${aws_eks_cluster.Cluster.vpc_config[0].cluster_security_group_id}";
const ingress = (extra: Record<string, unknown>) => resource("aws_vpc_security_group_ingress_rule", "Api", { security_group_id: SG, ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/16", ...extra });

describe("MLB-EKS-007: a private API endpoint that something can reach", () => {
  it("flags a private endpoint with no ingress to the cluster security group on 443", () => {
    expect(ids([cluster({})])).toEqual(["MLB-EKS-007 aws_eks_cluster.Cluster"]);
    expect(ids([cluster({}), ingress({ from_port: 22, to_port: 22 })])).toEqual(["MLB-EKS-007 aws_eks_cluster.Cluster"]);
    expect(ids([cluster({}), ingress({ security_group_id: "${aws_security_group.Other.id}" })])).toEqual(["MLB-EKS-007 aws_eks_cluster.Cluster"]);
    const egress = resource("aws_security_group_rule", "Out", { type: "egress", security_group_id: SG, protocol: "tcp", from_port: 443, to_port: 443 });
    expect(ids([cluster({}), egress])).toEqual(["MLB-EKS-007 aws_eks_cluster.Cluster"]);
  });

  it("accepts an ingress rule on 443 (or all traffic), a legacy security group rule, or extra control plane groups", () => {
    expect(ids([cluster({}), ingress({})])).toEqual([]);
    expect(ids([cluster({}), ingress({ ip_protocol: "-1", from_port: undefined, to_port: undefined })])).toEqual([]);
    expect(ids([cluster({}), resource("aws_security_group_rule", "Api", { type: "ingress", security_group_id: SG, protocol: "tcp", from_port: 0, to_port: 65535 })])).toEqual([]);
    expect(ids([cluster({ security_group_ids: ["sg-0123456789abcdef0"] })])).toEqual([]);
  });

  it("does not apply to a public endpoint", () => {
    expect(ids([cluster({ endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] })], eksRules.filter((r) => r.id === "MLB-EKS-007"))).toEqual([]);
  });
});

describe("MLB-CODEBUILD-001/002: build projects", () => {
  const project = (extra: Record<string, unknown>) =>
    resource("aws_codebuild_project", "Runner", { name: "r", encryption_key: "${aws_kms_key.K.arn}", environment: { privileged_mode: false }, ...extra });

  it("accepts a project with a customer key that is not privileged", () => {
    expect(ids([project({})])).toEqual([]);
  });

  it.each([
    [{ encryption_key: undefined }, "MLB-CODEBUILD-001"],
    [{ encryption_key: "alias/aws/s3" }, "MLB-CODEBUILD-001"],
    [{ environment: { privileged_mode: true } }, "MLB-CODEBUILD-002"],
  ])("flags %p", (extra, rule) => {
    expect(ids([project(extra)])).toEqual([`${rule} aws_codebuild_project.Runner`]);
  });
});
