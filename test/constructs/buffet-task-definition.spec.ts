import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BuffetTaskDefinition, BuffetTaskDefinitionProps, TaskSecretReference } from '../../lib/constructs/buffet-task-definition';
import { cdkJsonContext } from '../helpers/app';

const ACCOUNT = '123456789012';
const REPO_ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app-repo`;
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/prod/api-AbCdEf`;
const SECRETS: TaskSecretReference[] = [
  { envVar: 'DATABASE_PASSWORD', source: 'ssm', name: '/app/prod/database-password' },
  { envVar: 'API_KEY', source: 'secretsmanager', name: 'app/prod/api', arn: SECRET_ARN, jsonKey: 'apiKey' },
];

function newStack(): Stack {
  // cdk.json's feature flags, so ARNs render as the app renders them (partition literals).
  return new Stack(new App({ context: cdkJsonContext() }), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
}

function taskDefinition(props: Partial<BuffetTaskDefinitionProps> = {}, stack = newStack()) {
  const repository = ecr.Repository.fromRepositoryAttributes(stack, 'Repo', { repositoryName: 'app-repo', repositoryArn: REPO_ARN });
  const construct = new BuffetTaskDefinition(stack, 'Task', { family: 'app-test', repository, imageTag: 'v1.2.3', containerPort: 8080, ...props });
  return {
    stack,
    construct,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

/** The rendered container definition (CloudFormation casing); only the fields tests dig into are typed. */
interface ContainerJson {
  readonly [key: string]: unknown;
  readonly Image: { 'Fn::Join': [string, unknown[]] };
  readonly LinuxParameters: { Capabilities: { Add?: string[]; Drop?: string[] } };
}

/** The one container definition of the one task definition. */
function container(template: Template): ContainerJson {
  const defs = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  expect(defs).toHaveLength(1);
  expect(defs[0].Properties.ContainerDefinitions).toHaveLength(1);
  return defs[0].Properties.ContainerDefinitions[0];
}

/** Every policy statement attached to the role with this logical ID, across all inline policies. */
function statementsOf(template: Template, roleLogicalId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function roleId(stack: Stack, role: iam.Role): string {
  return stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
}

const URI_PREFIX = [`${ACCOUNT}.dkr.ecr.us-east-1.`, { Ref: 'AWS::URLSuffix' }];
const imageJoin = (suffix: string) => ({ 'Fn::Join': ['', [...URI_PREFIX, `/app-repo${suffix}`]] });

describe('BuffetTaskDefinition image reference', () => {
  test('a tag renders <repository URI>:<tag>, and imageUri says the same', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition({ imageTag: 'v1.2.3-3f9c2ab' });

    // THEN
    expect(container(template).Image).toEqual(imageJoin(':v1.2.3-3f9c2ab'));
    expect(stack.resolve(construct.imageUri)).toEqual(imageJoin(':v1.2.3-3f9c2ab'));
  });

  test('a digest renders <repository URI>@sha256:<digest> (not :sha256:) and wins over the tag', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition({ imageTag: 'v1.2.3', imageDigest: DIGEST });

    // THEN
    expect(container(template).Image).toEqual(imageJoin(`@${DIGEST}`));
    expect(stack.resolve(construct.imageUri)).toEqual(imageJoin(`@${DIGEST}`));
  });

  test('a digest alone is enough', () => {
    const { template } = taskDefinition({ imageTag: undefined, imageDigest: DIGEST });
    expect(container(template).Image).toEqual(imageJoin(`@${DIGEST}`));
  });
});

describe('BuffetTaskDefinition roles', () => {
  const pullAndLogs = (logGroupId: string) => [
    {
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Effect: 'Allow',
      Resource: REPO_ARN,
    },
    { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
  ];

  test('execution role: exactly pull from the one repository, the token, and write to its own log group', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition();

    // THEN: the whole statement list, not just the presence of some statements
    const logGroupId = stack.getLogicalId(construct.logGroup.node.defaultChild as logs.CfnLogGroup);
    expect(statementsOf(template, roleId(stack, construct.executionRole))).toEqual(pullAndLogs(logGroupId));
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('execution role'),
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
  });

  test('execution role with secrets: adds exactly ssm:GetParameters and secretsmanager:GetSecretValue on those ARNs', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition({ secrets: SECRETS });

    // THEN: no DescribeParameters/GetParameterHistory/DescribeSecret (CDK's grantRead adds them), no kms:Decrypt
    const logGroupId = stack.getLogicalId(construct.logGroup.node.defaultChild as logs.CfnLogGroup);
    expect(statementsOf(template, roleId(stack, construct.executionRole))).toEqual([
      ...pullAndLogs(logGroupId),
      { Action: 'ssm:GetParameters', Effect: 'Allow', Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/prod/database-password` },
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
    ]);
  });

  test('task role: separate from the execution role, no permissions by default, assumable only by this account\'s tasks', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition({ secrets: SECRETS });

    // THEN
    const taskRoleId = roleId(stack, construct.taskRole);
    expect(taskRoleId).not.toEqual(roleId(stack, construct.executionRole));
    expect(statementsOf(template, taskRoleId)).toEqual([]);
    const role = template.findResources('AWS::IAM::Role')[taskRoleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` } },
      },
    ]);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      TaskRoleArn: { 'Fn::GetAtt': [taskRoleId, 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [roleId(stack, construct.executionRole), 'Arn'] },
    });
  });

  test('what the application is granted lands on the task role only', () => {
    // GIVEN
    const { stack, construct } = taskDefinition({}, newStack());

    // WHEN
    construct.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::menu/*'] }));

    // THEN
    const template = Template.fromStack(stack);
    expect(statementsOf(template, roleId(stack, construct.taskRole))).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::menu/*' }]);
    expect(JSON.stringify(statementsOf(template, roleId(stack, construct.executionRole)))).not.toContain('s3:');
  });
});

describe('BuffetTaskDefinition secrets', () => {
  test('secrets go to Secrets with full ARNs, never to Environment', () => {
    // GIVEN / WHEN
    const { template } = taskDefinition({ secrets: SECRETS, environment: { LOG_LEVEL: 'info' } });

    // THEN
    const c = container(template);
    expect(c.Secrets).toEqual([
      { Name: 'DATABASE_PASSWORD', ValueFrom: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/prod/database-password` },
      // <complete ARN>:<json-key>:<version-stage>:<version-id>; empty stage/id mean AWSCURRENT.
      { Name: 'API_KEY', ValueFrom: `${SECRET_ARN}:apiKey::` },
    ]);
    expect(c.Environment).toEqual([{ Name: 'LOG_LEVEL', Value: 'info' }]);
    // And no secret value is resolved into the template (no ssm-secure dynamic reference).
    expect(JSON.stringify(template.toJSON())).not.toMatch(/resolve:(ssm-secure|secretsmanager)/);
  });

  test('a whole Secrets Manager secret (no jsonKey) is referenced by its complete ARN as is', () => {
    const { template } = taskDefinition({ secrets: [{ envVar: 'API_KEY', source: 'secretsmanager', name: 'app/prod/api', arn: SECRET_ARN }] });
    expect(container(template).Secrets).toEqual([{ Name: 'API_KEY', ValueFrom: SECRET_ARN }]);
  });

  test('no secrets: no Secrets key and an empty Environment', () => {
    const c = container(taskDefinition().template);
    expect(c.Secrets).toBeUndefined();
    expect(c.Environment).toBeUndefined();
  });
});

describe('BuffetTaskDefinition hardening (Security Hub ECS.4, ECS.5, ECS.8, ECS.9)', () => {
  test('container flags', () => {
    // GIVEN / WHEN
    const { template } = taskDefinition();

    // THEN
    const c = container(template);
    expect(c).toMatchObject({
      Name: 'app',
      Essential: true,
      Privileged: false,
      ReadonlyRootFilesystem: true,
      User: '10001:10001',
      PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
      StopTimeout: 30,
      LinuxParameters: { InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } },
      HealthCheck: { Command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 60 },
    });
    expect(c.LinuxParameters.Capabilities.Add).toBeUndefined();
  });

  test('read-only root filesystem keeps /tmp writable through a task-storage volume (no host, no EFS)', () => {
    // GIVEN / WHEN
    const { template } = taskDefinition();

    // THEN
    expect(container(template).MountPoints).toEqual([{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'scratch-tmp' }]);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Volumes: [{ Name: 'scratch-tmp' }] });
  });

  test('extra writable paths each get their own volume', () => {
    const { template } = taskDefinition({ writablePaths: ['/tmp', '/var/cache/app'] });
    expect(container(template).MountPoints).toEqual([
      { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'scratch-tmp' },
      { ContainerPath: '/var/cache/app', ReadOnly: false, SourceVolume: 'scratch-var-cache-app' },
    ]);
  });

  test('port, user, path, timings from props', () => {
    const { template } = taskDefinition({
      containerPort: 3000,
      user: '2000:3000',
      healthCheckPath: '/healthz',
      healthCheckStartPeriod: Duration.seconds(120),
      stopTimeout: Duration.seconds(90),
    });
    expect(container(template)).toMatchObject({
      User: '2000:3000',
      PortMappings: [{ ContainerPort: 3000, Protocol: 'tcp' }],
      StopTimeout: 90,
      HealthCheck: { Command: ['CMD-SHELL', 'curl -f http://localhost:3000/healthz || exit 1'], StartPeriod: 120 },
    });
  });

  test('awslogs to the construct\'s own log group, in the stack\'s region', () => {
    // GIVEN / WHEN
    const { stack, construct, template } = taskDefinition();

    // THEN
    const logGroupId = stack.getLogicalId(construct.logGroup.node.defaultChild as logs.CfnLogGroup);
    expect(container(template).LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: logGroupId }, 'awslogs-stream-prefix': 'ecs', 'awslogs-region': 'us-east-1' },
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });
});

describe('BuffetTaskDefinition log group', () => {
  test('defaults: /ecs/<family>, one month, RETAIN', () => {
    const { template } = taskDefinition();
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/ecs/app-test', RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('name, retention and removal policy from props', () => {
    const { template } = taskDefinition({ logGroupName: '/custom/app', logRetention: logs.RetentionDays.ONE_WEEK, logRemovalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/custom/app', RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    // The log key follows the log group: deleting it would make the retained logs unreadable.
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('is encrypted with its own rotating key that CloudWatch Logs may use for this log group only (CT.CLOUDWATCH.PR.3, CT.KMS.PR.3)', () => {
    // GIVEN / WHEN
    const { template } = taskDefinition();
    // THEN
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
            Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app-test` } },
          }),
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

  test('a given key is used as is, and no key is created', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'Shared');
    // WHEN
    const { template } = taskDefinition({ logEncryptionKey: key }, stack);
    // THEN
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } });
  });
});

describe('BuffetTaskDefinition sizing', () => {
  test('the container gets a hard memory limit equal to the task memory (Control Tower CT.ECS.PR.7)', () => {
    expect(container(taskDefinition({ cpu: 1024, memoryMiB: 2048 }).template).Memory).toBe(2048);
  });

  test('defaults: 256 CPU / 512 MiB, X86_64 Linux, Fargate default storage, awsvpc', () => {
    const { template } = taskDefinition();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'app-test',
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      EphemeralStorage: Match.absent(),
    });
  });

  test('CPU, memory, ARM64 and ephemeral storage from props', () => {
    const { template } = taskDefinition({ cpu: 2048, memoryMiB: 8192, cpuArchitecture: ecs.CpuArchitecture.ARM64, ephemeralStorageGiB: 50 });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '2048',
      Memory: '8192',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      EphemeralStorage: { SizeInGiB: 50 },
    });
  });
});

describe('BuffetTaskDefinition validation', () => {
  const build = (props: Partial<BuffetTaskDefinitionProps>) => () => taskDefinition(props);

  test('family', () => expect(build({ family: 'app test' })).toThrow(/family "app test" must be 1-255 letters/));
  test('an image reference is required', () => expect(build({ imageTag: undefined })).toThrow(/set imageTag or imageDigest/));
  test('tag format (ECR rules)', () => expect(build({ imageTag: '-v1' })).toThrow(/imageTag "-v1" is not a valid ECR tag/));
  test('tag length (ECR rules: at most 128)', () => expect(build({ imageTag: `v${'1'.repeat(128)}` })).toThrow(/is not a valid ECR tag/));
  test('digest format', () => expect(build({ imageDigest: 'sha256:ABC' })).toThrow(/imageDigest "sha256:ABC" is not an image digest/));
  test('latest is refused by default', () => expect(build({ imageTag: 'latest' })).toThrow(/imageTag "latest" is a moving tag/));
  test('a tag with a latest segment is refused', () => expect(build({ imageTag: 'prod-latest' })).toThrow(/"prod-latest" is a moving tag/));
  test('other conventional moving tags are refused', () => expect(build({ imageTag: 'Main' })).toThrow(/"Main" is a moving tag/));
  test('moving tags are allowed when refuseMutableTags is false', () => expect(build({ imageTag: 'latest', refuseMutableTags: false })).not.toThrow());
  test('a digest pins the image, so the tag does not matter', () => expect(build({ imageTag: 'latest', imageDigest: DIGEST })).not.toThrow());
  test('CPU must be a Fargate size', () => expect(build({ cpu: 300 })).toThrow(/Fargate CPU 300 is not valid; use one of 256, 512, 1024/));
  test('memory must fit the CPU, listing the valid values', () =>
    expect(build({ cpu: 1024, memoryMiB: 1024 })).toThrow(/memory 1024 MiB is not valid with CPU 1024; valid memory values \(MiB\) for CPU 1024: 2048, 3072, 4096, 5120, 6144, 7168, 8192/));
  test('memory default (512) must fit a larger CPU too', () => expect(build({ cpu: 4096 })).toThrow(/valid memory values \(MiB\) for CPU 4096: 8192, 9216/));
  test('ephemeral storage 21-200 GiB', () => expect(build({ ephemeralStorageGiB: 20 })).toThrow(/ephemeralStorageGiB must be an integer from 21 to 200 \(Fargate\), got 20/));
  test('container port', () => expect(build({ containerPort: 70000 })).toThrow(/containerPort must be an integer 1-65535, got 70000/));
  test('stop timeout 2-120 s on Fargate', () => expect(build({ stopTimeout: Duration.seconds(121) })).toThrow(/stopTimeout must be 2-120 seconds on Fargate, got 121/));
  test('health check start period <= 300 s', () => expect(build({ healthCheckStartPeriod: Duration.minutes(6) })).toThrow(/healthCheckStartPeriod must be 0-300 seconds/));
  test('user must not be root', () => expect(build({ user: '0:0' })).toThrow(/user must be a numeric non-root UID\[:GID\].*"0:0"/));
  test('user must be numeric', () => expect(build({ user: 'app' })).toThrow(/user must be a numeric non-root UID\[:GID\].*"app"/));
  test('health check path is shell-safe', () => expect(build({ healthCheckPath: '/health;reboot' })).toThrow(/healthCheckPath must start with '\/'.*"\/health;reboot"/));
  test('writable paths are absolute', () => expect(build({ writablePaths: ['tmp'] })).toThrow(/writablePaths entry "tmp" must be an absolute container path/));
  test('writable paths are unique', () => expect(build({ writablePaths: ['/tmp', '/tmp'] })).toThrow(/writablePaths entry "\/tmp" is listed twice/));
  test('log group name', () => expect(build({ logGroupName: '/ecs/app test' })).toThrow(/logGroupName "\/ecs\/app test" must be 1-512/));
  test('environment variable names', () => expect(build({ environment: { '1BAD': 'x' } })).toThrow(/environment variable name "1BAD" is not valid/));
  test('credentials never in plain environment (ECS.8)', () =>
    expect(build({ environment: { AWS_SECRET_ACCESS_KEY: 'x' } })).toThrow(/AWS_SECRET_ACCESS_KEY looks like a credential \(Security Hub ECS.8\): pass it in secrets/));
  // The construct's own check is what makes its AwsSolutions-ECS2 acknowledgement sound, config or not.
  test.each(['aws_secret_access_key', 'db_password', 'ApiToken', 'PRIVATE_KEY'])('credential-like name %s refused in any case', (name) =>
    expect(build({ environment: { [name]: 'x' } })).toThrow(new RegExp(`${name} looks like a credential \\(Security Hub ECS.8\\): pass it in secrets`)));
  test('secret envVar name', () =>
    expect(build({ secrets: [{ envVar: 'BAD-NAME', source: 'ssm', name: '/p' }] })).toThrow(/envVar "BAD-NAME" is not a valid environment variable name/));
  test('a variable is either plain or secret, once', () =>
    expect(build({ environment: { DB: 'x' }, secrets: [{ envVar: 'DB', source: 'ssm', name: '/p' }] })).toThrow(/DB is defined twice/));
  test('SSM parameter names are literal', () =>
    expect(build({ secrets: [{ envVar: 'DB', source: 'ssm', name: '/app/*' }] })).toThrow(/SSM parameter name "\/app\/\*" must be a literal name/));
  test('SSM parameters take no arn or jsonKey', () =>
    expect(build({ secrets: [{ envVar: 'DB', source: 'ssm', name: '/p', jsonKey: 'k' }] })).toThrow(/arn and jsonKey only apply to secretsmanager/));
  test('Secrets Manager needs the complete ARN (a partial ARN fails at task start)', () =>
    expect(build({ secrets: [{ envVar: 'K', source: 'secretsmanager', name: 'app/prod/api', arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/prod/api` }] })).toThrow(
      /Secrets Manager secrets need arn = the complete secret ARN including its 6-character suffix/,
    ));
  test('Secrets Manager ARN and name must agree', () =>
    expect(build({ secrets: [{ envVar: 'K', source: 'secretsmanager', name: 'app/prod/other', arn: SECRET_ARN }] })).toThrow(/arn names secret "app\/prod\/api" but name is "app\/prod\/other"/));
  test('jsonKey is a plain key', () =>
    expect(build({ secrets: [{ ...SECRETS[1], jsonKey: 'a:b' }] })).toThrow(/jsonKey "a:b" must be a plain JSON key/));
  test('secret source', () =>
    expect(build({ secrets: [{ envVar: 'K', source: 'vault' as 'ssm', name: 'x' }] })).toThrow(/source must be ssm or secretsmanager, got "vault"/));

  test('unresolved tokens are not validated at synth (CloudFormation parameters)', () => {
    // GIVEN
    const stack = newStack();
    const tag = new CfnParameter(stack, 'ImageTag', { type: 'String' });

    // WHEN / THEN
    expect(() => taskDefinition({ imageTag: tag.valueAsString }, stack)).not.toThrow();
    expect(container(Template.fromStack(stack)).Image['Fn::Join'][1]).toContainEqual({ Ref: 'ImageTag' });
  });
});
