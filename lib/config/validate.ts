import { FARGATE_EPHEMERAL_STORAGE_GIB, fargateSizeProblem } from '../aws/fargate-sizing';
import {
  ACCOUNT_ID_RE,
  HEALTH_CHECK_PATH_RE,
  IMAGE_DIGEST_RE,
  IMAGE_TAG_RE,
  isMutableLookingTag,
  looksLikeCredentialName,
  REPOSITORY_NAME_RE,
  ROUTE_TABLE_ID_RE,
  SECRET_COMPLETE_ARN_RE,
  SECURITY_GROUP_ID_RE,
  SUBNET_ID_RE,
  TAG_FILTER_RE,
  VPC_ID_RE,
  vpcCidrProblem,
} from '../aws/formats';
import { AWS_REGIONS } from '../aws/regions';
import { parseRateExpression } from '../inventory/schedule';
import { tagMatchesPattern } from '../lifecycle/evaluate';
import { RETENTION_COUNT_MAX, retentionCountProblem } from '../lifecycle/retention';
import { describeValue, ENV_FIELDS, nearestNames, REGISTRY_FIELDS, shapeProblems } from './fields';
import { ENV_NAMES, EnvConfig, EnvName, InventoryConfig, NetworkConfig, RegistryConfig, SecretRef, SEVERITY_ORDER } from './types';
import { validateImageRegion, validateReplicaRegion } from './validate-regions';
import { settingsShapeProblems, validatePromotionSignature, validateRegistrySettings } from './validate-settings';

/** A configuration or context value that cannot be deployed. The message names the field, value and fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Region names AWS publishes (lib/aws/regions.ts). */
export { AWS_REGIONS };

// NaN and Infinity as themselves: JSON would print them as null.
const show = describeValue;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GITHUB_REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/**
 * GitHub repositories that are placeholders, not anybody's real repository: a push role trusting one would
 * let whoever registers that name push images. Owners are matched case-insensitively; `*` is any repository.
 */
export const PLACEHOLDER_GITHUB_REPOSITORIES: readonly string[] = [
  'owner/repo', 'owner/*', 'org/*', 'example/*', 'examples/*', 'example-org/*', 'your-org/*', 'your-organization/*',
  'your-name/*', 'your-username/*', 'my-org/*', 'myorg/*', 'user/*', 'username/*', 'better-call-buffet/registry',
];

/** Why `repo` is refused as a CI push role's GitHub repository, or undefined when it is usable. */
export function githubRepositoryProblem(repo: unknown): string | undefined {
  if (typeof repo !== 'string' || !GITHUB_REPO_RE.test(repo) || repo.includes('*')) {
    return `must be 'owner/repo' with no wildcards, got ${show(repo)}`;
  }
  const [owner, name] = repo.toLowerCase().split('/');
  const placeholder = PLACEHOLDER_GITHUB_REPOSITORIES.find((p) => p === `${owner}/${name}` || p === `${owner}/*`);
  if (placeholder) {
    return `${show(repo)} is a placeholder (matches ${show(placeholder)}), not a repository you control: whoever owns it could push images. Set the real owner/repo, or leave it unset for no push role`;
  }
  return undefined;
}
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * ECS refuses a task definition larger than 64 KiB, and the quota is not adjustable ("Task definition size
 * limit", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html). CloudFormation
 * accepts the template either way, so a long environment value fails only at deploy. This app's task
 * definition without variables is about 1.5 KiB (one container, its log and health-check settings, ARNs);
 * the rest is reserved for it.
 */
export const TASK_DEFINITION_RESERVE_BYTES = 4 * 1024;
export const TASK_DEFINITION_VARIABLES_MAX_BYTES = 64 * 1024 - TASK_DEFINITION_RESERVE_BYTES;

/** UTF-8 bytes the container's `environment` and `secrets` take in the RegisterTaskDefinition JSON. */
function containerVariablesBytes(t: EnvConfig['task']): number {
  const environment = Object.entries(t.environment).map(([name, value]) => ({ name, value }));
  // valueFrom holds a parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or the secret's ARN.
  const secrets = t.secrets.map((s) => ({ name: s.envVar, valueFrom: s.arn ?? `arn:aws:ssm:us-east-1:123456789012:parameter/${String(s.name)}` }));
  return Buffer.byteLength(JSON.stringify({ environment, secrets }), 'utf8');
}

/** The entries of `list` that occur more than once, each once, in first-seen order. */
function duplicates<T>(list: readonly T[]): T[] {
  return [...new Set(list.filter((v, i) => list.indexOf(v) !== i))];
}

export function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}


