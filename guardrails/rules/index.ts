import type { Rule } from "../rule";
import { codebuildRules } from "./codebuild";
import { dynamodbRules } from "./dynamodb";
import { ecrRules } from "./ecr";
import { eksRules } from "./eks";
import { glueRules } from "./glue";
import { iamRules } from "./iam";
import { kmsRules } from "./kms";
import { kubernetesRules } from "./kubernetes";
import { logsRules } from "./logs";
import { networkRules } from "./network";
import { protectionRules } from "./protection";
import { s3Rules } from "./s3";
import { sagemakerRules } from "./sagemaker";
import { snsRules } from "./sns";

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
];
