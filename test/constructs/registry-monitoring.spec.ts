import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { REGISTRY } from '../../lib/config/environments';
import { AlarmsConfig, EnvName } from '../../lib/config/types';
import { ConfigError, validateRegistryConfig } from '../../lib/config/validate';
import { guardAcknowledgements } from '../../lib/governance/control-tower';
import { RegistryAlarmSettings, RegistryMonitoring, RegistryMonitoringProps } from '../../lib/constructs/registry-monitoring';
import { memoized } from '../helpers/memo';

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
const ALARMS_BY_ENV: Record<EnvName, RegistryAlarmSettings> = {
  dev: {
    criticalFindings: true, alertOnHighFindings: false, scanFailures: true, imageCountQuotaFraction: 0.8, apiUsageQuotaFraction: 0.8,
    pullAnomalyBandWidth: false, authFailureThreshold: 10, cloudTrail: 'none', scanType: 'BASIC', emails: [],
  },
  staging: {
    criticalFindings: true, alertOnHighFindings: true, scanFailures: true, imageCountQuotaFraction: 0.8, apiUsageQuotaFraction: 0.8,
    pullAnomalyBandWidth: 3, pullAnomalyEvaluationPeriods: 3, authFailureThreshold: 5, cloudTrail: 'none', scanType: 'BASIC', emails: [],
  },
  // The app passes registry.settings.scanType to the construct (one setting for scanning and alarms).
  prod: { ...REGISTRY.alarms, scanType: REGISTRY.settings.scanType },
};

/**
 * A stack holding only the monitoring of `better-call-buffet-<env>`, with that environment's alarm config.
 * Built once per distinct set of arguments and shared by the tests that ask for it (they only read it).
 */
const build = memoized((env: EnvName, alarms: Partial<RegistryAlarmSettings> = {}, extra: Partial<RegistryMonitoringProps> = {}): Built => {
  const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const monitoring = new RegistryMonitoring(stack, 'Monitoring', {
    appName: 'better-call-buffet',
    envName: env,
    repository: ecr.Repository.fromRepositoryName(stack, 'Repo', `better-call-buffet-${env}`),
    alarms: { ...ALARMS_BY_ENV[env], ...alarms },
    ...extra,
  });
  return { template: Template.fromStack(stack), monitoring };
});

/** Prod with every optional alarm switched on. */
const buildAllEnabled = () => build('prod', { cloudTrail: 'create-trail' }, { ciPushRoleArn: CI_ROLE_ARN });
/** Prod relying on an existing trail (no trail resources of its own). */
const TRAIL = { cloudTrail: 'existing-trail' } as const;

/** The one resource of `type` (or, for topics, the topic named `topicName`). */
function logicalId(template: Template, type: string, topicName?: string): string {
  const ids = Object.keys(template.findResources(type, topicName ? { Properties: { TopicName: topicName } } : undefined));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Logical ID of the main alarm topic of `env`. */
const mainTopic = (template: Template, env: EnvName = 'prod') => logicalId(template, 'AWS::SNS::Topic', `better-call-buffet-${env}-alarms`);
const fallbackTopic = (template: Template, env: EnvName = 'prod') => logicalId(template, 'AWS::SNS::Topic', `better-call-buffet-${env}-alarms-fallback`);

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

/**
 * The alarm on a counting EventBridge rule (its events go to the event log, so the alarm is the one
 * notification): MatchedEvents of that rule, 5-minute sums, notifies ALARM to the topic, never an OK action.
 */
function expectRuleAlarm(template: Template, name: string, threshold: number): void {
  const env = name.split('-')[3];
  const topic = { Ref: logicalId(template, 'AWS::SNS::Topic', `better-call-buffet-${env}-alarms`) };
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    ActionsEnabled: true,
    AlarmActions: [Match.objectEquals(topic)],
    OKActions: Match.absent(),
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

/**
 * A rule whose own e-mail is the one notification: it targets only the topic, and no alarm watches it (an alarm
 * without actions fails Control Tower CT.CLOUDWATCH.PR.1/PR.4; one with actions would e-mail the event twice).
 */
function expectRuleNotifiesOnly(template: Template, name: string): void {
  const env = name.split('-')[3];
  const ruleId = ruleLogicalId(template, name);
  const rule = template.findResources('AWS::Events::Rule')[ruleId];
  expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: mainTopic(template, env as EnvName) } })]);
  expect(alarmNames(template)).not.toContain(name);
  // The delivery-failures alarm reads every rule's FailedInvocations; no alarm reads a notifying rule's matches.
  expect(alarmsOnRuleMatches(template, ruleId)).toEqual([]);
}

