import { Construct } from "constructs";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SagemakerDataQualityJobDefinition } from "@cdktf/provider-aws/lib/sagemaker-data-quality-job-definition";
import { SagemakerMonitoringSchedule } from "@cdktf/provider-aws/lib/sagemaker-monitoring-schedule";
import { awsEnvironmentOf } from "../core/aws-environment";
import { formatArn } from "../core/arn";
import { IGrantable } from "../core/iam";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { ISecureBucket } from "../core/secure-bucket";
import { ServiceRole, serviceTrust } from "../core/service-role";
import { grantVpcNetworkInterfaces } from "../core/vpc-access";
import { eventRuleAlarm } from "./event-rule-alarm";
import { modelMonitorImageUri, modelMonitorRegionProblem } from "./model-monitor-images";
import { type PropsProblem, throwPropsProblems } from "../core/errors";
import { SAGEMAKER_NAME, PIPELINE_NAME } from "../core/sagemaker-names";

export interface DriftMonitorProps {
  /** The monitored endpoint's name, as a literal (it names the schedule, the alarm and the metric dimensions). */
  readonly endpointName: string;
  /** `s3://<bucket>/<key>` of the baseline's statistics.json. */
  readonly baselineStatisticsUri: string;
  /** `s3://<bucket>/<key>` of the baseline's constraints.json. */
  readonly baselineConstraintsUri: string;
  /** SageMaker schedule expression, e.g. "cron(0 * ? * * *)" (hourly). */
  readonly scheduleExpression: string;
  /** Features whose baseline drift is alarmed on. */
  readonly features: readonly string[];
  /** Drift distance above which the drift alarm fires. */
  readonly threshold: number;
  /** @default "ml.m5.large" */
  readonly instanceType?: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Where the job writes its reports (prefix monitoring/<endpoint>). */
  readonly reportsBucket: ISecureBucket;
  /** The endpoint's data capture, read by the job. */
  readonly captureBucket: ISecureBucket;
  readonly encryptionKey: IKmsKey;
  readonly alertTopicArn: string;
  /**
   * The SageMaker pipeline that retrains the model when drift is detected (the drift alarm's own notification says
   * so, and an alarm tells the topic when EventBridge fails to start it).
   * @default - no retraining trigger
   */
  readonly retrainingPipelineArn?: string;
  /**
   * The endpoint resource, when it is created in the same apply: the schedule needs the endpoint to exist.
   * @default - no ordering (the endpoint already exists)
   */
  readonly endpoint?: ITerraformDependable;
}

/** Where the built-in analyzer publishes per-feature metrics of real-time endpoints (dimensions Endpoint, MonitoringSchedule). */
export const DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics";
/** `feature_baseline_drift_<feature>`: the distance of a feature's distribution from its baseline. */
export const BASELINE_DRIFT_METRIC_PREFIX = "feature_baseline_drift_";
/** CloudWatch: an alarm on a metric math expression references at most 10 metrics (a hard limit). */
export const MAX_ALARM_FEATURES = 10;
/** Where SageMaker puts the captured data in the container, and where the analyzer writes its reports. */
export const MONITORING_INPUT_PATH = "/opt/ml/processing/input";
export const MONITORING_OUTPUT_PATH = "/opt/ml/processing/output";
/** Reports of an endpoint go under `monitoring/<endpoint>/` in the reports bucket. */
export const REPORTS_PREFIX = "monitoring";

const DEFAULT_INSTANCE_TYPE = "ml.m5.large";
const VOLUME_SIZE_GB = 20;
/** Data quality jobs may run up to 3600 s on an hourly schedule (MonitoringStoppingCondition); every schedule here is at least hourly. */
const MAX_RUNTIME_SECONDS = 3600;
/** SageMaker's name pattern for endpoints, job definitions and schedules. */
/** Metric names are at most 255 characters; the prefix takes 23. Letters, digits, "_", "-" and "." only. */
const FEATURE_NAME = /^[A-Za-z0-9_.-]{1,232}$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
const S3_OBJECT_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S*[^/\s])$/;
const PIPELINE_ARN = new RegExp(`^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\\d{12}:pipeline\\/${PIPELINE_NAME.source.slice(1)}`);
/** The recurring expressions Model Monitor accepts (ScheduleConfig): hourly, daily at an hour, every N hours from an hour. */
const HOURLY = "cron(0 * ? * * *)";
const DAILY_OR_EVERY_N_HOURS = /^cron\(0 ([01]?\d|2[0-3])(?:\/([1-9]|1\d|2[0-4]))? \? \* \* \*\)$/;
/** Runs in a row that may publish nothing before the reporting alarm fires: one late or lost run is not an outage. */
export const SILENT_RUNS_TO_ALARM = 2;
/** SageMaker allows 16 subnets and 5 security groups in a VpcConfig. */
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;

