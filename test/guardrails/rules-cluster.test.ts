import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { referencingByAttributes } from "../../guardrails/engine";
import type { ResourceView, Rule, RuleContext, RuleResult } from "../../guardrails/rule";
import { ALL_RULES } from "../../guardrails/rules";
import { helmRules, objectsOf, releaseValues } from "../../guardrails/rules/helm";
import { karpenterRules } from "../../guardrails/rules/karpenter";
import { kueueRules } from "../../guardrails/rules/kueue";
import { prometheusRules } from "../../guardrails/rules/prometheus";
import { sqsRules } from "../../guardrails/rules/sqs";
import { iamRules } from "../../guardrails/rules/iam";
import { kubernetesRules } from "../../guardrails/rules/kubernetes";
import { shippedSynthDir } from "../support/shipped-synth";

/** The rules of issue 13's new kinds; MLB-IAM-008/009 and MLB-K8S-012 are with their files' rules in rules-compute.test.ts. */
const RULES: readonly Rule[] = [...helmRules, ...karpenterRules, ...kueueRules, ...sqsRules, ...prometheusRules];

// ---- Fixtures --------------------------------------------------------------------------------------------------

const resource = (type: string, name: string, attributes: Record<string, unknown>): ResourceView => ({ type, address: `${type}.${name}`, attributes });

function contextOf(resources: readonly ResourceView[], isProtected = false): RuleContext {
  return {
    resources,
    protected: isProtected,
    referencing: (address, type) => resources.filter((r) => r.type === type && JSON.stringify(r.attributes).includes("${" + address + ".")),
  };
}

const KEY = "${data.terraform_remote_state.training.outputs.cluster_kms_key_arn}";
const CHART = "./assets/ClusterObjectsChart/0123456789ABCDEF";

/** A release of the cluster-objects chart, as ClusterObjects synthesizes it. */
const objectsRelease = (name: string, objects: readonly unknown[], extra: Record<string, unknown> = {}) =>
  resource("helm_release", name, {
    name,
    namespace: "kube-system",
    chart: CHART,
    version: "1.0.0",
    values: [JSON.stringify({ objects })],
    wait: true,
    atomic: true,
    ...extra,
  });
/** The same object through the kubernetes provider. */
const manifest = (name: string, object: unknown) => resource("kubernetes_manifest", name, { manifest: object });

const chartRelease = (attributes: Record<string, unknown> = {}, values: unknown = {}) =>
  resource("helm_release", "Grafana", {
    name: "grafana",
    namespace: "monitoring",
    repository: "https://grafana-community.github.io/helm-charts",
    chart: "grafana",
    version: "12.11.1",
    values: [JSON.stringify(values)],
    ...attributes,
  });

type Spec = Record<string, unknown>;
const nodeClass = (spec: Spec = {}, name = "g5-spot") => ({
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  metadata: { name },
  spec: {
    instanceProfile: "${data.terraform_remote_state.training.outputs.karpenter_instance_profile_name}",
    amiSelectorTerms: [{ alias: "al2023@v20251103" }],
    subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "mlops-prod-training" } }],
    securityGroupSelectorTerms: [{ id: "${data.terraform_remote_state.training.outputs.cluster_security_group_id}" }],
    metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "200Gi", volumeType: "gp3", encrypted: true, kmsKeyID: KEY, deleteOnTermination: true } }],
    tags: { Environment: "prod" },
    ...spec,
  },
});
const nodePool = (spec: Spec = {}, name = "g5-spot") => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name },
  spec: {
    template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name } } },
    limits: { "nvidia.com/gpu": "8", nodes: "2" },
    disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m", budgets: [{ nodes: "10%" }] },
    ...spec,
  },
});
const gpuCapacity = (...objects: unknown[]) => objectsRelease("GpuCapacity", objects);