/** Names of the alarms that read `AWS/Events` MatchedEvents of the rule with logical ID `ruleId`. */
function alarmsOnRuleMatches(template: Template, ruleId: string): string[] {
  type Stat = { Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Value: unknown }> } };
  const reads = (m: Stat) => m.Metric.Namespace === 'AWS/Events' && m.Metric.MetricName === 'MatchedEvents' &&
    (m.Metric.Dimensions ?? []).some((d) => JSON.stringify(d.Value) === JSON.stringify({ Ref: ruleId }));
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(({ Properties: p }) => (p.Metrics as Array<{ MetricStat?: Stat }> | undefined ?? []).some((m) => m.MetricStat && reads(m.MetricStat)))
    .map(({ Properties: p }) => p.AlarmName as string);
}

/** Every rule publishes to the topic with a transformed, human-readable message. */
function expectRuleTargetsTopic(template: Template, name: string, paths: Record<string, string>): void {
  const env = name.split('-')[3];
  template.hasResourceProperties('AWS::Events::Rule', {
    Name: name,
    State: 'ENABLED',
    Targets: [{
      Arn: { Ref: logicalId(template, 'AWS::SNS::Topic', `better-call-buffet-${env}-alarms`) },
      Id: 'Target0',
      InputTransformer: { InputPathsMap: Match.objectLike(paths), InputTemplate: Match.stringLikeRegexp('What to do|escalate') },
    }],
  });
}

/**
 * A log group's own key: rotating, usable by CloudWatch Logs only for that log group (encryption context), no
 * grants except for AWS resources (Control Tower CT.KMS.PR.3), and removed only with the log group.
 */
function expectLogGroupKey(template: Template, keyId: string, logGroupName: string, deletionPolicy: 'Delete' | 'Retain'): void {
  const key = template.findResources('AWS::KMS::Key')[keyId];
  expect(key).toBeDefined();
  expect(key.DeletionPolicy).toBe(deletionPolicy);
  expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
  expect(key.Properties.KeyPolicy.Statement).toEqual(expect.arrayContaining([
    expect.objectContaining({
      Effect: 'Allow',
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:${ACCOUNT}:log-group:${logGroupName}`]] },
        },
      },
    }),
    DENY_GRANTS,
  ]));
}

/** Control Tower CT.KMS.PR.3: nobody may create a grant unless it is for an AWS resource or by an AWS service. */
const DENY_GRANTS = expect.objectContaining({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:CreateGrant',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
});

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
  test('is encrypted with a rotating customer managed key that CloudWatch alarms of this account and EventBridge for this topic may use, and nobody may grant', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const topicProps = template.findResources('AWS::SNS::Topic')[mainTopic(template)].Properties;
    const keyId = (topicProps.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'better-call-buffet-prod-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      SignatureVersion: '2',
    });
    expect(template.findResources('AWS::KMS::Key')[keyId].Properties).toMatchObject({ EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
          // EventBridge's KMS request carries no aws:Source* key (SNS "compatibility with AWS services"): the
          // statement is tied to the topic by its encryption context instead (test/access/ evaluates it).
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              StringEquals: {
                'kms:EncryptionContext:aws:sns:topicArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:us-east-1:${ACCOUNT}:better-call-buffet-prod-alarms`]] },
              },
            },
          }),
          // Control Tower CT.KMS.PR.3
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:CreateGrant',
            Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
          }),
        ]),
      },
    });
  });

  test('policy denies non-TLS publishing and admits only this environment\'s alarms and EventBridge', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const topic = { Ref: mainTopic(template) };
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
    expect(mainTopic(template)).toBe('MonitoringAlarmTopicAF62D4F1');
    template.hasResource('AWS::SNS::TopicPolicy', { Properties: { Topics: [{ Ref: 'MonitoringAlarmTopicAF62D4F1' }] } });
    expect(Object.keys(template.findResources('AWS::SNS::TopicPolicy'))).toContain('MonitoringAlarmTopicPolicyCB9CCFB0');
  });

  test('has no subscriptions by default', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('subscribes every configured e-mail address to the alarm topic and to the fallback topic', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { emails: ['oncall@example.com', 'platform@example.org'] });
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 4);
    for (const email of ['oncall@example.com', 'platform@example.org']) {
      for (const topic of [mainTopic(template), fallbackTopic(template)]) {
        template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email, TopicArn: { Ref: topic } });
      }
    }
  });

  test('rejects an address that is not an e-mail', () => {
    expect(() => build('prod', { emails: ['oncall-at-example.com'] })).toThrow(/"oncall-at-example.com" is not an e-mail address/);
  });
});

