import type { Rule } from "../rule";
import { codebuildRules } from "./codebuild";
import { dynamodbRules } from "./dynamodb";
import { ecrRules } from "./ecr";
import { eksRules } from "./eks";
import { glueRules } from "./glue";
import { helmRules } from "./helm";
import { iamRules } from "./iam";
import { karpenterRules } from "./karpenter";
import { kmsRules } from "./kms";
import { kubernetesRules } from "./kubernetes";
import { kueueRules } from "./kueue";
import { logsRules } from "./logs";
import { networkRules } from "./network";
import { prometheusRules } from "./prometheus";
import { protectionRules } from "./protection";
import { s3Rules } from "./s3";
import { sagemakerRules } from "./sagemaker";
import { snsRules } from "./sns";
import { sqsRules } from "./sqs";

/** Every rule, by area. A new rule file is added here. */
export const ALL_RULES: readonly Rule[] = [
  ...s3Rules,
  ...kmsRules,
  ...snsRules,
  ...logsRules,
  ...dynamodbRules,
  ...ecrRules,
  ...glueRules,
  ...protectionRules,
  ...iamRules,
  ...networkRules,
  ...eksRules,
  ...codebuildRules,
  ...sagemakerRules,
  ...kubernetesRules,
  ...helmRules,
  ...karpenterRules,
  ...kueueRules,
  ...sqsRules,
  ...prometheusRules,
];
