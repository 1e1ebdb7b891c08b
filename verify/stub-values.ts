import { createHash } from "node:crypto";
import { VerifyError } from "./errors";

/**
 * Values shaped like the ones AWS returns, for the outputs a stack reads from another stack's state: the
 * real-provider check plans each stack against a stub state of its dependencies, so a subnet id must look
 * like `subnet-…` and an ARN like an ARN, or the provider's own validation would not see what it sees in a
 * real deploy. A (type, attribute) this table does not know fails the check: add its shape here.
 */
export interface StubContext {
  readonly accountId: string;
  readonly region: string;
  /** The producing resource's synthesized attributes (literal names are reused). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** `<type>.<name>`, the seed of the generated identifiers, so stubs are deterministic. */
  readonly address: string;
}

const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);
const uuid = (seed: string) => hex(seed, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

/** A literal string attribute of the producer (`name`, `bucket`), refused when it is itself an expression. */
function literal(context: StubContext, attribute: string): string {
  const value = context.attributes[attribute];
  if (typeof value !== "string" || value.includes("${")) {
    throw new VerifyError(`${context.address}.${attribute} is not a literal string; the stub state cannot know its value`);
  }
  return value;
}

/**
 * A self-signed certificate made once for these stubs (its key was never kept): a Kubernetes provider that
 * parses the cluster's CA gets a real certificate.
 */
const STUB_CLUSTER_CA = `-----BEGIN CERTIFICATE-----
MIIBkjCCATegAwIBAgIUaQNQX8TZJGr+R+FR0+t3qCJya+gwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSc3R1Yi1rdWJlcm5ldGVzLWNhMCAXDTI2MTEyOTIyMTk0NVoY
DzIxMjYxMTA1MjIxOTQ1WjAdMRswGQYDVQQDDBJzdHViLWt1YmVybmV0ZXMtY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR0QP+OTmQKiLYy9vkC37vFyYdMpcL9
AyNu/ekmX2WooIfKVqrx7qbtWwHrkVtVZprLHP08PjTGLGUFTNnkV6lEo1MwUTAd
BgNVHQ4EFgQUSMmXBqkxuw6spOoWgpTl/cURGAMwHwYDVR0jBBgwFoAUSMmXBqkx
uw6spOoWgpTl/cURGAMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
AiEAqJFIDdqy93wwG1UFvmjJTxVlr0eiu7DbmiflT91nRkwCIQDkxrBEAQXwMPGx
FmlvEMsaR3hlPU9HPAFmWDORf00bpA==
-----END CERTIFICATE-----
`;

type Shape = (c: StubContext) => string;

const id = (prefix: string): Shape => (c) => `${prefix}-${hex(c.address, 17)}`;
const regional = (service: string, resource: (c: StubContext) => string): Shape => (c) => `arn:aws:${service}:${c.region}:${c.accountId}:${resource(c)}`;
// Seeded by account and region, not address: the cluster's issuer and its OIDC provider's ARN name one host.
// Seeded by the producer's address: a workspace's id, ARN and endpoint name one workspace.
const workspaceId = (c: StubContext) => `ws-${uuid(c.address)}`;
const oidcIssuerHost = (c: StubContext) => `oidc.eks.${c.region}.amazonaws.com/id/${hex(`${c.accountId}/${c.region}`, 32).toUpperCase()}`;

/** `<type>.<attribute path>` -> a value of that shape. */
const SHAPES: Readonly<Record<string, Shape>> = {
  "aws_vpc.id": id("vpc"),
  "aws_subnet.id": id("subnet"),
  "aws_security_group.id": id("sg"),
  "aws_s3_bucket.arn": (c) => `arn:aws:s3:::${literal(c, "bucket")}`,
  "aws_s3_bucket.bucket": (c) => literal(c, "bucket"),
  "aws_s3_bucket.id": (c) => literal(c, "bucket"),
  "aws_kms_key.arn": regional("kms", (c) => `key/${uuid(c.address)}`),
  "aws_kms_key.key_id": (c) => uuid(c.address),
  "aws_ecr_repository.arn": regional("ecr", (c) => `repository/${literal(c, "name")}`),
  "aws_ecr_repository.repository_url": (c) => `${c.accountId}.dkr.ecr.${c.region}.amazonaws.com/${literal(c, "name")}`,
  "aws_iam_role.arn": (c) => `arn:aws:iam::${c.accountId}:role/${literal(c, "name")}`,
  "aws_iam_role.name": (c) => literal(c, "name"),
  "aws_iam_instance_profile.name": (c) => literal(c, "name"),
  "aws_iam_instance_profile.arn": (c) => `arn:aws:iam::${c.accountId}:instance-profile/${literal(c, "name")}`,
  "aws_sqs_queue.name": (c) => literal(c, "name"),
  "aws_sqs_queue.arn": regional("sqs", (c) => literal(c, "name")),
  "aws_sqs_queue.url": (c) => `https://sqs.${c.region}.amazonaws.com/${c.accountId}/${literal(c, "name")}`,
  "aws_prometheus_workspace.id": workspaceId,
  "aws_prometheus_workspace.arn": regional("aps", (c) => `workspace/${workspaceId(c)}`),
  "aws_prometheus_workspace.prometheus_endpoint": (c) => `https://aps-workspaces.${c.region}.amazonaws.com/workspaces/${workspaceId(c)}/`,
  "aws_eks_cluster.vpc_config.0.cluster_security_group_id": id("sg"),
  "aws_sns_topic.arn": regional("sns", (c) => literal(c, "name")),
  "aws_eks_cluster.name": (c) => literal(c, "name"),
  "aws_eks_cluster.arn": regional("eks", (c) => `cluster/${literal(c, "name")}`),
  "aws_eks_cluster.endpoint": (c) => `https://${hex(c.address, 32).toUpperCase()}.gr7.${c.region}.eks.amazonaws.com`,
  "aws_eks_cluster.certificate_authority.0.data": () => Buffer.from(STUB_CLUSTER_CA).toString("base64"),
  "aws_eks_cluster.identity.0.oidc.0.issuer": (c) => `https://${oidcIssuerHost(c)}`,
  "aws_iam_openid_connect_provider.arn": (c) => `arn:aws:iam::${c.accountId}:oidc-provider/${oidcIssuerHost(c)}`,
};

/** A value shaped like `<type>.<attribute path>` (path as in `certificate_authority[0].data`). */
export function stubValue(type: string, attributePath: string, context: StubContext): string {
  const key = `${type}.${attributePath.replace(/\[(\d+)\]/g, ".$1")}`;
  const shape = SHAPES[key];
  if (!Object.hasOwn(SHAPES, key) || shape === undefined) {
    throw new VerifyError(`no stub shape for ${key} (read from ${context.address}); add one to verify/stub-values.ts`);
  }
  return shape(context);
}
