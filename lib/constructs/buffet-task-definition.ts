import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { HEALTH_CHECK_PATH_RE, IMAGE_DIGEST_RE, IMAGE_TAG_RE, isMutableLookingTag, looksLikeCredentialName, SECRET_COMPLETE_ARN_RE } from '../aws/formats';
import { newLogGroupKey } from '../governance/kms-key-policy';
import { FARGATE_EPHEMERAL_STORAGE_GIB, fargateSizeProblem } from '../aws/fargate-sizing';

/**
 * A value injected into the container from SSM Parameter Store or Secrets Manager at task start.
 * It lands in the container definition's `Secrets`, never in `Environment` (Security Hub ECS.8).
 */
export interface TaskSecretReference {
  /** Environment variable name inside the container. */
  readonly envVar: string;
  /** Where the value lives. */
  readonly source: 'ssm' | 'secretsmanager';
  /** SSM: the parameter name (`/app/prod/db-password`). Secrets Manager: the secret name (must match `arn`). */
  readonly name: string;
  /**
   * Secrets Manager only, and required there: the secret's complete ARN, including the 6-character suffix
   * Secrets Manager appends (`...:secret:my-secret-AbCdEf`). ECS accepts only the full ARN for Secrets
   * Manager; a name or a partial ARN (what `Secret.fromSecretNameV2` gives) fails at task start.
   * @default - none (SSM parameters need no ARN)
   */
  readonly arn?: string;
  /**
   * Secrets Manager JSON secrets: the key to read.
   * @default - the whole secret string
   */
  readonly jsonKey?: string;
}