describe('every alarm', () => {
  test('sets treatMissingData, is named <app>-<env>-<what> and says what to do', () => {
    // GIVEN / WHEN
    const { template, monitoring } = buildAllEnabled();
    // THEN
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(6);
    expect(monitoring.alarms).toHaveLength(6);
    for (const { Properties: p } of alarms) {
      expect(p.TreatMissingData).toBe('notBreaching');
      expect(p.AlarmName).toMatch(/^better-call-buffet-prod-[a-z]/);
      expect(p.AlarmDescription).toMatch(/What to do:/);
      // Control Tower CT.CLOUDWATCH.PR.1 (an ALARM action) and CT.CLOUDWATCH.PR.4 (actions enabled).
      expect({ name: p.AlarmName, actions: (p.AlarmActions as unknown[] | undefined ?? []).length > 0, enabled: p.ActionsEnabled !== false })
        .toEqual({ name: p.AlarmName, actions: true, enabled: true });
    }
  });

  test('one event, one notification: metric alarms notify ALARM and OK, event-count alarms never OK, rule-notified events have no alarm', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    const topic = { Ref: mainTopic(template) };
    const actions = (name: string) => {
      const p = alarmProps(template, `better-call-buffet-prod-${name}`);
      return { enabled: p.ActionsEnabled, alarm: p.AlarmActions, ok: p.OKActions };
    };
    for (const metricAlarm of ['image-count-quota', 'api-quota-GetAuthorizationToken', 'api-quota-BatchGetImage', 'pull-anomaly']) {
      expect(actions(metricAlarm)).toEqual({ enabled: undefined, alarm: [topic], ok: [topic] });
    }
    // The rule e-mails each event, with what to do; no alarm beside it (silent ones fail Control Tower, notifying
    // ones would e-mail twice).
    for (const ruleNotified of ['scan-findings', 'scan-failures', 'unexpected-pushes']) {
      expectRuleNotifiesOnly(template, `better-call-buffet-prod-${ruleNotified}`);
    }
    // The rule only logs; the alarm is the one notification.
    expect(actions('auth-failures')).toEqual({ enabled: true, alarm: [topic], ok: undefined });
    expect(actions('notification-delivery-failures')).toEqual({ enabled: undefined, alarm: [{ Ref: fallbackTopic(template) }], ok: undefined });
  });

  test('every environment gets the alarms its configuration enables', () => {
    // GIVEN / WHEN / THEN: dev has no anomaly alarm (pullAnomalyBandWidth false); only prod has CloudTrail alarms.
    // Scan findings and failures are e-mailed by their rules in every environment, with no alarm.
    const base = ['image-count-quota', 'api-quota-BatchGetImage', 'api-quota-GetAuthorizationToken', 'notification-delivery-failures'];
    const expected: Record<EnvName, string[]> = {
      dev: base,
      staging: [...base, 'pull-anomaly'],
      prod: [...base, 'pull-anomaly', 'auth-failures'],
    };
    for (const env of Object.keys(expected) as EnvName[]) {
      const { template } = build(env);
      expect(alarmNames(template)).toEqual(expected[env].map((what) => `better-call-buffet-${env}-${what}`).sort());
      for (const what of ['scan-findings', 'scan-failures']) expectRuleNotifiesOnly(template, `better-call-buffet-${env}-${what}`);
    }
  });

  test('every EventBridge rule has a target: the topic for rules that notify, the event log for counting rules', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    const rules = template.findResources('AWS::Events::Rule');
    const targetOf = (what: string) => Object.values(rules).find((r) => r.Properties.Name === `better-call-buffet-prod-${what}`)!.Properties.Targets;
    expect(Object.keys(rules)).toHaveLength(7);
    const eventLog = Object.keys(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/events/better-call-buffet-prod' } }));
    expect(eventLog).toHaveLength(1);
    const logGroupArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:us-east-1:${ACCOUNT}:log-group:`, { Ref: eventLog[0] }]],
    };
    for (const what of ['scan-findings', 'scan-failures', 'unexpected-pushes']) {
      expect(targetOf(what)).toEqual([expect.objectContaining({ Arn: { Ref: mainTopic(template) } })]);
    }
    for (const what of ['image-pushes', 'image-deletions', 'lifecycle-expirations', 'auth-failures']) {
      expect(targetOf(what)).toEqual([{ Arn: logGroupArn, Id: 'Target0' }]);
    }
  });
});

describe('event log', () => {
  test('is a log group kept one year, encrypted with its own key, that EventBridge may write to through its resource policy', () => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN: Control Tower CT.CLOUDWATCH.PR.2 (at least a year) and CT.CLOUDWATCH.PR.3 (a KMS key).
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/events/better-call-buffet-dev', RetentionInDays: 365 } });
    expect(Object.keys(groups)).toHaveLength(1);
    const group = Object.values(groups)[0];
    expect(group.DeletionPolicy).toBe('Delete');
    const keyId = (group.Properties.KmsKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(keyId).not.toEqual(template.findResources('AWS::SNS::Topic')[mainTopic(template, 'dev')].Properties.KmsMasterKeyId['Fn::GetAtt'][0]);
    expectLogGroupKey(template, keyId, '/aws/events/better-call-buffet-dev', 'Delete');
    const policy = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
    expect(policy).toHaveLength(1);
    const text = JSON.stringify(policy[0].Properties.PolicyDocument);
    expect(text).toContain('events.amazonaws.com');
    expect(text).toContain('logs:PutLogEvents');
  });
});

describe('push and deletion counts per repository', () => {
  test.each([['image-pushes', 'PUSH'], ['image-deletions', 'DELETE']])('%s counts successful %s ECR Image Action events of this repository', (what, action) => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN: ECR sends these itself, so the rule is plain ENABLED and needs no CloudTrail.
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: `better-call-buffet-dev-${what}`,
      State: 'ENABLED',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        'detail': { 'repository-name': ['better-call-buffet-dev'], 'action-type': [action], 'result': ['SUCCESS'] },
      }),
    });
  });

  test('lifecycle expirations are counted from CloudTrail PolicyExecutionEvent, only where CloudTrail events exist', () => {
    // GIVEN / WHEN
    const { template } = build('prod', TRAIL);
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-lifecycle-expirations',
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        'detail': {
          eventSource: ['ecr.amazonaws.com'],
          eventName: ['PolicyExecutionEvent'],
          serviceEventDetails: { repositoryName: ['better-call-buffet-prod'] },
        },
      }),
    });
    build('dev').template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-dev-lifecycle-expirations' }, 0);
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
    expectRuleNotifiesOnly(template, 'better-call-buffet-prod-scan-findings');
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
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-scan-findings' }, 0);
  });

  test('with enhanced scanning, matches active Amazon Inspector findings of the configured severities on this repository', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { scanType: 'ENHANCED' });
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-scan-findings',
      EventPattern: Match.objectEquals({
        'source': ['aws.inspector2'],
        'detail-type': ['Inspector2 Finding'],
        'detail': {
          severity: ['CRITICAL', 'HIGH'],
          status: ['ACTIVE'],
          resources: { type: ['AWS_ECR_CONTAINER_IMAGE'], details: { awsEcrContainerImage: { repositoryName: ['better-call-buffet-prod'] } } },
        },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-scan-findings', {
      'detail-severity': '$.detail.severity',
      'detail-resources-0--details-awsEcrContainerImage-imageHash': '$.detail.resources[0].details.awsEcrContainerImage.imageHash',
    });
    expectRuleNotifiesOnly(template, 'better-call-buffet-prod-scan-findings');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: { 'detail-type': ['ECR Image Scan'] } }, 0);
  });

  test('with enhanced scanning, dev still reports CRITICAL only', () => {
    // GIVEN / WHEN
    const { template } = build('dev', { scanType: 'ENHANCED' });
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-dev-scan-findings',
      EventPattern: { detail: Match.objectLike({ severity: ['CRITICAL'] }) },
    });
  });

  test('rejects HIGH alerts without CRITICAL ones', () => {
    expect(() => build('prod', { criticalFindings: false, alertOnHighFindings: true })).toThrow(/alertOnHighFindings is true but criticalFindings is false/);
  });
});

describe('(2) scan failures', () => {
  test('matches scans of this repository in any status but COMPLETE (anything-but, not one guessed value)', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-scan-failures',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        'detail': { 'repository-name': ['better-call-buffet-prod'], 'scan-status': [{ 'anything-but': ['COMPLETE'] }] },
      }),
    });
    expectRuleTargetsTopic(template, 'better-call-buffet-prod-scan-failures', { 'detail-image-digest': '$.detail.image-digest' });
    expectRuleNotifiesOnly(template, 'better-call-buffet-prod-scan-failures');
  });

  test('is removed when disabled', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { scanFailures: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-scan-failures');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-scan-failures' }, 0);
  });

  test('with enhanced scanning, matches Inspector2 Scan events of this repository ARN in any status but INITIAL_SCAN_COMPLETE', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { scanType: 'ENHANCED' });
    // THEN: the Inspector event carries the repository ARN (in resources and detail.repository-name), not its name.
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-scan-failures',
      EventPattern: Match.objectEquals({
        'source': ['aws.inspector2'],
        'detail-type': ['Inspector2 Scan'],
        'resources': [{
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:us-east-1:${ACCOUNT}:repository/better-call-buffet-prod`]],
        }],
        'detail': { 'scan-status': [{ 'anything-but': ['INITIAL_SCAN_COMPLETE'] }] },
      }),
    });
  });

  test('rejects an unknown scan type', () => {
    expect(() => build('prod', { scanType: 'INSPECTOR' as never })).toThrow(/alarms.scanType must be 'BASIC' or 'ENHANCED'.*got "INSPECTOR"/);
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
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
            // Exactly the documented set: ECR does not use the Class dimension (monitoring-usage.html).
            Dimensions: [
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
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
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
  const pullMetric = (env: EnvName) => ({
    Metric: {
      Namespace: 'AWS/ECR',
      MetricName: 'RepositoryPullCount',
      Dimensions: [{ Name: 'RepositoryName', Value: `better-call-buffet-${env}` }],
    },
    Period: 300,
    Stat: 'Sum',
  });
  /** Steady pulls expected (prod): no data counts as zero and both directions alarm. */
  const steadyAlarm = (env: EnvName, width: number, periods: number) => ({
    AlarmName: `better-call-buffet-${env}-pull-anomaly`,
    ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
    ThresholdMetricId: 'expr_1',
    EvaluationPeriods: periods,
    TreatMissingData: 'notBreaching',
    Metrics: Match.arrayWith([
      Match.objectLike({ Id: 'expr_1', Expression: `ANOMALY_DETECTION_BAND(m0, ${width})`, ReturnData: true }),
      Match.objectLike({ Id: 'm0', Expression: 'FILL(pulls, 0)' }),
      Match.objectLike({ Id: 'pulls', MetricStat: pullMetric(env), ReturnData: false }),
    ]),
  });
  /** No steady pulls expected (staging): silence is normal, so only spikes alarm and "pulls stopped" is not claimed. */
  const spikeAlarm = (env: EnvName, width: number, periods: number) => ({
    AlarmName: `better-call-buffet-${env}-pull-anomaly`,
    ComparisonOperator: 'GreaterThanUpperThreshold',
    ThresholdMetricId: 'expr_1',
    EvaluationPeriods: periods,
    TreatMissingData: 'notBreaching',
    AlarmDescription: Match.stringLikeRegexp('cannot report pulls stopping'),
    Metrics: Match.arrayWith([
      Match.objectLike({ Id: 'expr_1', Expression: `ANOMALY_DETECTION_BAND(m0, ${width})`, ReturnData: true }),
      Match.objectLike({ Id: 'm0', MetricStat: pullMetric(env) }),
    ]),
  });

  test('prod expects steady pulls: FILL(pulls, 0) under a 2-deviation band over 2 periods, low and high alarm', () => {
    // GIVEN / WHEN / THEN
    build('prod').template.hasResourceProperties('AWS::CloudWatch::Alarm', steadyAlarm('prod', 2, 2));
  });

  test('staging does not: raw pulls, 3 deviations over 3 periods, spikes only', () => {
    // GIVEN / WHEN / THEN
    build('staging').template.hasResourceProperties('AWS::CloudWatch::Alarm', spikeAlarm('staging', 3, 3));
    build('prod', { expectSteadyPulls: false }).template.hasResourceProperties('AWS::CloudWatch::Alarm', spikeAlarm('prod', 2, 2));
  });

  test('defaults to 3 evaluation periods', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { pullAnomalyEvaluationPeriods: undefined });
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', steadyAlarm('prod', 2, 3));
  });

  test('is absent where disabled (dev)', () => {
    // GIVEN / WHEN
    const { template } = build('dev');
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-dev-pull-anomaly');
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { ThresholdMetricId: 'expr_1' }, 0);
  });

  test('rejects a band width that is not positive', () => {
    expect(() => build('prod', { pullAnomalyBandWidth: 0 })).toThrow(/pullAnomalyBandWidth must be a positive number of standard deviations or false, got 0/);
  });

  test('rejects evaluation periods beyond one day', () => {
    expect(() => build('prod', { pullAnomalyEvaluationPeriods: 289 })).toThrow(/pullAnomalyEvaluationPeriods must be an integer from 1 to 288.*got 289/);
  });
});

