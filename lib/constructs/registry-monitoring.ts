import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmsConfig } from '../config/types';
import { AlarmTopic } from './monitoring/alarm-topic';
import {
  FindingSeverity,
  authFailurePattern,
  scanFailedPattern,
  scanFindingsPattern,
  unexpectedPushPattern,
} from './monitoring/event-patterns';
import { RegistryDashboard } from './monitoring/registry-dashboard';

/** ECR API operations that publish `AWS/Usage` `CallCount` metrics with a matching service quota. */
export const ECR_USAGE_APIS = [
  'GetAuthorizationToken',
  'BatchCheckLayerAvailability',
  'InitiateLayerUpload',
  'UploadLayerPart',
  'CompleteLayerUpload',
  'PutImage',
  'BatchGetImage',
  'GetDownloadUrlForLayer',
] as const;
export type EcrUsageApi = (typeof ECR_USAGE_APIS)[number];

/** ECR's default "Images per repository" quota (adjustable through Service Quotas). */
export const DEFAULT_IMAGES_PER_REPOSITORY_QUOTA = 100_000;
/** Logging in (every `docker login`, every task start) and pulling manifests: the calls that throttle first. */
export const DEFAULT_API_USAGE_RESOURCES: readonly EcrUsageApi[] = ['GetAuthorizationToken', 'BatchGetImage'];
/** Defaults for the optional thresholds in {@link AlarmsConfig}. */
export const ALARM_DEFAULTS = {
  pullAnomalyEvaluationPeriods: 3,
  authFailureThreshold: 5,
  unexpectedPushes: true,
} as const;

/** Event-driven alarms look at 5-minute sums of their rule's matches. */
const EVENT_PERIOD = Duration.minutes(5);
/** `AWS/Usage` CallCount is a per-minute count; the ECR API quotas are requests per second. */
const API_USAGE_PERIOD = Duration.minutes(1);
const API_USAGE_EVALUATION_PERIODS = 5;
const API_USAGE_DATAPOINTS_TO_ALARM = 3;
/** ImagesPerRepositoryCount moves slowly and is published at most every 5 minutes: an hourly maximum is enough. */
const IMAGE_COUNT_PERIOD = Duration.hours(1);
const PULL_PERIOD = Duration.minutes(5);
/** CloudWatch limits an alarm's evaluation range to one day. */
const MAX_PULL_EVALUATION_PERIODS = (24 * 60) / PULL_PERIOD.toMinutes();
/** EventBridge rule names are at most 64 characters; the longest suffix used here is `-unexpected-pushes`. */
const MAX_PREFIX_LENGTH = 64 - '-unexpected-pushes'.length;
const NAME_PART_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Props for {@link RegistryMonitoring}. */
export interface RegistryMonitoringProps {
  /** Application name used in alarm names: `<appName>-<envName>-<what>`. */
  readonly appName: string;
  readonly envName: string;
  /** The repository to watch. */
  readonly repository: ecr.IRepository;
  /** Thresholds and switches for this environment. */
  readonly alarms: AlarmsConfig;
  /**
   * ARN of the CI role that is the only expected pusher (used by the unexpected-push alarm).
   * @default - no unexpected-push alarm
   */
  readonly ciPushRoleArn?: string;
  /**
   * The repository's "Images per repository" quota; raise it here after a quota increase so the image-count
   * alarm keeps its meaning.
   * @default DEFAULT_IMAGES_PER_REPOSITORY_QUOTA (100,000)
   */
  readonly imagesPerRepositoryQuota?: number;
  /**
   * ECR API operations whose account-wide usage is alarmed against their service quota.
   * @default DEFAULT_API_USAGE_RESOURCES (GetAuthorizationToken, BatchGetImage)
   */
  readonly apiUsageResources?: readonly EcrUsageApi[];
}

/**
 * Alarms, notifications and a dashboard for one ECR repository.
 *
 * ECR publishes little to CloudWatch (one `AWS/ECR` metric, `AWS/Usage` quotas); scan results and API
 * calls arrive as EventBridge events. Each event-driven alarm is therefore an EventBridge rule that
 * notifies the topic with a readable message, plus a CloudWatch alarm on the rule's `MatchedEvents` so
 * it shows on the alarm board and dashboard like every other alarm.
 */