/** Props for {@link BuffetTaskDefinition}. */
export interface BuffetTaskDefinitionProps {
  /** Task definition family, e.g. `better-call-buffet-prod`; also names the log group. */
  readonly family: string;
  /** The ECR repository the image is pulled from; the execution role can pull from it and nothing else. */
  readonly repository: ecr.IRepository;
  /**
   * Image tag to run. Ignored for the image URI when `imageDigest` is set.
   * @default - none; one of `imageTag` or `imageDigest` is required
   */
  readonly imageTag?: string;
  /**
   * Image digest (`sha256:` + 64 hex) that pins the exact image; wins over `imageTag`.
   * @default - the image is referenced by `imageTag`
   */
  readonly imageDigest?: string;
  /**
   * Refuse `latest` and other conventionally re-pointed tags (`main`, `stable`, `*-latest`...) when the
   * image is referenced by tag. Set false only where a moving tag is the point (a dev environment).
   * @default true
   */
  readonly refuseMutableTags?: boolean;
  /**
   * Fargate task CPU units.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Fargate task memory (MiB); must be valid for `cpu`.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * CPU architecture; the image must be built for it.
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
  /**
   * Fargate ephemeral storage in GiB (21-200).
   * @default - Fargate's default of 20 GiB (nothing rendered)
   */
  readonly ephemeralStorageGiB?: number;
  /** TCP port the application listens on. */
  readonly containerPort: number;
  /**
   * HTTP path the container health check requests on `containerPort`.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Grace period after start during which failed health checks do not count (0-300 s).
   * @default Duration.seconds(60)
   */
  readonly healthCheckStartPeriod?: Duration;
  /**
   * Time between SIGTERM and SIGKILL (2-120 s on Fargate).
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;
  /**
   * Numeric `UID[:GID]` the container runs as; never root.
   * @default '10001:10001'
   */
  readonly user?: string;
  /**
   * Paths that stay writable while the root filesystem is read-only (each gets a Fargate task-storage volume).
   * @default ['/tmp']
   */
  readonly writablePaths?: readonly string[];
  /**
   * Plain, non-secret environment variables. Names that look like credentials (`DB_PASSWORD`, `API_TOKEN`,
   * `aws_secret_access_key`, ... see `looksLikeCredentialName`) are refused: pass those in `secrets`.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Values injected from SSM Parameter Store / Secrets Manager.
   * @default []
   */
  readonly secrets?: readonly TaskSecretReference[];
  /**
   * CloudWatch Logs group name.
   * @default `/ecs/<family>`
   */
  readonly logGroupName?: string;
  /**
   * How long container logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Customer-managed key that encrypts the log group (Control Tower CT.CLOUDWATCH.PR.3). Its key policy must
   * let `logs.<region>.amazonaws.com` use it for this log group.
   * @default - a new key (rotation on, same removal policy as the log group) whose policy admits CloudWatch
   * Logs for this log group only
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** The container name inside the task definition; services and `RunTask` overrides refer to it. */
export const APP_CONTAINER_NAME = 'app';

const FAMILY_RE = /^[A-Za-z0-9_-]{1,255}$/;
const LOG_GROUP_NAME_RE = /^[A-Za-z0-9._\-/#]{1,512}$/;
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SSM_PARAMETER_NAME_RE = /^[A-Za-z0-9/_.-]{1,2048}$/;

/**
 * An ECS Fargate task definition for one application container, hardened for Security Hub ECS.4/5/8/9:
 * non-privileged, read-only root filesystem, secrets only through `Secrets`, awslogs to its own log group.
 * The execution role can pull from one repository, write to one log group and read the listed secrets;
 * the task role (the application's) starts empty.
 */
export class BuffetTaskDefinition extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  /** Role ECS uses to start the task (pull, logs, secrets). */
  readonly executionRole: iam.Role;
  /** Role the application code runs as; grant it what the application needs. */
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The key that encrypts the log group. */
  readonly logEncryptionKey: kms.IKey;
  /** `<account>.dkr.ecr.<region>.<suffix>/<repo>:<tag>` or `...@sha256:<digest>`. */
  readonly imageUri: string;

  constructor(scope: Construct, id: string, props: BuffetTaskDefinitionProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const cpu = props.cpu ?? 256;
    const memoryMiB = props.memoryMiB ?? 512;
    const writablePaths = props.writablePaths ?? ['/tmp'];

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `ECS task execution role for ${props.family}: pulls its image, writes its logs, reads its secrets`,
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      // ECS's recommended confused-deputy guard for task roles: only tasks of this account may assume it.
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
      }),
      description: `Application role for ${props.family} tasks; no permissions unless granted explicitly`,
    });

    const logGroupName = props.logGroupName ?? `/ecs/${props.family}`;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.logEncryptionKey = props.logEncryptionKey ?? newLogGroupKey(this, 'LogKey', logGroupName, logRemovalPolicy);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy,
      encryptionKey: this.logEncryptionKey,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Resource', {
      family: props.family,
      cpu,
      memoryLimitMiB: memoryMiB,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      ephemeralStorageGiB: props.ephemeralStorageGiB,
      executionRole: this.executionRole,
      taskRole: this.taskRole,
    });

    // A digest names exactly one image; a tag is only as fixed as the repository's tag immutability.
    const reference = props.imageDigest ?? (props.imageTag as string);
    // Grants the execution role ecr:BatchCheckLayerAvailability/GetDownloadUrlForLayer/BatchGetImage on this
    // repository only, plus ecr:GetAuthorizationToken on "*": that action has no resource-level permissions.
    const image = ecs.ContainerImage.fromEcrRepository(props.repository, reference);
    this.imageUri = props.repository.repositoryUriForTagOrDigest(reference);
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so its Resource must be *; the image pull actions are scoped to this one repository ARN',
    });

    const port = props.containerPort;
    const path = props.healthCheckPath ?? '/health';
    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', {
      // tini as PID 1 reaps zombies and forwards SIGTERM, so stopTimeout is a real graceful-shutdown window.
      initProcessEnabled: true,
    });
    // Fargate allows dropping any capability (only adding is limited, to SYS_PTRACE); a web app needs none.
    linuxParameters.dropCapabilities(ecs.Capability.ALL);

    this.container = this.taskDefinition.addContainer('App', {
      containerName: APP_CONTAINER_NAME,
      image,
      essential: true,
      // Hard memory limit for the container (Control Tower CT.ECS.PR.7): the whole task's memory, as the task
      // runs this one container; ECS kills it if it exceeds the limit rather than letting it starve the task.
      memoryLimitMiB: memoryMiB,
      // Security Hub ECS.4 and ECS.5.
      privileged: false,
      readonlyRootFilesystem: true,
      user: props.user ?? '10001:10001',
      linuxParameters,
      portMappings: [{ containerPort: port, protocol: ecs.Protocol.TCP }],
      // The image must contain curl: CMD-SHELL runs inside the container.
      healthCheck: {
        command: ['CMD-SHELL', `curl -f http://localhost:${port}${path} || exit 1`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: props.healthCheckStartPeriod ?? Duration.seconds(60),
      },
      stopTimeout: props.stopTimeout ?? Duration.seconds(30),
      environment: { ...(props.environment ?? {}) },
      // Security Hub ECS.9. Adds logs:CreateLogStream and logs:PutLogEvents on this log group only.
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'ecs' }),
    });

    if (Object.keys(props.environment ?? {}).length > 0) {
      // cdk-nag flags every plain environment variable because one might hold a secret (Security Hub ECS.8).
      // Here none can: validateProps refuses credential-looking names, and secrets go through `Secrets`.
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions::AwsSolutions-ECS2',
        reason: 'Plain, non-secret settings only: names that look like credentials (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, the ECS.8 names, any case) are refused at synth and must be passed as Secrets from SSM or Secrets Manager',
      });
    }

    writablePaths.forEach((containerPath) => {
      const name = scratchVolumeName(containerPath);
      // No host or EFS configuration: on Fargate this is a bind mount on the task's ephemeral storage.
      this.taskDefinition.addVolume({ name });
      this.container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    });

    (props.secrets ?? []).forEach((s, i) => this.container.addSecret(s.envVar, this.secretFor(s, i)));
  }

  /**
   * An ECS secret whose grant is exactly what the ECS agent calls: ssm:GetParameters or
   * secretsmanager:GetSecretValue on that one ARN. CDK's own grantRead adds DescribeParameters,
   * GetParameterHistory, DescribeSecret... which the agent never uses. kms:Decrypt is not granted: this
   * assumes the AWS-managed keys (aws/ssm, aws/secretsmanager), whose key policies already allow use
   * through those services; a secret encrypted with a customer-managed key needs kms:Decrypt added.
   */
  private secretFor(ref: TaskSecretReference, index: number): ecs.Secret {
    if (ref.source === 'ssm') {
      const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, `SecretParameter${index}`, {
        parameterName: ref.name,
      });
      return new ExactGrantSecret(parameter.parameterArn, parameter.parameterArn, 'ssm:GetParameters', false);
    }
    // The complete ARN (validated) goes both in the policy and in valueFrom; ECS needs it verbatim.
    const arn = ref.arn as string;
    const valueFrom = ref.jsonKey !== undefined ? `${arn}:${ref.jsonKey}::` : arn;
    return new ExactGrantSecret(valueFrom, arn, 'secretsmanager:GetSecretValue', ref.jsonKey !== undefined);
  }
}

