import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { REGISTRY } from '../../lib/config/environments';
import { AlarmsConfig, EnvName } from '../../lib/config/types';
import { ConfigError, validateRegistryConfig } from '../../lib/config/validate';
import { RegistryMonitoring, RegistryMonitoringProps } from '../../lib/constructs/registry-monitoring';

const ACCOUNT = '123456789012';
const CI_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/better-call-buffet-ci-push`;

interface Built {
  readonly template: Template;
  readonly monitoring: RegistryMonitoring;
}

/**
 * Alarm settings per "environment" for these construct tests. The app now has one registry (its alarms are
 * REGISTRY.alarms, used as prod here); dev and staging keep the thresholds they had, so the construct is
 * still exercised with differing configurations.
 */
const ALARMS_BY_ENV: Record<EnvName, AlarmsConfig> = {
  dev: {
    criticalFindings: true, alertOnHighFindings: false, scanFailures: true, imageCountQuotaFraction: 0.8, apiUsageQuotaFraction: 0.8,
    pullAnomalyBandWidth: false, authFailureThreshold: 10, cloudTrailEnabled: false, emails: [],
  },
  staging: {
    criticalFindings: true, alertOnHighFindings: true, scanFailures: true, imageCountQuotaFraction: 0.8, apiUsageQuotaFraction: 0.8,
    pullAnomalyBandWidth: 3, pullAnomalyEvaluationPeriods: 3, authFailureThreshold: 5, cloudTrailEnabled: false, emails: [],
  },
  prod: REGISTRY.alarms,
};

/** A fresh stack holding only the monitoring of `better-call-buffet-<env>`, with that environment's alarm config. */
function build(env: EnvName, alarms: Partial<AlarmsConfig> = {}, extra: Partial<RegistryMonitoringProps> = {}): Built {
  const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const monitoring = new RegistryMonitoring(stack, 'Monitoring', {
    appName: 'better-call-buffet',
    envName: env,
    repository: ecr.Repository.fromRepositoryName(stack, 'Repo', `better-call-buffet-${env}`),
    alarms: { ...ALARMS_BY_ENV[env], ...alarms },
    ...extra,
  });
  return { template: Template.fromStack(stack), monitoring };
}

/** Prod with every optional alarm switched on. */
const buildAllEnabled = () => build('prod', { cloudTrailEnabled: true }, { ciPushRoleArn: CI_ROLE_ARN });

function logicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function alarmProps(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  expect(found).toHaveLength(1);
  return found[0].Properties as Record<string, unknown>;
}

function alarmNames(template: Template): string[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties.AlarmName as string).sort();
}

function ruleLogicalId(template: Template, name: string): string {
  const ids = Object.keys(template.findResources('AWS::Events::Rule', { Properties: { Name: name } }));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The alarm on an EventBridge rule: MatchedEvents of that rule, 5-minute sums. */
function expectRuleAlarm(template: Template, name: string, threshold: number): void {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: name,
    Metrics: [Match.objectLike({
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Events',
          MetricName: 'MatchedEvents',
          Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleLogicalId(template, name) } }],
        },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: true,
    })],
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  });
}

/** Every rule publishes to the topic with a transformed, human-readable message. */
function expectRuleTargetsTopic(template: Template, name: string, paths: Record<string, string>): void {
  template.hasResourceProperties('AWS::Events::Rule', {
    Name: name,
    State: 'ENABLED',
    Targets: [{
      Arn: { Ref: logicalId(template, 'AWS::SNS::Topic') },
      Id: 'Target0',
      InputTransformer: { InputPathsMap: Match.objectLike(paths), InputTemplate: Match.stringLikeRegexp('What to do|escalate') },
    }],
  });
}

/** A graph widget in the dashboard body: each metric row is `[namespace, name, dim, value, ..., options]` or `[expression]`. */
interface GraphWidgetProps {
  readonly title: string;
  readonly metrics: Array<Array<string | Record<string, unknown>>>;
  readonly annotations?: { readonly horizontal: Array<{ readonly value: number }> };
}

/** The dashboard body with every CloudFormation token replaced by a placeholder, parsed. */
function dashboardBody(template: Template): { widgets: Array<{ type: string; properties: Record<string, unknown> }> } {
  const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
  const parts = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

describe('alarm topic', () => {
  test('is encrypted with a rotating customer managed key that CloudWatch and EventBridge may use', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const keyId = logicalId(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'better-call-buffet-prod-registry-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      SignatureVersion: '2',
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.absent(),
          }),
        ]),
      },
    });
  });

  test('policy denies non-TLS publishing and admits only this environment\'s alarms and EventBridge', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic,
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: {
                'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:us-east-1:${ACCOUNT}:alarm:better-call-buffet-prod-*`]] },
              },
            },
          }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish', Resource: topic }),
        ]),
      },
    });
  });

  test('keeps the logical IDs of the topic and its policy from before encryption, so deploying never replaces the topic', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN: a replaced topic would get a new ARN and lose every confirmed e-mail subscription.
    expect(logicalId(template, 'AWS::SNS::Topic')).toBe('MonitoringAlarmTopicAF62D4F1');
    expect(logicalId(template, 'AWS::SNS::TopicPolicy')).toBe('MonitoringAlarmTopicPolicyCB9CCFB0');
  });

  test('has no subscriptions by default', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('subscribes every configured e-mail address', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { emails: ['oncall@example.com', 'platform@example.org'] });
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['oncall@example.com', 'platform@example.org']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: logicalId(template, 'AWS::SNS::Topic') },
      });
    }
  });

  test('rejects an address that is not an e-mail', () => {
    expect(() => build('prod', { emails: ['oncall-at-example.com'] })).toThrow(/"oncall-at-example.com" is not an e-mail address/);
  });
});

