import type { RegistryScanType } from '../aws/signing';
import type { RegistryAlarmSettings } from '../constructs/registry-monitoring';
import type { TaskNetwork } from '../constructs/vpc-endpoints';
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
 * What the shared repository keeps, stated as intent; the registry stack renders it into ECR lifecycle rules.
 * On top of `protectTagPatterns`, the image tags every environment's config runs (`imageTag`) are protected,
 * and each environment's promotion tags (`<env>-*`) get a "keep the newest keepPromotedImages" rule: the
 * rollback window. The registry stack derives the promotion patterns from the environment list.
 */
export type RetentionConfig = Omit<RetentionIntent, 'promotionTagPatterns' | 'keepPromotedImages'> & {
  /** Images kept per environment among those last promoted to it (its rollback window, >= 1). */
  readonly keepPromotedImages: number;
};

/**
 * Alarm thresholds and switches of the shared registry: the monitoring construct's own settings type (fields and
 * defaults documented there), so the config cannot drift from what the construct accepts. Its `scanType` is not
 * set here: `registry.settings.scanType` drives both the registry's scanning configuration and the alarms.
 */
export type AlarmsConfig = Omit<RegistryAlarmSettings, 'scanType'>;

/**
 * The account-wide ECR settings of the registry's account and region (docs/registry.md, "Registry settings"):
 * one per account and region, so whoever owns them owns them for every repository there.
 */
export interface RegistrySettingsConfig {
  /**
   * true: the `BetterCallBuffet-RegistrySettings` stack owns this account's registry scanning configuration,
   * the Signer profile and the ECR signing configuration, and with `replicaRegion` the replication configuration
   * (it overwrites what is there). false: they are managed
   * elsewhere; no stack is created, `npm run promote` (and `npm run doctor`) only check against them.
   */
  readonly manage: boolean;
  /**
   * BASIC: ECR scan on push. ENHANCED: Amazon Inspector, continuous scanning (which scans at push too).
   * Drives the registry scanning configuration and which events the scan alarms listen to.
   */
  readonly scanType: RegistryScanType;
  readonly signing: SigningSettingsConfig;
}

/** ECR managed signing: every push to the repository is signed with this AWS Signer profile. */
export interface SigningSettingsConfig {
  /** Signer profile name, 2-64 of A-Z a-z 0-9 _ (in the registry's account and region; created when manage is true). */
  readonly profileName: string;
  /** Months a signature stays valid, 1-135 (135 is Signer's default and maximum). Used only where the stack creates the profile. */
  readonly signatureValidityMonths: number;
}

/**
 * GitHub Actions OIDC trust for the CI push role, the repository's single expected writer: it pushes new
 * builds and adds promotion tags. The role exists only when `githubRepository` is set (here or with
 * `-c githubRepository=owner/repo`): the shipped config names no repository, so no default lets a GitHub
 * repository nobody here controls push images.
 */
export interface CiPushRoleConfig {
  /**
   * `owner/repo` on GitHub whose workflows may assume the role. Placeholders (owner/repo, example/*, ...) are refused.
   * @default - no role (set it, or pass -c githubRepository=owner/repo)
   */
  readonly githubRepository?: string;
  /** Branches allowed to assume the role (the build job on `main`). */
  readonly branches: readonly string[];
  /** GitHub deployment environments allowed to assume the role (the promote steps run in them). */
  readonly environments: readonly string[];
  /**
   * ARN of the account's `token.actions.githubusercontent.com` OIDC provider.
   * @default - arn:<partition>:iam::<registry account>:oidc-provider/token.actions.githubusercontent.com
   */
  readonly oidcProviderArn?: string;
  /**
   * Create the OIDC provider in this stack instead of using the account's existing one. IAM allows one
   * provider per URL and account, so creating it where it exists fails with EntityAlreadyExists. A created
   * provider is retained when the stack is deleted (other roles may trust it).
   * @default false
   */
  readonly createOidcProvider?: boolean;
}

/** Finding severities, lowest to highest, as DescribeImageScanFindings reports them. */
export const SEVERITY_ORDER = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type GateSeverity = (typeof SEVERITY_ORDER)[number];

