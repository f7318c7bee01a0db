import { FARGATE_EPHEMERAL_STORAGE_GIB, fargateSizeProblem } from '../constructs/fargate-sizing';
import {
  ACCOUNT_ID_RE,
  CREDENTIAL_ENV_NAMES,
  IMAGE_DIGEST_RE,
  IMAGE_TAG_RE,
  MUTABLE_LOOKING_TAGS,
  REPOSITORY_NAME_RE,
  SECRET_COMPLETE_ARN_RE,
  TAG_FILTER_RE,
} from '../aws-formats';
import { parseRateExpression } from '../inventory/schedule';
import { tagMatchesPattern } from '../lifecycle/evaluate';
import { ENV_NAMES, EnvConfig, EnvName, InventoryConfig, SecretRef } from './types';

/** A configuration or context value that cannot be deployed. The message names the field, value and fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Region names AWS publishes (commercial, China, GovCloud). A typo here would otherwise surface only at deploy. */
export const AWS_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
  'cn-north-1', 'cn-northwest-1',
  'us-gov-east-1', 'us-gov-west-1',
];

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GITHUB_REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/**
 * Validates one environment's configuration. Collects every problem rather than stopping at the first,
 * so one synth shows everything to fix. Throws ConfigError; returns the config unchanged when valid.
 */