/** Seconds between two runs of a schedule, or undefined for an expression Model Monitor does not accept. */
export function scheduleIntervalSeconds(expression: string): number | undefined {
  if (expression === HOURLY) return 3600;
  const match = DAILY_OR_EVERY_N_HOURS.exec(expression);
  if (!match) return undefined;
  return match[2] === undefined ? 86400 : Number(match[2]) * 3600;
}

/**
 * Data-quality drift detection for one real-time endpoint: SageMaker Model Monitor's built-in analyzer
 * compares the captured traffic with a baseline on a schedule, inside the VPC, network-isolated, with
 * encrypted volumes, outputs and inter-container traffic, and publishes per-feature metrics. One alarm
 * watches the largest baseline drift of the chosen features and notifies the alert topic; another tells it when
 * the runs stop publishing those metrics (a failed, stopped or deleted schedule, or an endpoint that captured
 * nothing). With a retraining pipeline, an EventBridge rule starts it when the drift alarm goes to ALARM, and an
 * alarm tells the topic when that start fails.
 */
/** What a drift monitor is given from config: the parts its checks read. */
export type DriftSpec = Pick<DriftMonitorProps, "baselineStatisticsUri" | "baselineConstraintsUri" | "scheduleExpression" | "features" | "threshold" | "retrainingPipelineArn">;

/**
 * What SageMaker, CloudWatch or EventBridge would refuse (or accept and then never alarm) in a drift monitor's
 * settings, by field; values that are Terraform references are not judged. Shared by DriftMonitor and the
 * environment schema, so a config the schema accepts always builds.
 */
export function driftSpecProblems(spec: DriftSpec): PropsProblem[] {
  const problems: PropsProblem[] = [];
  for (const [field, uri] of [["baselineStatisticsUri", spec.baselineStatisticsUri], ["baselineConstraintsUri", spec.baselineConstraintsUri]] as const) {
    if (!Token.isUnresolved(uri) && !S3_OBJECT_URI.test(uri)) {
      problems.push({ path: field, message: `"${uri}" must be the s3:// URI of a file, e.g. "s3://bucket/baseline/${field === "baselineStatisticsUri" ? "statistics" : "constraints"}.json"` });
    }
  }
  if (!Token.isUnresolved(spec.scheduleExpression) && scheduleIntervalSeconds(spec.scheduleExpression) === undefined) {
    problems.push({
      path: "scheduleExpression",
      message:
        `"${spec.scheduleExpression}" is not a recurring Model Monitor schedule; use "cron(0 * ? * * *)" (hourly), ` +
        `"cron(0 H ? * * *)" (daily at hour H UTC) or "cron(0 H/N ? * * *)" (every N hours from hour H)`,
    });
  }
  if (spec.features.length === 0) problems.push({ path: "features", message: "is empty; name at least one feature whose drift to alarm on" });
  if (spec.features.length > MAX_ALARM_FEATURES) {
    problems.push({ path: "features", message: `lists ${spec.features.length} features; a CloudWatch metric math alarm references at most ${MAX_ALARM_FEATURES} metrics` });
  }
  spec.features.forEach((feature, i) => {
    if (!FEATURE_NAME.test(feature)) {
      problems.push({ path: `features.${i}`, message: `"${feature}" must be 1-232 letters, digits, "_", "-" or "." to name the metric ${BASELINE_DRIFT_METRIC_PREFIX}<feature>` });
    } else if (spec.features.indexOf(feature) !== i) problems.push({ path: `features.${i}`, message: `"${feature}" is listed twice` });
  });
  if (!Number.isFinite(spec.threshold) || spec.threshold <= 0) problems.push({ path: "threshold", message: `is ${spec.threshold}; it must be a drift distance greater than 0` });
  const pipeline = spec.retrainingPipelineArn;
  if (pipeline !== undefined && !Token.isUnresolved(pipeline) && !PIPELINE_ARN.test(pipeline)) {
    problems.push({ path: "retrainingPipelineArn", message: `"${pipeline}" must be a SageMaker pipeline ARN, arn:aws:sagemaker:<region>:<account>:pipeline/<name> (a name of letters, digits and inner hyphens, at most 256)` });
  }
  return problems;
}