/**
 * Validates one environment's configuration. Collects every problem rather than stopping at the first,
 * so one synth shows everything to fix. `registry` supplies the release tag patterns prod's image tag must
 * match and the regions the image can be pulled from (`imageRegion`). Throws ConfigError; returns the config unchanged when valid.
 */
export function validateEnvConfig(c: EnvConfig, registry: Pick<RegistryConfig, 'retention' | 'account' | 'region' | 'replicaRegion'>): EnvConfig {
  const label = typeof c === 'object' && c !== null && typeof c.envName === 'string' ? c.envName : '?';
  // A misspelt or missing field first, and alone: the value checks below would only add noise about it.
  const structure = shapeProblems(c, ENV_FIELDS, label);
  if (structure.length > 0) throw new ConfigError(structure);

  const p: string[] = [];
  const at = (field: string) => `${label}.${field}`;
  const accountId = (field: string, v: unknown) => {
    if (typeof v !== 'string' || !ACCOUNT_ID_RE.test(v)) p.push(`${at(field)} must be a 12-digit AWS account ID, got ${show(v)}`);
  };

  if (!isEnvName(c.envName)) p.push(`envName ${show(c.envName)} is not a known environment; use one of ${ENV_NAMES.join(', ')}`);
  if (c.account !== undefined) accountId('account', c.account);
  // The service stack builds its image URI from the registry's account, falling back to its own when that is
  // unset (lib/app.ts): an environment pinned to an account while the registry follows the CLI's account would
  // pull <environment account>.dkr.ecr... while the repository lives where the registry stack was deployed, and
  // every task would fail with CannotPullContainerError. Nothing at synth can tell which account that is.
  if (c.account !== undefined && registry.account === undefined) {
    p.push(`${at('account')} is ${show(c.account)} (from the configuration or -c account) but registry.account is unset: the task would pull from ${c.account}.dkr.ecr.${c.region}..., not from the account that holds the repository. Set registry.account to the 12-digit account of the registry (REGISTRY in lib/config/environments.ts), or leave ${at('account')} unset`);
  }
  if (!AWS_REGIONS.includes(c.region)) {
    p.push(`${at('region')} ${show(c.region)} is not an AWS region name; use one like us-east-1, eu-west-1 (see AWS_REGIONS in lib/config/validate.ts)`);
  }
  if (c.removalPolicy !== 'RETAIN' && c.removalPolicy !== 'DESTROY') p.push(`${at('removalPolicy')} must be RETAIN or DESTROY, got ${show(c.removalPolicy)}`);
  if (c.envName === 'prod' && c.removalPolicy !== 'RETAIN') p.push(`${at('removalPolicy')} must be RETAIN in prod so deleting the stack never deletes its logs, got ${show(c.removalPolicy)}`);
  if (typeof c.terminationProtection !== 'boolean') p.push(`${at('terminationProtection')} must be true or false, got ${show(c.terminationProtection)}`);
  if (!(SEVERITY_ORDER as readonly string[]).includes(c.promotion.failOnSeverity)) {
    p.push(`${at('promotion.failOnSeverity')} ${show(c.promotion.failOnSeverity)} must be one of ${SEVERITY_ORDER.join(', ')} (images with a finding at or above it are not promoted here)`);
  }
  validatePromotionSignature(c, p);

  const t = c.task;
  // A quoted number ('2048') would otherwise read "2048 MiB is not valid ... valid: 2048".
  const numeric = (field: 'cpu' | 'memoryMiB', unit: string): boolean => {
    if (typeof t[field] === 'number') return true;
    p.push(`${at(`task.${field}`)} must be a number of ${unit}, got ${show(t[field])}${typeof t[field] === 'string' ? ` (a string): write ${t[field]} without quotes` : ''}`);
    return false;
  };
  if (numeric('cpu', 'CPU units') && numeric('memoryMiB', 'MiB')) {
    const size = fargateSizeProblem(t.cpu, t.memoryMiB);
    if (size) p.push(`${at('task')}: ${size}`);
  }
  if (t.cpuArchitecture !== 'X86_64' && t.cpuArchitecture !== 'ARM64') p.push(`${at('task.cpuArchitecture')} must be X86_64 or ARM64, got ${show(t.cpuArchitecture)}`);
  const { min, max } = FARGATE_EPHEMERAL_STORAGE_GIB;
  if (!Number.isInteger(t.ephemeralStorageGiB) || t.ephemeralStorageGiB < min || t.ephemeralStorageGiB > max) {
    p.push(`${at('task.ephemeralStorageGiB')} must be an integer from ${min} to ${max}, got ${show(t.ephemeralStorageGiB)}`);
  }
  if (!Number.isInteger(t.containerPort) || t.containerPort < 1 || t.containerPort > 65535) p.push(`${at('task.containerPort')} must be 1-65535, got ${show(t.containerPort)}`);
  if (!Number.isInteger(t.stopTimeoutSeconds) || t.stopTimeoutSeconds < 2 || t.stopTimeoutSeconds > 120) {
    p.push(`${at('task.stopTimeoutSeconds')} must be 2-120 seconds on Fargate, got ${show(t.stopTimeoutSeconds)}`);
  }
  if (typeof t.user !== 'string' || !/^\d+(:\d+)?$/.test(t.user) || /^0+(:|$)/.test(t.user)) {
    p.push(`${at('task.user')} must be a numeric non-root UID[:GID] like 10001:10001, got ${show(t.user)}`);
  }
  if (typeof t.healthCheckPath !== 'string' || !HEALTH_CHECK_PATH_RE.test(t.healthCheckPath)) {
    p.push(`${at('task.healthCheckPath')} must start with '/' and use only letters, digits and . _ ~ / % - (the health check runs it in a shell), got ${show(t.healthCheckPath)}`);
  }
  if (!LOG_RETENTION_DAYS.includes(t.logRetentionDays)) {
    p.push(`${at('task.logRetentionDays')} ${show(t.logRetentionDays)} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  for (const [name, value] of Object.entries(t.environment)) {
    if (!ENV_VAR_RE.test(name)) p.push(`${at(`task.environment.${name}`)} is not a valid environment variable name`);
    if (typeof value !== 'string') p.push(`${at(`task.environment.${name}`)} must be a string, got ${show(value)}`);
    if (looksLikeCredentialName(name)) {
      p.push(`${at(`task.environment.${name}`)} looks like a credential (Security Hub ECS.8): plain environment variables are visible to anyone who can describe the task definition; move it to task.secrets (an SSM parameter or Secrets Manager secret)`);
    }
  }
  const seen = new Set<string>(Object.keys(t.environment));
  t.secrets.forEach((s: SecretRef, i) => {
    const field = (f: string) => at(`task.secrets[${i}].${f}`);
    if (typeof s.envVar !== 'string' || !ENV_VAR_RE.test(s.envVar)) p.push(`${field('envVar')} ${show(s.envVar)} is not a valid environment variable name`);
    else if (seen.has(s.envVar)) p.push(`${field('envVar')} ${show(s.envVar)} is defined twice (environment or secrets)`);
    else seen.add(s.envVar);
    if (s.source !== 'ssm' && s.source !== 'secretsmanager') p.push(`${field('source')} must be ssm or secretsmanager, got ${show(s.source)}`);
    if (typeof s.name !== 'string' || !/^[A-Za-z0-9/_+=.@-]{1,2048}$/.test(s.name)) p.push(`${field('name')} ${show(s.name)} must be a literal parameter or secret name`);
    if (s.jsonKey !== undefined && s.source !== 'secretsmanager') p.push(`${field('jsonKey')} only applies to secretsmanager secrets`);
    // ECS takes only the complete Secrets Manager ARN (with the random 6-character suffix) in valueFrom;
    // a name or partial ARN passes synth and deploy, then every task fails to start.
    if (s.source === 'secretsmanager') {
      const m = typeof s.arn === 'string' ? SECRET_COMPLETE_ARN_RE.exec(s.arn) : null;
      if (!m) p.push(`${field('arn')} ${show(s.arn)} must be the complete secret ARN with its 6-character suffix (aws secretsmanager describe-secret --secret-id ${String(s.name)} --query ARN)`);
      else if (m[1] !== s.name) p.push(`${field('arn')} names secret ${show(m[1])}, not ${show(s.name)}`);
    }
    if (s.arn !== undefined && s.source !== 'secretsmanager') p.push(`${field('arn')} only applies to secretsmanager secrets; SSM parameters are referenced by name`);
  });
  const envBytes = containerVariablesBytes(t);
  if (envBytes > TASK_DEFINITION_VARIABLES_MAX_BYTES) {
    p.push(`${at('task.environment')} and task.secrets add up to ${envBytes.toLocaleString('en-US')} bytes in the task definition, over the ${TASK_DEFINITION_VARIABLES_MAX_BYTES.toLocaleString('en-US')} this app allows: ECS refuses a task definition over 64 KiB at deploy (the rest of this one needs up to ${TASK_DEFINITION_RESERVE_BYTES / 1024} KiB); move large values into an SSM parameter (task.secrets) or a file in the image`);
  }

  validateImageReference(c, registry.retention.releaseTagPatterns, p);
  if (c.network !== undefined) validateNetwork(c.envName, c.network, p);
  validateImageRegion(c, registry, p);
  if (p.length > 0) throw new ConfigError(p);
  return c;
}

/**
 * Validates the shared registry's configuration (problems read `registry.<field> ...`). Collects every
 * problem. Throws ConfigError; returns the config unchanged when valid.
 */
export function validateRegistryConfig(c: RegistryConfig): RegistryConfig {
  const settingsShape = typeof c === 'object' && c !== null ? settingsShapeProblems(c) : [];
  if (settingsShape.length > 0) throw new ConfigError(settingsShape);
  const structure = shapeProblems(c, REGISTRY_FIELDS, 'registry');
  if (structure.length > 0) throw new ConfigError(structure);
  const p: string[] = [];
  const at = (field: string) => `registry.${field}`;
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

  if (c.account !== undefined) accountId('account', c.account);
  if (!AWS_REGIONS.includes(c.region)) {
    p.push(`${at('region')} ${show(c.region)} is not an AWS region name; use one like us-east-1, eu-west-1 (see AWS_REGIONS in lib/config/validate.ts)`);
  }
  if (typeof c.repositoryName !== 'string' || !REPOSITORY_NAME_RE.test(c.repositoryName)) {
    p.push(`${at('repositoryName')} ${show(c.repositoryName)} is not a valid ECR repository name: 2-256 lowercase letters, digits and . _ - separators, optional '/' namespaces`);
  }

  if (c.tagMutability !== 'IMMUTABLE') {
    p.push(`${at('tagMutability')} must be IMMUTABLE, got ${show(c.tagMutability)}: prod pulls from this repository (Security Hub ECR.2) and promotion tags must never move`);
  }
  if (c.removalPolicy !== 'RETAIN' && c.removalPolicy !== 'DESTROY') p.push(`${at('removalPolicy')} must be RETAIN or DESTROY, got ${show(c.removalPolicy)}`);

  c.crossAccountPullAccounts.forEach((a, i) => accountId(`crossAccountPullAccounts[${i}]`, a));
  if (c.ciPushRole) {
    const r = c.ciPushRole;
    const repoProblem = r.githubRepository === undefined ? undefined : githubRepositoryProblem(r.githubRepository);
    if (repoProblem) p.push(`${at('ciPushRole.githubRepository')} ${repoProblem}`);
    if (r.branches.length + r.environments.length === 0) {
      p.push(`${at('ciPushRole')} must name at least one branch or GitHub environment allowed to assume the role`);
    }
    [...r.branches, ...r.environments].forEach((s) => {
      if (typeof s !== 'string' || !/^[A-Za-z0-9._/-]+$/.test(s)) p.push(`${at('ciPushRole')} branch/environment ${show(s)} must be a literal name (no wildcards or spaces)`);
    });
    // A repeated entry would become a repeated trust condition: harmless to IAM, but a sign of a copy-paste slip.
    for (const list of ['branches', 'environments'] as const) {
      const twice = duplicates(r[list]);
      if (twice.length > 0) p.push(`${at(`ciPushRole.${list}`)} lists ${twice.map(show).join(', ')} twice: list each once`);
    }
    if (r.oidcProviderArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(r.oidcProviderArn)) {
      p.push(`${at('ciPushRole.oidcProviderArn')} must be arn:aws:iam::<12-digit account>:oidc-provider/token.actions.githubusercontent.com, got ${show(r.oidcProviderArn)}`);
    }
    if (r.createOidcProvider !== undefined && typeof r.createOidcProvider !== 'boolean') {
      p.push(`${at('ciPushRole.createOidcProvider')} must be true or false, got ${show(r.createOidcProvider)}`);
    }
    if (r.oidcProviderArn !== undefined && r.createOidcProvider) {
      p.push(`${at('ciPushRole')} sets both oidcProviderArn and createOidcProvider: use the existing provider (oidcProviderArn) or create one, not both`);
    }
  }

  // Retention intent; the registry construct checks the rendered rules against ECR's own limits.
  const r = c.retention;
  // The renderer's own rule and bounds (ECR's per-repository image quota for counts), checked here first
  // so a bad value is a configuration error, not a stack trace from the construct.
  for (const field of ['keepReleaseImages', 'keepPromotedImages', 'expireUntaggedAfterDays', 'maxImages'] as const) {
    const problem = retentionCountProblem(r[field], RETENTION_COUNT_MAX[field]);
    if (problem) p.push(`${at(`retention.${field}`)} ${problem}`);
  }
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
  if (a.pullAnomalyBandWidth !== false && (typeof a.pullAnomalyBandWidth !== 'number' || !Number.isFinite(a.pullAnomalyBandWidth) || !(a.pullAnomalyBandWidth > 0))) {
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
  if (a.cloudTrail !== undefined && !['create-trail', 'existing-trail', 'none'].includes(a.cloudTrail)) {
    p.push(`${at('alarms.cloudTrail')} ${show(a.cloudTrail)} is not allowed; use 'create-trail' (the stack creates a trail), 'existing-trail' (an organization or account trail already logs management events here) or 'none'`);
  }
  if (a.trailLogRetentionDays !== undefined) {
    if (!(Number.isInteger(a.trailLogRetentionDays) && a.trailLogRetentionDays >= 1)) {
      p.push(`${at('alarms.trailLogRetentionDays')} must be a positive integer (days), got ${show(a.trailLogRetentionDays)}`);
    } else if (a.cloudTrail !== 'create-trail') {
      p.push(`${at('alarms.trailLogRetentionDays')} is set but alarms.cloudTrail is ${show(a.cloudTrail ?? 'none')}: it only applies to a trail the stack creates; remove it or set cloudTrail: 'create-trail'`);
    }
  }
  for (const flag of ['expectSteadyPulls', 'unexpectedPushes'] as const) {
    if (a[flag] !== undefined && typeof a[flag] !== 'boolean') p.push(`${at(`alarms.${flag}`)} must be true or false, got ${show(a[flag])}`);
  }
  a.emails.forEach((e, i) => {
    if (typeof e === 'string' && /^[^\s@]+@[^\s@.]+$/.test(e)) {
      // SNS would accept the subscription and never deliver: a domain without a dot is not on the internet.
      p.push(`${at(`alarms.emails[${i}]`)} ${show(e)} has no dot in its domain, so mail can never reach it: use a full address like oncall@example.com`);
    } else if (typeof e !== 'string' || !EMAIL_RE.test(e)) {
      p.push(`${at(`alarms.emails[${i}]`)} ${show(e)} is not an e-mail address (name@example.com)`);
    }
  });
  // SNS would get two subscriptions to one mailbox (and CDK refuses the second with a stack trace). Mail
  // domains are case-insensitive, and in practice so are mailbox names.
  const twice = duplicates(a.emails.map((e) => (typeof e === 'string' ? e.toLowerCase() : e)));
  if (twice.length > 0) p.push(`${at('alarms.emails')} lists ${twice.map(show).join(', ')} twice (letter case aside): list each address once`);

  validateInventoryConfig('registry', c.inventory, p);
  validateRegistrySettings(c, p);
  validateReplicaRegion(c, p);
  if (p.length > 0) throw new ConfigError(p);
  return c;
}

/** Checks `registry.inventory` (docs/inventory.md); pushes one sentence per problem onto `p`. */
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

function validateImageReference(c: EnvConfig, releaseTagPatterns: readonly string[], p: string[]): void {
  const at = (field: string) => `${c.envName}.${field}`;
  if (typeof c.imageTag !== 'string' || !IMAGE_TAG_RE.test(c.imageTag)) {
    p.push(`${at('imageTag')} ${show(c.imageTag)} is not a valid ECR image tag: start with a letter, digit or _, then up to 127 of letters, digits, . _ -`);
  } else if (c.envName === 'prod') {
    // The same rule the task-definition construct applies (refuseMutableTags), so it never fails later.
    if (isMutableLookingTag(c.imageTag)) {
      p.push(`${at('imageTag')} ${show(c.imageTag)} is a moving tag and is refused in prod: deploy a release tag like v1.4.2-3f9c2ab (or pin -c imageDigest=sha256:...)`);
    } else if (!releaseTagPatterns.some((pat) => tagMatchesPattern(c.imageTag, pat))) {
      p.push(`${at('imageTag')} ${show(c.imageTag)} does not match a release tag pattern (${releaseTagPatterns.join(', ')}); prod runs only release tags, which the lifecycle policy retains`);
    }
  }
  if (c.imageDigest !== undefined && !IMAGE_DIGEST_RE.test(c.imageDigest)) {
    p.push(`${at('imageDigest')} ${show(c.imageDigest)} is not an image digest: use sha256: followed by 64 lowercase hex characters`);
  }
}

const NETWORK_FIELDS = ['vpcId', 'subnetIds', 'routeTableIds', 'vpcCidr', 'taskSecurityGroupId'];

/** The optional network block: EC2 ID formats, a CIDR, and exactly one source allowed to reach the endpoints. */
function validateNetwork(envName: string, n: NetworkConfig, p: string[]): void {
  const at = (field: string) => `${envName}.network.${field}`;
  if (typeof n !== 'object' || n === null || Array.isArray(n)) {
    p.push(`${envName}.network must be an object like {"vpcId": "vpc-...", "subnetIds": ["subnet-..."], "routeTableIds": ["rtb-..."], "vpcCidr": "10.0.0.0/16"}, got ${show(n)}`);
    return;
  }
  for (const key of Object.keys(n)) {
    if (NETWORK_FIELDS.includes(key)) continue;
    const near = nearestNames(key, NETWORK_FIELDS);
    p.push(`${at(key)} is not a network setting${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; use ${NETWORK_FIELDS.join(', ')}`);
  }
  if (typeof n.vpcId !== 'string' || !VPC_ID_RE.test(n.vpcId)) p.push(`${at('vpcId')} must be a VPC ID like vpc-0123456789abcdef0, got ${show(n.vpcId)}`);
  const ids = (field: 'subnetIds' | 'routeTableIds', re: RegExp, example: string) => {
    const list = n[field] as unknown;
    if (!Array.isArray(list) || list.length === 0) {
      p.push(`${at(field)} must be a non-empty list of IDs like ${example}, got ${show(list)}`);
      return;
    }
    list.forEach((id, i) => {
      if (typeof id !== 'string' || !re.test(id)) p.push(`${at(`${field}[${i}]`)} must be an ID like ${example}, got ${show(id)}`);
    });
    if (new Set(list).size !== list.length) p.push(`${at(field)} lists an ID twice: ${show(list)}`);
  };
  ids('subnetIds', SUBNET_ID_RE, 'subnet-0123456789abcdef0');
  ids('routeTableIds', ROUTE_TABLE_ID_RE, 'rtb-0123456789abcdef0');
  if (n.vpcCidr !== undefined) {
    const problem = typeof n.vpcCidr === 'string' ? vpcCidrProblem(n.vpcCidr) : 'must be a string';
    if (problem) p.push(`${at('vpcCidr')} ${show(n.vpcCidr)} ${problem}`);
  }
  if (n.taskSecurityGroupId !== undefined && (typeof n.taskSecurityGroupId !== 'string' || !SECURITY_GROUP_ID_RE.test(n.taskSecurityGroupId))) {
    p.push(`${at('taskSecurityGroupId')} must be a security group ID like sg-0123456789abcdef0, got ${show(n.taskSecurityGroupId)}`);
  }
  if ((n.vpcCidr === undefined) === (n.taskSecurityGroupId === undefined)) {
    p.push(`${envName}.network needs exactly one of vpcCidr (HTTPS to the endpoints from the whole VPC) or taskSecurityGroupId (from the tasks only), got ${n.vpcCidr === undefined ? 'neither' : 'both'}`);
  }
}

/**
 * Checks across the registry and the environments: every environment's promotion tags (`<env>-*`) must be
 * distinguishable from the retention patterns, or the lifecycle policy could not tell them apart.
 */
export function validateEnvironmentSet(configs: readonly EnvConfig[], registry: RegistryConfig): void {
  const p: string[] = [];
  const { retention } = registry;
  for (const c of configs) {
    const sample = `${c.envName}-v1.0.0`;
    const clash = [...retention.protectTagPatterns, ...retention.releaseTagPatterns].find((pat) => tagMatchesPattern(sample, pat));
    if (clash) {
      p.push(`registry.retention pattern ${show(clash)} also matches ${c.envName}'s promotion tags (${c.envName}-<release tag>): use a pattern that does not start like an environment name`);
    }
  }
  if (p.length > 0) throw new ConfigError(p);
}