describe('every alarm', () => {
  test('notifies the topic on ALARM and OK, sets treatMissingData, is named <app>-<env>-<what> and says what to do', () => {
    // GIVEN / WHEN
    const { template, monitoring } = buildAllEnabled();
    // THEN
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic') };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(9);
    expect(monitoring.alarms).toHaveLength(9);
    for (const { Properties: p } of alarms) {
      expect(p.AlarmActions).toEqual([topic]);
      expect(p.OKActions).toEqual([topic]);
      expect(['notBreaching', 'breaching', 'ignore', 'missing']).toContain(p.TreatMissingData);
      expect(p.AlarmName).toMatch(/^better-call-buffet-prod-[a-z]/);
      expect(p.AlarmDescription).toMatch(/What to do:/);
    }
  });

  test('every environment gets the alarms its configuration enables', () => {
    // GIVEN / WHEN / THEN: dev has no anomaly alarm (pullAnomalyBandWidth false); CloudTrail alarms are off everywhere.
    const base = ['image-count-quota', 'api-quota-BatchGetImage', 'api-quota-GetAuthorizationToken', 'notification-delivery-failures', 'scan-failures', 'scan-findings'];
    const expected: Record<EnvName, string[]> = { dev: base, staging: [...base, 'pull-anomaly'], prod: [...base, 'pull-anomaly'] };
    for (const env of Object.keys(expected) as EnvName[]) {
      expect(alarmNames(build(env).template)).toEqual(expected[env].map((what) => `better-call-buffet-${env}-${what}`).sort());
    }
  });

  test('every EventBridge rule targets the topic', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(4);
    for (const { Properties: p } of rules) {
      expect(p.Targets).toEqual([expect.objectContaining({ Arn: { Ref: logicalId(template, 'AWS::SNS::Topic') } })]);
    }
  });
});

describe('(1) critical/high findings on push', () => {
  test('matches completed scans of this repository with CRITICAL or HIGH counts above zero (prod)', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-scan-findings',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        'detail': {
          'repository-name': ['better-call-buffet-prod'],
          'scan-status': ['COMPLETE'],
          '$or': [
            { 'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] } },
            { 'finding-severity-counts': { HIGH: [{ numeric: ['>', 0] }] } },
          ],
        },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-scan-findings', {
      'detail-repository-name': '$.detail.repository-name',
      'detail-image-digest': '$.detail.image-digest',
      'detail-finding-severity-counts-CRITICAL': '$.detail.finding-severity-counts.CRITICAL',
    });
    expectRuleAlarm(template, 'better-call-buffet-prod-scan-findings', 1);
  });

  test('matches CRITICAL only where HIGH alerts are off (dev)', () => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-dev-scan-findings',
      EventPattern: {
        detail: Match.objectEquals({
          'repository-name': ['better-call-buffet-dev'],
          'scan-status': ['COMPLETE'],
          'finding-severity-counts': { CRITICAL: [{ numeric: ['>', 0] }] },
        }),
      },
    });
  });

  test('is removed when disabled', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { criticalFindings: false, alertOnHighFindings: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-scan-findings');
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-scan-findings' }, 0);
  });

  test('rejects HIGH alerts without CRITICAL ones', () => {
    expect(() => build('prod', { criticalFindings: false, alertOnHighFindings: true })).toThrow(/alertOnHighFindings is true but criticalFindings is false/);
  });
});

