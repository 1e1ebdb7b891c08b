import { TerraformStack } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { protectStatefulResources } from "../../constructs/core/protection";
import { STATEFUL_RESOURCE_TYPES } from "../../constructs/core/stateful";
import { testStack } from "../support/stack";
import { allResources, synthJson } from "../support/terraform-json";

function statefulAndStateless(stack: TerraformStack): void {
  new S3Bucket(stack, "Bucket", { bucket: "b", forceDestroy: true });
  new DynamodbTable(stack, "Table", { name: "t", hashKey: "id", attribute: [{ name: "id", type: "S" }], billingMode: "PAY_PER_REQUEST" });
  new EcrRepository(stack, "Repo", { name: "r", forceDelete: true });
  new CloudwatchLogGroup(stack, "Logs", { name: "l" });
  new EksCluster(stack, "Cluster", { name: "c", roleArn: "arn:aws:iam::123456789012:role/c", vpcConfig: { subnetIds: ["s"] } });
  new Vpc(stack, "Vpc", { cidrBlock: "10.0.0.0/16", lifecycle: { ignoreChanges: ["tags"] } });
}

describe("protectStatefulResources", () => {
  it("puts prevent_destroy and the service's deletion protection on stateful resources only, even those added later", () => {
    const stack = testStack();
    protectStatefulResources(stack);
    statefulAndStateless(stack);
    const byType = Object.fromEntries(allResources(synthJson(stack)).map((r) => [r.type, r.attributes]));

    for (const type of ["aws_s3_bucket", "aws_dynamodb_table", "aws_ecr_repository", "aws_cloudwatch_log_group", "aws_eks_cluster"]) {
      expect(STATEFUL_RESOURCE_TYPES.has(type)).toBe(true);
      expect(byType[type].lifecycle).toEqual({ prevent_destroy: true });
    }
    expect(byType.aws_s3_bucket.force_destroy).toBe(false);
    expect(byType.aws_ecr_repository.force_delete).toBe(false);
    expect(byType.aws_dynamodb_table.deletion_protection_enabled).toBe(true);
    expect(byType.aws_cloudwatch_log_group.deletion_protection_enabled).toBe(true);
    expect(byType.aws_eks_cluster.deletion_protection).toBe(true);
    expect(byType.aws_vpc.lifecycle).toEqual({ ignore_changes: ["tags"] });
  });

  it("keeps lifecycle settings a resource already had", () => {
    const stack = testStack();
    protectStatefulResources(stack);
    new S3Bucket(stack, "Bucket", { bucket: "b", lifecycle: { ignoreChanges: ["tags"] } });
    const [bucket] = allResources(synthJson(stack));
    expect(bucket.attributes.lifecycle).toEqual({ ignore_changes: ["tags"], prevent_destroy: true });
  });

  it("changes nothing where it is not applied", () => {
    const stack = testStack();
    statefulAndStateless(stack);
    for (const resource of allResources(synthJson(stack))) {
      expect(resource.attributes.lifecycle?.valueOf()).not.toEqual(expect.objectContaining({ prevent_destroy: true }));
    }
  });
});
