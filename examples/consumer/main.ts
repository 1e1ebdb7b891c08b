/**
 * A team's own app on the blueprint: a stack of its own (its provider, its names) with the blueprint's encrypted
 * bucket, key and network, checked by the blueprint's guardrails at synth like the blueprint's own stacks.
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { KmsKey, Network, SecureBucket, ServiceRole, serviceTrust, setAwsEnvironment } from "mlops-blueprint";
import { applyGuardrails } from "mlops-blueprint/guardrails";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

class TeamDataStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Before any child: the blueprint's constructs read the account and region from the stack's context.
    setAwsEnvironment(this, { accountId: ACCOUNT, region: REGION, partition: "aws" });
    new AwsProvider(this, "aws", { region: REGION, allowedAccountIds: [ACCOUNT] });
    const key = new KmsKey(this, "Key", { alias: "team-a-data", description: "Team A data" });
    const bucket = new SecureBucket(this, "Data", { bucketName: `team-a-data-${ACCOUNT}`, encryptionKey: key });
    const reader = new ServiceRole(this, "Reader", { roleName: "team-a-reader", description: "Reads team A data", trust: [serviceTrust("sagemaker.amazonaws.com", ACCOUNT)] });
    bucket.grantRead(reader);
    if (process.env.EXAMPLE_UNENCRYPTED_BUCKET) {
      // What the guardrails stop: a bucket made without the blueprint, with no encryption of ours (CI checks it).
      new S3Bucket(this, "Raw", { bucket: `team-a-raw-${ACCOUNT}` });
    }
    new Network(this, "Network", {
      namePrefix: "team-a",
      cidr: "10.60.0.0/16",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      natGateways: "single",
      encryptionKey: key,
      flowLogRetentionDays: 90,
    });
  }
}

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out" });
applyGuardrails(app);
new TeamDataStack(app, "team-a-data");
app.synth();