describe('(2) scan failures', () => {
  test('matches failed scans of this repository', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-scan-failures',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        'detail': { 'repository-name': ['better-call-buffet-prod'], 'scan-status': ['FAILED'] },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-scan-failures', { 'detail-image-digest': '$.detail.image-digest' });
    expectRuleAlarm(template, 'better-call-buffet-prod-scan-failures', 1);
  });

  test('is removed when disabled', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { scanFailures: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-scan-failures');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-scan-failures' }, 0);
    template.resourceCountIs('AWS::Events::Rule', 1);
  });
});

describe('(3) image count approaching the quota', () => {
  const imageCountAlarm = (threshold: number, env: EnvName) => ({
    AlarmName: `better-call-buffet-${env}-image-count-quota`,
    Metrics: [Match.objectLike({
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Usage',
          MetricName: 'ResourceCount',
          // Exactly ECR's documented dimension set for resource usage (no Class).
          Dimensions: [
            { Name: 'Resource', Value: 'ImagesPerRepositoryCount' },
            { Name: 'ResourceId', Value: `repository/better-call-buffet-${env}` },
            { Name: 'Service', Value: 'ECR' },
            { Name: 'Type', Value: 'RESOURCE' },
          ],
        },
        Period: 3600,
        Stat: 'Maximum',
      },
    })],
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  });

  test('fires above 70% of 100,000 images in prod and 80% in dev', () => {
    // GIVEN / WHEN / THEN
    build('prod').template.hasResourceProperties('AWS::CloudWatch::Alarm', imageCountAlarm(70_000, 'prod'));
    build('dev').template.hasResourceProperties('AWS::CloudWatch::Alarm', imageCountAlarm(80_000, 'dev'));
  });

  test('follows a raised quota', () => {
    // GIVEN / WHEN
    const { template } = build('prod', {}, { imagesPerRepositoryQuota: 200_000 });
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', imageCountAlarm(140_000, 'prod'));
  });

  test('is removed when disabled', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { imageCountQuotaFraction: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-image-count-quota');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });

  test('rejects a fraction outside (0, 1]', () => {
    expect(() => build('prod', { imageCountQuotaFraction: 1.5 })).toThrow(/imageCountQuotaFraction must be a fraction in \(0, 1\].*got 1.5/);
  });

  test('rejects a quota that is not a positive integer', () => {
    expect(() => build('prod', {}, { imagesPerRepositoryQuota: 0 })).toThrow(/imagesPerRepositoryQuota must be a positive integer, got 0/);
  });
});