class ExactGrantSecret extends ecs.Secret {
  constructor(
    readonly arn: string,
    private readonly resourceArn: string,
    private readonly action: string,
    readonly hasField: boolean,
  ) {
    super();
  }

  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: [this.action], resourceArns: [this.resourceArn] });
  }
}

/** `/tmp` -> `scratch-tmp`: volume names allow only letters, digits, hyphens and underscores. */
function scratchVolumeName(containerPath: string): string {
  return `scratch${containerPath.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function validateProps(props: BuffetTaskDefinitionProps): void {
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  const fail = (message: string): never => {
    throw new Error(`BuffetTaskDefinition: ${message}`);
  };

  if (known(props.family) && !FAMILY_RE.test(props.family)) {
    fail(`family ${JSON.stringify(props.family)} must be 1-255 letters, digits, hyphens or underscores`);
  }
  if (props.imageTag === undefined && props.imageDigest === undefined) {
    fail('set imageTag or imageDigest: the task definition needs an image reference');
  }
  if (known(props.imageTag) && !IMAGE_TAG_RE.test(props.imageTag as string)) {
    fail(`imageTag ${JSON.stringify(props.imageTag)} is not a valid ECR tag: start with a letter, digit or _, then up to 127 of letters, digits, . _ -`);
  }
  if (known(props.imageDigest) && !IMAGE_DIGEST_RE.test(props.imageDigest as string)) {
    fail(`imageDigest ${JSON.stringify(props.imageDigest)} is not an image digest: use sha256: followed by 64 lowercase hex characters`);
  }
  if ((props.refuseMutableTags ?? true) && props.imageDigest === undefined && known(props.imageTag) && isMutableLookingTag(props.imageTag as string)) {
    fail(`imageTag ${JSON.stringify(props.imageTag)} is a moving tag and refuseMutableTags is on: deploy an immutable release tag (v1.4.2-3f9c2ab) or pin imageDigest`);
  }

  const cpu = props.cpu ?? 256;
  const memoryMiB = props.memoryMiB ?? 512;
  if (known(cpu) && known(memoryMiB)) {
    const problem = fargateSizeProblem(cpu, memoryMiB);
    if (problem) fail(problem);
  }
  const storage = props.ephemeralStorageGiB;
  const { min, max } = FARGATE_EPHEMERAL_STORAGE_GIB;
  if (known(storage) && (!Number.isInteger(storage) || (storage as number) < min || (storage as number) > max)) {
    fail(`ephemeralStorageGiB must be an integer from ${min} to ${max} (Fargate), got ${storage}`);
  }
  const port = props.containerPort;
  if (known(port) && (!Number.isInteger(port) || port < 1 || port > 65535)) fail(`containerPort must be an integer 1-65535, got ${port}`);
  const stop = props.stopTimeout;
  if (stop && !Token.isUnresolved(stop.toSeconds()) && (stop.toSeconds() < 2 || stop.toSeconds() > 120)) {
    fail(`stopTimeout must be 2-120 seconds on Fargate, got ${stop.toSeconds()}`);
  }
  const start = props.healthCheckStartPeriod;
  if (start && !Token.isUnresolved(start.toSeconds()) && start.toSeconds() > 300) {
    fail(`healthCheckStartPeriod must be 0-300 seconds (ECS limit), got ${start.toSeconds()}`);
  }
  const user = props.user;
  if (known(user) && (!/^\d+(:\d+)?$/.test(user as string) || (user as string).split(':')[0] === '0')) {
    fail(`user must be a numeric non-root UID[:GID] like 10001:10001, got ${JSON.stringify(user)}`);
  }
  const path = props.healthCheckPath;
  // The path is spliced unquoted into a CMD-SHELL command: only characters the shell treats literally.
  if (known(path) && !HEALTH_CHECK_PATH_RE.test(path as string)) {
    fail(`healthCheckPath must start with '/' and use only letters, digits and . _ ~ / % - (it runs in a shell), got ${JSON.stringify(path)}`);
  }
  const volumeNames = new Set<string>();
  for (const p of props.writablePaths ?? []) {
    if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9]$/.test(p)) fail(`writablePaths entry ${JSON.stringify(p)} must be an absolute container path like /tmp`);
    if (volumeNames.has(scratchVolumeName(p))) fail(`writablePaths entry ${JSON.stringify(p)} is listed twice (or collides with another path's volume name)`);
    volumeNames.add(scratchVolumeName(p));
  }
  if (known(props.logGroupName) && !LOG_GROUP_NAME_RE.test(props.logGroupName as string)) {
    fail(`logGroupName ${JSON.stringify(props.logGroupName)} must be 1-512 of letters, digits and . _ - / #`);
  }

  const names = new Set<string>();
  for (const name of Object.keys(props.environment ?? {})) {
    if (!ENV_VAR_RE.test(name)) fail(`environment variable name ${JSON.stringify(name)} is not valid`);
    if (looksLikeCredentialName(name)) fail(`environment variable ${name} looks like a credential (Security Hub ECS.8): pass it in secrets instead`);
    names.add(name);
  }
  (props.secrets ?? []).forEach((s, i) => {
    const at = `secrets[${i}] (${s.envVar})`;
    if (!ENV_VAR_RE.test(s.envVar)) fail(`${at}: envVar ${JSON.stringify(s.envVar)} is not a valid environment variable name`);
    if (names.has(s.envVar)) fail(`${at}: ${s.envVar} is defined twice (environment or secrets)`);
    names.add(s.envVar);
    if (s.source === 'ssm') {
      if (!SSM_PARAMETER_NAME_RE.test(s.name)) fail(`${at}: SSM parameter name ${JSON.stringify(s.name)} must be a literal name like /app/prod/db-password`);
      if (s.arn !== undefined || s.jsonKey !== undefined) fail(`${at}: arn and jsonKey only apply to secretsmanager secrets`);
    } else if (s.source === 'secretsmanager') {
      const match = SECRET_COMPLETE_ARN_RE.exec(s.arn ?? '');
      if (!match) {
        fail(`${at}: Secrets Manager secrets need arn = the complete secret ARN including its 6-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:${s.name}-AbCdEf; see aws secretsmanager describe-secret --secret-id ${s.name}), got ${JSON.stringify(s.arn)}`);
      } else if (match[1] !== s.name) {
        fail(`${at}: arn names secret ${JSON.stringify(match[1])} but name is ${JSON.stringify(s.name)}`);
      }
      if (s.jsonKey !== undefined && !/^[A-Za-z0-9_.@+=/-]{1,256}$/.test(s.jsonKey)) fail(`${at}: jsonKey ${JSON.stringify(s.jsonKey)} must be a plain JSON key (no ':')`);
    } else {
      fail(`${at}: source must be ssm or secretsmanager, got ${JSON.stringify(s.source)}`);
    }
  });
}