export class RegistryMonitoring extends Construct {
  /** Alarm action (ALARM and OK) of every alarm and target of every rule. */
  readonly topic: sns.Topic;
  /** The customer managed key encrypting the topic. */
  readonly topicKey: kms.Key;
  /** Every alarm created, in creation order. */
  readonly alarms: cloudwatch.IAlarm[] = [];
  /** Every EventBridge rule created, by what it detects. */
  readonly rules: Readonly<Record<string, events.Rule>>;
  readonly dashboard: cloudwatch.Dashboard;

  private readonly prefix: string;
  private readonly action: cwActions.SnsAction;
  private readonly ruleMap: Record<string, events.Rule> = {};

  constructor(scope: Construct, id: string, props: RegistryMonitoringProps) {
    super(scope, id);
    validateProps(props);
    const a = props.alarms;
    this.prefix = `${props.appName}-${props.envName}`;
    this.rules = this.ruleMap;
    const repositoryName = props.repository.repositoryName;
    const imagesQuota = props.imagesPerRepositoryQuota ?? DEFAULT_IMAGES_PER_REPOSITORY_QUOTA;
    const apis = props.apiUsageResources ?? DEFAULT_API_USAGE_RESOURCES;

    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      topicName: `${this.prefix}-registry-alarms`,
      alarmNamePrefix: this.prefix,
      emails: a.emails,
    });
    this.topic = alarmTopic.topic;
    this.topicKey = alarmTopic.key;
    this.action = new cwActions.SnsAction(this.topic);

    // (1) Vulnerabilities found by scan on push.
    const severities: FindingSeverity[] = a.criticalFindings ? (a.alertOnHighFindings ? ['CRITICAL', 'HIGH'] : ['CRITICAL']) : [];
    if (severities.length > 0) {
      const what = severities.join(' or ');
      this.eventAlarm('scan-findings', {
        pattern: scanFindingsPattern(repositoryName, severities),
        ruleDescription: `${what} findings from scan on push in ${repositoryName}`,
        message:
          `[${this.prefix}] Scan on push found ${what} vulnerabilities in repository ${field('$.detail.repository-name')}, ` +
          `image ${field('$.detail.image-digest')}. Findings: CRITICAL=${field('$.detail.finding-severity-counts.CRITICAL')} ` +
          `HIGH=${field('$.detail.finding-severity-counts.HIGH')} (blank or null means none). What to do: open the image ` +
          'in the ECR console (Vulnerabilities tab), rebuild on a patched base image or upgrade the affected packages, ' +
          'push a new tag, and do not deploy this digest to prod until it is fixed or the risk is accepted in writing.',
        description:
          `Scan on push found ${what} vulnerabilities in an image pushed to ${repositoryName}. The notification ` +
          'e-mail names the image digest and counts. What to do: open the image in the ECR console ' +
          '(Vulnerabilities tab), rebuild on a patched base image or upgrade the affected packages, push a new ' +
          'tag, and keep the affected digest out of prod until fixed or risk-accepted. The alarm returns to OK ' +
          'by itself 5 minutes after the last finding: OK does not mean the image was fixed.',
      });
    }

    // (2) Scans that failed, which leave an image unchecked.
    if (a.scanFailures) {
      this.eventAlarm('scan-failures', {
        pattern: scanFailedPattern(repositoryName),
        ruleDescription: `Failed image scans in ${repositoryName}`,
        message:
          `[${this.prefix}] An image scan FAILED in repository ${field('$.detail.repository-name')}, image ` +
          `${field('$.detail.image-digest')}: it was not checked for vulnerabilities. What to do: see the scan status in ` +
          'the ECR console; basic scanning fails on unsupported base images (use a supported OS) and on images it ' +
          'cannot read. Rebuild or start a manual scan, and do not deploy the digest before it has a completed scan.',
        description:
          `An image scan failed in ${repositoryName}: that image was never checked for vulnerabilities. What to ` +
          'do: read the scan status in the ECR console. Basic scanning fails on unsupported operating systems ' +
          '(move to a supported base image) and on images it cannot read; rebuild or start a manual scan, and do ' +
          'not deploy the digest before a scan completes. Returns to OK by itself after 5 quiet minutes.',
      });
    }

    // (3) Image count approaching the images-per-repository quota, past which every push fails.
    if (a.imageCountQuotaFraction !== false) {
      const threshold = Math.floor(a.imageCountQuotaFraction * imagesQuota);
      this.addAlarm(new cloudwatch.Alarm(this, 'ImageCountAlarm', {
        alarmName: `${this.prefix}-image-count-quota`,
        alarmDescription:
          `Repository ${repositoryName} holds more than ${threshold} images (${percent(a.imageCountQuotaFraction)} of ` +
          `the ${imagesQuota}-image per-repository quota). At the quota every push fails. What to do: check that ` +
          'the lifecycle policy is attached and expiring images (ECR console > Lifecycle policy, or npm run ' +
          'lifecycle), tighten retention in lib/config/environments.ts, or request a quota increase ' +
          '(Service Quotas > Amazon ECR > Images per repository) and raise imagesPerRepositoryQuota to match.',
        metric: imageCountMetric(repositoryName),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No data means ECR published no count (an empty repository): nothing is near the quota.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }

    // (4) Account-wide ECR API usage against the per-second service quotas.
    if (a.apiUsageQuotaFraction !== false) {
      for (const api of apis) {
        const threshold = a.apiUsageQuotaFraction * 100;
        this.addAlarm(new cloudwatch.Alarm(this, `ApiUsage${api}Alarm`, {
          alarmName: `${this.prefix}-api-quota-${api}`,
          alarmDescription:
            `ECR ${api} calls in this account and region exceeded ${percent(a.apiUsageQuotaFraction)} of the ` +
            `service quota (requests per second, averaged over a minute) in ${API_USAGE_DATAPOINTS_TO_ALARM} of ` +
            `the last ${API_USAGE_EVALUATION_PERIODS} minutes. The metric is account-wide: other workloads count. ` +
            'Past the quota ECR throttles (ThrottlingException) and logins, pulls or pushes fail. What to do: find ' +
            `the callers in CloudTrail (eventName=${api}); reuse auth tokens (they last 12 hours), avoid task ` +
            'restart loops, or request a quota increase in Service Quotas > Amazon ECR.',
          metric: apiUsagePercentExpression(api),
          threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: API_USAGE_EVALUATION_PERIODS,
          datapointsToAlarm: API_USAGE_DATAPOINTS_TO_ALARM,
          // CallCount is only published for minutes with calls: no calls is no usage.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }));
      }
    }

    // (5) Pull volume outside the band CloudWatch anomaly detection learns from the repository's history.
    if (a.pullAnomalyBandWidth !== false) {
      const periods = a.pullAnomalyEvaluationPeriods ?? ALARM_DEFAULTS.pullAnomalyEvaluationPeriods;
      this.addAlarm(new cloudwatch.AnomalyDetectionAlarm(this, 'PullAnomalyAlarm', {
        alarmName: `${this.prefix}-pull-anomaly`,
        alarmDescription:
          `Pulls from ${repositoryName} left the expected band (anomaly detection, ${a.pullAnomalyBandWidth} ` +
          `standard deviations) for ${periods} consecutive 5-minute periods. A spike can mean leaked credentials ` +
          'or a crash-looping service re-pulling; an unusually low count in prod can mean deploys or scale-out ' +
          'stopped. What to do: compare with recent deploys and ECS service events; if unexplained, find the ' +
          'callers of BatchGetImage/GetDownloadUrlForLayer in CloudTrail and disable unknown credentials. The ' +
          'band needs about two weeks of history before it is reliable.',
        metric: pullCountMetric(repositoryName),
        stdDevs: a.pullAnomalyBandWidth,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: periods,
        // RepositoryPullCount has no datapoint for a period without pulls. Quiet periods are normal for a
        // repository pulled only at deploys and task starts, so they must not page anyone.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }

    // (6) and (7) need "AWS API Call via CloudTrail" events, which exist only where a trail logs.
    if (a.cloudTrailEnabled) {
      const authThreshold = a.authFailureThreshold ?? ALARM_DEFAULTS.authFailureThreshold;
      if (authThreshold !== false) {
        this.eventAlarm('auth-failures', {
          pattern: authFailurePattern(repositoryName),
          ruleDescription: `ECR calls denied on ${repositoryName} (and GetAuthorizationToken), from CloudTrail`,
          threshold: authThreshold,
          message:
            `[${this.prefix}] ECR call denied (${field('$.detail.errorCode')}): ${field('$.detail.eventName')} on repository ` +
            `${field('$.detail.requestParameters.repositoryName')} by ${field('$.detail.userIdentity.arn')} from ` +
            `${field('$.detail.sourceIPAddress')} at ${field('$.time')}. If the caller is ours, fix its IAM or repository ` +
            'policy; if not, disable the credentials and escalate to security.',
          description:
            `${authThreshold} or more ECR calls on ${repositoryName} (or GetAuthorizationToken, account-wide) were ` +
            'denied within 5 minutes (AccessDenied / UnauthorizedOperation, from CloudTrail). Usually a broken CI ' +
            'role or repository policy; possibly someone probing with stolen credentials. What to do: read the ' +
            'notification e-mails or CloudTrail (eventSource=ecr.amazonaws.com, errorCode=AccessDenied) for ' +
            'userIdentity and sourceIPAddress; fix the policy if the caller is ours, otherwise disable the ' +
            'credentials and escalate to security.',
        });
      }
      if (props.ciPushRoleArn !== undefined && (a.unexpectedPushes ?? ALARM_DEFAULTS.unexpectedPushes)) {
        this.eventAlarm('unexpected-pushes', {
          pattern: unexpectedPushPattern(repositoryName, props.ciPushRoleArn),
          ruleDescription: `Pushes to ${repositoryName} by anyone but the CI push role, from CloudTrail`,
          message:
            `[${this.prefix}] Image pushed to ${field('$.detail.requestParameters.repositoryName')} (tag ` +
            `${field('$.detail.requestParameters.imageTag')}) by ${field('$.detail.userIdentity.arn')} from ` +
            `${field('$.detail.sourceIPAddress')} at ${field('$.time')}, not by the CI push role. Unless this was an ` +
            'approved break-glass push: delete the image, disable the credentials and escalate to security.',
          description:
            `Someone other than the CI push role (${props.ciPushRoleArn}) pushed to ${repositoryName} (from ` +
            'CloudTrail). Every image here must come from CI. What to do: take userIdentity and the image from ' +
            'the notification e-mail or CloudTrail (eventName=PutImage); unless it was an approved break-glass ' +
            'push, delete the image, disable the credentials and escalate to security.',
        });
      }
    }

    // A rule that cannot deliver to the topic loses notifications silently; this alarm travels by
    // CloudWatch's own path to the topic, so it still arrives when EventBridge's does not.
    const rules = Object.values(this.ruleMap);
    if (rules.length > 0) {
      const usingMetrics: Record<string, cloudwatch.IMetric> = {};
      rules.forEach((rule, i) => {
        usingMetrics[`r${i}`] = ruleMetric(rule, 'FailedInvocations');
      });
      const ids = Object.keys(usingMetrics);
      this.addAlarm(new cloudwatch.Alarm(this, 'DeliveryFailuresAlarm', {
        alarmName: `${this.prefix}-notification-delivery-failures`,
        alarmDescription:
          `EventBridge could not deliver registry notifications (scan findings, scan failures, CloudTrail alerts) ` +
          `to the ${this.prefix}-registry-alarms topic: those e-mails were lost. Usually the topic policy or its ` +
          'KMS key policy was changed by hand. What to do: redeploy this stack to restore the policies, then ' +
          `review the ECR console for findings you missed (the ${this.prefix} rules' MatchedEvents show when).`,
        metric: new cloudwatch.MathExpression({
          expression: ids.length === 1 ? ids[0] : `SUM([${ids.join(', ')}])`,
          usingMetrics,
          period: EVENT_PERIOD,
          label: 'Failed deliveries to the alarm topic',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }

    this.dashboard = new RegistryDashboard(this, 'Dashboard', {
      dashboardName: `${this.prefix}-registry`,
      title: `${props.appName} ${props.envName} registry`,
      repositoryName,
      topicName: `${this.prefix}-registry-alarms`,
      pullCount: pullCountMetric(repositoryName),
      pullAnomalyBandWidth: a.pullAnomalyBandWidth,
      pushCalls: new cloudwatch.Metric({
        ...usageApiMetricProps('PutImage'),
        period: EVENT_PERIOD,
        label: 'PutImage calls (whole account and region)',
      }),
      imageCount: imageCountMetric(repositoryName),
      imagesQuota,
      imageCountThreshold: a.imageCountQuotaFraction === false ? undefined : Math.floor(a.imageCountQuotaFraction * imagesQuota),
      apiUsage: apis.map((api) => apiUsagePercentExpression(api)),
      apiUsageThreshold: a.apiUsageQuotaFraction === false ? undefined : a.apiUsageQuotaFraction * 100,
      ruleMatches: Object.entries(this.ruleMap).map(([what, rule]) => ruleMetric(rule, 'MatchedEvents', what)),
      alarms: this.alarms,
    }).dashboard;
  }

  private addAlarm(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  /** An EventBridge rule that notifies the topic, and an alarm on its matches for the alarm board. */
  private eventAlarm(what: string, o: EventAlarmOptions): void {
    const id = pascal(what);
    const rule = new events.Rule(this, `${id}Rule`, {
      ruleName: `${this.prefix}-${what}`,
      description: o.ruleDescription,
      eventPattern: o.pattern,
    });
    // The topic's own policies grant EventBridge publish rights once (see AlarmTopic); the stock SnsTopic
    // target would add a duplicate, unconditioned grant for every rule.
    rule.addTarget(new TopicTarget(this.topic, events.RuleTargetInput.fromText(o.message)));
    this.ruleMap[what] = rule;
    this.addAlarm(new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: `${this.prefix}-${what}`,
      alarmDescription: o.description,
      metric: ruleMetric(rule, 'MatchedEvents', what),
      threshold: o.threshold ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // EventBridge publishes rule metrics only for periods with matches: silence is good news.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }
}

interface EventAlarmOptions {
  readonly pattern: events.EventPattern;
  readonly ruleDescription: string;
  /** The notification text; event fields come from {@link field}. */
  readonly message: string;
  readonly description: string;
  /** Matches per 5 minutes that fire the alarm. */
  readonly threshold?: number;
}

/** Publishes to the topic with a transformed message; permissions come from the topic's own policies. */
class TopicTarget implements events.IRuleTarget {
  constructor(private readonly topic: sns.ITopic, private readonly message: events.RuleTargetInput) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.message };
  }
}

/** A placeholder EventBridge fills in from the event before publishing. */
function field(path: string): string {
  return events.EventField.fromPath(path);
}

function ruleMetric(rule: events.Rule, metricName: 'MatchedEvents' | 'FailedInvocations', label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: cloudwatch.Stats.SUM,
    period: EVENT_PERIOD,
    label,
  });
}

function pullCountMetric(repositoryName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ECR',
    metricName: 'RepositoryPullCount',
    dimensionsMap: { RepositoryName: repositoryName },
    statistic: cloudwatch.Stats.SUM,
    period: PULL_PERIOD,
    label: 'Pulls',
  });
}

/** The exact dimension set ECR documents for resource usage: no `Class` dimension, `Type` in capitals. */
function imageCountMetric(repositoryName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Usage',
    metricName: 'ResourceCount',
    dimensionsMap: {
      Service: 'ECR',
      Type: 'RESOURCE',
      Resource: 'ImagesPerRepositoryCount',
      ResourceId: `repository/${repositoryName}`,
    },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: IMAGE_COUNT_PERIOD,
    label: 'Images',
  });
}

function usageApiMetricProps(api: EcrUsageApi): cloudwatch.MetricProps {
  return {
    namespace: 'AWS/Usage',
    metricName: 'CallCount',
    dimensionsMap: { Service: 'ECR', Type: 'API', Resource: api, Class: 'None' },
    statistic: cloudwatch.Stats.SUM,
  };
}

/**
 * Usage as a percentage of the quota. CallCount sums calls per minute while SERVICE_QUOTA() returns the
 * quota in its own unit, requests per second, so the count is divided by the period in seconds first.
 * A per-minute average hides sub-minute bursts; the threshold fraction leaves the headroom for them.
 */
function apiUsagePercentExpression(api: EcrUsageApi): cloudwatch.MathExpression {
  // One id per API: the dashboard draws every API's expression in one graph, where ids must be unique.
  const id = `calls_${api}`;
  return new cloudwatch.MathExpression({
    expression: `100 * (${id} / ${API_USAGE_PERIOD.toSeconds()}) / SERVICE_QUOTA(${id})`,
    usingMetrics: { [id]: new cloudwatch.Metric({ ...usageApiMetricProps(api), period: API_USAGE_PERIOD }) },
    period: API_USAGE_PERIOD,
    label: `${api} % of quota`,
  });
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

function pascal(kebab: string): string {
  return kebab.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function validateProps(props: RegistryMonitoringProps): void {
  const { appName, envName, alarms: a } = props;
  const fail = (msg: string): never => {
    throw new Error(`RegistryMonitoring: ${msg}`);
  };
  for (const [field, v] of [['appName', appName], ['envName', envName]] as const) {
    if (!Token.isUnresolved(v) && !NAME_PART_RE.test(v)) {
      fail(`${field} ${JSON.stringify(v)} must start with a letter or digit and use only letters, digits and . _ - (it is part of alarm and rule names)`);
    }
  }
  const prefix = `${appName}-${envName}`;
  if (!Token.isUnresolved(prefix) && prefix.length > MAX_PREFIX_LENGTH) {
    fail(`'${prefix}' is ${prefix.length} characters; appName-envName must be at most ${MAX_PREFIX_LENGTH} so rule names fit EventBridge's 64-character limit`);
  }
  const fraction = (field: string, v: number | false) => {
    if (v !== false && !(typeof v === 'number' && v > 0 && v <= 1)) fail(`alarms.${field} must be a fraction in (0, 1] or false to disable the alarm, got ${JSON.stringify(v)}`);
  };
  fraction('imageCountQuotaFraction', a.imageCountQuotaFraction);
  fraction('apiUsageQuotaFraction', a.apiUsageQuotaFraction);
  if (a.pullAnomalyBandWidth !== false && !(typeof a.pullAnomalyBandWidth === 'number' && a.pullAnomalyBandWidth > 0)) {
    fail(`alarms.pullAnomalyBandWidth must be a positive number of standard deviations or false, got ${JSON.stringify(a.pullAnomalyBandWidth)}`);
  }
  const periods = a.pullAnomalyEvaluationPeriods;
  if (periods !== undefined && !(Number.isInteger(periods) && periods >= 1 && periods <= MAX_PULL_EVALUATION_PERIODS)) {
    fail(`alarms.pullAnomalyEvaluationPeriods must be an integer from 1 to ${MAX_PULL_EVALUATION_PERIODS} (5-minute periods, at most one day), got ${JSON.stringify(periods)}`);
  }
  const auth = a.authFailureThreshold;
  if (auth !== undefined && auth !== false && !(Number.isInteger(auth) && auth >= 1)) {
    fail(`alarms.authFailureThreshold must be a positive integer (denied calls per 5 minutes) or false, got ${JSON.stringify(auth)}`);
  }
  if (a.alertOnHighFindings && !a.criticalFindings) {
    fail('alarms.alertOnHighFindings is true but criticalFindings is false: HIGH findings are reported together with CRITICAL ones; enable criticalFindings or disable alertOnHighFindings');
  }
  const quota = props.imagesPerRepositoryQuota;
  if (quota !== undefined && !Token.isUnresolved(quota) && !(Number.isInteger(quota) && quota >= 1)) {
    fail(`imagesPerRepositoryQuota must be a positive integer, got ${JSON.stringify(quota)}`);
  }
  const apis = props.apiUsageResources;
  if (apis !== undefined) {
    if (apis.length === 0) fail('apiUsageResources is empty; list at least one ECR API or set alarms.apiUsageQuotaFraction to false');
    for (const api of apis) {
      if (!(ECR_USAGE_APIS as readonly string[]).includes(api)) fail(`apiUsageResources: ${JSON.stringify(api)} has no ECR usage metric; use one of ${ECR_USAGE_APIS.join(', ')}`);
    }
    if (new Set(apis).size !== apis.length) fail(`apiUsageResources lists an API twice: ${JSON.stringify(apis)}`);
  }
  const ci = props.ciPushRoleArn;
  if (ci !== undefined && !Token.isUnresolved(ci) && !ROLE_ARN_RE.test(ci)) {
    fail(`ciPushRoleArn ${JSON.stringify(ci)} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)`);
  }
}
