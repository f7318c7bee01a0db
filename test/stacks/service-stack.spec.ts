import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { loadEnvironment, loadEnvironments } from '../../lib/config/load';
import { ENV_NAMES, EnvConfig, EnvName } from '../../lib/config/types';
import { ConfigError } from '../../lib/config/validate';
import { RepositoryLocation, ServiceStack, taskFamily } from '../../lib/stacks/service-stack';
import { cdkJsonContext } from '../helpers/app';
import { memoized } from '../helpers/memo';

const DIGEST = `sha256:${'3f9c2ab0'.repeat(8)}`;
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:better-call-buffet/prod/stripe-AbCdEf';

const SHARED = { repositoryName: 'better-call-buffet', region: 'us-east-1' };

function serviceStack(config: EnvConfig, repository: RepositoryLocation = SHARED, account?: string): ServiceStack {
  return new ServiceStack(new App({ context: cdkJsonContext() }), `BetterCallBuffet-${config.envName}-Service`, {
    env: { account, region: config.region },
    config,
    repository,
  });
}

/** The environment's configuration as `cdk synth -c key=value ...` would load it. */
const configFor = (envName: EnvName, context: Record<string, string> = {}) => loadEnvironment(envName, (k) => context[k]);
/** The template of that environment's service stack, synthesized once per distinct arguments (tests only read it). */
const template = memoized((envName: EnvName, context: Record<string, string> = {}) => Template.fromStack(serviceStack(configFor(envName, context))));

function containerOf(t: Template): Record<string, unknown> {
  const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
  expect(defs).toHaveLength(1);
  return defs[0].Properties.ContainerDefinitions[0];
}

/** Every environment runs images from the one shared repository. */
const image = (_envName: EnvName, suffix: string) => ({
  'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, `/better-call-buffet${suffix}`]],
});

describe('ServiceStack image per environment', () => {
  test.each([
    ['dev', ':v1.0.0'],
    ['staging', ':v1.0.0'],
    ['prod', ':v1.0.0'],
  ] as const)('%s runs its configured tag (%s) from the shared repository', (envName, suffix) => {
    // GIVEN / WHEN
    const t = template(envName);

    // THEN
    expect(containerOf(t).Image).toEqual(image(envName, suffix));
    expect(t.toJSON().Outputs.ImageUri.Value).toEqual(image(envName, suffix));
  });

  test.each(ENV_NAMES)('%s: -c imageTag= overrides the tag', (envName) => {
    const t = template(envName, { imageTag: 'v1.4.2-3f9c2ab' });
    expect(containerOf(t).Image).toEqual(image(envName, ':v1.4.2-3f9c2ab'));
  });

  test.each(ENV_NAMES)('%s: -c imageDigest= pins by digest (@sha256:, not :sha256:)', (envName) => {
    const t = template(envName, { imageDigest: DIGEST });
    expect(containerOf(t).Image).toEqual(image(envName, `@${DIGEST}`));
    expect(t.toJSON().Outputs.ImageUri.Value).toEqual(image(envName, `@${DIGEST}`));
  });

  test('the repository is referenced by name and ARN: no exports, no imports', () => {
    // GIVEN / WHEN
    const json = template('prod').toJSON();

    // THEN
    expect(JSON.stringify(json)).not.toContain('Fn::ImportValue');
    for (const output of Object.values(json.Outputs as Record<string, { Export?: unknown }>)) expect(output.Export).toBeUndefined();
  });
});

describe('ServiceStack refuses moving tags in prod', () => {
  test('config: -c imageTag=latest is refused for prod', () => {
    expect(() => configFor('prod', { imageTag: 'latest' })).toThrow(ConfigError);
    expect(() => configFor('prod', { imageTag: 'latest' })).toThrow(/prod.imageTag "latest" is a moving tag and is refused in prod/);
  });

  test('construct: a prod config that skipped validation still cannot synthesize latest', () => {
    const unvalidated: EnvConfig = { ...ENVIRONMENTS.prod, imageTag: 'latest' };
    expect(() => serviceStack(unvalidated)).toThrow(/imageTag "latest" is a moving tag and refuseMutableTags is on/);
  });

  test('a registry in another account and region: the image host and the pull permission point there', () => {
    // GIVEN prod in account 111111111111, the registry in 222222222222 / eu-west-1
    const t = Template.fromStack(serviceStack(configFor('prod'), { repositoryName: 'better-call-buffet', account: '222222222222', region: 'eu-west-1' }, '111111111111'));
    // THEN
    expect(containerOf(t).Image).toEqual({ 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/better-call-buffet:v1.0.0']] });
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    expect(statements[0].Resource).toBe('arn:aws:ecr:eu-west-1:222222222222:repository/better-call-buffet');
  });

  test('prod with a digest pinned runs the digest', () => {
    expect(containerOf(template('prod', { imageDigest: DIGEST })).Image).toEqual(image('prod', `@${DIGEST}`));
  });
});

describe('ServiceStack sizing, logging and outputs per environment', () => {
  test.each(ENV_NAMES)('%s: CPU, memory, architecture and ephemeral storage from config', (envName) => {
    const { task } = ENVIRONMENTS[envName];
    template(envName).hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: `better-call-buffet-${envName}`,
      Cpu: String(task.cpu),
      Memory: String(task.memoryMiB),
      RuntimePlatform: { CpuArchitecture: task.cpuArchitecture, OperatingSystemFamily: 'LINUX' },
      EphemeralStorage: { SizeInGiB: task.ephemeralStorageGiB },
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
    });
  });

  test('ARM64 from config', () => {
    const prod = configFor('prod');
    const t = Template.fromStack(serviceStack({ ...prod, task: { ...prod.task, cpuArchitecture: 'ARM64' } }));
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
  });

  test.each([
    { envName: 'dev', days: 7, policy: 'Delete' },
    { envName: 'staging', days: 30, policy: 'Retain' },
    { envName: 'prod', days: 365, policy: 'Retain' },
  ] as const)('$envName: log group /ecs/better-call-buffet-$envName keeps logs $days days, $policy on stack deletion', ({ envName, days, policy }) => {
    const t = template(envName);
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    t.hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({ LogGroupName: `/ecs/better-call-buffet-${envName}`, RetentionInDays: days }),
      DeletionPolicy: policy,
      UpdateReplacePolicy: policy,
    });
  });

  test.each(ENV_NAMES)('%s: outputs the task definition ARN, family and image URI, none exported', (envName) => {
    // GIVEN / WHEN
    const t = template(envName);

    // THEN
    const taskDefId = Object.keys(t.findResources('AWS::ECS::TaskDefinition'))[0];
    t.hasOutput('TaskDefinitionArn', { Value: { Ref: taskDefId }, Export: Match.absent() });
    t.hasOutput('TaskDefinitionFamily', { Value: taskFamily(envName), Export: Match.absent() });
    t.hasOutput('ImageUri', { Export: Match.absent() });
    expect(taskFamily(envName)).toBe(`better-call-buffet-${envName}`);
  });
});

