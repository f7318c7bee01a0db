import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { newLogGroupKey } from '../governance/kms-key-policy';
import { AlarmTopic } from './monitoring/alarm-topic';
import {
  FindingSeverity,
  ScanType,
  authFailurePattern,
  imageActionPattern,
  lifecycleExpirationPattern,
  replicationFailurePattern,
  scanFindingsPattern,
  scanNotCompletePattern,
  unexpectedPushPattern,
} from './monitoring/event-patterns';
import { FallbackTopic } from './monitoring/fallback-topic';
import { ManagementEventTrail } from './monitoring/management-event-trail';
import { RegistryDashboard } from './monitoring/registry-dashboard';
import * as runbooks from './monitoring/runbooks';

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
/** Thresholds and switches of the {@link RegistryMonitoring} alarms; every alarm can be switched off. */
export interface RegistryAlarmSettings {
  /** Alert on critical findings from scan on push. */
  readonly criticalFindings: boolean;
  /** Also alert on HIGH findings (not only CRITICAL). */
  readonly alertOnHighFindings: boolean;
  /** Alert when a scan fails. */
  readonly scanFailures: boolean;
  /** Alarm when the repository's image count exceeds this fraction of the per-repository quota (0-1). Set `false` to disable. */
  readonly imageCountQuotaFraction: number | false;
  /** Alarm when ECR API usage exceeds this fraction of the service quota (0-1). Set `false` to disable. */
  readonly apiUsageQuotaFraction: number | false;
  /** Width of the anomaly-detection band for repository pulls (standard deviations). Set `false` to disable. */
  readonly pullAnomalyBandWidth: number | false;
  /**
   * Consecutive 5-minute periods the pull count must stay outside the band before the anomaly alarm fires (1-288).
   * @default 3
   */
  readonly pullAnomalyEvaluationPeriods?: number;
  /**
   * Where a steady stream of pulls is normal (services pulling all day), periods without pulls count as zero,
   * so the pull-anomaly alarm also fires when pulls stop. Otherwise only spikes alarm (no pulls is normal).
   * @default false
   */
  readonly expectSteadyPulls?: boolean;
  /**
   * How the registry in this account and region scans images (it is a registry-wide setting this app does not
   * own): `BASIC` (ECR scan on push, `ECR Image Scan` events) or `ENHANCED` (Amazon Inspector, `Inspector2 Finding`
   * and `Inspector2 Scan` events). The findings and scan-failure alarms listen to the matching events.
   * @default 'BASIC'
   */
  readonly scanType?: 'BASIC' | 'ENHANCED';
  /**
   * Where "AWS API Call via CloudTrail" events come from (needed by the auth-failure, unexpected-push and
   * lifecycle-expiration rules): `create-trail` makes the stack create a single-region trail logging read and
   * write management events (free as the region's first copy, charged per event when another trail already
   * logs them); `existing-trail` relies on an organization or account trail that already does; `none` turns
   * those rules off.
   * @default 'none'
   */
  readonly cloudTrail?: 'create-trail' | 'existing-trail' | 'none';
  /**
   * Days the created trail keeps log files in its bucket (only with `cloudTrail: 'create-trail'`).
   * @default 365
   */
  readonly trailLogRetentionDays?: number;
  /**
   * Denied ECR calls within 5 minutes that fire the authentication-failure alarm (needs `cloudTrail`).
   * Set `false` to disable.
   * @default 5
   */
  readonly authFailureThreshold?: number | false;
  /**
   * Alarm on pushes by anyone but the CI push role (needs `cloudTrail` and a CI push role).
   * @default true
   */
  readonly unexpectedPushes?: boolean;
  /** E-mail addresses subscribed to the alarm topic. */
  readonly emails: readonly string[];
}

/** Defaults for the optional thresholds in {@link RegistryAlarmSettings}. */
export const ALARM_DEFAULTS = {
  pullAnomalyEvaluationPeriods: 3,
  authFailureThreshold: 5,
  unexpectedPushes: true,
  scanType: 'BASIC',
  cloudTrail: 'none',
  expectSteadyPulls: false,
  trailLogRetentionDays: 365,
} as const satisfies Partial<RegistryAlarmSettings>;

/**
 * EventBridge rule state that also receives read-only management events from CloudTrail (Get*, BatchGet*,
 * Describe*, List*); state ENABLED does not deliver them:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
 * CDK 2.276's events.Rule only renders ENABLED/DISABLED, so the L1 property is set directly.
 */