const gpuResource = (extra: Spec = {}) => ({ name: "nvidia.com/gpu", nominalQuota: 4, borrowingLimit: 2, lendingLimit: 2, ...extra });
const clusterQueue = (name: string, spec: Spec = {}) => ({
  apiVersion: "kueue.x-k8s.io/v1beta2",
  kind: "ClusterQueue",
  metadata: { name },
  spec: {
    cohortName: "training",
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
    queueingStrategy: "BestEffortFIFO",
    resourceGroups: [
      { coveredResources: ["cpu", "memory"], flavors: [{ name: "cpu-memory", resources: [{ name: "cpu", nominalQuota: "32", borrowingLimit: "0" }, { name: "memory", nominalQuota: "128Gi", borrowingLimit: "0" }] }] },
      { coveredResources: ["nvidia.com/gpu"], flavors: [{ name: "g5-spot", resources: [gpuResource()] }] },
    ],
    preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" },
    ...spec,
  },
});
const localQueue = (namespace: string, clusterQueueName: unknown) => ({
  apiVersion: "kueue.x-k8s.io/v1beta2",
  kind: "LocalQueue",
  metadata: { name: "default", namespace },
  spec: { clusterQueue: clusterQueueName },
});
const queues = (...objects: unknown[]) => objectsRelease("KueueQueues", objects, { namespace: "kueue-system" });

const QUEUE = "aws_sqs_queue.Interruption";
const queue = (attributes: Record<string, unknown> = {}) => resource("aws_sqs_queue", "Interruption", { name: "mlops-prod-training-karpenter", message_retention_seconds: 300, kms_master_key_id: "${aws_kms_key.Cluster.arn}", ...attributes });
const policyDocument = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const DENY_TLS = { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: `\${${QUEUE}.arn}`, Condition: { Bool: { "aws:SecureTransport": "false" } } };
const EVENTS_SEND = {
  Sid: "EventBridgeSends",
  Effect: "Allow",
  Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
  Action: "sqs:SendMessage",
  Resource: `\${${QUEUE}.arn}`,
  Condition: { ArnEquals: { "aws:SourceArn": ["${aws_cloudwatch_event_rule.Spot.arn}"] } },
};
const queuePolicy = (...statements: unknown[]) => resource("aws_sqs_queue_policy", "Interruption", { queue_url: `\${${QUEUE}.url}`, policy: policyDocument(...statements) });

const workspace = (attributes: Record<string, unknown> = {}) =>
  resource("aws_prometheus_workspace", "Metrics", {
    alias: "mlops-prod-training",
    kms_key_arn: "${aws_kms_key.Cluster.arn}",
    logging_configuration: { log_group_arn: "${aws_cloudwatch_log_group.Prometheus.arn}:*" },
    tags: { AMPAgentlessScraper: "" },
    ...attributes,
  });

// ---- Cases ---------------------------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly resource: ResourceView;
  readonly others?: readonly ResourceView[];
}
interface RuleCases {
  readonly compliant: readonly Case[];
  readonly violating: readonly (Case & { readonly message?: RegExp })[];
  readonly notApplicable?: readonly Case[];
}