describe('(4) ECR API usage against the service quota', () => {
  const apiAlarm = (api: string, threshold: number) => ({
    AlarmName: `better-call-buffet-prod-api-quota-${api}`,
    Metrics: [
      {
        Id: 'expr_1',
        // CallCount is per minute; the quota is per second: divide by the 60-second period first.
        Expression: `100 * (calls_${api} / 60) / SERVICE_QUOTA(calls_${api})`,
        Label: `${api} % of quota`,
        ReturnData: true,
      },
      {
        Id: `calls_${api}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Usage',
            MetricName: 'CallCount',
            Dimensions: [
              { Name: 'Class', Value: 'None' },
              { Name: 'Resource', Value: api },
              { Name: 'Service', Value: 'ECR' },
              { Name: 'Type', Value: 'API' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
    ],
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 5,
    DatapointsToAlarm: 3,
    TreatMissingData: 'notBreaching',
  });

  test('alarms on GetAuthorizationToken and BatchGetImage at 70% in prod', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', apiAlarm('GetAuthorizationToken', 70));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', apiAlarm('BatchGetImage', 70));
  });

  test('uses 80% in dev', () => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN
    expect(alarmProps(template, 'better-call-buffet-dev-api-quota-GetAuthorizationToken').Threshold).toBe(80);
    expect(alarmProps(template, 'better-call-buffet-dev-api-quota-BatchGetImage').Threshold).toBe(80);
  });

  test('covers the APIs passed in apiUsageResources', () => {
    // GIVEN / WHEN
    const { template } = build('prod', {}, { apiUsageResources: ['PutImage'] });
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', apiAlarm('PutImage', 70));
    expect(alarmNames(template).filter((n) => n.includes('api-quota'))).toEqual(['better-call-buffet-prod-api-quota-PutImage']);
  });

  test('is removed when disabled', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { apiUsageQuotaFraction: false });
    // THEN
    expect(alarmNames(template).filter((n) => n.includes('api-quota'))).toEqual([]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  });

  test('rejects an API without a usage metric', () => {
    expect(() => build('prod', {}, { apiUsageResources: ['DescribeImages' as never] })).toThrow(/"DescribeImages" has no ECR usage metric/);
  });

  test('rejects an empty API list', () => {
    expect(() => build('prod', {}, { apiUsageResources: [] })).toThrow(/apiUsageResources is empty/);
  });

  test('rejects a fraction outside (0, 1]', () => {
    expect(() => build('prod', { apiUsageQuotaFraction: 0 })).toThrow(/apiUsageQuotaFraction must be a fraction in \(0, 1\].*got 0/);
  });
});

describe('(5) unusual pull volume', () => {
  const anomalyAlarm = (env: EnvName, width: number, periods: number) => ({
    AlarmName: `better-call-buffet-${env}-pull-anomaly`,
    ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
    ThresholdMetricId: 'expr_1',
    EvaluationPeriods: periods,
    TreatMissingData: 'notBreaching',
    Metrics: Match.arrayWith([
      Match.objectLike({ Id: 'expr_1', Expression: `ANOMALY_DETECTION_BAND(m0, ${width})`, ReturnData: true }),
      Match.objectLike({
        Id: 'm0',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ECR',
            MetricName: 'RepositoryPullCount',
            Dimensions: [{ Name: 'RepositoryName', Value: `better-call-buffet-${env}` }],
          },
          Period: 300,
          Stat: 'Sum',
        },
      }),
    ]),
  });

  test('uses a 2-deviation band over 2 periods in prod and 3 over 3 in staging', () => {
    // GIVEN / WHEN / THEN
    build('prod').template.hasResourceProperties('AWS::CloudWatch::Alarm', anomalyAlarm('prod', 2, 2));
    build('staging').template.hasResourceProperties('AWS::CloudWatch::Alarm', anomalyAlarm('staging', 3, 3));
  });

  test('defaults to 3 evaluation periods', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { pullAnomalyEvaluationPeriods: undefined });
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', anomalyAlarm('prod', 2, 3));
  });

  test('is absent where disabled (dev)', () => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-dev-pull-anomaly');
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' }, 0);
  });

  test('rejects a band width that is not positive', () => {
    expect(() => build('prod', { pullAnomalyBandWidth: 0 })).toThrow(/pullAnomalyBandWidth must be a positive number of standard deviations or false, got 0/);
  });

  test('rejects evaluation periods beyond one day', () => {
    expect(() => build('prod', { pullAnomalyEvaluationPeriods: 289 })).toThrow(/pullAnomalyEvaluationPeriods must be an integer from 1 to 288.*got 289/);
  });
});

describe('(6) authentication failures (CloudTrail)', () => {
  test('is absent unless the environment says a CloudTrail trail exists', () => {
    // GIVEN / WHEN
    const { template } = build('prod', {}, { ciPushRoleArn: CI_ROLE_ARN });
    // THEN
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'] } }, 0);
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-auth-failures');
  });

  test('matches denied ECR calls on this repository and denied logins, at the configured threshold', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { cloudTrailEnabled: true });
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-auth-failures',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['ecr.amazonaws.com'],
          errorCode: ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation'],
          $or: [
            { requestParameters: { repositoryName: ['better-call-buffet-prod'] } },
            { eventName: ['GetAuthorizationToken'] },
          ],
        },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-auth-failures', {
      'detail-userIdentity-arn': '$.detail.userIdentity.arn',
      'detail-errorCode': '$.detail.errorCode',
    });
    expectRuleAlarm(template, 'better-call-buffet-prod-auth-failures', 1);
  });

  test('uses dev\'s higher threshold, and 5 when unset', () => {
    // GIVEN / WHEN / THEN
    expectRuleAlarm(build('dev', { cloudTrailEnabled: true }).template, 'better-call-buffet-dev-auth-failures', 10);
    expectRuleAlarm(build('prod', { cloudTrailEnabled: true, authFailureThreshold: undefined }).template, 'better-call-buffet-prod-auth-failures', 5);
  });

  test('is removed when its threshold is false', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { cloudTrailEnabled: true, authFailureThreshold: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-auth-failures');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-auth-failures' }, 0);
  });

  test('rejects a threshold that is not a positive integer', () => {
    expect(() => build('prod', { cloudTrailEnabled: true, authFailureThreshold: 0.5 })).toThrow(/authFailureThreshold must be a positive integer.*got 0.5/);
  });
});

describe('(7) pushes by anyone but the CI role (CloudTrail)', () => {
  test('matches successful PutImage calls on this repository by any other role session or non-role identity', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-unexpected-pushes',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['ecr.amazonaws.com'],
          eventName: ['PutImage'],
          requestParameters: { repositoryName: ['better-call-buffet-prod'] },
          errorCode: [{ exists: false }],
          $or: [
            { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [CI_ROLE_ARN] }] } } } },
            { userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
          ],
        },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-unexpected-pushes', { 'detail-userIdentity-arn': '$.detail.userIdentity.arn' });
    expectRuleAlarm(template, 'better-call-buffet-prod-unexpected-pushes', 1);
  });

  test('is absent without a CI role, without CloudTrail, or when switched off', () => {
    // GIVEN / WHEN
    const cases = [
      build('prod', { cloudTrailEnabled: true }).template,
      build('prod', {}, { ciPushRoleArn: CI_ROLE_ARN }).template,
      build('prod', { cloudTrailEnabled: true, unexpectedPushes: false }, { ciPushRoleArn: CI_ROLE_ARN }).template,
    ];
    // THEN
    for (const template of cases) {
      expect(alarmNames(template)).not.toContain('better-call-buffet-prod-unexpected-pushes');
      template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-unexpected-pushes' }, 0);
    }
  });

  test('rejects a CI role ARN that is not a role ARN', () => {
    expect(() => build('prod', { cloudTrailEnabled: true }, { ciPushRoleArn: 'arn:aws:iam::123456789012:user/ci' })).toThrow(/ciPushRoleArn "arn:aws:iam::123456789012:user\/ci" is not an IAM role ARN/);
  });
});

describe('notification delivery failures', () => {
  test('sums FailedInvocations of every rule', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    const props = alarmProps(template, 'better-call-buffet-prod-notification-delivery-failures');
    const metrics = props.Metrics as Array<{ Expression?: string; MetricStat?: unknown; ReturnData: boolean }>;
    expect(metrics[0]).toMatchObject({ Expression: 'SUM([r0, r1, r2, r3])', ReturnData: true });
    const rules = ['scan-findings', 'scan-failures', 'auth-failures', 'unexpected-pushes'].map((w) => ruleLogicalId(template, `better-call-buffet-prod-${w}`));
    expect(metrics.slice(1).map((m) => m.MetricStat)).toEqual(rules.map((id) => ({
      Metric: { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: { Ref: id } }] },
      Period: 300,
      Stat: 'Sum',
    })));
    expect(props).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
  });

  test('is absent when no rule exists', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { criticalFindings: false, alertOnHighFindings: false, scanFailures: false });
    // THEN
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-notification-delivery-failures');
  });
});

describe('prod and dev thresholds', () => {
  test('differ where the configuration differs', () => {
    // GIVEN / WHEN
    const prod = build('prod').template;
    const dev = build('dev').template;
    // THEN
    expect(ALARMS_BY_ENV.prod.imageCountQuotaFraction).not.toEqual(ALARMS_BY_ENV.dev.imageCountQuotaFraction);
    expect(alarmProps(prod, 'better-call-buffet-prod-image-count-quota').Threshold).toBe(70_000);
    expect(alarmProps(dev, 'better-call-buffet-dev-image-count-quota').Threshold).toBe(80_000);
    expect(alarmProps(prod, 'better-call-buffet-prod-api-quota-BatchGetImage').Threshold).toBe(70);
    expect(alarmProps(dev, 'better-call-buffet-dev-api-quota-BatchGetImage').Threshold).toBe(80);
  });
});

describe('dashboard', () => {
  test('shows pulls, pushes, image count vs quota, API usage vs quota, findings and every alarm', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'better-call-buffet-prod-registry' });
    const { widgets } = dashboardBody(template);
    const byTitle = (t: RegExp) => {
      const found = widgets.filter((w) => t.test(String(w.properties.title)));
      expect(found).toHaveLength(1);
      return found[0].properties as unknown as GraphWidgetProps;
    };
    expect(byTitle(/^Pulls/).metrics).toEqual([
      ['AWS/ECR', 'RepositoryPullCount', 'RepositoryName', 'better-call-buffet-prod', expect.objectContaining({ stat: 'Sum' })],
      [expect.objectContaining({ expression: 'ANOMALY_DETECTION_BAND(pulls, 2)' })],
    ]);
    expect(byTitle(/^Pushes/).metrics).toEqual([
      ['AWS/Usage', 'CallCount', 'Class', 'None', 'Resource', 'PutImage', 'Service', 'ECR', 'Type', 'API', expect.objectContaining({ stat: 'Sum' })],
    ]);
    const images = byTitle(/^Images vs quota/);
    expect(images.metrics[0].slice(0, 10)).toEqual(['AWS/Usage', 'ResourceCount', 'Resource', 'ImagesPerRepositoryCount', 'ResourceId', 'repository/better-call-buffet-prod', 'Service', 'ECR', 'Type', 'RESOURCE']);
    expect(images.annotations?.horizontal.map((a) => a.value)).toEqual([100_000, 70_000]);
    const api = byTitle(/API usage/);
    expect(api.metrics.filter((m) => typeof m[0] === 'object').map((m) => (m[0] as { expression: string }).expression)).toEqual([
      '100 * (calls_GetAuthorizationToken / 60) / SERVICE_QUOTA(calls_GetAuthorizationToken)',
      '100 * (calls_BatchGetImage / 60) / SERVICE_QUOTA(calls_BatchGetImage)',
    ]);
    expect(byTitle(/^Findings/).metrics.map((m) => m.slice(0, 3))).toEqual(Array(4).fill(['AWS/Events', 'MatchedEvents', 'RuleName']));
    const alarmWidget = widgets.find((w) => w.type === 'alarm')!;
    expect(alarmWidget.properties.alarms).toHaveLength(9);
  });

  test('is named per environment', () => {
    // GIVEN / WHEN / THEN
    build('dev').template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'better-call-buffet-dev-registry' });
  });
});

describe('construct validation', () => {
  test('rejects an envName that cannot be part of an alarm name', () => {
    expect(() => build('prod', {}, { envName: 'prod env' })).toThrow(/envName "prod env" must start with a letter or digit/);
  });

  test('rejects a prefix too long for EventBridge rule names', () => {
    expect(() => build('prod', {}, { appName: 'a'.repeat(44) })).toThrow(/appName-envName must be at most 46/);
  });
});

describe('config validation of the monitoring fields', () => {
  const withAlarms = (alarms: Partial<AlarmsConfig>) => () => validateRegistryConfig({ ...REGISTRY, alarms: { ...REGISTRY.alarms, ...alarms } });

  test('accepts the shipped registry', () => {
    expect(() => validateRegistryConfig(REGISTRY)).not.toThrow();
  });

  test('rejects HIGH alerts without CRITICAL ones', () => {
    expect(withAlarms({ criticalFindings: false, alertOnHighFindings: true })).toThrow(/registry\.alarms\.alertOnHighFindings is true but alarms\.criticalFindings is false/);
  });

  test('rejects pull anomaly evaluation periods outside 1-288', () => {
    expect(withAlarms({ pullAnomalyEvaluationPeriods: 0 })).toThrow(/registry\.alarms\.pullAnomalyEvaluationPeriods must be an integer from 1 to 288 .*got 0/);
  });

  test('rejects an auth failure threshold that is not a positive integer', () => {
    expect(withAlarms({ authFailureThreshold: -1 })).toThrow(ConfigError);
    expect(withAlarms({ authFailureThreshold: -1 })).toThrow(/registry\.alarms\.authFailureThreshold must be a positive integer.*got -1/);
  });
});