export const RULE_STATE_ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
/** Days the EventBridge event log (pushes, deletions, denied calls) is kept. */
// Control Tower CT.CLOUDWATCH.PR.2 asks for at least a year.
const EVENT_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

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
/** EventBridge rule names are at most 64 characters; the longest suffix used here is `-lifecycle-expirations`. */
const MAX_PREFIX_LENGTH = 64 - '-lifecycle-expirations'.length;
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
  readonly alarms: RegistryAlarmSettings;
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
  /**
   * Regions holding a replica of the repository. ECR reports replications in the replica's region; a rule there
   * forwards the failures to this region's default event bus, where a rule notifies the topic.
   * @default - no replica, no replication-failure rule
   */
  readonly replicaRegions?: readonly string[];
}

/**
 * Alarms, notifications and a dashboard for one ECR repository.
 *
 * ECR publishes little to CloudWatch (one `AWS/ECR` metric, `AWS/Usage` quotas); pushes, deletions, scan
 * results and API calls arrive as EventBridge events. Every rule has a target (rule metrics are only
 * trustworthy with one): rules worth a page notify the alarm topic with a readable message, counting rules
 * write to the registry's event log group. The dashboard graphs every rule's `MatchedEvents`. One event sends
 * exactly one notification: a rule that notifies has no alarm beside it, threshold alarms watch counting rules
 * only, and no event-count alarm has an OK action.
 */
export class RegistryMonitoring extends Construct {
  /** ALARM (and, for metric alarms, OK) action of the alarms and target of the notifying rules. */
  readonly topic: sns.Topic;
  /** The customer managed key encrypting the topic. */
  readonly topicKey: kms.Key;
  /** Separate topic (own key and policy) for the alarm that reports failed deliveries to {@link topic}. */
  readonly fallbackTopic?: FallbackTopic;
  /** Log group every counting rule writes its events to (pushes, deletions, denied calls). */
  readonly eventLog: logs.LogGroup;
  /** The trail this construct created, when asked to (`alarms.cloudTrail: 'create-trail'`). */
  readonly trail?: ManagementEventTrail;
  /** Every alarm created, in creation order. */
  readonly alarms: cloudwatch.IAlarm[] = [];
  /** Every EventBridge rule created, by what it detects. */
  readonly rules: Readonly<Record<string, events.Rule>>;
  readonly dashboard: cloudwatch.Dashboard;

  private readonly prefix: string;
  private readonly action: cwActions.SnsAction;
  private readonly ruleMap: Record<string, events.Rule> = {};
  private readonly logTarget: LogGroupTarget;