const CASES: Record<string, RuleCases> = {
  "MLB-HELM-001": {
    compliant: [
      { name: "an https repository and an exact version", resource: chartRelease() },
      { name: "an oci repository", resource: chartRelease({ repository: "oci://public.ecr.aws/karpenter", chart: "karpenter", version: "1.14.1" }) },
      { name: "a chart shipped as an asset of the stack", resource: gpuCapacity(nodePool()) },
      { name: "an oci chart URL without repository", resource: chartRelease({ repository: undefined, chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2" }) },
      { name: "a version known at apply", resource: chartRelease({ version: "${var.grafana_chart}" }) },
    ],
    violating: [
      { name: "no version", resource: chartRelease({ version: undefined }), message: /version is not set/ },
      { name: "a range", resource: chartRelease({ version: "^12.11.1" }), message: /"\^12\.11\.1" is not an exact version/ },
      { name: "a v-prefixed tag", resource: chartRelease({ version: "v12.11.1" }), message: /not an exact version/ },
      { name: "an http repository", resource: chartRelease({ repository: "http://charts.example.com" }), message: /neither oci:\/\/ nor https:\/\// },
      { name: "a helm repo alias", resource: chartRelease({ repository: undefined, chart: "grafana/grafana" }), message: /names no oci:\/\/ or https:\/\/ repository/ },
    ],
  },
  "MLB-HELM-002": {
    compliant: [
      { name: "ClusterIP service, no ingress", resource: chartRelease({}, { service: { type: "ClusterIP" }, ingress: { enabled: false }, persistence: { enabled: false } }) },
      { name: "objects without services", resource: gpuCapacity(nodeClass(), nodePool()) },
      { name: "values that are not JSON (YAML) are not judged here", resource: chartRelease({ values: ["service:\n  type: LoadBalancer\n"] }) },
    ],
    violating: [
      { name: "a LoadBalancer service", resource: chartRelease({}, { service: { type: "LoadBalancer" } }), message: /values service\.type is "LoadBalancer"/ },
      { name: "a nested NodePort service", resource: chartRelease({}, { controller: { service: { type: "NodePort" } } }), message: /controller\.service\.type is "NodePort"/ },
      { name: "an enabled ingress", resource: chartRelease({}, { ingress: { enabled: true, hosts: ["grafana.example.com"] } }), message: /ingress\.enabled is true/ },
      { name: "a set block", resource: chartRelease({ set: [{ name: "service.type", value: "LoadBalancer" }] }), message: /set service\.type is "LoadBalancer"/ },
      {
        name: "a LoadBalancer Service among rendered objects",
        resource: gpuCapacity({ apiVersion: "v1", kind: "Service", metadata: { name: "dcgm" }, spec: { type: "LoadBalancer", ports: [{ port: 9400 }] } }),
        message: /is a Service of type "LoadBalancer"/,
      },
    ],
    notApplicable: [],
  },
  "MLB-KARPENTER-001": {
    compliant: [
      { name: "IMDSv2 with one hop, written out", resource: gpuCapacity(nodeClass()) },
      { name: "Karpenter's defaults (left out)", resource: gpuCapacity(nodeClass({ metadataOptions: undefined })) },
      { name: "the metadata service disabled", resource: gpuCapacity(nodeClass({ metadataOptions: { httpEndpoint: "disabled", httpTokens: "optional" } })) },
      { name: "through kubernetes_manifest", resource: manifest("NodeClass", nodeClass()) },
    ],
    violating: [
      { name: "optional tokens (IMDSv1)", resource: gpuCapacity(nodeClass({ metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 1 } })), message: /EC2NodeClass "g5-spot" has metadataOptions\.httpTokens "optional"/ },
      { name: "two hops", resource: gpuCapacity(nodeClass({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } })), message: /httpPutResponseHopLimit 2/ },
      { name: "in a manifest", resource: manifest("NodeClass", nodeClass({ metadataOptions: { httpTokens: "optional" } })) },
    ],
    notApplicable: [
      { name: "a release without objects", resource: chartRelease() },
      { name: "NodePools only", resource: gpuCapacity(nodePool()) },
      { name: "a manifest of another group", resource: manifest("Other", { apiVersion: "example.com/v1", kind: "EC2NodeClass", metadata: { name: "x" }, spec: {} }) },
    ],
  },
  "MLB-KARPENTER-002": {
    compliant: [{ name: "root volume encrypted with the cluster key", resource: gpuCapacity(nodeClass()) }],
    violating: [
      { name: "no block device mappings", resource: gpuCapacity(nodeClass({ blockDeviceMappings: undefined })), message: /has no blockDeviceMappings/ },
      { name: "unencrypted", resource: gpuCapacity(nodeClass({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "200Gi", encrypted: false, kmsKeyID: KEY } }] })), message: /volume \/dev\/xvda is not encrypted/ },
      { name: "encrypted with the default key", resource: gpuCapacity(nodeClass({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "200Gi", encrypted: true } }] })), message: /names no kmsKeyID/ },
      {
        name: "a second volume without the key",
        resource: gpuCapacity(nodeClass({ blockDeviceMappings: [...(nodeClass().spec.blockDeviceMappings as unknown[]), { deviceName: "/dev/xvdb", ebs: { encrypted: true } }] })),
        message: /volume \/dev\/xvdb names no kmsKeyID/,
      },
    ],
    notApplicable: [{ name: "a release without objects", resource: chartRelease() }],
  },
  "MLB-KARPENTER-003": {
    compliant: [
      { name: "a pinned alias", resource: gpuCapacity(nodeClass()) },
      { name: "an AMI id", resource: gpuCapacity(nodeClass({ amiSelectorTerms: [{ id: "ami-0123456789abcdef0" }] })) },
    ],
    violating: [
      { name: "@latest", resource: gpuCapacity(nodeClass({ amiSelectorTerms: [{ alias: "al2023@latest" }] })), message: /alias "al2023@latest" is not pinned/ },
      { name: "an alias without version", resource: gpuCapacity(nodeClass({ amiSelectorTerms: [{ alias: "al2023" }] })) },
      { name: "selected by tags", resource: gpuCapacity(nodeClass({ amiSelectorTerms: [{ tags: { team: "ml" } }] })), message: /selects AMIs by tags/ },
      { name: "no terms", resource: gpuCapacity(nodeClass({ amiSelectorTerms: [] })), message: /has no amiSelectorTerms/ },
    ],
    notApplicable: [{ name: "a release without objects", resource: chartRelease() }],
  },
  "MLB-KARPENTER-004": {
    compliant: [{ name: "limits on GPUs and nodes", resource: gpuCapacity(nodeClass(), nodePool()) }],
    violating: [
      { name: "no limits", resource: gpuCapacity(nodePool({ limits: undefined })), message: /NodePool "g5-spot" has no spec\.limits/ },
      { name: "empty limits", resource: gpuCapacity(nodePool({ limits: {} })) },
      { name: "one pool of two without limits", resource: gpuCapacity(nodePool(), nodePool({ limits: undefined }, "h100")), message: /NodePool "h100"/ },
    ],
    notApplicable: [{ name: "node classes only", resource: gpuCapacity(nodeClass()) }],
  },
  "MLB-KUEUE-001": {
    compliant: [{ name: "a team queue in the cohort with limits everywhere", resource: queues(clusterQueue("vision"), localQueue("vision", "vision")) }],
    violating: [
      { name: "no cohort", resource: queues(clusterQueue("vision", { cohortName: undefined })), message: /ClusterQueue "vision" has no cohortName/ },
      {
        name: "a flavor resource without borrowingLimit",
        resource: queues(clusterQueue("vision", { resourceGroups: [{ coveredResources: ["nvidia.com/gpu"], flavors: [{ name: "h100", resources: [gpuResource({ borrowingLimit: undefined })] }] }] })),
        message: /sets no borrowingLimit for h100\/nvidia\.com\/gpu/,
      },
    ],
    notApplicable: [{ name: "LocalQueues only", resource: queues(localQueue("vision", "vision")) }],
  },
  "MLB-KUEUE-002": {
    compliant: [
      { name: "the team namespace", resource: queues(clusterQueue("vision")) },
      { name: "no selector (admits no namespace)", resource: queues(clusterQueue("unassigned", { namespaceSelector: undefined })) },
    ],
    violating: [
      { name: "{}", resource: queues(clusterQueue("vision", { namespaceSelector: {} })), message: /namespaceSelector \{\}/ },
      { name: "empty labels and expressions", resource: queues(clusterQueue("vision", { namespaceSelector: { matchLabels: {}, matchExpressions: [] } })) },
    ],
  },
  "MLB-KUEUE-003": {
    compliant: [
      { name: "its ClusterQueue in the same release", resource: queues(clusterQueue("vision"), localQueue("vision", "vision")) },
      { name: "its ClusterQueue in another release", resource: objectsRelease("TeamQueue", [localQueue("vision", "vision")]), others: [queues(clusterQueue("vision"))] },
      { name: "a reference", resource: queues(localQueue("vision", "${var.queue}")) },
    ],
    violating: [
      { name: "a ClusterQueue nobody declares", resource: queues(clusterQueue("vision"), localQueue("nlp", "nlp")), message: /LocalQueue "default" in nlp points at ClusterQueue "nlp"/ },
      { name: "no clusterQueue", resource: queues(localQueue("nlp", undefined)), message: /names no spec\.clusterQueue/ },
    ],
  },
  "MLB-SQS-001": {
    compliant: [{ name: "the cluster key", resource: queue() }],
    violating: [
      { name: "no key", resource: queue({ kms_master_key_id: undefined }), message: /kms_master_key_id is not set/ },
      { name: "SQS-managed encryption", resource: queue({ kms_master_key_id: undefined, sqs_managed_sse_enabled: true }), message: /only SQS-managed encryption/ },
      { name: "the AWS-managed key", resource: queue({ kms_master_key_id: "alias/aws/sqs" }), message: /the AWS-managed key/ },
    ],
  },
  "MLB-SQS-002": {
    compliant: [
      { name: "deny without TLS, EventBridge for its rules", resource: queue(), others: [queuePolicy(DENY_TLS, EVENTS_SEND)] },
      { name: "an inline policy", resource: queue({ policy: policyDocument(DENY_TLS, EVENTS_SEND) }) },
      { name: "a policy known only at apply", resource: queue(), others: [resource("aws_sqs_queue_policy", "Doc", { queue_url: `\${${QUEUE}.url}`, policy: "${data.aws_iam_policy_document.q.json}" })] },
    ],
    violating: [
      { name: "no policy", resource: queue(), message: /has no queue policy/ },
      { name: "no TLS deny", resource: queue(), others: [queuePolicy(EVENTS_SEND)], message: /no statement denying sqs:\* when aws:SecureTransport is false/ },
      { name: "a bare * principal", resource: queue(), others: [queuePolicy(DENY_TLS, { Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" })], message: /allows everyone/ },
    ],
  },
  "MLB-AMP-001": {
    compliant: [{ name: "logs to a log group", resource: workspace() }],
    violating: [
      { name: "no logging", resource: workspace({ logging_configuration: undefined }), message: /no logging_configuration/ },
      { name: "logging without a group (plan shape)", resource: workspace({ logging_configuration: [{ log_group_arn: null }] }) },
    ],
  },
  "MLB-AMP-002": {
    compliant: [{ name: "the cluster key", resource: workspace() }],
    violating: [{ name: "no key", resource: workspace({ kms_key_arn: undefined }), message: /kms_key_arn is not set/ }],
  },
};

function check(rule: Rule, c: Case): RuleResult {
  return rule.check(c.resource, contextOf([c.resource, ...(c.others ?? [])]));
}

// ---- Tests -------------------------------------------------------------------------------------------------------

describe("Helm, Karpenter, Kueue, SQS and Prometheus rules", () => {
  it("have unique ids, a rationale, resource types, are registered, and have cases here", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^MLB-[A-Z0-9]+-\d{3}$/);
      expect(rule.rationale.trim()).not.toBe("");
      expect(rule.rationale).not.toContain("\n");
      expect(ALL_RULES).toContain(rule);
    }
    expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
    expect(ids.sort()).toEqual(
      [
        "MLB-AMP-001", "MLB-AMP-002", "MLB-HELM-001", "MLB-HELM-002", "MLB-KARPENTER-001", "MLB-KARPENTER-002", "MLB-KARPENTER-003", "MLB-KARPENTER-004",
        "MLB-KUEUE-001", "MLB-KUEUE-002", "MLB-KUEUE-003", "MLB-SQS-001", "MLB-SQS-002",
      ].sort(),
    );
  });

  it("warn only where the design says (a LocalQueue's target, workspace logging)", () => {
    expect(RULES.filter((r) => r.severity === "warning").map((r) => r.id).sort()).toEqual(["MLB-AMP-001", "MLB-KUEUE-003"]);
  });

  describe.each(RULES.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
    const cases = CASES[id]!;

    it.each(cases.compliant.map((c) => [c.name, c] as const))("passes: %s", (_name, c) => {
      expect(check(rule, c)).toEqual({ status: "compliant" });
    });

    it.each(cases.violating.map((c) => [c.name, c] as const))("fails: %s", (_name, c) => {
      const result = check(rule, c);
      expect(result.status).toBe("non-compliant");
      if (result.status !== "non-compliant") return;
      expect(result.fix.trim()).not.toBe("");
      if (c.message) expect(result.message).toMatch(c.message);
    });

    if (cases.notApplicable && cases.notApplicable.length > 0) {
      it.each(cases.notApplicable.map((c) => [c.name, c] as const))("does not apply: %s", (_name, c) => {
        expect(check(rule, c)).toEqual({ status: "not-applicable" });
      });
    }

    it("does not apply to other resource types", () => {
      expect(rule.check(resource("aws_s3_bucket", "B", { bucket: "b" }), contextOf([]))).toEqual({ status: "not-applicable" });
    });

    it("never throws on any attributes of its types (unknown, missing, odd shapes)", () => {
      const statuses = ["compliant", "non-compliant", "not-applicable"];
      fc.assert(
        fc.property(fc.constantFrom(...rule.resourceTypes), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }), (type, extra) => {
          const attributes = { ...(cases.violating[0]!.resource.attributes as Record<string, unknown>), ...extra };
          const subject = resource(type, "Fuzzed", attributes);
          expect(statuses).toContain(rule.check(subject, contextOf([subject])).status);
          expect(statuses).toContain(rule.check(resource(type, "Empty", {}), contextOf([])).status);
        }),
        { numRuns: 50 },
      );
    });
  });
});

