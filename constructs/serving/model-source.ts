import { createHash } from "node:crypto";
import type { IConstruct } from "constructs";
import { formatArn } from "../core/arn";
import { awsEnvironmentOf } from "../core/aws-environment";
import type { PropsProblem } from "../core/errors";
import type { PolicyStatement } from "../core/iam";
import { ECR_PULL_ACTIONS, MODEL_ARTIFACTS_PREFIX } from "../model-registry/model-registry";

/** The model version an endpoint serves: a (usually approved, possibly other-account) model package, or an image and its artifact. */
export type ModelSource = { readonly modelPackageArn: string } | { readonly image: string; readonly modelDataUrl: string };

/** An account and region a model's image or artifacts are read from. */
export interface ModelLocation {
  readonly accountId: string;
  readonly region: string;
}

/** Where a model version's pieces live, as far as its identifiers tell. */
export interface ParsedModelSource {
  readonly kind: "package" | "image";
  /** The registry the image is pulled from (for a package: the package's account, whose registry holds its image). */
  readonly image: ModelLocation;
  /**
   * The account whose artifact bucket holds the model data (for a package: the package's account).
   * Undefined when the bucket name does not say (it is not a registry bucket): the local registry's grants apply.
   */
  readonly artifactAccountId: string | undefined;
}

/** `arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`; the group follows CreateModelPackageGroup's name pattern. */
export const MODEL_PACKAGE_ARN = /^arn:(aws[a-z-]*):sagemaker:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):model-package\/[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}\/[1-9]\d*$/;
/** The package group of a model package ARN (`.../model-package/<group>/<version>`). */
export function packageGroupOf(modelPackageArn: string): string {
  return modelPackageArn.split("/")[1];
}
/** An ECR image with a tag or a digest: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@sha256:<digest>)`. */
export const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;
/** CreateModel's ContainerDefinition.Image is at most 255 characters; ModelDataUrl at most 1024. */
const IMAGE_MAX_LENGTH = 255;
const MODEL_DATA_URL_MAX_LENGTH = 1024;
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S+)$/;
/** ModelRegistry names its bucket `<prefix>-model-artifacts-<account>`, which tells whose it is. */
const REGISTRY_BUCKET_ACCOUNT = /-model-artifacts-(\d{12})$/;


/** Whether the source is a model package (by value: a key present with an undefined value does not count). */
export function isModelPackage(model: ModelSource): model is { readonly modelPackageArn: string } {
  return (model as { modelPackageArn?: unknown }).modelPackageArn !== undefined;
}

/**
 * What is wrong with the model source, at its field (`model`, `model.image`, ...), or undefined when it is well formed.
 * `env` is the stack's: the image and the model data must be in the endpoint's region (CreateModel's
 * ContainerDefinition), and so must a package.
 */
export function modelSourceProblem(model: ModelSource, env: { region: string; partition: string }): PropsProblem | undefined {
  const fields = model as Partial<Record<"modelPackageArn" | "image" | "modelDataUrl", unknown>>;
  const fromPackage = fields.modelPackageArn !== undefined;
  const fromImage = fields.image !== undefined || fields.modelDataUrl !== undefined;
  if (fromPackage === fromImage) return { path: "model", message: "must be either { modelPackageArn } or { image, modelDataUrl }, not both or neither" };
  if (fromPackage) {
    const arn = String(fields.modelPackageArn);
    const match = MODEL_PACKAGE_ARN.exec(arn);
    const at = (message: string) => ({ path: "model.modelPackageArn", message: `"${arn}" ${message}` });
    if (!match) return at("must be a versioned model package ARN: arn:aws:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>");
    if (match[1] !== env.partition) return at(`is in partition ${match[1]}; the stack deploys to ${env.partition}`);
    if (match[2] !== env.region) return at(`is in ${match[2]}; its image and model data are there, and SageMaker needs them in the endpoint's region, ${env.region}`);
    return undefined;
  }
  if (fields.image === undefined || fields.modelDataUrl === undefined) return { path: "model", message: "must have both image and modelDataUrl" };
  const image = String(fields.image);
  const imageMatch = image.length <= IMAGE_MAX_LENGTH ? ECR_IMAGE.exec(image) : null;
  if (!imageMatch) {
    return { path: "model.image", message: `"${image}" must be an ECR image with a tag or digest, <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>, at most ${IMAGE_MAX_LENGTH} characters` };
  }
  if (imageMatch[2] !== env.region) return { path: "model.image", message: `"${image}" is in ${imageMatch[2]}; SageMaker pulls images from the endpoint's region, ${env.region}` };
  const url = String(fields.modelDataUrl);
  if (url.length > MODEL_DATA_URL_MAX_LENGTH || !S3_URL.test(url)) {
    return { path: "model.modelDataUrl", message: `"${url}" must be an s3://<bucket>/<key> URL of at most ${MODEL_DATA_URL_MAX_LENGTH} characters` };
  }
  return undefined;
}