  constructor(scope: Construct, id: string, props: RegistryMonitoringProps) {
    super(scope, id);
    validateProps(props);
    const a = props.alarms;
    this.prefix = `${props.appName}-${props.envName}`;
    this.rules = this.ruleMap;
    const repositoryName = props.repository.repositoryName;
    const imagesQuota = props.imagesPerRepositoryQuota ?? DEFAULT_IMAGES_PER_REPOSITORY_QUOTA;
    const apis = props.apiUsageResources ?? DEFAULT_API_USAGE_RESOURCES;
    const scanType: ScanType = a.scanType ?? ALARM_DEFAULTS.scanType;
    const cloudTrail = a.cloudTrail ?? ALARM_DEFAULTS.cloudTrail;
    const steadyPulls = a.expectSteadyPulls ?? ALARM_DEFAULTS.expectSteadyPulls;

    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      topicName: `${this.prefix}-alarms`,
      alarmNamePrefix: this.prefix,
      emails: a.emails,
    });
    this.topic = alarmTopic.topic;
    this.topicKey = alarmTopic.key;
    this.action = new cwActions.SnsAction(this.topic);

    // The counting rules' target. Named under /aws/events/ like the console's EventBridge log targets.
    const eventLogName = `/aws/events/${this.prefix}`;
    this.eventLog = new logs.LogGroup(this, 'EventLog', {
      logGroupName: eventLogName,
      retention: EVENT_LOG_RETENTION,
      // Control Tower CT.CLOUDWATCH.PR.3: a customer-managed key for this log group only.
      encryptionKey: newLogGroupKey(this, 'EventLogKey', eventLogName, RemovalPolicy.DESTROY),
      // A working copy: the security-relevant events are also in the trail's S3 bucket.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // EventBridge writes to CloudWatch Logs under the log group's resource policy
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions).
    // One policy per stack: CloudWatch Logs allows 10 resource policies per account and region.
    this.eventLog.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeRulesOfThisRegistry',
      principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.eventLog.logGroupArn],
    }));
    this.logTarget = new LogGroupTarget(Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.eventLog.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }));

    // Pushes and deletions per repository, counted from the rules' MatchedEvents (dashboard only).
    const pushes = this.countingRule('image-pushes', imageActionPattern(repositoryName, 'PUSH'), `Successful image pushes to ${repositoryName} (ECR Image Action PUSH)`);
    const deletions = this.countingRule('image-deletions', imageActionPattern(repositoryName, 'DELETE'), `Successful image deletions in ${repositoryName} (ECR Image Action DELETE)`);

    // (1) Vulnerabilities found by scanning.
    const severities: FindingSeverity[] = a.criticalFindings ? (a.alertOnHighFindings ? ['CRITICAL', 'HIGH'] : ['CRITICAL']) : [];
    if (severities.length > 0) {
      this.notifyingRule('scan-findings', {
        pattern: scanFindingsPattern(repositoryName, severities, scanType),
        ruleDescription: `${severities.join(' or ')} findings (${scanType} scanning) in ${repositoryName}`,
        message: runbooks.scanFindingsMessage({ prefix: this.prefix, severities: severities.join(' or '), scanType }),
      });
    }

    // (2) Scans that ended in anything but success (failed, unsupported image), which leave an image unchecked.
    if (a.scanFailures) {
      const success = scanType === 'ENHANCED' ? 'INITIAL_SCAN_COMPLETE' : 'COMPLETE';
      this.notifyingRule('scan-failures', {
        pattern: scanNotCompletePattern(repositoryName, props.repository.repositoryArn, scanType),
        ruleDescription: `Scans of ${repositoryName} ending in any status but ${success}`,
        message: runbooks.scanFailureMessage({ prefix: this.prefix, success }),
      });
    }

    // (2b) Replications that failed: the replica misses an image an environment may be told to pull from there.
    if ((props.replicaRegions ?? []).length > 0) {
      this.notifyingRule('replication-failures', {
        pattern: replicationFailurePattern(repositoryName),
        ruleDescription: `Failed replications of ${repositoryName} into ${(props.replicaRegions ?? []).join(', ')} (forwarded from there)`,
        message: runbooks.replicationFailureMessage({ prefix: this.prefix }),
      });
    }

    // (3) Image count approaching the images-per-repository quota, past which every push fails.
    if (a.imageCountQuotaFraction !== false) {
      const threshold = Math.floor(a.imageCountQuotaFraction * imagesQuota);
      this.addMetricAlarm(new cloudwatch.Alarm(this, 'ImageCountAlarm', {
        alarmName: `${this.prefix}-image-count-quota`,
        alarmDescription: runbooks.imageCountAlarmDescription({ repositoryName, threshold, fraction: a.imageCountQuotaFraction, quota: imagesQuota }),
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
        this.addMetricAlarm(new cloudwatch.Alarm(this, `ApiUsage${api}Alarm`, {
          alarmName: `${this.prefix}-api-quota-${api}`,
          alarmDescription: runbooks.apiUsageAlarmDescription({
            api,
            fraction: a.apiUsageQuotaFraction,
            datapoints: API_USAGE_DATAPOINTS_TO_ALARM,
            periods: API_USAGE_EVALUATION_PERIODS,
          }),
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
      this.addMetricAlarm(new cloudwatch.AnomalyDetectionAlarm(this, 'PullAnomalyAlarm', {
        alarmName: `${this.prefix}-pull-anomaly`,
        alarmDescription: runbooks.pullAnomalyAlarmDescription({ repositoryName, bandWidth: a.pullAnomalyBandWidth, periods, steadyPulls }),
        metric: steadyPulls ? pullCountFilledExpression(repositoryName) : pullCountMetric(repositoryName),
        stdDevs: a.pullAnomalyBandWidth,
        // RepositoryPullCount has no datapoint for a period without pulls
        // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-repository-metrics.html). With steady pulls
        // expected, FILL(pulls, 0) turns silence into zeros so "pulls stopped" falls below the band and alarms.
        // Otherwise silence is normal (pulled only at deploys) and a drop is not news, so only spikes alarm.
        comparisonOperator: steadyPulls
          ? cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD
          : cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: periods,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }

    // (6)-(8) need CloudTrail: "AWS API Call via CloudTrail" events exist only where a trail logs management events.
    if (cloudTrail === 'create-trail') {
      this.trail = new ManagementEventTrail(this, 'ManagementEventTrail', {
        trailName: `${this.prefix}-management-events`,
        logRetentionDays: a.trailLogRetentionDays ?? ALARM_DEFAULTS.trailLogRetentionDays,
      });
    }
    let lifecycle: events.Rule | undefined;
    if (cloudTrail !== 'none') {
      lifecycle = this.countingRule(
        'lifecycle-expirations',
        lifecycleExpirationPattern(repositoryName),
        `Lifecycle policy expirations in ${repositoryName} (CloudTrail PolicyExecutionEvent, up to 10 images each)`,
        RULE_STATE_ALL_MANAGEMENT_EVENTS,
      );
      const authThreshold = a.authFailureThreshold ?? ALARM_DEFAULTS.authFailureThreshold;
      if (authThreshold !== false) {
        // A threshold alarm, not per-event e-mails: the rule logs every denial (caller, IP, call) to the event
        // log, and the alarm alone notifies, once, when the count crosses the threshold.
        const rule = this.countingRule(
          'auth-failures',
          authFailurePattern(repositoryName),
          `ECR calls denied on ${repositoryName} (and GetAuthorizationToken, account-wide), from CloudTrail`,
          RULE_STATE_ALL_MANAGEMENT_EVENTS,
        );
        this.eventCountAlarm('auth-failures', rule, {
          threshold: authThreshold,
          description: runbooks.authFailuresAlarmDescription({ repositoryName, threshold: authThreshold, eventLogName }),
        });
      }
      if (props.ciPushRoleArn !== undefined && (a.unexpectedPushes ?? ALARM_DEFAULTS.unexpectedPushes)) {
        this.notifyingRule('unexpected-pushes', {
          pattern: unexpectedPushPattern(repositoryName, props.ciPushRoleArn),
          ruleDescription: `Pushes to ${repositoryName} by anyone but the CI push role, from CloudTrail`,
          message: runbooks.unexpectedPushMessage({ prefix: this.prefix }),
        });
      }
    }

    // A rule that cannot deliver loses events silently. This alarm must not depend on what it reports: it
    // notifies a separate fallback topic (own key, own policy, same recipients) through CloudWatch, not EventBridge.
    const rules = Object.values(this.ruleMap);
    const deliveryAlarmName = `${this.prefix}-notification-delivery-failures`;
    this.fallbackTopic = new FallbackTopic(this, 'FallbackTopic', {
      topicName: `${this.prefix}-alarms-fallback`,
      alarmNames: [deliveryAlarmName],
      emails: a.emails,
    });
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    rules.forEach((rule, i) => {
      usingMetrics[`r${i}`] = ruleMetric(rule, 'FailedInvocations');
    });
    const ids = Object.keys(usingMetrics);
    const deliveryAlarm = new cloudwatch.Alarm(this, 'DeliveryFailuresAlarm', {
      alarmName: deliveryAlarmName,
      alarmDescription: runbooks.deliveryFailuresAlarmDescription({ prefix: this.prefix, eventLogName }),
      metric: new cloudwatch.MathExpression({
        expression: ids.length === 1 ? ids[0] : `SUM([${ids.join(', ')}])`,
        usingMetrics,
        period: EVENT_PERIOD,
        label: 'Failed deliveries to rule targets',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // FailedInvocations is only published when something failed.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deliveryAlarm.addAlarmAction(new cwActions.SnsAction(this.fallbackTopic.topic));
    this.alarms.push(deliveryAlarm);

    this.dashboard = new RegistryDashboard(this, 'Dashboard', {
      dashboardName: this.prefix,
      title: `${props.appName} ${props.envName} registry`,
      repositoryName,
      topicName: `${this.prefix}-alarms`,
      pullCount: pullCountMetric(repositoryName),
      pullAnomalyBandWidth: a.pullAnomalyBandWidth,
      imageActions: [
        ruleMetric(pushes, 'MatchedEvents', 'Pushes'),
        ruleMetric(deletions, 'MatchedEvents', 'Deletions'),
        ...(lifecycle ? [ruleMetric(lifecycle, 'MatchedEvents', 'Lifecycle expiration events (up to 10 images each)')] : []),
      ],
      imageCount: imageCountMetric(repositoryName),
      imagesQuota,
      imageCountThreshold: a.imageCountQuotaFraction === false ? undefined : Math.floor(a.imageCountQuotaFraction * imagesQuota),
      apiUsage: apis.map((api) => apiUsagePercentExpression(api)),
      apiUsageThreshold: a.apiUsageQuotaFraction === false ? undefined : a.apiUsageQuotaFraction * 100,
      ruleMatches: Object.entries(this.ruleMap)
        .filter(([, rule]) => rule !== pushes && rule !== deletions && rule !== lifecycle)
        .map(([what, rule]) => ruleMetric(rule, 'MatchedEvents', what)),
      alarms: this.alarms,
    }).dashboard;
  }

  /** A metric (state) alarm: notifies on ALARM and on OK, because its OK means the condition really cleared. */
  private addMetricAlarm(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }

  private newRule(what: string, description: string, pattern: events.EventPattern, state?: string): events.Rule {
    const rule = new events.Rule(this, `${pascal(what)}Rule`, { ruleName: `${this.prefix}-${what}`, description, eventPattern: pattern });
    if (state !== undefined) (rule.node.defaultChild as events.CfnRule).state = state;
    this.ruleMap[what] = rule;
    return rule;
  }

  /** A rule whose matches are only counted (dashboard, threshold alarms); its events go to the event log. */
  private countingRule(what: string, pattern: events.EventPattern, description: string, state?: string): events.Rule {
    const rule = this.newRule(what, description, pattern, state);
    rule.addTarget(this.logTarget);
    return rule;
  }

  /** A rule that e-mails each matching event through the topic: that e-mail is the one notification. */
  private notifyingRule(what: string, o: NotifyingRuleOptions): void {
    const rule = this.newRule(what, o.ruleDescription, o.pattern);
    // The topic's own policies grant EventBridge publish rights once (see AlarmTopic); the stock SnsTopic
    // target would add a duplicate, unconditioned grant for every rule.
    rule.addTarget(new TopicTarget(this.topic, events.RuleTargetInput.fromText(o.message)));
    // No alarm beside it: an alarm without actions fails Control Tower CT.CLOUDWATCH.PR.1/PR.4, and one with
    // actions would send a second e-mail for the same event. The dashboard graphs the rule's MatchedEvents.
  }

  /** An alarm on a rule's MatchedEvents. Never an OK action: "no events for 5 minutes" is not news. */
  private eventCountAlarm(what: string, rule: events.Rule, o: { threshold: number; description: string }): void {
    const alarm = new cloudwatch.Alarm(this, `${pascal(what)}Alarm`, {
      alarmName: `${this.prefix}-${what}`,
      alarmDescription: o.description,
      metric: ruleMetric(rule, 'MatchedEvents', what),
      threshold: o.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // EventBridge publishes rule metrics only for periods with matches: silence is good news.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      // Always on, with an action: an alarm without either fails Control Tower CT.CLOUDWATCH.PR.4.
      actionsEnabled: true,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}

interface NotifyingRuleOptions {
  readonly pattern: events.EventPattern;
  readonly ruleDescription: string;
  /** The notification text, with what to do (lib/constructs/monitoring/runbooks.ts). */
  readonly message: string;
}

/** Publishes to the topic with a transformed message; permissions come from the topic's own policies. */
class TopicTarget implements events.IRuleTarget {
  constructor(private readonly topic: sns.ITopic, private readonly message: events.RuleTargetInput) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.message };
  }
}

/**
 * Writes the whole event to a CloudWatch Logs log group; permission comes from the log group's resource policy.
 * (The stock CloudWatchLogGroup target installs that policy through a Lambda-backed custom resource.)
 */
class LogGroupTarget implements events.IRuleTarget {
  constructor(private readonly logGroupArn: string) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.logGroupArn };
  }
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

/**
 * `AWS/ECR` RepositoryPullCount, dimension RepositoryName, Sum:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-repository-metrics.html
 */
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

/** Pulls with every period that has no datapoint filled with 0 (metric math FILL). */
function pullCountFilledExpression(repositoryName: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'FILL(pulls, 0)',
    usingMetrics: { pulls: pullCountMetric(repositoryName) },
    period: PULL_PERIOD,
    label: 'Pulls (no data = 0)',
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
    // Exactly the documented set: "Currently, Amazon ECR does not use the class dimension"
    // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/monitoring-usage.html). An alarm on a set that
    // is never published (e.g. with Class=None, which the CloudWatch usage page lists for API metrics) stays
    // empty forever, so the post-deploy check (npm run doctor) lists the metric with exactly these dimensions.
    // Not a Metrics Insights query, which would match either set: it cannot use SERVICE_QUOTA(), and the
    // quota would have to be hard-coded (docs/monitoring.md, "Things to know").
    dimensionsMap: { Service: 'ECR', Type: 'API', Resource: api },
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
  if (a.scanType !== undefined && a.scanType !== 'BASIC' && a.scanType !== 'ENHANCED') {
    fail(`alarms.scanType must be 'BASIC' or 'ENHANCED' (how the registry scans), got ${JSON.stringify(a.scanType)}`);
  }
  if (a.cloudTrail !== undefined && !['create-trail', 'existing-trail', 'none'].includes(a.cloudTrail)) {
    fail(`alarms.cloudTrail must be 'create-trail', 'existing-trail' or 'none', got ${JSON.stringify(a.cloudTrail)}`);
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