export class DriftMonitor extends Construct {
  readonly driftAlarmName: string;
  readonly driftAlarmArn: string;
  /** The alarm that goes off when runs stop publishing drift metrics. */
  readonly reportingAlarmName: string;
  readonly scheduleName: string;
  readonly jobDefinitionName: string;
  /** The role the monitoring job runs as. */
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const { accountId, region } = awsEnvironmentOf(this);
    const intervalSeconds = this.validate(props, region);
    const imageUri = modelMonitorImageUri(region)!;
    const endpoint = props.endpointName;
    const instanceType = props.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const keyArn = props.encryptionKey.keyArn;
    const reportsPrefix = `${REPORTS_PREFIX}/${endpoint}`;

    this.jobDefinitionName = resourceName([endpoint, "data-quality"], { maxLength: 63 });
    this.scheduleName = resourceName([endpoint, "drift"], { maxLength: 63 });
    this.driftAlarmName = `${this.scheduleName}-feature-drift`;
    this.reportingAlarmName = `${this.scheduleName}-not-reporting`;

    const role = new ServiceRole(this, "JobRole", {
      roleName: resourceName([endpoint, "drift-monitor", region], { maxLength: 64 }),
      description: `SageMaker Model Monitor data-quality job of endpoint ${endpoint}`,
      trust: [serviceTrust("sagemaker.amazonaws.com", accountId)],
    });
    this.roleArn = role.roleArn;
    // The reports and capture buckets (and their keys) are often the same: each grant once.
    this.grantJobPermissions(role, props, { region, reportsPrefix });

    const jobDefinition = new SagemakerDataQualityJobDefinition(this, "JobDefinition", {
      name: this.jobDefinitionName,
      roleArn: role.roleArn,
      dataQualityAppSpecification: {
        imageUri,
        environment: { publish_cloudwatch_metrics: "Enabled" },
      },
      dataQualityBaselineConfig: {
        statisticsResource: { s3Uri: props.baselineStatisticsUri },
        constraintsResource: { s3Uri: props.baselineConstraintsUri },
      },
      dataQualityJobInput: {
        endpointInput: {
          endpointName: endpoint,
          localPath: MONITORING_INPUT_PATH,
          s3DataDistributionType: "FullyReplicated",
          s3InputMode: "File",
        },
      },
      dataQualityJobOutputConfig: {
        kmsKeyId: keyArn,
        monitoringOutputs: {
          s3Output: {
            s3Uri: `s3://${props.reportsBucket.bucketName}/${reportsPrefix}`,
            localPath: MONITORING_OUTPUT_PATH,
            s3UploadMode: "EndOfJob",
          },
        },
      },
      jobResources: {
        clusterConfig: { instanceCount: 1, instanceType, volumeSizeInGb: VOLUME_SIZE_GB, volumeKmsKeyId: keyArn },
      },
      networkConfig: {
        enableInterContainerTrafficEncryption: true,
        enableNetworkIsolation: true,
        vpcConfig: { subnets: [...props.subnetIds], securityGroupIds: [...props.securityGroupIds] },
      },
      stoppingCondition: { maxRuntimeInSeconds: MAX_RUNTIME_SECONDS },
      // SageMaker checks the role when the definition is made; its permissions must be there first.
      dependsOn: [...role.policyResources],
    });

    new SagemakerMonitoringSchedule(this, "Schedule", {
      name: this.scheduleName,
      monitoringScheduleConfig: {
        monitoringJobDefinitionName: jobDefinition.name,
        monitoringType: "DataQuality",
        scheduleConfig: { scheduleExpression: props.scheduleExpression },
      },
      dependsOn: props.endpoint ? [props.endpoint] : undefined,
    });

    const alarm = new CloudwatchMetricAlarm(this, "DriftAlarm", {
      alarmName: this.driftAlarmName,
      alarmDescription: alarmDescription(props, this.scheduleName, reportsPrefix),
      comparisonOperator: "GreaterThanThreshold",
      threshold: props.threshold,
      // One evaluation per run of the schedule: the analyzer publishes one datapoint per feature and run.
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Between runs, or when a run is late, the alarm keeps its state: drift that persists stays one ALARM
      // (one retraining), and a gap never fakes a recovery.
      treatMissingData: "ignore",
      actionsEnabled: true,
      alarmActions: [props.alertTopicArn],
      metricQuery: driftQueries(props.features, endpoint, this.scheduleName, intervalSeconds),
    });
    this.driftAlarmArn = alarm.arn;

