import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { setAwsEnvironment } from "../../constructs/core/aws-environment";
import { IAM_POLICY_LIMITS, REFERENCE_LENGTH_BOUNDS, UNKNOWN_REFERENCE_LENGTH, policySize, referenceLengthBound } from "../../constructs/core/iam";
import { KmsKey } from "../../constructs/core/kms-key";
import { ServiceRole, serviceTrust } from "../../constructs/core/service-role";
import type { FeatureGroupSpec } from "../../constructs/feature-store/feature-group";
import { FeatureStore } from "../../constructs/feature-store/feature-store";
import { ModelRegistry } from "../../constructs/model-registry/model-registry";
import { TEST_ACCOUNT, TEST_REGION } from "../support/stack";
import { TerraformJson, resourcesOfType } from "../support/terraform-json";

describe("policySize", () => {
  const doc = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

  it("counts a literal document as IAM does: every character but white space between tokens", () => {
    const compact = doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" });
    expect(policySize(compact)).toBe(compact.length);
    expect(policySize(JSON.stringify(JSON.parse(compact), null, 2))).toBe(compact.length);
    // White space inside a value counts: an overestimate at worst.
    expect(policySize('{"Sid":"a b"}')).toBe('{"Sid":"a b"}'.length);
  });

  it("counts each reference at the longest value its kind resolves to, read directly or through a cross-stack output", () => {
    const direct = "${aws_s3_bucket.FeatureStore_OfflineStore_Bucket_7E85FD9B.arn}";
    const crossStack = "${data.terraform_remote_state.cross-stack-reference-input-dev-data.outputs.cross-stack-output-aws_s3_bucketFeatureStore_OfflineStore_Bucket_7E85FD9Barn}";
    expect(policySize(`"${direct}/*"`)).toBe(2 + REFERENCE_LENGTH_BOUNDS["aws_s3_bucket.arn"] + 2);
    expect(policySize(`"${crossStack}/*"`)).toBe(policySize(`"${direct}/*"`));
    // The longest bucket ARN there is: the longest partition and a 63-character name.
    expect(REFERENCE_LENGTH_BOUNDS["aws_s3_bucket.arn"]).toBe(`arn:aws-us-gov:s3:::${"b".repeat(63)}`.length);
    expect(referenceLengthBound("data.terraform_remote_state.x.outputs.cross-stack-output-aws_kms_keyDataKey_0F118E08arn")).toBe(REFERENCE_LENGTH_BOUNDS["aws_kms_key.arn"]);
    expect(REFERENCE_LENGTH_BOUNDS["aws_kms_key.arn"]).toBeGreaterThanOrEqual(`arn:aws-us-gov:kms:ap-southeast-5:${TEST_ACCOUNT}:key/mrk-${"0".repeat(32)}`.length);
  });

  it("counts anything it cannot tell the kind of at 2,048, the longest ARN", () => {
    for (const expression of [
      "var.bucket_arn",
      "local.Cluster_Role_IssuerHost_67CD6668",
      'replace(aws_eks_cluster.c.identity[0].oidc[0].issuer, "https://", "")',
      "aws_s3_bucket_object.o.arn",
      // A type that starts like a listed one, and a construct id in lowercase: ambiguous.
      "data.terraform_remote_state.x.outputs.cross-stack-output-aws_s3_bucket_objectFoo_0F118E08arn",
    ]) {
      expect(referenceLengthBound(expression)).toBe(UNKNOWN_REFERENCE_LENGTH);
    }
    expect(policySize('"${replace(x, "https://", "")}"')).toBe(2 + UNKNOWN_REFERENCE_LENGTH);
  });

  it("reads $${ as the literal ${ of an IAM policy variable", () => {
    expect(policySize('"arn:aws:s3:::b/$${aws:username}/*"')).toBe('"arn:aws:s3:::b/${aws:username}/*"'.length);
  });
});

// ---- A team's training role, granted as stacks/platform.ts grants every team, at many feature groups -------------

const GROUP: Omit<FeatureGroupSpec, "name"> = {
  version: 1,
  description: "Aggregates of customer behaviour",
  recordIdentifier: "customer_id",
  eventTime: "event_time",
  features: [
    { name: "customer_id", type: "String" },
    { name: "event_time", type: "Fractional" },
    { name: "sessions_30d", type: "Integral" },
  ],
  onlineStore: { enabled: true },
  offlineStore: true,
};

/** `count` groups, every third offline only, with names as long as real ones (30-odd characters). */
const featureGroups = (count: number): FeatureGroupSpec[] =>
  Array.from({ length: count }, (_, i) => ({ ...GROUP, name: `customer-behaviour-aggregates-${i}`, onlineStore: { enabled: i % 3 !== 0 } }));

interface TeamRole {
  readonly store: FeatureStore;
  /** The team's stack: its policies, as synthesized (references to the data stack are cross-stack outputs). */
  readonly json: TerraformJson;
}

