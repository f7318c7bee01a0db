import { ENVIRONMENTS } from '../../lib/config/environments';
import { EnvConfig } from '../../lib/config/types';
import { ConfigError, validateEnvConfig, validateEnvironmentSet } from '../../lib/config/validate';

/** A deep-ish copy of a shipped environment with some fields replaced. */
function withOverrides(base: EnvConfig, overrides: Record<string, unknown>): EnvConfig {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let target = copy as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
    target[keys[keys.length - 1]] = value;
  }
  return copy as unknown as EnvConfig;
}

describe('shipped environments', () => {
  test.each(Object.keys(ENVIRONMENTS))('%s is valid', (name) => {
    // GIVEN the configuration committed in lib/config/environments.ts
    const config = ENVIRONMENTS[name as keyof typeof ENVIRONMENTS];
    // THEN it passes validation unchanged
    expect(validateEnvConfig(config)).toBe(config);
  });

  test('repository names are distinct, so all three environments fit one trial account', () => {
    expect(() => validateEnvironmentSet(Object.values(ENVIRONMENTS))).not.toThrow();
  });

  test('prod is immutable, retained and termination-protected', () => {
    expect(ENVIRONMENTS.prod).toMatchObject({ tagMutability: 'IMMUTABLE', removalPolicy: 'RETAIN', terminationProtection: true });
  });
});