describe("reading objects from releases and manifests", () => {
  it("reads every JSON values document and the objects of each, and skips what is not JSON", () => {
    const release = resource("helm_release", "R", {
      values: [JSON.stringify({ objects: [nodePool()] }), "a: b", JSON.stringify({ objects: [nodeClass(), { kind: "NoApiVersion" }, 7] })],
    });
    expect(releaseValues(release)).toHaveLength(2);
    expect(objectsOf(release).map((o) => o.label)).toEqual(['NodePool "g5-spot"', 'EC2NodeClass "g5-spot"']);
  });

  it("reads values whose strings hold Terraform references with quotes", () => {
    const values = JSON.stringify({ objects: [nodeClass({ instanceProfile: '${data.terraform_remote_state.training.outputs["profile"]}' })] });
    expect(objectsOf(resource("helm_release", "R", { values: [values] }))).toHaveLength(1);
  });

  it("refuses values nested too deep to walk, without throwing", () => {
    const deep = '{"objects":' + "[".repeat(5000) + "]".repeat(5000) + "}";
    const release = resource("helm_release", "Deep", { values: [deep] });
    expect(objectsOf(release)).toEqual([]);
    for (const rule of RULES) expect(() => rule.check(release, contextOf([release]))).not.toThrow();
  });
});