    // A run that fails (or a schedule that stopped) publishes nothing, and the drift alarm ignores missing data:
    // this one treats it as breaching. No drift distance is below 0, so only missing runs can set it off.
    new CloudwatchMetricAlarm(this, "ReportingAlarm", {
      alarmName: this.reportingAlarmName,
      alarmDescription:
        `Model Monitor schedule ${this.scheduleName} of endpoint ${endpoint} published no drift metrics for ${SILENT_RUNS_TO_ALARM} runs in a row: ` +
        `its runs fail or stopped (see the schedule's executions), or the endpoint captured no traffic to analyze.`,
      comparisonOperator: "LessThanThreshold",
      threshold: 0,
      evaluationPeriods: SILENT_RUNS_TO_ALARM,
      datapointsToAlarm: SILENT_RUNS_TO_ALARM,
      treatMissingData: "breaching",
      actionsEnabled: true,
      alarmActions: [props.alertTopicArn],
      okActions: [props.alertTopicArn],
      metricQuery: driftQueries(props.features, endpoint, this.scheduleName, intervalSeconds),
    });

    if (props.retrainingPipelineArn !== undefined) {
      this.addRetraining(props, props.retrainingPipelineArn, { accountId, region });
    }
  }

  private grantJobPermissions(
    role: IGrantable,
    props: DriftMonitorProps,
    env: { region: string; reportsPrefix: string },
  ): void {
    const { region, reportsPrefix } = env;
    // Captured requests and responses: the whole capture bucket, since its layout (destination prefix,
    // then <endpoint>/<variant>/yyyy/mm/dd/hh) belongs to the serving endpoint. Read only.
    props.captureBucket.grantRead(role);
    // Reports of this endpoint only.
    props.reportsBucket.grantReadWrite(role, { keyPrefix: reportsPrefix });
    // Output and volume encryption.
    props.encryptionKey.grantVolumeEncryption(role);

    // The two baseline files, wherever they are (often the model artifact bucket), and only through S3 for
    // their key: which key encrypts them is that bucket's business, so decrypt is limited to keys of this
    // account and region used by S3 on the role's behalf.
    const baselineObjects = [props.baselineStatisticsUri, props.baselineConstraintsUri].map((uri) => s3ObjectArn(this, uri));
    role.addToPrincipalPolicy({ Effect: "Allow", Action: "s3:GetObject", Resource: baselineObjects });
    role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: formatArn(this, { service: "kms", resource: "key/*" }),
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    });

    // Metrics: PutMetricData has no resource; the namespace condition keeps the job to SageMaker's namespaces.
    role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringLike: { "cloudwatch:namespace": ["aws/sagemaker/*", "/aws/sagemaker/*"] } },
    });
    // The processing job's logs (SageMaker makes the group if it is missing).
    role.addToPrincipalPolicy({
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: formatArn(this, { service: "logs", resource: "log-group:/aws/sagemaker/ProcessingJobs:*" }),
    });

    // Running in the VPC: SageMaker makes and removes the job's network interfaces as the role.
    grantVpcNetworkInterfaces(this, role, { subnetIds: props.subnetIds, securityGroupIds: props.securityGroupIds });
  }

  private addRetraining(props: DriftMonitorProps, pipelineArn: string, env: { accountId: string; region: string }): void {
    const { accountId, region } = env;
    const ruleName = resourceName([props.endpointName, "drift-retraining"], { maxLength: 64 });
    const ruleArn = formatArn(this, { service: "events", resource: `rule/${ruleName}` });
    // Built from the name, so the plan shows which alarm the rule listens to.
    const alarmArn = formatArn(this, { service: "cloudwatch", resource: `alarm:${this.driftAlarmName}` });

    const rule = new CloudwatchEventRule(this, "RetrainingRule", {
      name: ruleName,
      description: `Starts retraining when the drift alarm of endpoint ${props.endpointName} goes to ALARM`,
      eventPattern: JSON.stringify({
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        resources: [alarmArn],
        detail: { state: { value: ["ALARM"] } },
      }),
    });

    const eventsRole = new ServiceRole(this, "RetrainingRole", {
      roleName: resourceName([props.endpointName, "drift-retraining", region], { maxLength: 64 }),
      description: `EventBridge starts the retraining pipeline when endpoint ${props.endpointName} drifts`,
      trust: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          // Only this rule of this account may use the role.
          Condition: { StringEquals: { "aws:SourceAccount": accountId, "aws:SourceArn": ruleArn } },
        },
      ],
    });
    eventsRole.addToPrincipalPolicy({ Effect: "Allow", Action: "sagemaker:StartPipelineExecution", Resource: pipelineArn });

    new CloudwatchEventTarget(this, "StartRetraining", {
      rule: rule.name,
      targetId: "start-retraining-pipeline",
      arn: pipelineArn,
      roleArn: eventsRole.roleArn,
      sagemakerPipelineTarget: {},
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      dependsOn: [...eventsRole.policyResources],
    });
    // The topic hears about the drift from the drift alarm itself, not from this rule (an EventBridge target on
    // the topic would need a topic policy statement without conditions). What it must hear is a start that
    // failed: EventBridge counts those per rule, and recommends an alarm on them.
    eventRuleAlarm(this, "RetrainingFailedAlarm", {
      ruleName,
      metricName: "FailedInvocations",
      alarmName: `${ruleName}-failed-invocations`,
      description: `EventBridge rule ${ruleName} could not start retraining pipeline ${pipelineArn} after endpoint ${props.endpointName} drifted`,
      alertTopicArn: props.alertTopicArn,
    });
  }

  /** Refuses what SageMaker, CloudWatch or EventBridge would refuse (or accept and then never alarm); returns the schedule's interval. */
  private validate(props: DriftMonitorProps, region: string): number {
    const problems: PropsProblem[] = [];
    const fail = (path: string, message: string) => problems.push({ path, message });
    if (Token.isUnresolved(props.endpointName)) {
      fail("endpointName", "must be a literal name; it names the schedule, the alarm and the metric dimensions");
    } else if (!SAGEMAKER_NAME.test(props.endpointName)) {
      fail("endpointName", `"${props.endpointName}" must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit`);
    }
    const regionProblem = modelMonitorRegionProblem(region);
    if (regionProblem) fail("region", regionProblem);
    problems.push(...driftSpecProblems(props));
    const interval = Token.isUnresolved(props.scheduleExpression) ? undefined : scheduleIntervalSeconds(props.scheduleExpression);
    if (interval === undefined) fail("scheduleExpression", "must be a literal schedule");
    const instanceType = props.instanceType ?? DEFAULT_INSTANCE_TYPE;
    if (!INSTANCE_TYPE.test(instanceType)) fail("instanceType", `"${instanceType}" must be a SageMaker instance type such as "ml.m5.large"`);
    if (props.subnetIds.length === 0 || props.subnetIds.length > MAX_SUBNETS) {
      fail("subnetIds", `lists ${props.subnetIds.length} subnets; the job runs in the VPC and needs 1-${MAX_SUBNETS}`);
    }
    if (props.securityGroupIds.length === 0 || props.securityGroupIds.length > MAX_SECURITY_GROUPS) {
      fail("securityGroupIds", `lists ${props.securityGroupIds.length} groups; the job runs in the VPC and needs 1-${MAX_SECURITY_GROUPS}`);
    }
    throwPropsProblems(this.node.path, problems);
    return interval!;
  }
}