describe('ServiceStack Security Hub controls', () => {
  test.each(ENV_NAMES)('%s: ECS.4 non-privileged, ECS.5 read-only root, ECS.9 logging, non-root user, health check', (envName) => {
    const { task } = ENVIRONMENTS[envName];
    expect(containerOf(template(envName))).toMatchObject({
      Privileged: false,
      ReadonlyRootFilesystem: true,
      LogConfiguration: { LogDriver: 'awslogs' },
      User: task.user,
      Essential: true,
      StopTimeout: task.stopTimeoutSeconds,
      PortMappings: [{ ContainerPort: task.containerPort, Protocol: 'tcp' }],
      MountPoints: [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'scratch-tmp' }],
      HealthCheck: { Command: ['CMD-SHELL', `curl -f http://localhost:${task.containerPort}${task.healthCheckPath} || exit 1`] },
    });
  });

  test('prod execution role: exactly the least-privilege statements', () => {
    // GIVEN / WHEN
    const t = template('prod');

    // THEN
    const policies = Object.values(t.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const logGroupId = Object.keys(t.findResources('AWS::Logs::LogGroup'))[0];
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:aws:ecr:us-east-1:', { Ref: 'AWS::AccountId' }, ':repository/better-call-buffet']] },
      },
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    ]);
  });

  test('ECS.8: configured secrets reach the container as Secrets, with plain variables in Environment', () => {
    // GIVEN: prod configured with one SSM parameter and one Secrets Manager JSON key, validated as the app does
    const prod = ENVIRONMENTS.prod;
    const [config] = loadEnvironments({
      getContext: (k) => (k === 'env' ? 'prod' : undefined),
      environments: {
        ...ENVIRONMENTS,
        prod: {
          ...prod,
          task: {
            ...prod.task,
            environment: { LOG_LEVEL: 'info' },
            secrets: [
              { envVar: 'DATABASE_PASSWORD', source: 'ssm', name: '/better-call-buffet/prod/database-password' },
              { envVar: 'STRIPE_KEY', source: 'secretsmanager', name: 'better-call-buffet/prod/stripe', arn: SECRET_ARN, jsonKey: 'apiKey' },
            ],
          },
        },
      },
    });

    // WHEN
    const t = Template.fromStack(serviceStack(config));

    // THEN
    const c = containerOf(t);
    expect(c.Secrets).toEqual([
      {
        Name: 'DATABASE_PASSWORD',
        ValueFrom: { 'Fn::Join': ['', ['arn:aws:ssm:us-east-1:', { Ref: 'AWS::AccountId' }, ':parameter/better-call-buffet/prod/database-password']] },
      },
      { Name: 'STRIPE_KEY', ValueFrom: `${SECRET_ARN}:apiKey::` },
    ]);
    expect(c.Environment).toEqual([{ Name: 'LOG_LEVEL', Value: 'info' }]);
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.slice(3)).toEqual([
      {
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:aws:ssm:us-east-1:', { Ref: 'AWS::AccountId' }, ':parameter/better-call-buffet/prod/database-password']] },
      },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
    ]);
  });

  test('config: a Secrets Manager secret without its complete ARN is refused before synth', () => {
    const prod = ENVIRONMENTS.prod;
    const load = (arn?: string) => () =>
      loadEnvironments({
        getContext: (k) => (k === 'env' ? 'prod' : undefined),
        environments: { ...ENVIRONMENTS, prod: { ...prod, task: { ...prod.task, secrets: [{ envVar: 'K', source: 'secretsmanager', name: 'better-call-buffet/prod/stripe', arn }] } } },
      });
    expect(load(undefined)).toThrow(/prod.task.secrets\[0\].arn undefined must be the complete secret ARN with its 6-character suffix/);
    expect(load(SECRET_ARN.replace('stripe-AbCdEf', 'other-AbCdEf'))).toThrow(/names secret "better-call-buffet\/prod\/other", not "better-call-buffet\/prod\/stripe"/);
    expect(load(SECRET_ARN)).not.toThrow();
  });
});
