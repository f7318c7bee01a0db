import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, GetTrailStatusCommand, TrailNotFoundException } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, Dimension, GetMetricDataCommand, ListMetricsCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeRepositoriesCommand, ECRClient, GetRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { scopedMockClient } from '../helpers/aws-mock';
import { REGISTRY } from '../../lib/config/environments';
import { loadConfig } from '../../lib/config/load';
import { parseInsightsQuery } from '../../lib/doctor/checks/alarm-metrics';
import { scanFilterMatches } from '../../lib/doctor/checks/scanning';
import { exitCode, runDoctor } from '../../lib/doctor/doctor';
import { AlarmPlan, DoctorPlan } from '../../lib/doctor/plan';
import { CheckResult, FatalAwsError, renderResult } from '../../lib/doctor/result';
import { doctorPlan } from '../../lib/doctor/synth';
import { INVENTORY_METRICS } from '../../lib/inventory/metrics';

/**
 * The doctor's checks against mocked AWS APIs (aws-sdk-client-mock): each check passes on a healthy account and
 * fails, saying what to do, on the fault it exists to find. The plan is the real one, synthesized once from the
 * app for prod with a CI push role (so the unexpected-push rule exists too). The real API path runs in the e2e.
 */
const config = loadConfig({ getContext: (k) => ({ env: 'prod', githubRepository: 'acme-corp/buffet' } as Record<string, string>)[k] });
const PLAN = doctorPlan(config, 'prod');
const ACCOUNT = '111122223333';
const NOW = new Date('2026-12-01T12:00:00Z');
const LONG_AGO = new Date('2026-01-01T00:00:00Z');

const cf = scopedMockClient(CloudFormationClient);
const cw = scopedMockClient(CloudWatchClient);
const sns = scopedMockClient(SNSClient);
const trail = scopedMockClient(CloudTrailClient);
const ecr = scopedMockClient(ECRClient);

const registry = PLAN.stacks.find((s) => s.role === 'registry')!;
const resources = (type: string) => Object.entries(registry.template.Resources ?? {}).filter(([, r]) => r.Type === type);
const prop = (id: string, name: string) => registry.template.Resources?.[id]?.Properties?.[name];
const topicArn = (name: string) => `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`;

/** What CloudFormation reports as each resource's physical ID: its name where the template fixes one. */
function physicalId(id: string, type: string, props: Readonly<Record<string, unknown>>): string {
  const named: Record<string, string> = {
    'AWS::ECR::Repository': 'RepositoryName', 'AWS::Events::Rule': 'Name', 'AWS::Lambda::Function': 'FunctionName',
    'AWS::CloudTrail::Trail': 'TrailName', 'AWS::Logs::LogGroup': 'LogGroupName', 'AWS::CloudWatch::Alarm': 'AlarmName',
  };
  if (type === 'AWS::SNS::Topic') return topicArn(String(props.TopicName));
  const name = named[type] ? props[named[type]] : undefined;
  return typeof name === 'string' ? name : `${id}-physical`;
}

interface World {
  status?: Record<string, string | undefined>;
  ruleUpdated?: Date;
  /** Published metrics; default: exactly what every ListMetrics asks for. */
  published?: (ns: string, name: string, asked: readonly Dimension[]) => (readonly Dimension[])[];
  failed?: Record<string, number>;
  subscriptions?: Record<string, { Protocol: string; Endpoint: string; SubscriptionArn: string }[]>;
  isLogging?: boolean;
  inventoryAt?: Date[];
  scanOnPush?: boolean;
  registryScan?: { scanType: 'BASIC' | 'ENHANCED'; rules: { scanFrequency: 'SCAN_ON_PUSH' | 'CONTINUOUS_SCAN'; repositoryFilters: { filter: string; filterType: 'WILDCARD' }[] }[] };
}