describe('(6) authentication failures (CloudTrail)', () => {
  test('is absent where the environment has no CloudTrail events (cloudTrail: none)', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { cloudTrail: 'none' }, { ciPushRoleArn: CI_ROLE_ARN });
    // THEN
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'] } }, 0);
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-auth-failures');
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
  });

  test('matches denied ECR calls on this repository and denied logins, in the state that receives read-only events', () => {
    // GIVEN / WHEN
    const { template } = build('prod', TRAIL);
    // THEN: GetAuthorizationToken, BatchGetImage and GetDownloadUrlForLayer are read-only management events,
    // which a rule in state ENABLED never receives.
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-prod-auth-failures',
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
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
    // The rule records each denial in the event log; the alarm is the single notification, at the threshold.
    expectRuleAlarm(template, 'better-call-buffet-prod-auth-failures', 1);
    expect(alarmProps(template, 'better-call-buffet-prod-auth-failures').AlarmDescription).toMatch(/GetAuthorizationToken calls anywhere in this account/);
  });

  test('prod creates its own trail by default, logging read and write management events', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    expect(REGISTRY.alarms.cloudTrail).toBe('create-trail');
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      TrailName: 'better-call-buffet-prod-management-events',
      IsLogging: true,
      IsMultiRegionTrail: false,
      EnableLogFileValidation: true,
      KMSKeyId: Match.anyValue(),
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 365 }, Status: 'Enabled' })] },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Condition: Match.objectLike({ StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': Match.anyValue() } }),
        })]),
      },
    });
  });

  test('the created trail passes Control Tower: KMS default encryption on its bucket, a KMS-encrypted CloudWatch Logs copy kept a year, keys that refuse foreign grants', () => {
    // GIVEN / WHEN
    const { template, monitoring } = build('prod');
    // THEN
    const trail = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0].Properties;
    const trailKey = (trail.KMSKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    // CT.S3.PR.10: the bucket's default encryption is SSE-KMS with the trail's key, without an S3 Bucket Key
    // (with one, CloudTrail would also need kms:Decrypt to create the trail).
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: Match.absent(),
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [trailKey, 'Arn'] } },
        }],
      },
    });
    // CT.KMS.PR.3 on the trail key (retained with the log files it encrypts).
    const key = template.findResources('AWS::KMS::Key')[trailKey];
    expect(key.DeletionPolicy).toBe('Retain');
    expect(key.Properties.KeyPolicy.Statement).toEqual(expect.arrayContaining([DENY_GRANTS]));
    // CT.CLOUDTRAIL.PR.3: the trail delivers to CloudWatch Logs, through a role CloudTrail assumes that may write
    // only to that log group; CT.CLOUDWATCH.PR.2/3: kept a year, with a key of its own.
    const logName = '/aws/cloudtrail/better-call-buffet-prod-management-events';
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: logName, RetentionInDays: 365 } });
    expect(Object.keys(groups)).toHaveLength(1);
    const [groupId, group] = Object.entries(groups)[0];
    expect(group.DeletionPolicy).toBe('Retain');
    expect(trail.CloudWatchLogsLogGroupArn).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
    const logKey = (group.Properties.KmsKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(logKey).not.toEqual(trailKey);
    expectLogGroupKey(template, logKey, logName, 'Retain');
    const roleId = (trail.CloudWatchLogsRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(template.findResources('AWS::IAM::Role')[roleId].Properties.AssumeRolePolicyDocument.Statement)
      .toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' } }]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: ['logs:PutLogEvents', 'logs:CreateLogStream'], Resource: { 'Fn::GetAtt': [groupId, 'Arn'] } }],
      },
    });
    expect(monitoring.trail?.logGroup.node.path).toBe(`TestStack/Monitoring/ManagementEventTrail/LogGroup`);
  });

  test('the trail bucket acknowledges only the allowed log-bucket exceptions, each with a reason', () => {
    // GIVEN / WHEN
    const { monitoring } = build('prod');
    const stack = Stack.of(monitoring);
    // THEN: exactly CT.S3.PR.2/4/9 (an architecture this stack does not run), on the bucket, nothing else here.
    const acks = guardAcknowledgements(stack);
    expect(acks.map((a) => [a.path, a.ruleId])).toEqual(['CT.S3.PR.2', 'CT.S3.PR.4', 'CT.S3.PR.9'].map((id) => [monitoring.trail!.bucket.node.path, id]));
    for (const a of acks) expect(a.reason).toMatch(/^CloudTrail log bucket: .{20,}/);
  });

  test('the fallback topic\'s key refuses grants not for AWS resources too (Control Tower CT.KMS.PR.3)', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const keyId = (template.findResources('AWS::SNS::Topic')[fallbackTopic(template)].Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement).toEqual(expect.arrayContaining([DENY_GRANTS]));
  });

  test('an existing trail creates no trail resources but still gets the rules', () => {
    // GIVEN / WHEN
    const { template } = build('prod', TRAIL);
    // THEN
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.LogGroupName)).toEqual(['/aws/events/better-call-buffet-prod']);
    expect(alarmNames(template)).toContain('better-call-buffet-prod-auth-failures');
  });

  test('rejects an unknown CloudTrail mode', () => {
    expect(() => build('prod', { cloudTrail: 'yes' as never })).toThrow(/alarms.cloudTrail must be 'create-trail', 'existing-trail' or 'none', got "yes"/);
  });

  test('uses dev\'s higher threshold, and 5 when unset', () => {
    // GIVEN / WHEN / THEN
    expectRuleAlarm(build('dev', TRAIL).template, 'better-call-buffet-dev-auth-failures', 10);
    expectRuleAlarm(build('prod', { ...TRAIL, authFailureThreshold: undefined }).template, 'better-call-buffet-prod-auth-failures', 5);
  });

  test('is removed when its threshold is false', () => {
    // GIVEN / WHEN
    const { template } = build('prod', { ...TRAIL, authFailureThreshold: false });
    // THEN
    expect(alarmNames(template)).not.toContain('better-call-buffet-prod-auth-failures');
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-auth-failures' }, 0);
  });

  test('rejects a threshold that is not a positive integer', () => {
    expect(() => build('prod', { ...TRAIL, authFailureThreshold: 0.5 })).toThrow(/authFailureThreshold must be a positive integer.*got 0.5/);
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
    expectRuleNotifiesOnly(template, 'better-call-buffet-prod-unexpected-pushes');
  });

  test('is absent without a CI role, without CloudTrail, or when switched off', () => {
    // GIVEN / WHEN
    const cases = [
      build('prod', TRAIL).template,
      build('prod', { cloudTrail: 'none' }, { ciPushRoleArn: CI_ROLE_ARN }).template,
      build('prod', { ...TRAIL, unexpectedPushes: false }, { ciPushRoleArn: CI_ROLE_ARN }).template,
    ];
    // THEN
    for (const template of cases) {
      expect(alarmNames(template)).not.toContain('better-call-buffet-prod-unexpected-pushes');
      template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-prod-unexpected-pushes' }, 0);
    }
  });

  test('rejects a CI role ARN that is not a role ARN', () => {
    expect(() => build('prod', TRAIL, { ciPushRoleArn: 'arn:aws:iam::123456789012:user/ci' })).toThrow(/ciPushRoleArn "arn:aws:iam::123456789012:user\/ci" is not an IAM role ARN/);
  });
});

