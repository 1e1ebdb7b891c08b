import { VerifyError } from "../../verify/errors";
import { OFFLINE_AWS_PROVIDER, offlineStack } from "../../verify/offline-stack";
import { NEWER_AWS_ATTRIBUTES, attributesMissingIn } from "../../verify/provider-compat";
import { ACCOUNT, REGION, consumerJson, producerJson, stack } from "./fixtures";

const producer = stack("t-data", producerJson());
const consumer = stack("t-serving", consumerJson(), ["t-data"]);

describe("offlineStack", () => {
  it("plans with a local backend and an AWS provider that calls no AWS API", () => {
    const { json } = offlineStack(producer, [producer]);
    expect((json.terraform as Record<string, unknown>).backend).toEqual({ local: { path: "terraform.tfstate" } });
    expect((json.provider as Record<string, unknown>).aws).toEqual([{ region: REGION, ...OFFLINE_AWS_PROVIDER }]);
  });

  it("leaves the synthesized stack as it was", () => {
    const before = JSON.stringify(producer.json);
    offlineStack(producer, [producer], { awsProviderVersion: "5.100.0", drop: NEWER_AWS_ATTRIBUTES });
    expect(JSON.stringify(producer.json)).toBe(before);
  });

  it("reads every remote state from a stub state holding the outputs read, shaped like AWS's values", () => {
    const { json, stubStates } = offlineStack(consumer, [producer, consumer]);
    const remote = (json.data as Record<string, Record<string, Record<string, unknown>>>).terraform_remote_state["cross-stack-reference-input-t-data"];
    expect(remote).toEqual({ backend: "local", config: { path: "stub-t-data.tfstate" }, workspace: "${terraform.workspace}" });
    expect(stubStates).toHaveLength(1);
    const outputs = stubStates[0].state.outputs as Record<string, { value: string; type: string }>;
    expect(Object.keys(outputs)).toEqual(["cross-stack-output-bucket-arn", "cross-stack-output-subnet-id"]);
    expect(outputs["cross-stack-output-bucket-arn"]).toEqual({ value: "arn:aws:s3:::t-data-bucket", type: "string", sensitive: true });
    expect(outputs["cross-stack-output-subnet-id"].value).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(stubStates[0].state).toEqual(expect.objectContaining({ version: 4, resources: [] }));
  });

  it("is deterministic", () => {
    expect(offlineStack(consumer, [producer, consumer])).toEqual(offlineStack(consumer, [producer, consumer]));
  });

  it("drops only the listed attributes a provider lacks, and pins the provider in use", () => {
    const { json, dropped } = offlineStack(producer, [producer], { awsProviderVersion: "6.9.0", drop: attributesMissingIn("6.9.0") });
    expect(dropped).toEqual([{ address: "aws_cloudwatch_log_group.Logs", attribute: "deletion_protection_enabled", value: true, addedIn: "6.25.0" }]);
    const resources = json.resource as Record<string, Record<string, Record<string, unknown>>>;
    expect(resources.aws_cloudwatch_log_group.Logs).toEqual({ name: "/t/logs", retention_in_days: 30 });
    expect(((json.terraform as Record<string, Record<string, Record<string, unknown>>>).required_providers.aws)).toEqual({ source: "aws", version: "6.9.0" });
  });

  it("drops nothing for the pinned provider", () => {
    const { json, dropped } = offlineStack(producer, [producer]);
    expect(dropped).toEqual([]);
    expect((json.resource as Record<string, Record<string, Record<string, unknown>>>).aws_cloudwatch_log_group.Logs.deletion_protection_enabled).toBe(true);
  });

  it("refuses a remote state that no synthesized stack writes", () => {
    expect(() => offlineStack(consumer, [consumer])).toThrow(new VerifyError("t-serving: data.terraform_remote_state.cross-stack-reference-input-t-data reads a state no synthesized stack writes"));
  });

  it("refuses an output it cannot shape, naming the output and where to add the shape", () => {
    const computed = stack("t-data", { ...producerJson(), output: { ...(producerJson().output as object), "cross-stack-output-bucket-arn": { value: "${upper(aws_s3_bucket.Data.arn)}" } } });
    expect(() => offlineStack(consumer, [computed, consumer])).toThrow(/t-data output "cross-stack-output-bucket-arn" = \$\{upper\(aws_s3_bucket.Data.arn\)\}: not a reference/);
    const unknownShape = stack("t-data", { ...producerJson(), output: { ...(producerJson().output as object), "cross-stack-output-subnet-id": { value: "${aws_subnet.Private.arn}" } } });
    expect(() => offlineStack(consumer, [unknownShape, consumer])).toThrow("no stub shape for aws_subnet.arn (read from t-data/aws_subnet.Private); add one to verify/stub-values.ts");
  });

  it("needs the producer's account and region for ARNs", () => {
    const unpinned = stack("t-data", { ...producerJson(), provider: { aws: [{ region: REGION }] } });
    expect(() => offlineStack(consumer, [unpinned, consumer])).toThrow(`t-data: its aws provider has no allowed_account_ids and region`);
    expect(ACCOUNT).toHaveLength(12);
  });
});
