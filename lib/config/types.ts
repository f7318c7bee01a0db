import type { RetentionIntent } from '../lifecycle/retention';

/**
 * The shape of one environment's configuration. Values live in `environments.ts`; validation lives in
 * `validate.ts`; `load.ts` turns CDK context into a validated, frozen list of environments.
 */

/** Prefix of every physical resource name (task family, log group, alarms, topic, dashboard). */
export const RESOURCE_PREFIX = 'better-call-buffet';

/** The environments this app knows. A closed union: there is deliberately no `| string` escape hatch. */
export const ENV_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvName = (typeof ENV_NAMES)[number];

/** ECR tag mutability modes (AWS::ECR::Repository ImageTagMutability). */
export type TagMutabilityMode = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

/**
 * What to keep, stated as intent; the registry construct renders it into ECR lifecycle rules. The image
 * tag the environment's task definition runs is always protected on top of `protectTagPatterns`.
 */
export type RetentionConfig = RetentionIntent;

/** Alarm thresholds and switches. Every alarm can be disabled per environment. */
export interface AlarmsConfig {
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
   * Denied ECR calls within 5 minutes that fire the authentication-failure alarm (needs `cloudTrailEnabled`).
   * Set `false` to disable.
   * @default 5
   */
  readonly authFailureThreshold?: number | false;
  /**
   * Alarm on pushes by anyone but the CI push role (needs `cloudTrailEnabled` and a CI push role).
   * @default true
   */
  readonly unexpectedPushes?: boolean;
  /**
   * Only set true where a CloudTrail trail logs management events in this account and region: the
   * authentication-failure and unexpected-push alarms depend on "AWS API Call via CloudTrail" events.
   */
  readonly cloudTrailEnabled: boolean;
  /** E-mail addresses subscribed to the alarm topic. */
  readonly emails: readonly string[];
}

/** GitHub Actions OIDC trust for the CI push role: pipelines push images without long-lived keys. */
export interface CiPushRoleConfig {
  /** `owner/repo` on GitHub. */
  readonly githubRepository: string;
  /** Branches allowed to assume the role (e.g. `main`). */
  readonly branches: readonly string[];
  /** GitHub deployment environments allowed to assume the role (e.g. `prod`). */
  readonly environments: readonly string[];
  /**
   * ARN of the account's existing `token.actions.githubusercontent.com` OIDC provider. IAM allows one per
   * account: when several environments share an account, one creates it and the others set this.
   * Unset: the registry stack creates the provider.
   */
  readonly oidcProviderArn?: string;
}

export type CpuArchitectureName = 'X86_64' | 'ARM64';

/** A secret injected into the container from SSM Parameter Store or Secrets Manager, never as plain env. */
export interface SecretRef {
  /** Environment variable name inside the container. */
  readonly envVar: string;
  readonly source: 'ssm' | 'secretsmanager';
  /** Parameter name (`/buffet/prod/db-password`) or secret name. */
  readonly name: string;
  /** For Secrets Manager JSON secrets: the key to read. */
  readonly jsonKey?: string;
  /**
   * Secrets Manager only, required there: the complete secret ARN with its 6-character suffix
   * (`arn:aws:secretsmanager:us-east-1:123456789012:secret:<name>-AbCdEf`). ECS accepts only the full ARN.
   */
  readonly arn?: string;
}

export interface TaskConfig {
  /** Fargate CPU units (256, 512, 1024, 2048, 4096, 8192, 16384). */
  readonly cpu: number;
  /** Fargate memory in MiB; must be valid for the CPU. */
  readonly memoryMiB: number;
  readonly cpuArchitecture: CpuArchitectureName;
  /** Fargate ephemeral storage, 21-200 GiB. */
  readonly ephemeralStorageGiB: number;
  readonly containerPort: number;
  /** Path the health check curls on containerPort. */
  readonly healthCheckPath: string;
  /** Seconds ECS waits after SIGTERM before SIGKILL (2-120 on Fargate). */
  readonly stopTimeoutSeconds: number;
  /** Numeric UID:GID the container runs as (never root). */
  readonly user: string;
  /** CloudWatch Logs retention in days (must be a value CloudWatch accepts). */
  readonly logRetentionDays: number;
  /** Plain, non-secret environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretRef[];
}

/**
 * The registry inventory (docs/inventory.md): a scheduled function that publishes the repository's size,
 * image counts, staleness and estimated storage cost as CloudWatch metrics, with alarms. Self-contained,
 * so it can move with the repository it describes.
 */
export interface InventoryConfig {
  /** EventBridge rate expression, 5 minutes to 1 day, e.g. `rate(1 hour)`. No cron: the stopped-publishing alarm needs a fixed interval. */
  readonly schedule: string;
  /** Alarm when the repository's images add up to more than this many GiB. Set `false` to disable. */
  readonly sizeBudgetGiB: number | false;
  /** Alarm when a new release image is more than this many percent larger than the previous release. Set `false` to disable. */
  readonly sizeRegressionPercent: number | false;
  /** Images not pulled (never-pulled: not pushed) for more than this many days count as stale. */
  readonly stalePullDays: number;
  /** Storage price in USD per GB-month for the cost estimate ($0.10 in us-east-1, https://aws.amazon.com/ecr/pricing/). */
  readonly storagePricePerGbMonthUsd: number;
}

export interface EnvConfig {
  readonly envName: EnvName;
  /** 12-digit AWS account ID. Unset: the CLI's default account (so synth needs no credentials). */
  readonly account?: string;
  readonly region: string;
  /** ECR repository name; unique per environment so all three can share one trial account. */
  readonly repositoryName: string;
  readonly tagMutability: TagMutabilityMode;
  /** Wildcard filters for the `*_WITH_EXCLUSION` modes (1-5). */
  readonly tagMutabilityExclusions: readonly string[];
  /**
   * RETAIN keeps the repository and its images when the stack is deleted; DESTROY empties and deletes it.
   * The task's log group follows the same policy.
   */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
  /** Termination protection on both stacks. */
  readonly terminationProtection: boolean;
  /** Customer-managed KMS key for the repository (created by the stack) instead of AES256. */
  readonly kmsEncryption: boolean;
  /** Account IDs allowed to pull (never a wildcard). */
  readonly crossAccountPullAccounts: readonly string[];
  readonly ciPushRole?: CiPushRoleConfig;
  readonly retention: RetentionConfig;
  readonly alarms: AlarmsConfig;
  readonly inventory: InventoryConfig;
  readonly task: TaskConfig;
  /** Image tag the task definition runs (override: `-c imageTag=`). */
  readonly imageTag: string;
  /** Image digest `sha256:<64 hex>` that pins exactly (override: `-c imageDigest=`); wins over the tag for the image URI. */
  readonly imageDigest?: string;
}
