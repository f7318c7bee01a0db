import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { REGISTRY } from '../../lib/config/environments';
import { replicationFailurePattern } from '../../lib/constructs/monitoring/event-patterns';
import { RegistryMonitoring } from '../../lib/constructs/registry-monitoring';
import { ReplicationFailureForwarder } from '../../lib/constructs/replication-failure-forwarder';

/**
 * A failed replication notifies: ECR reports it in the replica's region (ECR user guide, "Event for a failed
 * image replication"), a rule there forwards it to the registry region's default bus, and the registry's
 * monitoring notifies its alarm topic. EventBridge itself cannot run offline: the patterns are evaluated here
 * by a matcher for the two operators they use (value lists and anything-but) against the documented samples.
 */

/** The documented sample events (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html). */
function replicationEvent(result: string, repository = 'better-call-buffet'): Record<string, unknown> {
  return {
    'version': '0',
    'detail-type': 'ECR Replication Action',
    'source': 'aws.ecr',
    'account': '123456789012',
    'region': 'us-west-2',
    'resources': [`arn:aws:ecr:us-west-2:123456789012:repository/${repository}`],
    'detail': {
      'result': result, 'repository-name': repository, 'image-digest': `sha256:${'8'.repeat(64)}`,
      'source-account': '123456789012', 'action-type': 'REPLICATE', 'source-region': 'us-east-1', 'image-tag': 'prod-v1.4.2-3f9c2ab',
    },
  };
}

/** EventBridge matching for value lists and `anything-but` (all this pattern uses); keys are the JSON names. */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) {
      return rule.some((r) => (typeof r === 'object' && r !== null && 'anything-but' in r
        ? value !== undefined && !(r as { 'anything-but': unknown[] })['anything-but'].includes(value)
        : r === value));
    }
    return typeof value === 'object' && value !== null && matches(rule as Record<string, unknown>, value as Record<string, unknown>);
  });
}

describe('the replication-failure pattern', () => {
  const rendered = new Stack().resolve(replicationFailurePattern('better-call-buffet')) as Record<string, unknown>;
  const json = { 'source': rendered.source, 'detail-type': rendered.detailType, 'detail': rendered.detail };

  test('matches the documented failure (result FAILED) and any other non-success result', () => {
    expect(matches(json, replicationEvent('FAILED'))).toBe(true);
    expect(matches(json, replicationEvent('FAILURE'))).toBe(true);
  });

  test('ignores successful replications and other repositories', () => {
    expect(matches(json, replicationEvent('SUCCESS'))).toBe(false);
    expect(matches(json, replicationEvent('FAILED', 'someone-else'))).toBe(false);
  });
});

describe('forwarding from the replica region', () => {
  const stack = new Stack(new App(), 'Replica', { env: { account: '123456789012', region: 'us-west-2' } });
  new ReplicationFailureForwarder(stack, 'Forwarder', { repositoryName: 'better-call-buffet', registryRegion: 'us-east-1', ruleName: 'better-call-buffet-registry-replication-failures-forward' });
  const template = Template.fromStack(stack);

  test('one rule, the failure pattern, targeting the default event bus of the registry\'s region with a role', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'better-call-buffet-registry-replication-failures-forward',
      EventPattern: Match.objectEquals({
        'source': ['aws.ecr'],
        'detail-type': ['ECR Replication Action'],
        'detail': { 'repository-name': ['better-call-buffet'], 'result': [{ 'anything-but': ['SUCCESS'] }] },
      }),
      Targets: [{ Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:event-bus/default']] }, Id: 'Target0', RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } }],
    });
  });

  test('the role EventBridge assumes may put events on that one bus only', () => {
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })] } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:123456789012:event-bus/default']] } }] },
    });
  });

  test('refuses forwarding into its own region and a made-up region', () => {
    const inRegistryRegion = new Stack(new App(), 'Same', { env: { account: '123456789012', region: 'us-east-1' } });
    expect(() => new ReplicationFailureForwarder(inRegistryRegion, 'F', { repositoryName: 'r1', registryRegion: 'us-east-1', ruleName: 'r' })).toThrow(/this stack is in the registry's region us-east-1 already/);
    expect(() => new ReplicationFailureForwarder(stack, 'F2', { repositoryName: 'r1', registryRegion: 'us-east-9', ruleName: 'r' })).toThrow(/registryRegion "us-east-9" is not an AWS region name/);
  });
});

describe('the registry\'s monitoring', () => {
  function build(replicaRegions?: readonly string[]): Template {
    const stack = new Stack(new App(), 'Registry', { env: { account: '123456789012', region: 'us-east-1' } });
    new RegistryMonitoring(stack, 'Monitoring', {
      appName: 'better-call-buffet', envName: 'registry',
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'better-call-buffet'),
      alarms: { ...REGISTRY.alarms, scanType: 'BASIC' }, replicaRegions,
    });
    return Template.fromStack(stack);
  }

  test('with a replica, notifies the alarm topic of each failure with what to do; the delivery alarm watches the rule', () => {
    // GIVEN / WHEN
    const template = build(['us-west-2']);
    // THEN the rule matches the forwarded events with the same pattern
    const rules = template.findResources('AWS::Events::Rule', { Properties: { Name: 'better-call-buffet-registry-replication-failures' } });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0].Properties;
    expect(rule.EventPattern).toEqual({ 'source': ['aws.ecr'], 'detail-type': ['ECR Replication Action'], 'detail': { 'repository-name': ['better-call-buffet'], 'result': [{ 'anything-but': ['SUCCESS'] }] } });
    expect(rule.Description).toMatch(/into us-west-2/);
    // AND its one target is the alarm topic, with a message naming the image and the way out
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { TopicName: 'better-call-buffet-registry-alarms' } }));
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual({ Ref: topicId });
    const text = JSON.stringify(rule.Targets[0].InputTransformer);
    for (const field of ['$.detail.repository-name', '$.detail.image-digest', '$.detail.source-region', '$.region', '$.detail.result']) expect(text).toContain(field);
    expect(text).toMatch(/describe-image-replication-status/);
    // AND its failed deliveries count in the delivery-failures alarm
    const [ruleId] = Object.keys(rules);
    const delivery = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'better-call-buffet-registry-notification-delivery-failures' } }));
    expect(delivery).toHaveLength(1);
    const watched = (delivery[0].Properties.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: unknown }[] } } }[])
      .filter((m) => m.MetricStat?.Metric.MetricName === 'FailedInvocations').map((m) => m.MetricStat?.Metric.Dimensions[0].Value);
    expect(watched).toContainEqual({ Ref: ruleId });
  });

  test('without a replica there is no such rule', () => {
    build().resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'better-call-buffet-registry-replication-failures' }, 0);
  });
});