/** The data stack's feature store and registry, and a team role in another stack granted what platform.ts grants. */
function teamRole(groups: number, team: "research" | "nlp" = "nlp"): TeamRole {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-iam-size-"));
  try {
    const app = new App({ outdir });
    const stacks = ["data", "workloads"].map((id) => {
      const stack = new TerraformStack(app, id);
      setAwsEnvironment(stack, { accountId: TEST_ACCOUNT, region: TEST_REGION });
      new AwsProvider(stack, "aws", { region: TEST_REGION });
      return stack;
    });
    const [data, workloads] = stacks;
    const key = new KmsKey(data, "DataKey", { alias: "data", description: "d" });
    const store = new FeatureStore(data, "FeatureStore", { namePrefix: "mlops-prod", encryptionKey: key, featureGroups: featureGroups(groups) });
    const registry = new ModelRegistry(data, "ModelRegistry", {
      namePrefix: "mlops-prod",
      encryptionKey: key,
      imageRepositories: ["training/pytorch"],
      modelPackageGroups: [
        { name: "churn", description: "d" },
        { name: "fraud", description: "d" },
      ],
    });
    const role = new ServiceRole(workloads, `Team-${team}`, { roleName: `mlops-prod-team-${team}`, description: "d", trust: [serviceTrust("ec2.amazonaws.com")] });
    store.grantRead(role);
    registry.grantReadArtifacts(role);
    registry.grantWriteArtifacts(role, { keyPrefix: `teams/${team}` });
    registry.grantRegister(role, { artifactPrefix: `models/${team}` });
    app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "workloads", "cdk.tf.json"), "utf8")) as TerraformJson;
    return { store, json };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown };
const documentsOf = (json: TerraformJson) => ({
  inline: resourcesOfType(json, "aws_iam_role_policy").map(([, p]) => p.policy as string),
  managed: resourcesOfType(json, "aws_iam_policy").map(([, p]) => p.policy as string),
});
const statementsIn = (documents: readonly string[]): Statement[] => documents.flatMap((d) => (JSON.parse(d) as { Statement: Statement[] }).Statement);
/** IAM's matching of a resource pattern (`*`, `?`) against an ARN. */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(arn);
/** Whether the statements allow `action` on `arn`. */
const allows = (statements: readonly Statement[], action: string, arn: string) =>
  statements.some((s) => s.Effect === "Allow" && [s.Action].flat().includes(action) && [s.Resource].flat().some((r) => matches(r, arn)));
/** One entry per action and resource a statement allows: equal sets grant the same. */
const atoms = (statements: readonly Statement[]) =>
  new Set(statements.flatMap((s) => [s.Action].flat().flatMap((a) => [s.Resource].flat().map((r) => JSON.stringify([s.Effect, a, r, s.Condition ?? null])))));

describe("a team's training role at scale", () => {
  const small = teamRole(3);

  it.each([40, 200])("with %i feature groups stays within IAM's limits and still allows every group", (count) => {
    const { store, json } = teamRole(count);
    const { inline, managed } = documentsOf(json);
    expect(inline.reduce((sum, d) => sum + policySize(d), 0)).toBeLessThanOrEqual(IAM_POLICY_LIMITS.roleInlinePolicies);
    for (const document of managed) expect(policySize(document)).toBeLessThanOrEqual(IAM_POLICY_LIMITS.managedPolicy);
    expect(managed.length).toBeLessThanOrEqual(IAM_POLICY_LIMITS.managedPoliciesPerRole);
    expect(resourcesOfType(json, "aws_iam_role_policy_attachment")).toHaveLength(managed.length);

    const statements = statementsIn([...inline, ...managed]);
    expect(store.featureGroups).toHaveLength(count);
    for (const group of store.featureGroups) {
      expect(allows(statements, "sagemaker:DescribeFeatureGroup", group.featureGroupArn)).toBe(true);
      expect(allows(statements, "sagemaker:GetRecord", group.featureGroupArn)).toBe(group.hasOnlineStore);
      expect(allows(statements, "sagemaker:BatchGetRecord", group.featureGroupArn)).toBe(group.hasOnlineStore);
    }
    // Everything else is what a team of a small store gets: the same statements, wherever they landed.
    const others = (list: Statement[]) => atoms(list.filter((s) => ![s.Action].flat().some((a) => /^sagemaker:(DescribeFeatureGroup|GetRecord|BatchGetRecord)$/.test(a))));
    const smallDocuments = documentsOf(small.json);
    expect(others(statements)).toEqual(others(statementsIn([...smallDocuments.inline, ...smallDocuments.managed])));
  });

  it("keeps a small store's grants in the one inline policy", () => {
    const { inline, managed } = documentsOf(small.json);
    expect(inline).toHaveLength(1);
    expect(managed).toEqual([]);
  });
});
