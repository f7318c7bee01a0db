import { EnvConfig, EnvName, RegistryConfig, TaskConfig } from './types';

/**
 * The app's settings, in one place: the one registry every environment pulls from, and each environment.
 * Edit here to change retention, thresholds, sizing or promotion gates; set `account` to a real 12-digit ID
 * to pin the registry or an environment to its account (unset, the stack follows the CLI's default
 * account, which lets `cdk synth` run with no credentials at all).
 *
 * Everything is validated by `validateRegistryConfig` / `validateEnvConfig` before any construct sees it.
 */

const APP_TASK_DEFAULTS: Omit<TaskConfig, 'cpu' | 'memoryMiB' | 'logRetentionDays'> = {
  cpuArchitecture: 'X86_64',
  ephemeralStorageGiB: 21,
  containerPort: 8080,
  healthCheckPath: '/health',
  stopTimeoutSeconds: 30,
  // A fixed non-root UID/GID: Security Hub and the container image agree on it (the image must own /tmp for it).
  user: '10001:10001',
  environment: {},
  secrets: [],
};

/**
 * The one repository. Built once by CI, promoted by tag: dev, staging and prod all run digests from here.
 * It lives in the registry account (or the prod account); environments in other accounts pull through the
 * repository policy (their configured `account` is added automatically).
 */
export const REGISTRY: RegistryConfig = {
  region: 'us-east-1',
  repositoryName: 'better-call-buffet',
  // Security Hub ECR.2, and promotion tags (`prod-v1.4.2-3f9c2ab`) must name one image forever.
  tagMutability: 'IMMUTABLE',
  removalPolicy: 'RETAIN',
  terminationProtection: true,
  kmsEncryption: true,
  crossAccountPullAccounts: [],
  // No githubRepository on purpose: a role trusting a repository nobody here controls would let strangers
  // push. Set the real owner/repo here or pass -c githubRepository=owner/repo (docs/registry.md).
  ciPushRole: {
    // The build job runs on main without a GitHub environment; promote steps run in the environments.
    branches: ['main'],
    environments: ['dev', 'staging', 'prod'],
  },
  retention: {
    // Anything tagged `keep-*` by hand (an incident, an audit) is never expired.
    protectTagPatterns: ['keep-*'],
    releaseTagPatterns: ['v*'],
    keepReleaseImages: 100,
    // The newest 20 images promoted to each environment stay: its rollback window.
    keepPromotedImages: 20,
    expireUntaggedAfterDays: 14,
    maxImages: 1000,
  },
  alarms: {
    criticalFindings: true,
    alertOnHighFindings: true,
    scanFailures: true,
    imageCountQuotaFraction: 0.7,
    apiUsageQuotaFraction: 0.7,
    pullAnomalyBandWidth: 2,
    // Pulled by running services and CI: two odd 5-minute periods in a row are worth a look.
    pullAnomalyEvaluationPeriods: 2,
    // Running services pull all day: silence from the registry every environment pulls from is a symptom.
    expectSteadyPulls: true,
    authFailureThreshold: 1,
    // Denied logins and pulls are watched out of the box. Where an organization or account trail already logs
    // management events in this region, switch to 'existing-trail': a second trail is charged per event.
    cloudTrail: 'create-trail',
    emails: [],
  },
  // A release more than 20% larger than the one before it is worth a look before it rolls out.
  inventory: {
    schedule: 'rate(1 hour)',
    sizeBudgetGiB: 200,
    sizeRegressionPercent: 20,
    stalePullDays: 90,
    storagePricePerGbMonthUsd: 0.1,
  },
  // Owned here: this stack sets the account's scanning and signing configuration (docs/registry.md). Set
  // manage: false where another app or a platform team owns them; promote then only checks.
  settings: {
    manage: true,
    scanType: 'BASIC',
    signing: { profileName: 'better_call_buffet', signatureValidityMonths: 135 },
  },
  // A replica every environment can switch to when ECR in us-east-1 is down (docs/runbook-region-outage.md):
  // the stack BetterCallBuffet-RegistryReplica, filled by ECR replication. Remove it for no replica.
  replicaRegion: 'us-west-2',
};

/** What differs between environments; {@link environment} adds what they share. */
type EnvSettings = Omit<EnvConfig, 'envName' | 'region' | 'imageTag' | 'task'> & {
  readonly task: Pick<TaskConfig, 'cpu' | 'memoryMiB' | 'logRetentionDays'>;
};

/**
 * One environment: the region and starting release they all share, the image pulled from the registry's own
 * region, the task defaults above, and `settings`. During an outage of the registry's region, set
 * `imageRegion: REGISTRY.replicaRegion` in an environment's settings (docs/runbook-region-outage.md).
 */
function environment(envName: EnvName, settings: EnvSettings): EnvConfig {
  return { envName, region: 'us-east-1', imageRegion: REGISTRY.region, imageTag: 'v1.0.0', ...settings, task: { ...APP_TASK_DEFAULTS, ...settings.task } };
}

export const ENVIRONMENTS: Readonly<Record<EnvName, EnvConfig>> = {
  dev: environment('dev', {
    removalPolicy: 'DESTROY',
    terminationProtection: false,
    task: { cpu: 256, memoryMiB: 512, logRetentionDays: 7 },
    // Dev is where builds land first: only CRITICAL findings keep an image out. Every environment requires the
    // image's managed signature (set false to opt dev or staging out; prod cannot).
    promotion: { failOnSeverity: 'CRITICAL', requireSignature: true },
  }),
  staging: environment('staging', {
    removalPolicy: 'RETAIN',
    terminationProtection: false,
    task: { cpu: 512, memoryMiB: 1024, logRetentionDays: 30 },
    promotion: { failOnSeverity: 'HIGH', requireSignature: true },
  }),
  // No CRITICAL or HIGH finding reaches prod.
  prod: environment('prod', {
    removalPolicy: 'RETAIN',
    terminationProtection: true,
    task: { cpu: 1024, memoryMiB: 2048, logRetentionDays: 365 },
    promotion: { failOnSeverity: 'HIGH', requireSignature: true },
  }),
};