/** Where the pieces of a well-formed model source live (call modelSourceProblem first). */
export function parseModelSource(model: ModelSource): ParsedModelSource {
  if (isModelPackage(model)) {
    const [, , region, accountId] = MODEL_PACKAGE_ARN.exec(model.modelPackageArn)!;
    return { kind: "package", image: { accountId, region }, artifactAccountId: accountId };
  }
  const [, imageAccount, imageRegion] = ECR_IMAGE.exec(model.image)!;
  const [, bucket] = S3_URL.exec(model.modelDataUrl)!;
  return {
    kind: "image",
    image: { accountId: imageAccount, region: imageRegion },
    artifactAccountId: REGISTRY_BUCKET_ACCOUNT.exec(bucket)?.[1],
  };
}

/**
 * A short hash of what makes a SageMaker model: its source and the settings that force a new model
 * (network isolation, whether it runs in the VPC). Same inputs, same hash, in every synthesis.
 */
export function modelVersionHash(model: ModelSource, settings: { networkIsolation: boolean; inVpc: boolean }): string {
  const source = isModelPackage(model) ? ["package", model.modelPackageArn] : ["image", model.image, model.modelDataUrl];
  return createHash("sha256")
    .update(JSON.stringify([...source, settings.networkIsolation, settings.inVpc]))
    .digest("hex")
    .slice(0, 8);
}

/** The accounts other than this one that the model reads from. */
export function foreignSources(parsed: ParsedModelSource, localAccountId: string): { images: ModelLocation[]; artifactAccountIds: string[] } {
  return {
    images: parsed.image.accountId === localAccountId ? [] : [parsed.image],
    artifactAccountIds: parsed.artifactAccountId === undefined || parsed.artifactAccountId === localAccountId ? [] : [parsed.artifactAccountId],
  };
}

/**
 * This side of a cross-account read: pull the source account's images, read the shared `models/` part
 * of its registry bucket, and decrypt through S3 with its keys. The source account's ModelRegistry grants
 * the other half (repository policies, a bucket policy on `models/*`, and a key policy statement that lets
 * this account decrypt via S3 only); neither half works alone. Resources are patterns because the source
 * account's repository, bucket and key names are not known here; the other half names them exactly.
 */
export function crossAccountStatements(
  scope: IConstruct,
  foreign: { images: readonly ModelLocation[]; artifactAccountIds: readonly string[] },
): PolicyStatement[] {
  const { region } = awsEnvironmentOf(scope);
  const one = (values: string[]): string | string[] => (values.length === 1 ? values[0] : values);
  const statements: PolicyStatement[] = [];
  if (foreign.images.length > 0) {
    statements.push({
      Effect: "Allow",
      Action: ECR_PULL_ACTIONS,
      Resource: one(foreign.images.map((image) => formatArn(scope, { service: "ecr", region: image.region, account: image.accountId, resource: "repository/*" }))),
    });
  }
  if (foreign.artifactAccountIds.length > 0) {
    statements.push({
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: one(foreign.artifactAccountIds.map((account) => formatArn(scope, { service: "s3", region: "", account: "", resource: `*-model-artifacts-${account}/${MODEL_ARTIFACTS_PREFIX}/*` }))),
    });
    // Model data must be in the endpoint's region (CreateModel), so the source bucket's key is too.
    statements.push({
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: one(foreign.artifactAccountIds.map((account) => formatArn(scope, { service: "kms", account, resource: "key/*" }))),
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    });
  }
  return statements;
}