describe("on the shipped prod stacks", () => {
  /** The resources of a synthesized stack, as the engine sees them. */
  function stackResources(id: string): ResourceView[] {
    const json = JSON.parse(fs.readFileSync(path.join(shippedSynthDir(), "stacks", id, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
    return Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, attributes]) => ({ type, address: `${type}.${name}`, attributes })));
  }
  const stacks = ["prod-training", "prod-workloads"].map((id) => {
    const resources = stackResources(id);
    return { id, resources, context: { resources, protected: true, referencing: referencingByAttributes(resources) } satisfies RuleContext };
  });
  // K8S-012 has no LoadBalancer or NodePort service to judge: none is synthesized.
  const judged = [...RULES, ...iamRules.filter((r) => ["MLB-IAM-008", "MLB-IAM-009"].includes(r.id))];

  it.each(judged.map((rule) => [rule.id, rule] as const))("%s finds what it judges in the real shapes, and passes it", (_id, rule) => {
    const statuses = stacks.flatMap(({ resources, context }) => resources.map((r) => rule.check(r, context).status));
    expect(statuses).toContain("compliant");
    expect(statuses).not.toContain("non-compliant");
  });

  it("declare no service that MLB-K8S-012 would judge", () => {
    const rule = kubernetesRules.find((r) => r.id === "MLB-K8S-012")!;
    for (const { resources, context } of stacks) for (const r of resources) expect(rule.check(r, context).status).not.toBe("non-compliant");
  });
});