describe('validateEnvConfig rejects, naming field, value and fix', () => {
  const dev = ENVIRONMENTS.dev;
  const prod = ENVIRONMENTS.prod;
  // [description, base, overrides, expected message]
  const cases: Array<[string, EnvConfig, Record<string, unknown>, RegExp]> = [
    ['an 11-digit account', dev, { account: '12345678901' }, /dev\.account must be a 12-digit AWS account ID, got "12345678901"/],
    ['a made-up region', dev, { region: 'us-east-7' }, /dev\.region "us-east-7" is not an AWS region name/],
    ['an upper-case repository name', dev, { repositoryName: 'Buffet' }, /dev\.repositoryName "Buffet" is not a valid ECR repository name/],
    ['a one-character repository name', dev, { repositoryName: 'b' }, /dev\.repositoryName "b"/],
    ['an unknown environment name', dev, { envName: 'qa' }, /envName "qa" is not a known environment; use one of dev, staging, prod/],
    ['zero images kept', dev, { 'retention.keepReleaseImages': 0 }, /dev\.retention\.keepReleaseImages must be an integer from 1 to 100,000, got 0/],
    ['negative untagged days', dev, { 'retention.expireUntaggedAfterDays': -1 }, /dev\.retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got -1/],
    ['fractional max images', dev, { 'retention.maxImages': 2.5 }, /dev\.retention\.maxImages must be an integer from 1 to 100,000, got 2\.5/],
    ['max images below kept releases', dev, { 'retention.maxImages': 5 }, /maxImages \(5\) is below retention\.keepReleaseImages \(10\)/],
    ['a pattern with five wildcards', dev, { 'retention.releaseTagPatterns': ['*a*b*c*d*'] }, /has more than 4 '\*' wildcards/],
    ['a duplicate release pattern', dev, { 'retention.releaseTagPatterns': ['v*', 'v*'] }, /lists a pattern twice/],
    ['exclusion filters with IMMUTABLE', dev, { tagMutability: 'IMMUTABLE' }, /tagMutabilityExclusions is only allowed with IMMUTABLE_WITH_EXCLUSION/],
    ['six exclusion filters', dev, { tagMutabilityExclusions: ['a', 'b', 'c', 'd', 'e', 'f'] }, /needs 1-5 filters/],
    ['mutable tags in prod', prod, { tagMutability: 'MUTABLE' }, /prod\.tagMutability must be IMMUTABLE in prod \(Security Hub ECR\.2\)/],
    ['DESTROY in prod', prod, { removalPolicy: 'DESTROY' }, /prod\.removalPolicy must be RETAIN in prod/],
    ['a wildcard cross-account principal', dev, { crossAccountPullAccounts: ['*'] }, /wildcard principals are never allowed/],
    ['a non-numeric cross-account principal', dev, { crossAccountPullAccounts: ['arn:aws:iam::123456789012:root'] }, /crossAccountPullAccounts\[0\] must be a 12-digit AWS account ID/],
    ['a CI role without branches or environments', dev, { ciPushRole: { githubRepository: 'o/r', branches: [], environments: [] } }, /must name at least one branch or GitHub environment/],
    ['a CI role on a wildcard repository', dev, { ciPushRole: { githubRepository: 'o/*', branches: ['main'], environments: [] } }, /githubRepository must be 'owner\/repo' with no wildcards/],
    ['a quota fraction above 1', dev, { 'alarms.imageCountQuotaFraction': 1.5 }, /imageCountQuotaFraction must be a fraction in \(0, 1\]/],
    ['a zero band width', dev, { 'alarms.pullAnomalyBandWidth': 0 }, /pullAnomalyBandWidth must be a positive number/],
    ['a malformed e-mail', dev, { 'alarms.emails': ['oncall.example.com'] }, /dev\.alarms\.emails\[0\] "oncall\.example\.com" is not an e-mail address/],
    ['an invalid Fargate size', dev, { 'task.memoryMiB': 4096 }, /valid memory values \(MiB\) for CPU 256: 512, 1024, 2048/],
    ['an invalid Fargate CPU', dev, { 'task.cpu': 300 }, /Fargate CPU 300 is not valid; use one of 256, 512/],
    ['too little ephemeral storage', dev, { 'task.ephemeralStorageGiB': 20 }, /ephemeralStorageGiB must be an integer from 21 to 200, got 20/],
    ['a port out of range', dev, { 'task.containerPort': 70000 }, /containerPort must be 1-65535, got 70000/],
    ['a stop timeout above Fargate max', dev, { 'task.stopTimeoutSeconds': 121 }, /stopTimeoutSeconds must be 2-120 seconds/],
    ['running as root', dev, { 'task.user': '0:0' }, /task\.user must be a numeric non-root UID/],
    ['an unsupported log retention', dev, { 'task.logRetentionDays': 10 }, /logRetentionDays 10 is not a CloudWatch Logs retention/],
    ['a credential in plain environment', dev, { 'task.environment': { AWS_SECRET_ACCESS_KEY: 'x' } }, /looks like a credential \(Security Hub ECS\.8\): .*move it to task\.secrets/],
    ['a secret with a wildcard name', dev, { 'task.secrets': [{ envVar: 'DB', source: 'ssm', name: '/db/*' }] }, /must be a literal parameter or secret name/],
    ['a tag with a space', dev, { imageTag: 'bad tag' }, /dev\.imageTag "bad tag" is not a valid ECR image tag/],
    ['latest in prod', prod, { imageTag: 'latest' }, /prod\.imageTag "latest" is a moving tag and is refused in prod/],
    ['a non-release tag in prod', prod, { imageTag: 'feature-x' }, /does not match a release tag pattern \(v\*\)/],
    ['a short digest', dev, { imageDigest: 'sha256:abc' }, /dev\.imageDigest "sha256:abc" is not an image digest/],
    // Upper bounds: ECR's 100,000 images per repository for counts, MAX_LIFECYCLE_DAYS for days.
    ['more release images kept than a repository can hold', dev, { 'retention.keepReleaseImages': 100_001 }, /dev\.retention\.keepReleaseImages must be an integer from 1 to 100,000, got 100001/],
    ['maxImages 1e21', dev, { 'retention.maxImages': 1e21 }, /dev\.retention\.maxImages must be an integer from 1 to 100,000, got 1e\+21/],
    ['maxImages 2^31', dev, { 'retention.maxImages': 2_147_483_648 }, /dev\.retention\.maxImages must be an integer from 1 to 100,000, got 2147483648/],
    ['untagged images kept for more than ten years', dev, { 'retention.expireUntaggedAfterDays': 3651 }, /dev\.retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got 3651/],
    // Prod allows only IMMUTABLE, also with exclusion filters that would be valid elsewhere.
    ['IMMUTABLE_WITH_EXCLUSION in prod', prod, { tagMutability: 'IMMUTABLE_WITH_EXCLUSION', tagMutabilityExclusions: ['latest'] }, /prod\.tagMutability must be IMMUTABLE in prod \(Security Hub ECR\.2\), got "IMMUTABLE_WITH_EXCLUSION"/],
    ['MUTABLE_WITH_EXCLUSION in prod', prod, { tagMutability: 'MUTABLE_WITH_EXCLUSION', tagMutabilityExclusions: ['v*'] }, /prod\.tagMutability must be IMMUTABLE in prod \(Security Hub ECR\.2\), got "MUTABLE_WITH_EXCLUSION"/],
    ['an e-mail domain without a dot', dev, { 'alarms.emails': ['oncall@example'] }, /dev\.alarms\.emails\[0\] "oncall@example" has no dot in its domain, so mail can never reach it: use a full address like oncall@example\.com/],
    ['a health check path with a shell metacharacter', dev, { 'task.healthCheckPath': '/health;rm' }, /dev\.task\.healthCheckPath must start with '\/' and use only letters, digits and \. _ ~ \/ % - .*got "\/health;rm"/],
    ['a health check path with $()', dev, { 'task.healthCheckPath': '/$(id)' }, /dev\.task\.healthCheckPath .*got "\/\$\(id\)"/],
    ['a tag with a latest segment in prod', prod, { imageTag: 'v1-latest' }, /prod\.imageTag "v1-latest" is a moving tag and is refused in prod/],
    ['a non-string environment value', dev, { 'task.environment': { PORT: 8080 } }, /dev\.task\.environment\.PORT must be a string, got 8080/],
  ];

  test.each(cases)('%s', (_description, base, overrides, message) => {
    // GIVEN a shipped environment with one bad value
    const config = withOverrides(base, overrides);
    // THEN validation throws a ConfigError naming it
    expect(() => validateEnvConfig(config)).toThrow(ConfigError);
    expect(() => validateEnvConfig(config)).toThrow(message);
  });

  test('reports every problem at once', () => {
    const config = withOverrides(dev, { region: 'mars-1', 'task.containerPort': 0 });
    try {
      validateEnvConfig(config);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems).toHaveLength(2);
    }
  });

  test('the bounds themselves are accepted', () => {
    expect(() => validateEnvConfig(withOverrides(dev, { 'retention.maxImages': 100_000, 'retention.keepReleaseImages': 100_000, 'retention.expireUntaggedAfterDays': 3650 }))).not.toThrow();
  });

  // Any case, any position: the name decides, since a value could be anything.
  test.each([
    'aws_secret_access_key', 'AWS_ACCESS_KEY_ID', 'ecs_engine_auth_data', 'DB_PASSWORD', 'dbPassword', 'DBPASSWORD', 'MYSQL_PASSWD',
    'API_TOKEN', 'github_token', 'PRIVATE_KEY', 'privateKey', 'STRIPE_API_KEY', 'apikey', 'CLIENT_SECRET', 'JWT_SECRET', 'SECRETS_JSON',
    'OAUTH_CREDENTIALS', 'SIGNING_KEY', 'SESSION_KEY',
  ])('refuses the credential-like environment variable %s, pointing to task.secrets', (name) => {
    expect(() => validateEnvConfig(withOverrides(dev, { 'task.environment': { [name]: 'x' } }))).toThrow(
      new RegExp(`dev\\.task\\.environment\\.${name} looks like a credential \\(Security Hub ECS\\.8\\): .*move it to task\\.secrets`),
    );
  });

  test.each(['LOG_LEVEL', 'NODE_ENV', 'PORT', 'KEYCLOAK_URL', 'CACHE_KEY_PREFIX', 'FEATURE_FLAGS', 'TOKENIZER_MODEL', 'PASSPORT_STRATEGY'])(
    'accepts the plain environment variable %s',
    (name) => {
      expect(() => validateEnvConfig(withOverrides(dev, { 'task.environment': { [name]: 'x' } }))).not.toThrow();
    },
  );

  test('latest is fine in dev, where tags may move', () => {
    expect(() => validateEnvConfig(withOverrides(dev, { imageTag: 'latest' }))).not.toThrow();
  });
});

describe('validateEnvironmentSet', () => {
  test('refuses two environments sharing a repository in one account and region', () => {
    const clash = withOverrides(ENVIRONMENTS.staging, { repositoryName: ENVIRONMENTS.dev.repositoryName });
    expect(() => validateEnvironmentSet([ENVIRONMENTS.dev, clash])).toThrow(/staging\.repositoryName "better-call-buffet-dev" is also used by dev/);
  });

  test('allows the same name in different accounts', () => {
    const a = withOverrides(ENVIRONMENTS.dev, { account: '111111111111' });
    const b = withOverrides(ENVIRONMENTS.staging, { account: '222222222222', repositoryName: ENVIRONMENTS.dev.repositoryName });
    expect(() => validateEnvironmentSet([a, b])).not.toThrow();
  });
});
