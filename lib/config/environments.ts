import { EnvConfig, EnvName, TaskConfig } from './types';

/**
 * Every environment's settings, in one place. Edit here to change retention, thresholds or sizing; set
 * `account` to a real 12-digit ID to pin an environment to its account (unset, the stack follows the
 * CLI's default account, which lets `cdk synth` run with no credentials at all).
 *
 * Everything is validated by `validateEnvConfig` before any construct sees it.
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

export const ENVIRONMENTS: Readonly<Record<EnvName, EnvConfig>> = {
  dev: {
    envName: 'dev',
    region: 'us-east-1',
    repositoryName: 'better-call-buffet-dev',
    // Developers may re-point `latest` and `dev-*` tags; every other tag (releases) stays immutable.
    tagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    tagMutabilityExclusions: ['latest', 'dev-*'],
    removalPolicy: 'DESTROY',
    terminationProtection: false,
    kmsEncryption: false,
    crossAccountPullAccounts: [],
    retention: {
      protectTagPatterns: [],
      releaseTagPatterns: ['v*'],
      keepReleaseImages: 10,
      expireUntaggedAfterDays: 1,
      maxImages: 100,
    },
    alarms: {
      criticalFindings: true,
      alertOnHighFindings: false,
      scanFailures: true,
      imageCountQuotaFraction: 0.8,
      apiUsageQuotaFraction: 0.8,
      pullAnomalyBandWidth: false,
      // Inert until cloudTrailEnabled: dev's CI experiments fail logins often, so only bursts page.
      authFailureThreshold: 10,
      cloudTrailEnabled: false,
      emails: [],
    },
    // Dev images churn: no size-regression alarm, a small budget against forgotten experiment images.
    inventory: {
      schedule: 'rate(1 hour)',
      sizeBudgetGiB: 20,
      sizeRegressionPercent: false,
      stalePullDays: 30,
      storagePricePerGbMonthUsd: 0.1,
    },
    task: { ...APP_TASK_DEFAULTS, cpu: 256, memoryMiB: 512, logRetentionDays: 7 },
    imageTag: 'dev-main',
  },
  staging: {
    envName: 'staging',
    region: 'us-east-1',
    repositoryName: 'better-call-buffet-staging',
    tagMutability: 'IMMUTABLE',
    tagMutabilityExclusions: [],
    removalPolicy: 'RETAIN',
    terminationProtection: false,
    kmsEncryption: false,
    crossAccountPullAccounts: [],
    // GitHub Actions push release builds from main, or from jobs in the `staging` GitHub environment.
    // Placeholder owner/repo: put the real one before deploying (whoever owns that GitHub repository could
    // push here). One OIDC provider per account: another environment sharing this account that adds a
    // ciPushRole must set oidcProviderArn (validateEnvironmentSet says so).
    ciPushRole: {
      githubRepository: 'better-call-buffet/registry',
      branches: ['main'],
      environments: ['staging'],
    },
    retention: {
      protectTagPatterns: [],
      releaseTagPatterns: ['v*'],
      keepReleaseImages: 30,
      expireUntaggedAfterDays: 7,
      maxImages: 300,
    },
    alarms: {
      criticalFindings: true,
      alertOnHighFindings: true,
      scanFailures: true,
      imageCountQuotaFraction: 0.8,
      apiUsageQuotaFraction: 0.8,
      pullAnomalyBandWidth: 3,
      pullAnomalyEvaluationPeriods: 3,
      authFailureThreshold: 5,
      cloudTrailEnabled: false,
      emails: [],
    },
    inventory: {
      schedule: 'rate(1 hour)',
      sizeBudgetGiB: 50,
      sizeRegressionPercent: 25,
      stalePullDays: 60,
      storagePricePerGbMonthUsd: 0.1,
    },
    task: { ...APP_TASK_DEFAULTS, cpu: 512, memoryMiB: 1024, logRetentionDays: 30 },
    imageTag: 'v1.0.0',
  },
  prod: {
    envName: 'prod',
    region: 'us-east-1',
    repositoryName: 'better-call-buffet-prod',
    // Security Hub ECR.2: tags can never be re-pointed, so a tag names exactly one image forever.
    tagMutability: 'IMMUTABLE',
    tagMutabilityExclusions: [],
    removalPolicy: 'RETAIN',
    terminationProtection: true,
    kmsEncryption: true,
    crossAccountPullAccounts: [],
    retention: {
      // Anything tagged `keep-*` by hand (an incident, an audit) is never expired.
      protectTagPatterns: ['keep-*'],
      releaseTagPatterns: ['v*'],
      keepReleaseImages: 100,
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
      // Prod is pulled by running services only: two odd 5-minute periods in a row are worth a look.
      pullAnomalyEvaluationPeriods: 2,
      authFailureThreshold: 1,
      cloudTrailEnabled: false,
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
    task: { ...APP_TASK_DEFAULTS, cpu: 1024, memoryMiB: 2048, logRetentionDays: 365 },
    imageTag: 'v1.0.0',
  },
};
