import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { buildInventoryHandler, cachedBundleDir, inventoryHandlerBundleDir, RegistryInventory, RegistryInventoryProps } from '../../lib/constructs/registry-inventory';
import { buildTestApp, REPO_ROOT } from '../helpers/app';

const ACCOUNT = '123456789012';

function build(extra: Partial<RegistryInventoryProps> = {}) {
  const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const inventory = new RegistryInventory(stack, 'Inventory', {
    repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'better-call-buffet-prod'),
    namePrefix: 'better-call-buffet-prod',
    alarmTopic: new sns.Topic(stack, 'Topic'),
    sizeBudgetGiB: 200,
    sizeRegressionPercent: 20,
    ...extra,
  });
  return { template: Template.fromStack(stack), inventory };
}

describe('RegistryInventory', () => {
  const { template, inventory } = build();

  test('least privilege: DescribeImages on this repository, PutMetricData in its namespace only, its own log group', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'WriteOwnLogGroup', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryLogGroup/), 'Arn'] } },
      { Sid: 'ListThisRepository', Effect: 'Allow', Action: 'ecr:DescribeImages', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:123456789012:repository/better-call-buffet-prod']] } },
      {
        Sid: 'PublishOwnNamespaceOnly',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'BetterCallBuffet/RegistryInventory' } },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('function: latest Node.js runtime, sized by the benchmark, logs to its own group with retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'better-call-buffet-prod-inventory',
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 300,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^InventoryLogGroup') } },
      Environment: {
        Variables: {
          REPOSITORY_NAME: 'better-call-buffet-prod',
          METRIC_NAMESPACE: 'BetterCallBuffet/RegistryInventory',
          STALE_PULL_DAYS: '90',
          STORAGE_PRICE_PER_GB_MONTH_USD: '0.1',
          RELEASE_TAG_PATTERNS: '["v*"]',
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InventoryLogKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  test('hourly schedule by default, configurable', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    build({ schedule: Duration.minutes(15) }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  test('alarms: size budget, release size regression, failures and timeouts, stopped publishing', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const byName: Record<string, Record<string, unknown>> = Object.fromEntries(Object.values(alarms).map((a) => [a.Properties.AlarmName, a.Properties]));
    expect(Object.keys(byName).sort()).toEqual([
      'better-call-buffet-prod-inventory-failures',
      'better-call-buffet-prod-inventory-release-size-regression',
      'better-call-buffet-prod-inventory-size-budget',
      'better-call-buffet-prod-inventory-stopped',
    ]);
    expect(byName['better-call-buffet-prod-inventory-size-budget']).toMatchObject({
      Namespace: 'BetterCallBuffet/RegistryInventory', MetricName: 'RepositorySizeBytes', Statistic: 'Maximum', Period: 3600,
      Threshold: 200 * 1024 ** 3, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'RepositoryName', Value: 'better-call-buffet-prod' }],
    });
    expect(byName['better-call-buffet-prod-inventory-release-size-regression']).toMatchObject({ MetricName: 'ReleaseSizeChangePercent', Threshold: 20, ComparisonOperator: 'GreaterThanThreshold' });
    expect(byName['better-call-buffet-prod-inventory-failures']).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 1 });
    expect(byName['better-call-buffet-prod-inventory-stopped']).toMatchObject({
      MetricName: 'ImageCount', Statistic: 'SampleCount', Threshold: 1, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 3,
      // Not "breaching": that would be ALARM on creation, before the first run. All-missing -> INSUFFICIENT_DATA,
      // and that transition notifies; a new alarm starts there, so the first deploy notifies nobody.
      TreatMissingData: 'missing',
      InsufficientDataActions: [{ Ref: expect.stringMatching(/^Topic/) }],
      AlarmDescription: expect.stringMatching(/^Notifies on INSUFFICIENT_DATA/),
    });
    // Only the stopped alarm notifies on missing data; the figure alarms would otherwise page on every quiet interval.
    expect(Object.entries(byName).filter(([, a]) => a.InsufficientDataActions !== undefined).map(([n]) => n)).toEqual(['better-call-buffet-prod-inventory-stopped']);
    for (const a of Object.values(byName)) {
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(a.OKActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(a.AlarmDescription).toMatch(/What to do/);
    }
  });

  test('budget and regression alarms are optional; failure and stopped alarms always exist', () => {
    const names = Object.values(build({ sizeBudgetGiB: undefined, sizeRegressionPercent: undefined }).template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName);
    expect(names.sort()).toEqual(['better-call-buffet-prod-inventory-failures', 'better-call-buffet-prod-inventory-stopped']);
  });

  describe('with a signing profile: the signing check (no ECR event exists for signing)', () => {
    const PROFILE = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/better_call_buffet';
    const signed = build({ signingProfileArn: PROFILE });

    test('reads the signing status in this repository only, told the profile and a lookback of two intervals plus the grace period', () => {
      const statements = Object.values(signed.template.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual({
        Sid: 'ReadSigningStatusInThisRepository', Effect: 'Allow', Action: 'ecr:DescribeImageSigningStatus',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:123456789012:repository/better-call-buffet-prod']] },
      });
      signed.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ SIGNING_PROFILE_ARN: PROFILE, SIGNING_LOOKBACK_MINUTES: String(2 * 60 + 30) }) },
      });
    });

    test('an alarm on unsigned recent releases notifies the topic, on ALARM and OK, with a runbook', () => {
      const [alarm] = Object.values(signed.template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'better-call-buffet-prod-inventory-unsigned-releases' } }));
      expect(alarm.Properties).toMatchObject({
        Namespace: 'BetterCallBuffet/RegistryInventory', MetricName: 'UnsignedReleaseImageCount', Statistic: 'Maximum', Period: 3600,
        Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: expect.stringMatching(/^Topic/) }], OKActions: [{ Ref: expect.stringMatching(/^Topic/) }],
        AlarmDescription: expect.stringMatching(/not signed by the configured AWS Signer profile.*What to do: .*message = "unsigned release image"/),
      });
      expect(alarm.Properties.AlarmDescription.length).toBeLessThanOrEqual(1024);
    });

    test('without a profile: no signing permission, variables or alarm', () => {
      expect(JSON.stringify(template.toJSON())).not.toMatch(/DescribeImageSigningStatus|SIGNING_PROFILE_ARN|unsigned-releases/);
    });

    test('refuses a versioned or malformed profile ARN', () => {
      expect(() => build({ signingProfileArn: `${PROFILE}/AbCdEf1234` })).toThrow(/signingProfileArn must be a Signer profile ARN without version .*got ".*AbCdEf1234"/);
    });
  });

  test('dashboard rows cover size, cost, counts and staleness', () => {
    const titles = inventory.dashboardRows.flat().map((w) => JSON.stringify(w.toJson()));
    for (const needle of ['Repository size (GiB)', 'Estimated storage cost', 'TaggedImageCount', 'UntaggedImageCount', 'SignatureCount', 'StaleImageCount', 'ReleaseSizeChangePercent', 'Inventory alarms']) {
      expect(titles.join('\n')).toContain(needle);
    }
  });

  test.each<[string, Partial<RegistryInventoryProps>, RegExp]>([
    ['a 1-minute schedule', { schedule: Duration.minutes(1) }, /schedule must be whole minutes from 5 minutes to 1 day, got 1 minute/],
    ['a 2-day schedule', { schedule: Duration.days(2) }, /schedule must be whole minutes from 5 minutes to 1 day/],
    ['an AWS/ namespace', { namespace: 'AWS/ECR' }, /namespace "AWS\/ECR" .* must not start with AWS\//],
    ['a zero budget', { sizeBudgetGiB: 0 }, /sizeBudgetGiB must be a positive number, got 0/],
    ['a negative regression', { sizeRegressionPercent: -1 }, /sizeRegressionPercent must be a positive number, got -1/],
    ['fractional stale days', { stalePullDays: 0.5 }, /stalePullDays must be a positive whole number of days, got 0.5/],
    ['no release patterns', { releaseTagPatterns: [] }, /releaseTagPatterns is empty/],
    ['a bad name prefix', { namePrefix: 'has space' }, /namePrefix "has space" must be/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('the bundled handler (local esbuild, no Docker)', () => {
  test('two builds are byte-identical and hold no absolute path of this machine', () => {
    const a = buildInventoryHandler();
    const b = buildInventoryHandler();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const text = Buffer.from(a).toString('utf8');
    expect(text).not.toContain(REPO_ROOT);
    expect(text).toContain('exports');
    // The SDK comes from the Lambda runtime; the inventory logic itself is inside.
    expect(text).toMatch(/require\("@aws-sdk\/client-ecr"\)/);
    expect(text).toContain('RepositorySizeBytes');
  });

  test('the asset directory holds exactly index.js, the bundle', () => {
    const dir = inventoryHandlerBundleDir();
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
    expect(createHash('sha256').update(fs.readFileSync(path.join(dir, 'index.js'))).digest('hex')).toBe(createHash('sha256').update(buildInventoryHandler()).digest('hex'));
  });

  test('two synths of the app give the function the same asset hash', () => {
    const code = () => {
      const { stacks } = buildTestApp({}, { nag: false });
      const fn = Template.fromStack(stacks.registry).findResources('AWS::Lambda::Function');
      return Object.values(fn)[0].Properties.Code;
    };
    const first = code();
    expect(first.S3Key).toMatch(/^[a-f0-9]{64}\.zip$/);
    expect(code()).toEqual(first);
  });
});

/**
 * Synths reuse the last bundle while its sources are unchanged (cachedBundleDir), on a small project of its own:
 * src/entry.ts imports ./dep.
 */
describe('the bundle cache', () => {
  let root: string;
  let cacheDir: string;
  const source = () => ({ root, entry: 'src/entry.ts', cacheDir });
  const write = (file: string, text: string) => fs.writeFileSync(path.join(root, file), text);
  const bundled = (dir: string) => fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  /** Every file in the cache with its modification time: what a call wrote. */
  const cacheState = () => fs.readdirSync(cacheDir, { recursive: true }).map(String).sort().map((f) => `${f}@${fs.statSync(path.join(cacheDir, f)).mtimeMs}`);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
    cacheDir = path.join(root, 'cache');
    fs.mkdirSync(path.join(root, 'src'));
    write('src/entry.ts', "import { WHO } from './dep';\nexport const handler = async () => `hello ${WHO}`;\n");
    write('src/dep.ts', "export const WHO: string = 'from dep.ts';\n");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('bundles once, then gives the same bundle without writing anything while the sources are unchanged', () => {
    const first = cachedBundleDir(source());
    expect(bundled(first)).toContain('from dep.ts');
    const before = cacheState();
    expect(cachedBundleDir(source())).toBe(first);
    expect(cacheState()).toEqual(before);
  });

  test('a changed source is bundled again', () => {
    const first = cachedBundleDir(source());
    write('src/dep.ts', "export const WHO: string = 'from the edited dep.ts';\n");
    const second = cachedBundleDir(source());
    expect(second).not.toBe(first);
    expect(bundled(second)).toContain('from the edited dep.ts');
  });

  test('a new file that changes what an import resolves to is bundled again', () => {
    cachedBundleDir(source());
    // esbuild tries ./dep.tsx before ./dep.ts
    write('src/dep.tsx', "export const WHO: string = 'from dep.tsx';\n");
    expect(bundled(cachedBundleDir(source()))).toContain('from dep.tsx');
  });

  test('a bundle whose bytes changed is bundled again', () => {
    const first = cachedBundleDir(source());
    fs.writeFileSync(path.join(first, 'index.js'), 'tampered');
    expect(bundled(cachedBundleDir(source()))).toContain('from dep.ts');
  });
});