/** A healthy account unless `w` says otherwise. */
function given(w: World = {}) {
  for (const m of [cf, cw, sns, trail, ecr]) m.reset();
  cf.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const status = w.status && input.StackName in w.status ? w.status[input.StackName] : 'UPDATE_COMPLETE';
    if (status === undefined) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
    return { Stacks: [{ StackName: input.StackName, StackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${input.StackName}/uuid`, StackStatus: status, CreationTime: LONG_AGO }] };
  });
  cf.on(ListStackResourcesCommand).callsFake((input: { StackName: string }) => {
    const stack = PLAN.stacks.find((s) => input.StackName.includes(`/${s.stackName}/`))!;
    return {
      StackResourceSummaries: Object.entries(stack.template.Resources ?? {}).map(([id, r]) => ({
        LogicalResourceId: id,
        PhysicalResourceId: physicalId(id, r.Type, r.Properties ?? {}),
        ResourceType: r.Type,
        ResourceStatus: 'UPDATE_COMPLETE',
        LastUpdatedTimestamp: r.Type === 'AWS::Events::Rule' && w.ruleUpdated ? w.ruleUpdated : LONG_AGO,
      })),
    };
  });
  cw.on(ListMetricsCommand).callsFake((input: { Namespace: string; MetricName: string; Dimensions?: Dimension[] }) => {
    const asked = input.Dimensions ?? [];
    const sets = w.published ? w.published(input.Namespace, input.MetricName, asked) : [asked];
    return { Metrics: sets.map((d) => ({ Namespace: input.Namespace, MetricName: input.MetricName, Dimensions: d })) };
  });
  cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => {
      const metric = q.MetricStat!.Metric!;
      const rule = metric.Dimensions?.find((d) => d.Name === 'RuleName')?.Value ?? '';
      if (metric.MetricName === 'FailedInvocations') return { Id: q.Id, Values: w.failed?.[rule] ? [w.failed[rule]] : [], Timestamps: [] };
      if (metric.MetricName === 'Invocations') return { Id: q.Id, Values: [3], Timestamps: [NOW] };
      const times = w.inventoryAt ?? [new Date(NOW.getTime() - 20 * 60_000)];
      return { Id: q.Id, Values: times.map(() => 1), Timestamps: times };
    }),
  }));
  sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({
    Subscriptions: (w.subscriptions?.[input.TopicArn] ?? [{ Protocol: 'email', Endpoint: 'oncall@example.com', SubscriptionArn: `${input.TopicArn}:1234` }]).map((s) => ({ ...s, TopicArn: input.TopicArn })),
  }));
  trail.on(GetTrailStatusCommand).resolves({ IsLogging: w.isLogging ?? true, LatestDeliveryTime: NOW });
  ecr.on(DescribeRepositoriesCommand).callsFake((input: { repositoryNames: string[] }) => ({
    repositories: [{ repositoryName: input.repositoryNames[0], imageScanningConfiguration: { scanOnPush: w.scanOnPush ?? true } }],
  }));
  ecr.on(GetRegistryScanningConfigurationCommand).resolves({ registryId: ACCOUNT, scanningConfiguration: w.registryScan ?? { scanType: 'BASIC', rules: [] } });
}

const run = (plan: DoctorPlan = PLAN, windowHours = 24) => runDoctor(plan, { now: NOW, windowHours });
const line = (results: readonly CheckResult[], check: string) => {
  const found = results.find((r) => r.check === check);
  if (!found) throw new Error(`no check "${check}" in: ${results.map((r) => r.check).join(', ')}`);
  return found;
};

describe('the plan comes from the synthesized templates', () => {
  test('every alarm, every rule with a target, every topic, the trail, the inventory and the repository', () => {
    expect(PLAN.stacks.map((s) => [s.role, s.stackName, s.region])).toEqual([['registry', 'BetterCallBuffet-Registry', REGISTRY.region], ['service', 'BetterCallBuffet-prod-Service', 'us-east-1']]);
    expect(PLAN.alarms.map((a) => a.alarmName).sort()).toEqual(resources('AWS::CloudWatch::Alarm').map(([id]) => prop(id, 'AlarmName')).sort());
    expect(PLAN.rules.map((r) => r.logicalId).sort()).toEqual(resources('AWS::Events::Rule').map(([id]) => id).sort());
    expect(PLAN.topics).toHaveLength(resources('AWS::SNS::Topic').length);
    expect(PLAN.trails).toHaveLength(1);
    expect(PLAN.repositories).toEqual([expect.objectContaining({ scanOnPush: true })]);
    expect(PLAN.registry).toEqual({ region: REGISTRY.region, scanType: REGISTRY.settings.scanType, cloudTrail: REGISTRY.alarms.cloudTrail });
  });

  test('notifying rules target the alarm topic; counting rules the event log; the schedule the inventory function', () => {
    const kinds = Object.fromEntries(PLAN.rules.map((r) => [prop(r.logicalId, 'Name'), r.targets.map((t) => t.kind).join()]));
    expect(kinds).toMatchObject({
      'better-call-buffet-registry-scan-findings': 'topic',
      'better-call-buffet-registry-scan-failures': 'topic',
      'better-call-buffet-registry-unexpected-pushes': 'topic',
      'better-call-buffet-registry-image-pushes': 'log-group',
      'better-call-buffet-registry-inventory': 'function',
    });
    const alarmTopic = PLAN.topics.find((t) => prop(t.logicalId, 'TopicName') === 'better-call-buffet-registry-alarms')!;
    expect(alarmTopic.notifiedBy).toEqual(expect.arrayContaining(['rule better-call-buffet-registry-scan-findings', 'alarm better-call-buffet-registry-pull-anomaly']));
  });

  test('the inventory: namespace and repository from the function, schedule from its rule, as configured', () => {
    const [inv] = PLAN.inventories;
    expect(inv).toMatchObject({ namespace: 'BetterCallBuffet/RegistryInventory', scheduleExpression: REGISTRY.inventory.schedule, periodMinutes: 60, metricName: INVENTORY_METRICS.imageCount.name });
  });

  test('an alarm on metric math lists each MetricStat and the expressions computed from them', () => {
    const delivery = PLAN.alarms.find((a) => a.alarmName.endsWith('-notification-delivery-failures'))!;
    // One FailedInvocations per monitoring rule (the inventory's schedule has its own failure alarm).
    const monitoringRules = PLAN.rules.filter((r) => r.targets[0].kind !== 'function').map((r) => r.logicalId);
    expect(delivery.metrics.map((m) => [m.metric.metricName, m.metric.dimensions])).toEqual(monitoringRules.map((id) => ['FailedInvocations', [{ name: 'RuleName', value: { Ref: id } }]]));
    expect(delivery.expressions).toEqual([{ id: 'expr_1', expression: expect.stringMatching(/^SUM\(\[r0, r1/) }]);
  });
});

describe('stacks', () => {
  test('PASS when complete; the physical IDs resolve the rest', async () => {
    given();
    const results = await run();
    expect(line(results, 'stack BetterCallBuffet-Registry')).toMatchObject({ status: 'PASS', detail: expect.stringContaining(`UPDATE_COMPLETE in us-east-1, account ${ACCOUNT}`) });
    expect(exitCode(results)).toBe(0);
    expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
  });

  test('FAIL when not deployed (with the deploy command); everything that needs it is skipped', async () => {
    given({ status: { 'BetterCallBuffet-Registry': undefined } });
    const results = await run();
    expect(line(results, 'stack BetterCallBuffet-Registry')).toMatchObject({ status: 'FAIL', detail: 'not deployed in us-east-1', fix: 'deploy it: npx cdk deploy BetterCallBuffet-Registry --exclusively -c githubRepository=acme-corp/buffet' });
    expect(line(results, 'topic better-call-buffet-registry-alarms')).toEqual({ status: 'SKIP', check: 'topic better-call-buffet-registry-alarms', detail: 'stack BetterCallBuffet-Registry is not deployed' });
    expect(exitCode(results)).toBe(1);
  });

  test.each([
    ['UPDATE_ROLLBACK_COMPLETE', /rolled back, so the stack runs its previous template/],
    ['UPDATE_IN_PROGRESS', /a deployment is still running/],
    ['UPDATE_FAILED', /UPDATE_FAILED/],
  ])('FAIL in state %s', async (status, detail) => {
    given({ status: { 'BetterCallBuffet-prod-Service': status } });
    expect(line(await run(), 'stack BetterCallBuffet-prod-Service')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(detail) });
  });
});

describe('alarm metrics (ListMetrics)', () => {
  /**
   * An alarm shaped like the registry's API-usage alarms (a classic MetricStat on AWS/Usage CallCount without
   * Class, divided by SERVICE_QUOTA), held here so the mismatch logic is tested whatever those alarms become.
   */
  const usageAlarm = (treatMissingData = 'notBreaching'): AlarmPlan => ({
    stack: registry,
    logicalId: 'UsageAlarm',
    alarmName: 'usage-alarm',
    treatMissingData,
    metrics: [{ id: 'calls', metric: { namespace: 'AWS/Usage', metricName: 'CallCount', dimensions: [{ name: 'Resource', value: 'GetAuthorizationToken' }, { name: 'Service', value: 'ECR' }, { name: 'Type', value: 'API' }] } }],
    queries: [],
    expressions: [{ id: 'pct', expression: '100 * (calls / 60) / SERVICE_QUOTA(calls)' }],
  });
  const withAlarm = (alarm: AlarmPlan): DoctorPlan => ({ ...PLAN, alarms: [alarm] });
  const apiAlarm = 'alarm usage-alarm';

  test('PASS with exactly the dimensions, resolved from the deployed stack', async () => {
    given();
    const results = await run();
    expect(line(results, 'alarm better-call-buffet-registry-pull-anomaly')).toMatchObject({
      status: 'PASS',
      detail: 'AWS/ECR RepositoryPullCount {RepositoryName=better-call-buffet}: published with exactly these dimensions; computed by ANOMALY_DETECTION_BAND(m0, 2), FILL(pulls, 0)',
    });
    expect(line(await run(withAlarm(usageAlarm())), apiAlarm).detail).toMatch(/SERVICE_QUOTA\(\) itself is not checked/);
    expect(cw.commandCalls(ListMetricsCommand).map((c) => c.args[0].input).find((i) => i.MetricName === 'RepositoryPullCount')).toEqual({
      Namespace: 'AWS/ECR', MetricName: 'RepositoryPullCount', Dimensions: [{ Name: 'RepositoryName', Value: 'better-call-buffet' }],
    });
  });

  test('FAIL when the metric is published only with an extra dimension (Class=None): the alarm never sees data', async () => {
    given({ published: (_ns, name, asked) => (name === 'CallCount' ? [[...asked, { Name: 'Class', Value: 'None' }]] : [asked]) });
    const result = line(await run(withAlarm(usageAlarm())), apiAlarm);
    expect(result).toMatchObject({
      status: 'FAIL',
      detail: 'AWS/Usage CallCount {Resource=GetAuthorizationToken, Service=ECR, Type=API} is never published with exactly these dimensions, only as {Class=None, Resource=GetAuthorizationToken, Service=ECR, Type=API}: the alarm never sees data',
      fix: expect.stringMatching(/^give the alarm exactly the published dimension set .* then npx cdk deploy BetterCallBuffet-Registry/),
    });
    expect(renderResult(result)).toMatch(/^FAIL {2}alarm .* -> fix: give the alarm/);
  });

  test('FAIL when the metric is published with one dimension fewer than the alarm names', async () => {
    given({
      published: (_ns, name, asked) => {
        if (name !== 'CallCount') return [asked];
        // Published as {Resource, Service} only: found by asking without Type.
        return asked.some((d) => d.Name === 'Type') ? [] : [asked.filter((d) => d.Name !== 'Type')];
      },
    });
    expect(line(await run(withAlarm(usageAlarm())), apiAlarm)).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('only as {Resource=GetAuthorizationToken, Service=ECR}') });
  });

  test('SKIP, not FAIL, when nothing is published and missing data is not breaching; another repository is not a variant', async () => {
    given({ published: (_ns, name, asked) => (name === 'RepositoryPullCount' ? (asked.length === 0 ? [[{ Name: 'RepositoryName', Value: 'someone-else' }]] : []) : [asked]) });
    expect(line(await run(), 'alarm better-call-buffet-registry-pull-anomaly')).toMatchObject({
      status: 'SKIP',
      detail: 'not published in the last two weeks, normal while nothing has happened (treatMissingData=notBreaching), rerun after it has been: AWS/ECR RepositoryPullCount {RepositoryName=better-call-buffet}',
    });
  });

  test('FAIL when nothing is published and the alarm treats missing data as breaching', async () => {
    given({ published: () => [] });
    expect(line(await run(withAlarm(usageAlarm('breaching'))), apiAlarm)).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('treats missing data as breaching: it is in ALARM') });
    expect(line(await run(withAlarm(usageAlarm('notBreaching'))), apiAlarm).status).toBe('SKIP');
  });

  test('Metrics Insights: the query\'s WHERE equalities are looked up; SCHEMA() needs exactly its keys', async () => {
    const base = usageAlarm();
    const withQuery = (expression: string): DoctorPlan => withAlarm({ ...base, metrics: [], expressions: [], queries: [{ id: 'q', expression }] });
    const from = `SELECT SUM(CallCount) FROM "AWS/Usage" WHERE Service = 'ECR' AND Type = 'API' AND Resource = 'BatchGetImage'`;
    given({ published: (_ns, _name, asked) => [[...asked, { Name: 'Class', Value: 'None' }]] });
    expect(line(await run(withQuery(from)), `alarm ${base.alarmName}`)).toMatchObject({ status: 'PASS', detail: expect.stringContaining('matches 1 metric(s)') });
    const schema = `SELECT SUM(CallCount) FROM SCHEMA("AWS/Usage", Resource, Service, Type) WHERE Service = 'ECR'`;
    expect(line(await run(withQuery(schema)), `alarm ${base.alarmName}`)).toMatchObject({ status: 'SKIP', detail: expect.stringContaining('not published in the last two weeks') });
    expect(line(await run(withQuery(`SELECT SUM(CallCount) FROM "AWS/Usage" WHERE Service != 'ECR'`)), `alarm ${base.alarmName}`)).toMatchObject({ status: 'SKIP', detail: expect.stringContaining('uses clauses the doctor does not evaluate') });
  });

  test.each([
    [`SELECT MAX(CPUUtilization) FROM "AWS/EC2"`, { namespace: 'AWS/EC2', metricName: 'CPUUtilization', where: [], schemaKeys: undefined }],
    [`select avg(ImageCount) from SCHEMA("My/Ns", RepositoryName) where RepositoryName = 'r' group by RepositoryName`, { namespace: 'My/Ns', metricName: 'ImageCount', where: [{ Name: 'RepositoryName', Value: 'r' }], schemaKeys: ['RepositoryName'] }],
  ])('parses %s', (query, parsed) => {
    expect(parseInsightsQuery(query)).toEqual(parsed);
  });
});

describe('rule deliveries (AWS/Events FailedInvocations)', () => {
  test('PASS with no failures in the window, asked per rule by RuleName over --hours', async () => {
    given();
    const results = await run(PLAN, 6);
    expect(line(results, 'rule better-call-buffet-registry-scan-findings')).toEqual({ status: 'PASS', check: 'rule better-call-buffet-registry-scan-findings', detail: 'no failed deliveries to its topic target in the last 6 h (3 invocations)' });
    const input = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input).find((i) => i.MetricDataQueries?.some((q) => q.MetricStat?.Metric?.MetricName === 'FailedInvocations'))!;
    expect(input.StartTime).toEqual(new Date(NOW.getTime() - 6 * 3600_000));
    expect(input.MetricDataQueries).toContainEqual(expect.objectContaining({ MetricStat: { Metric: { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: 'better-call-buffet-registry-unexpected-pushes' }] }, Period: 6 * 3600, Stat: 'Sum' } }));
  });

  test('FAIL when deliveries to the encrypted topic failed, naming the key-policy cause', async () => {
    given({ failed: { 'better-call-buffet-registry-scan-findings': 2 } });
    const results = await run();
    expect(line(results, 'rule better-call-buffet-registry-scan-findings')).toMatchObject({
      status: 'FAIL',
      detail: '2 failed deliveries to its topic target in the last 24 h (3 invocations): those events were lost',
      fix: expect.stringContaining('with no aws:SourceAccount/aws:SourceArn condition'),
    });
    expect(line(results, 'rule better-call-buffet-registry-image-pushes').status).toBe('PASS');
  });
});

describe('topic subscriptions', () => {
  const alarms = topicArn('better-call-buffet-registry-alarms');

  test('FAIL with no subscriptions: nobody is notified', async () => {
    given({ subscriptions: { [alarms]: [] } });
    expect(line(await run(), 'topic better-call-buffet-registry-alarms')).toMatchObject({ status: 'FAIL', detail: expect.stringMatching(/^has no subscriptions \(notified by \d+: .*\): its notifications reach nobody$/), fix: expect.stringContaining('registry.alarms.emails') });
  });

  test('FAIL naming each subscription still pending confirmation', async () => {
    given({ subscriptions: { [alarms]: [{ Protocol: 'email', Endpoint: 'oncall@example.com', SubscriptionArn: `${alarms}:1` }, { Protocol: 'email', Endpoint: 'new@example.com', SubscriptionArn: 'PendingConfirmation' }] } });
    expect(line(await run(), 'topic better-call-buffet-registry-alarms')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining('1 of 2 subscriptions not confirmed: email new@example.com (PendingConfirmation)'),
      fix: expect.stringContaining('the link expires after 3 days'),
    });
  });

  test('FAIL when an address the template subscribes is missing; PASS when all are there and confirmed', async () => {
    const plan: DoctorPlan = { ...PLAN, topics: PLAN.topics.map((t) => ({ ...t, emails: ['team@example.com'] })) };
    given();
    expect(line(await run(plan), 'topic better-call-buffet-registry-alarms')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('the template subscribes team@example.com, which the topic does not have') });
    given({ subscriptions: { [alarms]: [{ Protocol: 'email', Endpoint: 'team@example.com', SubscriptionArn: `${alarms}:1` }] } });
    expect(line(await run(plan), 'topic better-call-buffet-registry-alarms')).toMatchObject({ status: 'PASS', detail: expect.stringMatching(/^1 confirmed subscription\(s\): 1 email/) });
  });
});

describe('trail (GetTrailStatus)', () => {
  const check = 'trail better-call-buffet-registry-management-events';

  test('PASS while logging; FAIL when stopped, with the command that starts it', async () => {
    given();
    expect(line(await run(), check).status).toBe('PASS');
    given({ isLogging: false });
    expect(line(await run(), check)).toMatchObject({ status: 'FAIL', fix: expect.stringContaining('aws cloudtrail start-logging --name better-call-buffet-registry-management-events --region us-east-1') });
    expect(trail.commandCalls(GetTrailStatusCommand)[0].args[0].input).toEqual({ Name: 'better-call-buffet-registry-management-events' });
  });

  test('FAIL when logging but not delivering, or when the trail does not exist', async () => {
    given();
    trail.on(GetTrailStatusCommand).resolves({ IsLogging: true, LatestDeliveryError: 'AccessDenied' });
    expect(line(await run(), check)).toMatchObject({ status: 'FAIL', detail: 'is logging but cannot deliver: S3 delivery error AccessDenied' });
    trail.on(GetTrailStatusCommand).rejects(new TrailNotFoundException({ message: 'Unknown trail', $metadata: {} }));
    expect(line(await run(), check)).toMatchObject({ status: 'FAIL', detail: 'better-call-buffet-registry-management-events does not exist in us-east-1' });
  });

  test('SKIP, saying what to check instead, when the registry relies on an existing trail', async () => {
    given();
    const plan: DoctorPlan = { ...PLAN, trails: [], registry: { ...PLAN.registry, cloudTrail: 'existing-trail' } };
    expect(line(await run(plan), 'trail')).toMatchObject({ status: 'SKIP', detail: expect.stringContaining('make sure an organization or account trail logs management events in us-east-1') });
  });
});

describe('inventory published within two schedule periods', () => {
  const check = 'inventory better-call-buffet-registry-inventory';

  test('PASS with a run 20 minutes ago, asked in its namespace for its repository over two periods', async () => {
    given();
    expect(line(await run(), check)).toMatchObject({ status: 'PASS', detail: 'BetterCallBuffet/RegistryInventory ImageCount {RepositoryName=better-call-buffet} last published 20 min ago (rate(1 hour), rule better-call-buffet-registry-inventory)' });
    const input = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input).find((i) => i.MetricDataQueries?.[0].Id === 'published')!;
    expect(input.StartTime).toEqual(new Date(NOW.getTime() - 120 * 60_000));
  });

  test('FAIL with nothing in two periods; SKIP when the schedule was deployed less than two periods ago', async () => {
    given({ inventoryAt: [] });
    expect(line(await run(), check)).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('in the last 120 minutes'), fix: expect.stringContaining('aws lambda invoke --function-name better-call-buffet-registry-inventory') });
    given({ inventoryAt: [], ruleUpdated: new Date(NOW.getTime() - 30 * 60_000) });
    expect(line(await run(), check)).toMatchObject({ status: 'SKIP', detail: expect.stringContaining('deployed 30 min ago') });
  });
});

describe('scanning', () => {
  test('repository: PASS when scanOnPush is as the template sets it, FAIL otherwise', async () => {
    given();
    expect(line(await run(), 'repository better-call-buffet').status).toBe('PASS');
    given({ scanOnPush: false });
    expect(line(await run(), 'repository better-call-buffet')).toMatchObject({ status: 'FAIL', detail: 'scanOnPush is false, the template sets true' });
  });

  test('registry: FAIL when it scans ENHANCED but the alarms listen for BASIC scan events', async () => {
    given({ registryScan: { scanType: 'ENHANCED', rules: [] } });
    expect(line(await run(), 'registry scanning in us-east-1')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('the registry scans ENHANCED, but registry.settings.scanType is BASIC') });
  });

  test('registry: FAIL when its scan-on-push filters miss the repository, PASS when one matches', async () => {
    given({ registryScan: { scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' }] }] } });
    expect(line(await run(), 'registry scanning in us-east-1')).toMatchObject({ status: 'FAIL', detail: expect.stringContaining('its images are scanned only by hand') });
    given({ registryScan: { scanType: 'BASIC', rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'better-*', filterType: 'WILDCARD' }] }] } });
    expect(line(await run(), 'registry scanning in us-east-1').status).toBe('PASS');
  });

  // The ECR user guide's table of filters and names (image-scanning-filters.html).
  test.each([
    ['prod', 'repo-prod-repo', true], ['*prod', 'repo-prod', true], ['*prod', 'prod-repo', false],
    ['prod*', 'prodrepo', true], ['prod*', 'repo-prod', false], ['prod*repo', 'prod-repo', true], ['prod*repo', 'repo-prod', false],
  ])('filter %s matches %s: %s', (filter, name, matches) => {
    expect(scanFilterMatches(filter, name)).toBe(matches);
  });
});

describe('AWS errors', () => {
  test('a refused call is an ERROR line naming the permission; exit 3 when nothing failed', async () => {
    given();
    sns.on(ListSubscriptionsByTopicCommand).rejects(Object.assign(new Error('User is not authorized to perform SNS:ListSubscriptionsByTopic'), { name: 'AuthorizationErrorException' }));
    const results = await run();
    expect(line(results, 'topic better-call-buffet-registry-alarms')).toMatchObject({ status: 'ERROR', detail: expect.stringContaining('AuthorizationErrorException'), fix: expect.stringContaining('the credentials need sns:ListSubscriptionsByTopic in us-east-1') });
    expect(exitCode(results)).toBe(3);
  });

  test('no credentials stops the run: one error saying what to check', async () => {
    given();
    cf.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(run()).rejects.toThrow(FatalAwsError);
    await expect(run()).rejects.toThrow(/Check the credentials: AWS_PROFILE/);
  });
});