/** `arn:<partition>:s3:::<bucket>/<key>` of an s3:// URI. */
function s3ObjectArn(scope: Construct, uri: string): string {
  const path = Token.isUnresolved(uri) ? Fn.replace(uri, "s3://", "") : uri.replace(/^s3:\/\//, "");
  return formatArn(scope, { service: "s3", region: "", account: "", resource: path });
}

/** One metric per feature (per run of the schedule) and their maximum, the value both drift alarms read. */
function driftQueries(features: readonly string[], endpoint: string, scheduleName: string, intervalSeconds: number) {
  return [
    ...features.map((feature, i) => ({
      id: `f${i}`,
      returnData: false,
      metric: {
        namespace: DATA_METRICS_NAMESPACE,
        metricName: `${BASELINE_DRIFT_METRIC_PREFIX}${feature}`,
        dimensions: { Endpoint: endpoint, MonitoringSchedule: scheduleName },
        period: intervalSeconds,
        // One datapoint per run; Maximum (not Sum) stays right when a late run lands in the next period.
        stat: "Maximum",
      },
    })),
    { id: "drift", expression: `MAX([${features.map((_, i) => `f${i}`).join(", ")}])`, label: "Largest feature baseline drift", returnData: true },
  ];
}

/** At most 1024 characters (PutMetricAlarm), so a long feature list is counted rather than listed. */
function alarmDescription(props: DriftMonitorProps, scheduleName: string, reportsPrefix: string): string {
  const listed = props.features.join(", ");
  const features = listed.length <= 300 ? listed : `${props.features.length} features`;
  const retraining = props.retrainingPipelineArn === undefined ? "" : ` Going to ALARM starts retraining pipeline ${props.retrainingPipelineArn}.`;
  return (
    `Largest baseline drift of ${features} on endpoint ${props.endpointName} is above ${props.threshold}. ` +
    `Model Monitor schedule ${scheduleName}; its reports are under ${reportsPrefix}/ in the reports bucket.${retraining}`
  );
}