export function validateEnvConfig(c: EnvConfig): EnvConfig {
  const p: string[] = [];
  const at = (field: string) => `${c.envName ?? '?'}.${field}`;
  const positiveInt = (field: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) p.push(`${at(field)} must be a positive integer, got ${show(v)}`);
  };
  const fraction = (field: string, v: unknown) => {
    if (v !== false && (typeof v !== 'number' || !(v > 0 && v <= 1))) {
      p.push(`${at(field)} must be a fraction in (0, 1] or false to disable the alarm, got ${show(v)}`);
    }
  };
  const tagFilter = (field: string, v: string, maxWildcards: number) => {
    if (typeof v !== 'string' || !TAG_FILTER_RE.test(v)) {
      p.push(`${at(field)} ${show(v)} is not a valid tag filter: use 1-128 of a-z A-Z 0-9 . _ - and *`);
    } else if ((v.match(/\*/g) ?? []).length > maxWildcards) {
      p.push(`${at(field)} ${show(v)} has more than ${maxWildcards} '*' wildcards, which ECR rejects`);
    }
  };
  const accountId = (field: string, v: unknown) => {
    if (v === '*') p.push(`${at(field)} is '*': wildcard principals are never allowed; list the 12-digit account IDs that may pull`);
    else if (typeof v !== 'string' || !ACCOUNT_ID_RE.test(v)) p.push(`${at(field)} must be a 12-digit AWS account ID, got ${show(v)}`);
  };

  if (!isEnvName(c.envName)) p.push(`envName ${show(c.envName)} is not a known environment; use one of ${ENV_NAMES.join(', ')}`);
  if (c.account !== undefined) accountId('account', c.account);
  if (!AWS_REGIONS.includes(c.region)) {
    p.push(`${at('region')} ${show(c.region)} is not an AWS region name; use one like us-east-1, eu-west-1 (see AWS_REGIONS in lib/config/validate.ts)`);
  }
  if (typeof c.repositoryName !== 'string' || !REPOSITORY_NAME_RE.test(c.repositoryName)) {
    p.push(`${at('repositoryName')} ${show(c.repositoryName)} is not a valid ECR repository name: 2-256 lowercase letters, digits and . _ - separators, optional '/' namespaces`);
  }

  // Tag mutability and its exclusion filters (AWS allows 1-5 filters, only with the *_WITH_EXCLUSION modes).
  const modes = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];
  if (!modes.includes(c.tagMutability)) p.push(`${at('tagMutability')} ${show(c.tagMutability)} must be one of ${modes.join(', ')}`);
  const withExclusion = c.tagMutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && (c.tagMutabilityExclusions.length < 1 || c.tagMutabilityExclusions.length > 5)) {
    p.push(`${at('tagMutabilityExclusions')} needs 1-5 filters with ${c.tagMutability}, got ${c.tagMutabilityExclusions.length}`);
  }
  if (!withExclusion && c.tagMutabilityExclusions.length > 0) {
    p.push(`${at('tagMutabilityExclusions')} is only allowed with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${c.tagMutability}; remove the filters or change the mode`);
  }
  c.tagMutabilityExclusions.forEach((f, i) => tagFilter(`tagMutabilityExclusions[${i}]`, f, 2));
  if (c.envName === 'prod' && c.tagMutability !== 'IMMUTABLE') {
    p.push(`${at('tagMutability')} must be IMMUTABLE in prod (Security Hub ECR.2), got ${show(c.tagMutability)}`);
  }
  if (c.removalPolicy !== 'RETAIN' && c.removalPolicy !== 'DESTROY') p.push(`${at('removalPolicy')} must be RETAIN or DESTROY, got ${show(c.removalPolicy)}`);
  if (c.envName === 'prod' && c.removalPolicy !== 'RETAIN') p.push(`${at('removalPolicy')} must be RETAIN in prod so deleting the stack never deletes images, got ${show(c.removalPolicy)}`);

  c.crossAccountPullAccounts.forEach((a, i) => accountId(`crossAccountPullAccounts[${i}]`, a));
  if (c.ciPushRole) {
    const r = c.ciPushRole;
    if (!GITHUB_REPO_RE.test(r.githubRepository) || r.githubRepository.includes('*')) {
      p.push(`${at('ciPushRole.githubRepository')} must be 'owner/repo' with no wildcards, got ${show(r.githubRepository)}`);
    }
    if (r.branches.length + r.environments.length === 0) {
      p.push(`${at('ciPushRole')} must name at least one branch or GitHub environment allowed to assume the role`);
    }
    [...r.branches, ...r.environments].forEach((s) => {
      if (!/^[A-Za-z0-9._/-]+$/.test(s)) p.push(`${at('ciPushRole')} branch/environment ${show(s)} must be a literal name (no wildcards or spaces)`);
    });
    if (r.oidcProviderArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(r.oidcProviderArn)) {
      p.push(`${at('ciPushRole.oidcProviderArn')} must be arn:aws:iam::<12-digit account>:oidc-provider/token.actions.githubusercontent.com, got ${show(r.oidcProviderArn)}`);
    }
  }

  // Retention intent; the registry construct checks the rendered rules against ECR's own limits.
  const r = c.retention;
  positiveInt('retention.keepReleaseImages', r.keepReleaseImages);
  positiveInt('retention.expireUntaggedAfterDays', r.expireUntaggedAfterDays);
  positiveInt('retention.maxImages', r.maxImages);
  r.protectTagPatterns.forEach((t, i) => tagFilter(`retention.protectTagPatterns[${i}]`, t, 4));
  r.releaseTagPatterns.forEach((t, i) => tagFilter(`retention.releaseTagPatterns[${i}]`, t, 4));
  if (new Set(r.releaseTagPatterns).size !== r.releaseTagPatterns.length) {
    p.push(`${at('retention.releaseTagPatterns')} lists a pattern twice: ${show(r.releaseTagPatterns)}`);
  }
  if (new Set(r.protectTagPatterns).size !== r.protectTagPatterns.length) {
    p.push(`${at('retention.protectTagPatterns')} lists a pattern twice: ${show(r.protectTagPatterns)}`);
  }
  r.protectTagPatterns.filter((t) => r.releaseTagPatterns.includes(t)).forEach((t) => {
    p.push(`${at('retention.protectTagPatterns')} and retention.releaseTagPatterns both list ${show(t)}; ECR rejects two rules with the same tag set: protected images are never expired, so remove it from releaseTagPatterns`);
  });
  if (Number.isInteger(r.maxImages) && Number.isInteger(r.keepReleaseImages) && r.maxImages < r.keepReleaseImages) {
    p.push(`${at('retention.maxImages')} (${r.maxImages}) is below retention.keepReleaseImages (${r.keepReleaseImages}); the two rules conflict: raise maxImages or lower keepReleaseImages`);
  }

  const a = c.alarms;
  fraction('alarms.imageCountQuotaFraction', a.imageCountQuotaFraction);
  fraction('alarms.apiUsageQuotaFraction', a.apiUsageQuotaFraction);
  if (a.pullAnomalyBandWidth !== false && (typeof a.pullAnomalyBandWidth !== 'number' || !(a.pullAnomalyBandWidth > 0))) {
    p.push(`${at('alarms.pullAnomalyBandWidth')} must be a positive number of standard deviations or false, got ${show(a.pullAnomalyBandWidth)}`);
  }
  if (a.pullAnomalyEvaluationPeriods !== undefined && !(Number.isInteger(a.pullAnomalyEvaluationPeriods) && a.pullAnomalyEvaluationPeriods >= 1 && a.pullAnomalyEvaluationPeriods <= 288)) {
    p.push(`${at('alarms.pullAnomalyEvaluationPeriods')} must be an integer from 1 to 288 (5-minute periods, at most one day), got ${show(a.pullAnomalyEvaluationPeriods)}`);
  }
  if (a.authFailureThreshold !== undefined && a.authFailureThreshold !== false && !(Number.isInteger(a.authFailureThreshold) && a.authFailureThreshold >= 1)) {
    p.push(`${at('alarms.authFailureThreshold')} must be a positive integer (denied calls per 5 minutes) or false to disable the alarm, got ${show(a.authFailureThreshold)}`);
  }
  if (a.alertOnHighFindings && !a.criticalFindings) {
    p.push(`${at('alarms.alertOnHighFindings')} is true but alarms.criticalFindings is false: HIGH findings are only reported together with CRITICAL ones; set criticalFindings true or alertOnHighFindings false`);
  }
  a.emails.forEach((e, i) => {
    if (!EMAIL_RE.test(e)) p.push(`${at(`alarms.emails[${i}]`)} ${show(e)} is not an e-mail address (name@example.com)`);
  });

  const t = c.task;
  const size = fargateSizeProblem(t.cpu, t.memoryMiB);
  if (size) p.push(`${at('task')}: ${size}`);
  if (t.cpuArchitecture !== 'X86_64' && t.cpuArchitecture !== 'ARM64') p.push(`${at('task.cpuArchitecture')} must be X86_64 or ARM64, got ${show(t.cpuArchitecture)}`);
  const { min, max } = FARGATE_EPHEMERAL_STORAGE_GIB;
  if (!Number.isInteger(t.ephemeralStorageGiB) || t.ephemeralStorageGiB < min || t.ephemeralStorageGiB > max) {
    p.push(`${at('task.ephemeralStorageGiB')} must be an integer from ${min} to ${max}, got ${show(t.ephemeralStorageGiB)}`);
  }
  if (!Number.isInteger(t.containerPort) || t.containerPort < 1 || t.containerPort > 65535) p.push(`${at('task.containerPort')} must be 1-65535, got ${show(t.containerPort)}`);
  if (!Number.isInteger(t.stopTimeoutSeconds) || t.stopTimeoutSeconds < 2 || t.stopTimeoutSeconds > 120) {
    p.push(`${at('task.stopTimeoutSeconds')} must be 2-120 seconds on Fargate, got ${show(t.stopTimeoutSeconds)}`);
  }
  if (!/^\d+(:\d+)?$/.test(t.user) || t.user.split(':')[0] === '0') {
    p.push(`${at('task.user')} must be a numeric non-root UID[:GID] like 10001:10001, got ${show(t.user)}`);
  }
  if (!t.healthCheckPath.startsWith('/') || /[\s'"]/.test(t.healthCheckPath)) p.push(`${at('task.healthCheckPath')} must be a path starting with '/' with no spaces or quotes, got ${show(t.healthCheckPath)}`);
  if (!LOG_RETENTION_DAYS.includes(t.logRetentionDays)) {
    p.push(`${at('task.logRetentionDays')} ${show(t.logRetentionDays)} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  for (const name of Object.keys(t.environment)) {
    if (!ENV_VAR_RE.test(name)) p.push(`${at(`task.environment.${name}`)} is not a valid environment variable name`);
    if (CREDENTIAL_ENV_NAMES.includes(name)) p.push(`${at(`task.environment.${name}`)} looks like a credential (Security Hub ECS.8): move it to task.secrets`);
  }
  const seen = new Set<string>(Object.keys(t.environment));
  t.secrets.forEach((s: SecretRef, i) => {
    if (!ENV_VAR_RE.test(s.envVar)) p.push(`${at(`task.secrets[${i}].envVar`)} ${show(s.envVar)} is not a valid environment variable name`);
    if (seen.has(s.envVar)) p.push(`${at(`task.secrets[${i}].envVar`)} ${show(s.envVar)} is defined twice (environment or secrets)`);
    seen.add(s.envVar);
    if (s.source !== 'ssm' && s.source !== 'secretsmanager') p.push(`${at(`task.secrets[${i}].source`)} must be ssm or secretsmanager, got ${show(s.source)}`);
    if (!/^[A-Za-z0-9/_+=.@-]{1,2048}$/.test(s.name) || s.name.includes('*')) p.push(`${at(`task.secrets[${i}].name`)} ${show(s.name)} must be a literal parameter or secret name`);
    if (s.jsonKey !== undefined && s.source !== 'secretsmanager') p.push(`${at(`task.secrets[${i}].jsonKey`)} only applies to secretsmanager secrets`);
    // ECS takes only the complete Secrets Manager ARN (with the random 6-character suffix) in valueFrom;
    // a name or partial ARN passes synth and deploy, then every task fails to start.
    if (s.source === 'secretsmanager') {
      const m = SECRET_COMPLETE_ARN_RE.exec(s.arn ?? '');
      if (!m) p.push(`${at(`task.secrets[${i}].arn`)} ${show(s.arn)} must be the complete secret ARN with its 6-character suffix (aws secretsmanager describe-secret --secret-id ${s.name} --query ARN)`);
      else if (m[1] !== s.name) p.push(`${at(`task.secrets[${i}].arn`)} names secret ${show(m[1])}, not ${show(s.name)}`);
    }
    if (s.arn !== undefined && s.source !== 'secretsmanager') p.push(`${at(`task.secrets[${i}].arn`)} only applies to secretsmanager secrets; SSM parameters are referenced by name`);
  });

  validateImageReference(c, p);
  validateInventoryConfig(c.envName, c.inventory, p);
  if (p.length > 0) throw new ConfigError(p);
  return c;
}

/** Checks `<env>.inventory` (docs/inventory.md); pushes one sentence per problem onto `p`. */
export function validateInventoryConfig(envName: string, inv: InventoryConfig | undefined, p: string[]): void {
  const at = (field: string) => `${envName}.inventory${field ? `.${field}` : ''}`;
  if (inv === undefined || inv === null || typeof inv !== 'object') {
    p.push(`${at('')} is missing: add { schedule: 'rate(1 hour)', sizeBudgetGiB, sizeRegressionPercent, stalePullDays, storagePricePerGbMonthUsd } (see docs/inventory.md)`);
    return;
  }
  const rate = parseRateExpression(inv.schedule);
  if ('problem' in rate) p.push(`${at('schedule')} ${show(inv.schedule)} ${rate.problem}`);
  const positiveOrOff = (field: 'sizeBudgetGiB' | 'sizeRegressionPercent', unit: string) => {
    const v = inv[field];
    if (v !== false && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      p.push(`${at(field)} must be a positive number of ${unit} or false to disable the alarm, got ${show(v)}`);
    }
  };
  positiveOrOff('sizeBudgetGiB', 'GiB');
  positiveOrOff('sizeRegressionPercent', 'percent');
  const d = inv.stalePullDays;
  if (!(typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 3650)) {
    p.push(`${at('stalePullDays')} must be a whole number of days from 1 to 3650, got ${show(d)}`);
  }
  const price = inv.storagePricePerGbMonthUsd;
  if (!(typeof price === 'number' && Number.isFinite(price) && price > 0 && price < 100)) {
    p.push(`${at('storagePricePerGbMonthUsd')} must be a price in USD per GB-month above 0 (0.10 in us-east-1, see https://aws.amazon.com/ecr/pricing/), got ${show(price)}`);
  }
}

function validateImageReference(c: EnvConfig, p: string[]): void {
  const at = (field: string) => `${c.envName}.${field}`;
  if (typeof c.imageTag !== 'string' || !IMAGE_TAG_RE.test(c.imageTag)) {
    p.push(`${at('imageTag')} ${show(c.imageTag)} is not a valid ECR image tag: start with a letter, digit or _, then up to 127 of letters, digits, . _ -`);
  } else if (c.envName === 'prod') {
    if (MUTABLE_LOOKING_TAGS.includes(c.imageTag.toLowerCase())) {
      p.push(`${at('imageTag')} ${show(c.imageTag)} is a moving tag and is refused in prod: deploy a release tag like v1.4.2-3f9c2ab (or pin -c imageDigest=sha256:...)`);
    } else if (!c.retention.releaseTagPatterns.some((pat) => tagMatchesPattern(c.imageTag, pat))) {
      p.push(`${at('imageTag')} ${show(c.imageTag)} does not match a release tag pattern (${c.retention.releaseTagPatterns.join(', ')}); prod runs only release tags, which the lifecycle policy retains`);
    }
  }
  if (c.imageDigest !== undefined && !IMAGE_DIGEST_RE.test(c.imageDigest)) {
    p.push(`${at('imageDigest')} ${show(c.imageDigest)} is not an image digest: use sha256: followed by 64 lowercase hex characters`);
  }
}

/** Checks that only make sense across environments, e.g. names that would collide in a shared trial account. */
export function validateEnvironmentSet(configs: readonly EnvConfig[]): void {
  const p: string[] = [];
  const byName = new Map<string, string>();
  for (const c of configs) {
    const key = `${c.account ?? 'default-account'}/${c.region}/${c.repositoryName}`;
    const other = byName.get(key);
    if (other) p.push(`${c.envName}.repositoryName ${show(c.repositoryName)} is also used by ${other} in the same account and region; give each environment its own name`);
    byName.set(key, c.envName);
  }
  // IAM allows one OIDC provider per issuer URL per account (IAM is global, so regions do not matter).
  const providerOwner = new Map<string, string>();
  for (const c of configs) {
    if (!c.ciPushRole || c.ciPushRole.oidcProviderArn !== undefined) continue;
    const account = c.account ?? 'default-account';
    const other = providerOwner.get(account);
    if (other) {
      p.push(`${c.envName}.ciPushRole would create the GitHub OIDC provider that ${other} already creates in the same account; set ${c.envName}.ciPushRole.oidcProviderArn to arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`);
    }
    providerOwner.set(account, c.envName);
  }
  if (p.length > 0) throw new ConfigError(p);
}
