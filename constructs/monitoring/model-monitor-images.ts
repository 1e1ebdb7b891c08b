/**
 * Accounts that host SageMaker's built-in Model Monitor analyzer image (`sagemaker-model-monitor-analyzer`),
 * by region. The image is pulled by SageMaker with service credentials, so a monitoring job's role needs
 * no ECR permission for it.
 *
 * Source: the SageMaker Python SDK's image URI table (`image_uri_config/model-monitor.json`, which
 * `sagemaker.image_uris.retrieve("model-monitor", region)` reads), commercial regions only; the older
 * regions agree with aws-samples/amazon-sagemaker-drift-detection. A region missing here has no entry in
 * that table: look its account up there before adding it, never guess one.
 */
export const MODEL_MONITOR_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
  "af-south-1": "875698925577",
  "ap-east-1": "001633400207",
  "ap-northeast-1": "574779866223",
  "ap-northeast-2": "709848358524",
  "ap-northeast-3": "990339680094",
  "ap-south-1": "126357580389",
  "ap-southeast-1": "245545462676",
  "ap-southeast-2": "563025443158",
  "ap-southeast-3": "669540362728",
  "ca-central-1": "536280801234",
  "eu-central-1": "048819808253",
  "eu-central-2": "590183933784",
  "eu-north-1": "895015795356",
  "eu-south-1": "933208885752",
  "eu-south-2": "437450045455",
  "eu-west-1": "468650794304",
  "eu-west-2": "749857270468",
  "eu-west-3": "680080141114",
  "il-central-1": "843974653677",
  "me-central-1": "588750061953",
  "me-south-1": "607024016150",
  "sa-east-1": "539772159869",
  "us-east-1": "156813124566",
  "us-east-2": "777275614652",
  "us-west-1": "890145073186",
  "us-west-2": "159807026194",
};

export const MODEL_MONITOR_REPOSITORY = "sagemaker-model-monitor-analyzer";

/** Why drift cannot be monitored in `region`, if it cannot: Model Monitor has no analyzer image there. */
export function modelMonitorRegionProblem(region: string): string | undefined {
  if (modelMonitorImageUri(region) !== undefined) return undefined;
  return `Model Monitor has no analyzer image in ${region} (it has one in ${Object.keys(MODEL_MONITOR_IMAGE_ACCOUNTS).join(", ")}); remove drift or use one of those regions`;
}

/** The analyzer image of a region, untagged as the SageMaker SDK returns it; undefined where the table has no account. */
export function modelMonitorImageUri(region: string): string | undefined {
  const account = Object.hasOwn(MODEL_MONITOR_IMAGE_ACCOUNTS, region) ? MODEL_MONITOR_IMAGE_ACCOUNTS[region] : undefined;
  return account ? `${account}.dkr.ecr.${region}.amazonaws.com/${MODEL_MONITOR_REPOSITORY}` : undefined;
}