describe('notification delivery failures', () => {
  test('sums FailedInvocations of every rule', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    const props = alarmProps(template, 'better-call-buffet-prod-notification-delivery-failures');
    const metrics = props.Metrics as Array<{ Expression?: string; MetricStat?: unknown; ReturnData: boolean }>;
    const whats = ['image-pushes', 'image-deletions', 'scan-findings', 'scan-failures', 'lifecycle-expirations', 'auth-failures', 'unexpected-pushes'];
    expect(metrics[0]).toMatchObject({ Expression: `SUM([${whats.map((_, i) => `r${i}`).join(', ')}])`, ReturnData: true });
    const rules = whats.map((w) => ruleLogicalId(template, `better-call-buffet-prod-${w}`));
    expect(metrics.slice(1).map((m) => m.MetricStat)).toEqual(rules.map((id) => ({
      Metric: { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: { Ref: id } }] },
      Period: 300,
      Stat: 'Sum',
    })));
    expect(props).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
  });

  test('notifies a fallback topic with its own key and a CloudWatch-only policy, never the topic whose failures it reports', () => {
    // GIVEN / WHEN
    const { template } = build('prod');
    // THEN
    const fallback = fallbackTopic(template);
    expect(alarmProps(template, 'better-call-buffet-prod-notification-delivery-failures').AlarmActions).toEqual([{ Ref: fallback }]);
    const topics = template.findResources('AWS::SNS::Topic');
    const keyOf = (id: string) => (topics[id].Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(keyOf(fallback)).not.toEqual(keyOf(mainTopic(template)));
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find((p) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: fallback }]))!;
    const allows = (policy.Properties.PolicyDocument.Statement as Array<{ Effect: string; Principal?: { Service?: string } }>).filter((st) => st.Effect === 'Allow');
    expect(allows.map((st) => st.Principal?.Service)).toEqual(['cloudwatch.amazonaws.com']);
    expect(JSON.stringify(allows[0])).toContain(':alarm:better-call-buffet-prod-notification-delivery-failures');
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
  test('shows pulls, pushes, image count vs quota, API usage vs quota, findings and failures from rule matches, and every alarm', () => {
    // GIVEN / WHEN
    const { template } = buildAllEnabled();
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'better-call-buffet-prod' });
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
    // Per repository, from the rules' MatchedEvents, not the account-wide PutImage call count.
    expect(byTitle(/^Pushes and deletions/).metrics).toEqual([
      ['AWS/Events', 'MatchedEvents', 'RuleName', 'TOKEN', expect.objectContaining({ stat: 'Sum', label: 'Pushes' })],
      ['AWS/Events', 'MatchedEvents', 'RuleName', 'TOKEN', expect.objectContaining({ stat: 'Sum', label: 'Deletions' })],
      ['AWS/Events', 'MatchedEvents', 'RuleName', 'TOKEN', expect.objectContaining({ stat: 'Sum', label: expect.stringMatching(/^Lifecycle/) })],
    ]);
    const images = byTitle(/^Images vs quota/);
    expect(images.metrics[0].slice(0, 10)).toEqual(['AWS/Usage', 'ResourceCount', 'Resource', 'ImagesPerRepositoryCount', 'ResourceId', 'repository/better-call-buffet-prod', 'Service', 'ECR', 'Type', 'RESOURCE']);
    expect(images.annotations?.horizontal.map((a) => a.value)).toEqual([100_000, 70_000]);
    const api = byTitle(/API usage/);
    expect(api.metrics.filter((m) => typeof m[0] === 'object').map((m) => (m[0] as { expression: string }).expression)).toEqual([
      '100 * (calls_GetAuthorizationToken / 60) / SERVICE_QUOTA(calls_GetAuthorizationToken)',
      '100 * (calls_BatchGetImage / 60) / SERVICE_QUOTA(calls_BatchGetImage)',
    ]);
    // Scan findings and failures have no alarm: the dashboard counts them from their rules' MatchedEvents.
    expect(byTitle(/^Findings/).metrics).toEqual(['scan-findings', 'scan-failures', 'auth-failures', 'unexpected-pushes'].map((what) => [
      'AWS/Events', 'MatchedEvents', 'RuleName', 'TOKEN', expect.objectContaining({ stat: 'Sum', label: what }),
    ]));
    const alarmWidget = widgets.find((w) => w.type === 'alarm')!;
    expect(alarmWidget.properties.alarms).toHaveLength(6);
  });

  test('is named per environment', () => {
    // GIVEN / WHEN / THEN
    build('dev').template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'better-call-buffet-dev' });
  });
});

