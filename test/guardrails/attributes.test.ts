import type { ResourceView, RuleContext } from "../../guardrails/rule";
import { UNKNOWN_VALUE, compliant } from "../../guardrails/rule";
import { referencingByAttributes } from "../../guardrails/engine";
import { attached, block, blocks, bool, defineRule, dig, isReference, isSet, num, policyStatements, refersTo } from "../../guardrails/rules/attributes";

const resource = (address: string, attributes: Record<string, unknown>): ResourceView => ({ type: address.split(".")[0]!, address, attributes });
const contextOf = (resources: ResourceView[], referencing = referencingByAttributes(resources)): RuleContext => ({ resources, protected: false, referencing });

describe("booleans, as Terraform converts them", () => {
  it.each([
    [true, true], ["true", true], ["1", true],
    [false, false], ["false", false], ["0", false],
    // Terraform refuses these ("use lowercase"), and converts no number to a bool: not a boolean.
    ["TRUE", undefined], [" true", undefined], ["False", undefined], [1, undefined], [0, undefined],
    [undefined, undefined], [null, undefined], ["${var.flag}", undefined], [UNKNOWN_VALUE, undefined],
  ])("%j is %j", (value, expected) => {
    expect(bool(value)).toBe(expected);
  });
});

describe("set or not", () => {
  it.each([
    ["a string", "kms", true],
    ["a reference", "${aws_kms_key.k.arn}", true],
    ["a value known only after apply", UNKNOWN_VALUE, true],
    ["false", false, true],
    ["0", 0, true],
    ["an object", {}, true],
    ["absent", undefined, false],
    ["null", null, false],
    ["empty", "", false],
    ["blank", "  ", false],
    // A plan shows an absent nested block as [].
    ["an empty list", [], false],
  ])("%s", (_name, value, expected) => {
    expect(isSet(value)).toBe(expected);
  });
});

describe("references", () => {
  it("count a reference, a plan's unknown value and a policy document's placeholder, not literal text", () => {
    expect([isReference("${aws_kms_key.k.arn}"), isReference(UNKNOWN_VALUE), isReference("arn:<ref>:x"), isReference("alias/x"), isReference(7)]).toEqual([true, true, true, false, false]);
  });

  it("refer to a resource by its whole address, inside any expression", () => {
    expect(refersTo("${aws_s3_bucket.a.id}", "aws_s3_bucket.a")).toBe(true);
    expect(refersTo('${lookup(aws_s3_bucket.a.tags, "x")}', "aws_s3_bucket.a")).toBe(true);
    expect(refersTo("${aws_s3_bucket.ab.id}", "aws_s3_bucket.a")).toBe(false);
    expect(refersTo("${data.aws_s3_bucket.a.id}", "aws_s3_bucket.a")).toBe(false);
    expect(refersTo("aws_s3_bucket.a", "aws_s3_bucket.a")).toBe(false);
  });
});

describe("nested blocks", () => {
  it("read the object of cdktf JSON and the list of a plan alike", () => {
    const synthesized = { vpc_config: { subnets: ["s"] } };
    const planned = { vpc_config: [{ subnets: ["s"] }] };
    expect(dig(synthesized, "vpc_config", "subnets")).toEqual(["s"]);
    expect(dig(planned, "vpc_config", "subnets")).toEqual(["s"]);
    expect(dig({ vpc_config: [] }, "vpc_config", "subnets")).toBeUndefined();
    expect([block([7, { a: 1 }]), blocks({ a: 1 }), blocks("x")]).toEqual([{ a: 1 }, [{ a: 1 }], []]);
    expect([num("7"), num(" 2.5 "), num("7d"), num(Infinity)]).toEqual([7, 2.5, undefined, undefined]);
  });
});

describe("defineRule", () => {
  const rule = defineRule({ id: "MLB-TEST-001", severity: "error", resourceTypes: ["aws_s3_bucket"], rationale: "a rule for the test", publicChecks: [], check: () => compliant });

  it("judges its own types, and neither other types nor resources without an attributes object", () => {
    expect(rule.check(resource("aws_s3_bucket.b", {}), contextOf([])).status).toBe("compliant");
    expect(rule.check(resource("aws_sqs_queue.q", {}), contextOf([])).status).toBe("not-applicable");
    expect(rule.check({ type: "aws_s3_bucket", address: "aws_s3_bucket.b", attributes: null as unknown as Record<string, unknown> }, contextOf([])).status).toBe("not-applicable");
  });
});

describe("attached resources", () => {
  const bucket = resource("aws_s3_bucket.b", { bucket: "data" });

  it("are found by reference, by literal name, and in a plan by the configuration's reference when the value is unknown", () => {
    const byReference = resource("aws_s3_bucket_versioning.r", { bucket: "${aws_s3_bucket.b.id}" });
    const byName = resource("aws_s3_bucket_versioning.n", { bucket: "data" });
    const other = resource("aws_s3_bucket_versioning.o", { bucket: "other", depends_on: ["aws_s3_bucket.b"] });
    const resources = [bucket, byReference, byName, other];
    expect(attached(bucket, contextOf(resources), "aws_s3_bucket_versioning", "bucket", ["data"]).map((r) => r.address).sort()).toEqual(["aws_s3_bucket_versioning.n", "aws_s3_bucket_versioning.r"]);

    const planned = resource("aws_s3_bucket_versioning.p", { bucket: UNKNOWN_VALUE });
    const unrelated = resource("aws_s3_bucket_versioning.u", { bucket: UNKNOWN_VALUE });
    const planContext = contextOf([bucket, planned, unrelated], (address, type) => (address === bucket.address && type === planned.type ? [planned] : []));
    expect(attached(bucket, planContext, "aws_s3_bucket_versioning", "bucket").map((r) => r.address)).toEqual(["aws_s3_bucket_versioning.p"]);
  });

  it("follow a path of nested blocks", () => {
    const namespace = resource("kubernetes_namespace_v1.team", { metadata: { name: "team" } });
    const quota = resource("kubernetes_resource_quota_v1.q", { metadata: [{ namespace: "team" }] });
    expect(attached(namespace, contextOf([namespace, quota]), quota.type, ["metadata", "namespace"], ["team"])).toEqual([quota]);
  });
});

describe("policy documents", () => {
  it("keep the text of references where the JSON parses as it is, and read it with placeholders where it does not", () => {
    const raw = JSON.stringify({ Statement: [{ Effect: "Allow", Resource: "${aws_s3_bucket.b.arn}" }] });
    expect(policyStatements(raw)?.[0]?.Resource).toBe("${aws_s3_bucket.b.arn}");
    const quoted = '{"Statement":[{"Effect":"Allow","Resource":"${aws_s3_bucket.b["x"].arn}"}]}';
    expect(policyStatements(quoted)?.[0]?.Resource).toBe("<ref>");
    expect([policyStatements(undefined), policyStatements(""), policyStatements("${data.x.json}")]).toEqual([undefined, undefined, undefined]);
  });
});
