/**
 * A team's own app on the blueprint, without the blueprint's environment configs: one of the blueprint's layers
 * (the network) with its own props, and a stack of the team's own on the blueprint's base stack (provider pinned to
 * the account, tags, its own encrypted state object, protection, and the guardrails, which check every stack before
 * any is written).
 */
import { App } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { type BaseStackProps, NetworkStack, PlatformStack, SecureBucket, ServiceRole, serviceTrust } from "mlops-blueprint";
// Deep imports load only what they name.
import { KmsKey } from "mlops-blueprint/constructs/core/kms-key";
import { ALL_RULES, applyGuardrails, defineRule, nonCompliant, compliant, str } from "mlops-blueprint/guardrails";

const ACCOUNT = "123456789012";

/** Everything the team's stacks share: `cdktf deploy 'team-a-*'` deploys them. */
const teamA: BaseStackProps = { environmentName: "team-a", account: { id: ACCOUNT, region: "eu-west-1" } };

class TeamDataStack extends PlatformStack {
  readonly bucket: SecureBucket;

  constructor(scope: Construct, id: string, props: BaseStackProps) {
    super(scope, id, { ...props, layer: "data" });
    const key = new KmsKey(this, "Key", { alias: this.resourceName(["data"], 250), description: "Team A data", deletionWindowInDays: this.kmsKeyDeletionWindowDays });
    this.bucket = new SecureBucket(this, "Data", { bucketName: this.resourceName(["data", ACCOUNT], 63), encryptionKey: key });
    const reader = new ServiceRole(this, "Reader", {
      roleName: this.resourceName(["reader"], 64),
      description: "Reads team A data",
      trust: [serviceTrust("sagemaker.amazonaws.com", ACCOUNT)],
    });
    this.bucket.grantRead(reader);
    if (process.env.EXAMPLE_UNENCRYPTED_BUCKET) {
      // What the guardrails stop: a bucket made without the blueprint, with no encryption of ours, and not named
      // for the team (CI checks that both rules say so).
      new S3Bucket(this, "Raw", { bucket: `raw-${ACCOUNT}` });
    }
  }
}

/** A rule of the team's own, written with the blueprint's vocabulary: its buckets carry its name. */
const teamBucketNames = defineRule({
  id: "TEAMA-S3-001",
  severity: "error",
  resourceTypes: ["aws_s3_bucket"],
  rationale: "Team A's buckets are found and billed by their name",
  publicChecks: [],
  check: (resource) => {
    const name = str(resource.attributes.bucket);
    return name === undefined || name.includes("team-a") ? compliant : nonCompliant(`bucket "${name}" does not carry the team's name`, 'name it "...team-a..."');
  },
});

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out" });
new NetworkStack(app, "team-a-network", {
  ...teamA,
  network: { vpcCidr: "10.60.0.0/16", availabilityZones: ["eu-west-1a", "eu-west-1b"], natGateways: "single", interfaceEndpoints: ["sts", "ecr.api"] },
  logRetentionDays: 90,
});
new TeamDataStack(app, "team-a-data", teamA);
// The blueprint's rules and the team's own, over every stack of the app.
applyGuardrails(app, { rules: [...ALL_RULES, teamBucketNames] });
app.synth();