describe('construct validation', () => {
  test('rejects an envName that cannot be part of an alarm name', () => {
    expect(() => build('prod', {}, { envName: 'prod env' })).toThrow(/envName "prod env" must start with a letter or digit/);
  });

  test('rejects a prefix too long for EventBridge rule names', () => {
    expect(() => build('prod', {}, { appName: 'a'.repeat(44) })).toThrow(/appName-envName must be at most 42/);
  });
});

describe('config validation of the monitoring fields', () => {
  const withAlarms = (alarms: Partial<AlarmsConfig>) => () => validateRegistryConfig({ ...REGISTRY, alarms: { ...REGISTRY.alarms, ...alarms } });

  test('accepts the shipped registry', () => {
    expect(() => validateRegistryConfig(REGISTRY)).not.toThrow();
  });

  test('rejects HIGH alerts without CRITICAL ones', () => {
    expect(withAlarms({ criticalFindings: false, alertOnHighFindings: true })).toThrow(/^registry\.alarms\.alertOnHighFindings is true but alarms\.criticalFindings is false/);
  });

  test('rejects pull anomaly evaluation periods outside 1-288', () => {
    expect(withAlarms({ pullAnomalyEvaluationPeriods: 0 })).toThrow(/^registry\.alarms\.pullAnomalyEvaluationPeriods must be an integer from 1 to 288 .*got 0/);
  });

  test('rejects an unknown CloudTrail mode, naming the field', () => {
    expect(withAlarms({ cloudTrail: 'on' as never })).toThrow(/^registry\.alarms\.cloudTrail "on" is not allowed/);
  });

  test('refuses the removed alarms.scanType, naming its replacement (registry.settings.scanType)', () => {
    expect(withAlarms({ scanType: 'ENHANCED' } as never)).toThrow(/^registry\.alarms\.scanType "ENHANCED" was removed: set registry\.settings\.scanType instead/);
  });

  test('rejects a trail retention that is not a positive integer, or set without a trail to apply to', () => {
    expect(withAlarms({ trailLogRetentionDays: 0 })).toThrow(/^registry\.alarms\.trailLogRetentionDays must be a positive integer/);
    expect(withAlarms({ cloudTrail: 'existing-trail', trailLogRetentionDays: 30 })).toThrow(/^registry\.alarms\.trailLogRetentionDays is set but alarms\.cloudTrail is "existing-trail"/);
  });

  test('rejects an auth failure threshold that is not a positive integer', () => {
    expect(withAlarms({ authFailureThreshold: -1 })).toThrow(ConfigError);
    expect(withAlarms({ authFailureThreshold: -1 })).toThrow(/^registry\.alarms\.authFailureThreshold must be a positive integer.*got -1/);
  });
});