/** What an image must satisfy to be promoted INTO an environment (`npm run promote -- --to <env>`). */
export interface PromotionConfig {
  /** Refuse images with any finding at or above this severity (prod: HIGH, i.e. HIGH and CRITICAL). */
  readonly failOnSeverity: GateSeverity;
  /**
   * Require a COMPLETE managed signature from `registry.settings.signing.profileName`. Only `false` opts an
   * environment out, explicitly; prod cannot.
   * @default true
   */
  readonly requireSignature?: boolean;
}

/**
 * The one ECR repository every environment pulls from (`BetterCallBuffet-Registry`). Built once, promoted by
 * tag, so the digest that ran in dev is the digest that runs in prod.
 */
export interface RegistryConfig {
  /** 12-digit account holding the repository. Unset: the CLI's default account. */
  readonly account?: string;
  readonly region: string;
  readonly repositoryName: string;
  /** Must be IMMUTABLE: promotion tags must never move, and prod pulls from here (Security Hub ECR.2). */
  readonly tagMutability: TagMutabilityMode;
  /** RETAIN keeps the repository and its images when the stack is deleted; DESTROY empties and deletes it. */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
  readonly terminationProtection: boolean;
  /** Customer-managed KMS key for the repository (created by the stack) instead of AES256. */
  readonly kmsEncryption: boolean;
  /**
   * Further accounts allowed to pull (never a wildcard). Every environment's configured `account` other
   * than the registry's is added automatically.
   */
  readonly crossAccountPullAccounts: readonly string[];
  readonly ciPushRole?: CiPushRoleConfig;
  readonly retention: RetentionConfig;
  readonly alarms: AlarmsConfig;
  readonly inventory: InventoryConfig;
  /** Account-wide scanning and signing settings (the `BetterCallBuffet-RegistrySettings` stack). */
  readonly settings: RegistrySettingsConfig;
  /**
   * A second region of the same account holding a replica of the repository (`BetterCallBuffet-RegistryReplica`),
   * kept in step by ECR replication: environments can pull from it (`imageRegion`) while the registry's region is
   * down (docs/runbook-region-outage.md). Must differ from `region`. The replication configuration itself is an
   * account-wide setting: it is written only where `settings.manage` is true.
   * @default - no replica
   */
  readonly replicaRegion?: string;
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
 * An existing VPC whose private subnets (no NAT gateway) run the tasks: the service stack adds the VPC
 * endpoints a Fargate task needs to pull from ECR and write logs (docs/governance.md). Everything is named
 * by ID, so synth needs no AWS lookup. Unset: no endpoints (the default).
 */
export type NetworkConfig = TaskNetwork;

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

/** One environment: where its service stack deploys, what it runs, and its promotion gate. */
export interface EnvConfig {
  readonly envName: EnvName;
  /** 12-digit AWS account ID. Unset: the CLI's default account (so synth needs no credentials). */
  readonly account?: string;
  readonly region: string;
  /** RETAIN keeps the task's log group when the service stack is deleted; DESTROY deletes it. */
  readonly removalPolicy: 'RETAIN' | 'DESTROY';
  /** Termination protection on the service stack. */
  readonly terminationProtection: boolean;
  readonly task: TaskConfig;
  /**
   * Release tag the task definition runs (override: `-c imageTag=`). Pipelines pass the release tag of the
   * promoted build together with its digest; the configured tags of all environments are also protected by
   * the lifecycle policy, so the fallback a hand-run `cdk deploy` uses always exists.
   */
  readonly imageTag: string;
  /** Image digest `sha256:<64 hex>` that pins exactly (override: `-c imageDigest=`); wins over the tag for the image URI. */
  readonly imageDigest?: string;
  /**
   * VPC endpoints for tasks in private subnets without NAT (override: `-c network='<json>'` with `-c env=`).
   * @default - none
   */
  readonly network?: NetworkConfig;
  /**
   * Region of the registry the task pulls its image from: the registry's `region`, or its `replicaRegion` (the
   * replica, e.g. while the registry's region is down). The image URI and the execution role's pull permission
   * follow it. With `network` (VPC endpoints, no NAT) it must be the task's own `region`: endpoints are regional.
   * @default - the registry's region
   */
  readonly imageRegion?: string;
  readonly promotion: PromotionConfig;
}

/** The whole app: one registry, the environments that pull from it. */
export interface AppConfig {
  readonly registry: RegistryConfig;
  readonly environments: Readonly<Record<EnvName, EnvConfig>>;
}
