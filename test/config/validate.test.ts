import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { ConfigError, validateEnvConfig, validateEnvironmentSet, validateRegistryConfig } from '../../lib/config/validate';

/** A deep-ish copy of a shipped environment with some fields replaced. */
function withOverrides<T extends EnvConfig | RegistryConfig>(base: T, overrides: Record<string, unknown>): T {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let target = copy as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
    target[keys[keys.length - 1]] = value;
  }
  return copy as unknown as T;
}

describe('shipped environments', () => {
  test.each(Object.keys(ENVIRONMENTS))('%s is valid', (name) => {
    // GIVEN the configuration committed in lib/config/environments.ts
    const config = ENVIRONMENTS[name as keyof typeof ENVIRONMENTS];
    // THEN it passes validation unchanged
    expect(validateEnvConfig(config, REGISTRY)).toBe(config);
  });

  test('the registry is valid, and its retention patterns leave the promotion tags alone', () => {
    expect(validateRegistryConfig(REGISTRY)).toBe(REGISTRY);
    expect(() => validateEnvironmentSet(Object.values(ENVIRONMENTS), REGISTRY)).not.toThrow();
  });

  test('the registry prod pulls from is better-call-buffet: immutable, retained and termination-protected, with no push role by default', () => {
    expect(REGISTRY).toMatchObject({ repositoryName: 'better-call-buffet', tagMutability: 'IMMUTABLE', removalPolicy: 'RETAIN', terminationProtection: true });
    expect(REGISTRY.ciPushRole?.githubRepository).toBeUndefined();
    expect(ENVIRONMENTS.prod).toMatchObject({ removalPolicy: 'RETAIN', terminationProtection: true, promotion: { failOnSeverity: 'HIGH' } });
  });
});

describe('validateEnvConfig rejects, naming field, value and fix', () => {
  const dev = ENVIRONMENTS.dev;
  const prod = ENVIRONMENTS.prod;
  // [description, base, overrides, expected message]
  const cases: Array<[string, EnvConfig, Record<string, unknown>, RegExp]> = [
    ['an 11-digit account', dev, { account: '12345678901' }, /dev\.account must be a 12-digit AWS account ID, got "12345678901"/],
    ['a made-up region', dev, { region: 'us-east-7' }, /dev\.region "us-east-7" is not an AWS region name/],
    ['an unknown environment name', dev, { envName: 'qa' }, /envName "qa" is not a known environment; use one of dev, staging, prod/],
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
    ['a health check path with a shell metacharacter', dev, { 'task.healthCheckPath': '/health;rm' }, /dev\.task\.healthCheckPath must start with '\/' and use only letters, digits and \. _ ~ \/ % - .*got "\/health;rm"/],
    ['a health check path with $()', dev, { 'task.healthCheckPath': '/$(id)' }, /dev\.task\.healthCheckPath .*got "\/\$\(id\)"/],
    ['a tag with a latest segment in prod', prod, { imageTag: 'v1-latest' }, /prod\.imageTag "v1-latest" is a moving tag and is refused in prod/],
    ['a non-string environment value', dev, { 'task.environment': { PORT: 8080 } }, /dev\.task\.environment\.PORT must be a string, got 8080/],
    // Misspelt fields: `cdk synth` runs transpile-only, so only this check sees them.
    ['a misspelt field (imageRegoin)', prod, { imageRegoin: 'us-west-2' }, /^prod\.imageRegoin is not a field of prod: did you mean imageRegion\? \(fields: envName, account, region, /],
    ['a misspelt task field', dev, { 'task.memoryMib': 512 }, /^dev\.task\.memoryMib is not a field of dev\.task: did you mean memoryMiB\?/],
    ['a misspelt promotion field', dev, { 'promotion.failOnSeverty': 'HIGH' }, /^dev\.promotion\.failOnSeverty is not a field of dev\.promotion: did you mean failOnSeverity\?/],
    ['an empty secret (task.secrets: [{}])', dev, { 'task.secrets': [{}] }, /^3 configuration problems:\n {2}- dev\.task\.secrets\[0\]\.envVar is missing: add it .*\n {2}- dev\.task\.secrets\[0\]\.source is missing.*\n {2}- dev\.task\.secrets\[0\]\.name is missing/],
    ['a secret with a misspelt field', dev, { 'task.secrets': [{ envVar: 'DB', source: 'ssm', name: '/db', jsonkey: 'pw' }] }, /^dev\.task\.secrets\[0\]\.jsonkey is not a field of dev\.task\.secrets\[0\]: did you mean jsonKey\?/],
    ['secrets that are not a list', dev, { 'task.secrets': { envVar: 'DB' } }, /^dev\.task\.secrets must be a list \[\.\.\.\], got \{"envVar":"DB"\}/],
    ['a secret name that is not a string', dev, { 'task.secrets': [{ envVar: 'DB', source: 'ssm', name: 42 }] }, /dev\.task\.secrets\[0\]\.name 42 must be a literal parameter or secret name/],
    ['a missing task', dev, { task: undefined }, /^dev\.task is missing: add it/],
    // Edges a construct used to meet first.
    ['memoryMiB as a string', prod, { 'task.memoryMiB': '2048' }, /^prod\.task\.memoryMiB must be a number of MiB, got "2048" \(a string\): write 2048 without quotes$/],
    ['a user with trailing letters', dev, { 'task.user': '10001:10001x' }, /dev\.task\.user must be a numeric non-root UID\[:GID\] like 10001:10001, got "10001:10001x"/],
    ['a numeric user', dev, { 'task.user': 10001 }, /dev\.task\.user must be a numeric non-root UID\[:GID\] like 10001:10001, got 10001/],
    ['root spelt 00', dev, { 'task.user': '00:10001' }, /dev\.task\.user must be a numeric non-root UID/],
    ['a not-a-number port, printed as such (not as null)', dev, { 'task.containerPort': NaN }, /dev\.task\.containerPort must be 1-65535, got NaN/],
    ['an infinite stop timeout, printed as such', dev, { 'task.stopTimeoutSeconds': Infinity }, /stopTimeoutSeconds must be 2-120 seconds on Fargate, got Infinity/],
    ['termination protection that is not a boolean', dev, { terminationProtection: 'yes' }, /dev\.terminationProtection must be true or false, got "yes"/],
    // ECS's 64 KiB task definition quota: CloudFormation takes the template, the deploy fails.
    ['a 70,000-character environment value', dev, { 'task.environment': { BIG: 'x'.repeat(70_000) } },
      /^dev\.task\.environment and task\.secrets add up to 70,0\d\d bytes in the task definition, over the 61,440 this app allows: ECS refuses a task definition over 64 KiB at deploy .*move large values into an SSM parameter/],
    ['many values that add up', dev, { 'task.environment': Object.fromEntries(Array.from({ length: 40 }, (_v, i) => [`V${i}`, 'y'.repeat(1600)])) }, /add up to 65,060 bytes in the task definition/],
  ];

  test.each(cases)('%s', (_description, base, overrides, message) => {
    // GIVEN a shipped environment with one bad value
    const config = withOverrides(base, overrides);
    // THEN validation throws a ConfigError naming it
    expect(() => validateEnvConfig(config, REGISTRY)).toThrow(ConfigError);
    expect(() => validateEnvConfig(config, REGISTRY)).toThrow(message);
  });

  test('reports every problem at once', () => {
    const config = withOverrides(dev, { region: 'mars-1', 'task.containerPort': 0 });
    try {
      validateEnvConfig(config, REGISTRY);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems).toHaveLength(2);
    }
  });

  test('DESTROY in prod is refused (its log group)', () => {
    expect(() => validateEnvConfig(withOverrides(prod, { removalPolicy: 'DESTROY' }), REGISTRY)).toThrow(/prod\.removalPolicy must be RETAIN in prod/);
  });

  test('an unknown promotion gate severity is refused', () => {
    expect(() => validateEnvConfig(withOverrides(prod, { 'promotion.failOnSeverity': 'SEVERE' }), REGISTRY)).toThrow(/prod\.promotion\.failOnSeverity "SEVERE" must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL/);
  });
  // Any case, any position: the name decides, since a value could be anything.
  test.each([
    'aws_secret_access_key', 'AWS_ACCESS_KEY_ID', 'ecs_engine_auth_data', 'DB_PASSWORD', 'dbPassword', 'DBPASSWORD', 'MYSQL_PASSWD',
    'API_TOKEN', 'github_token', 'PRIVATE_KEY', 'privateKey', 'STRIPE_API_KEY', 'apikey', 'CLIENT_SECRET', 'JWT_SECRET', 'SECRETS_JSON',
    'OAUTH_CREDENTIALS', 'SIGNING_KEY', 'SESSION_KEY',
  ])('refuses the credential-like environment variable %s, pointing to task.secrets', (name) => {
    expect(() => validateEnvConfig(withOverrides(dev, { 'task.environment': { [name]: 'x' } }), REGISTRY)).toThrow(
      new RegExp(`dev\\.task\\.environment\\.${name} looks like a credential \\(Security Hub ECS\\.8\\): .*move it to task\\.secrets`),
    );
  });

  test.each(['LOG_LEVEL', 'NODE_ENV', 'PORT', 'KEYCLOAK_URL', 'CACHE_KEY_PREFIX', 'FEATURE_FLAGS', 'TOKENIZER_MODEL', 'PASSPORT_STRATEGY'])(
    'accepts the plain environment variable %s',
    (name) => {
      expect(() => validateEnvConfig(withOverrides(dev, { 'task.environment': { [name]: 'x' } }), REGISTRY)).not.toThrow();
    },
  );

  test('environment values up to the task definition budget are accepted', () => {
    expect(() => validateEnvConfig(withOverrides(dev, { 'task.environment': { BIG: 'x'.repeat(60_000) } }), REGISTRY)).not.toThrow();
  });

  test('a misspelt field is reported alone: its consequences (a missing region) would only add noise', () => {
    const config = withOverrides(dev, { regoin: 'us-east-1', region: undefined });
    expect(() => validateEnvConfig(config, REGISTRY)).toThrow(new ConfigError([
      'dev.regoin is not a field of dev: did you mean region? (fields: envName, account, region, removalPolicy, terminationProtection, task, imageTag, imageDigest, imageRegion, network, promotion)',
      'dev.region is missing: add it (see docs/configuration.md)',
    ]));
  });

  test('latest is fine in dev, where tags may move', () => {
    expect(() => validateEnvConfig(withOverrides(dev, { imageTag: 'latest' }), REGISTRY)).not.toThrow();
  });
});

describe('validateRegistryConfig rejects, naming field, value and fix', () => {
  // [description, overrides, expected message]
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an upper-case repository name', { repositoryName: 'Buffet' }, /registry\.repositoryName "Buffet" is not a valid ECR repository name/],
    ['a one-character repository name', { repositoryName: 'b' }, /registry\.repositoryName "b"/],
    ['zero images kept', { 'retention.keepReleaseImages': 0 }, /registry\.retention\.keepReleaseImages must be an integer from 1 to 100,000, got 0/],
    ['negative untagged days', { 'retention.expireUntaggedAfterDays': -1 }, /registry\.retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got -1/],
    ['fractional max images', { 'retention.maxImages': 2.5 }, /registry\.retention\.maxImages must be an integer from 1 to 100,000, got 2\.5/],
    ['max images below kept releases', { 'retention.maxImages': 5 }, /maxImages \(5\) is below retention\.keepReleaseImages \(100\)/],
    ['a zero promotion window', { 'retention.keepPromotedImages': 0 }, /registry\.retention\.keepPromotedImages must be an integer from 1 to 100,000, got 0/],
    ['a pattern with five wildcards', { 'retention.releaseTagPatterns': ['*a*b*c*d*'] }, /has more than 4 '\*' wildcards/],
    ['a duplicate release pattern', { 'retention.releaseTagPatterns': ['v*', 'v*'] }, /lists a pattern twice/],
    ['mutable tags', { tagMutability: 'MUTABLE' }, /registry\.tagMutability must be IMMUTABLE, got "MUTABLE"/],
    ['immutable with exclusions', { tagMutability: 'IMMUTABLE_WITH_EXCLUSION' }, /registry\.tagMutability must be IMMUTABLE, got "IMMUTABLE_WITH_EXCLUSION"/],
    ['an unknown removal policy', { removalPolicy: 'SNAPSHOT' }, /registry\.removalPolicy must be RETAIN or DESTROY, got "SNAPSHOT"/],
    ['a wildcard cross-account principal', { crossAccountPullAccounts: ['*'] }, /wildcard principals are never allowed/],
    ['a non-numeric cross-account principal', { crossAccountPullAccounts: ['arn:aws:iam::123456789012:root'] }, /crossAccountPullAccounts\[0\] must be a 12-digit AWS account ID/],
    ['a CI role without branches or environments', { ciPushRole: { githubRepository: 'o/r', branches: [], environments: [] } }, /must name at least one branch or GitHub environment/],
    ['a CI role on a wildcard repository', { ciPushRole: { githubRepository: 'o/*', branches: ['main'], environments: [] } }, /githubRepository must be 'owner\/repo' with no wildcards/],
    ['a CI role on a placeholder repository', { ciPushRole: { githubRepository: 'example/buffet', branches: ['main'], environments: [] } }, /registry\.ciPushRole\.githubRepository "example\/buffet" is a placeholder/],
    ['a quota fraction above 1', { 'alarms.imageCountQuotaFraction': 1.5 }, /imageCountQuotaFraction must be a fraction in \(0, 1\]/],
    ['a zero band width', { 'alarms.pullAnomalyBandWidth': 0 }, /pullAnomalyBandWidth must be a positive number/],
    ['a non-boolean unexpectedPushes switch', { 'alarms.unexpectedPushes': 'yes' }, /registry\.alarms\.unexpectedPushes must be true or false, got "yes"/],
    ['a non-boolean createOidcProvider', { ciPushRole: { githubRepository: 'acme/buffet', branches: ['main'], environments: [], createOidcProvider: 'true' } }, /registry\.ciPushRole\.createOidcProvider must be true or false, got "true"/],
    ['a malformed e-mail', { 'alarms.emails': ['oncall.example.com'] }, /registry\.alarms\.emails\[0\] "oncall\.example\.com" is not an e-mail address/],
    // Upper bounds: ECR's 100,000 images per repository for counts, MAX_LIFECYCLE_DAYS for days.
    ['more release images kept than a repository can hold', { 'retention.keepReleaseImages': 100_001 }, /registry\.retention\.keepReleaseImages must be an integer from 1 to 100,000, got 100001/],
    ['maxImages 1e21', { 'retention.maxImages': 1e21 }, /registry\.retention\.maxImages must be an integer from 1 to 100,000, got 1e\+21/],
    ['maxImages 2^31', { 'retention.maxImages': 2_147_483_648 }, /registry\.retention\.maxImages must be an integer from 1 to 100,000, got 2147483648/],
    ['untagged images kept for more than ten years', { 'retention.expireUntaggedAfterDays': 3651 }, /registry\.retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got 3651/],
    // The registry prod pulls from allows only IMMUTABLE, also the exclusion modes that would be valid elsewhere.
    ['MUTABLE_WITH_EXCLUSION', { tagMutability: 'MUTABLE_WITH_EXCLUSION' }, /registry\.tagMutability must be IMMUTABLE, got "MUTABLE_WITH_EXCLUSION"/],
    ['an e-mail domain without a dot', { 'alarms.emails': ['oncall@example'] }, /registry\.alarms\.emails\[0\] "oncall@example" has no dot in its domain, so mail can never reach it: use a full address like oncall@example\.com/],
    // Misspelt fields, at the top and nested.
    ['a misspelt field (replicaRegoin)', { replicaRegoin: 'us-west-2' }, /^registry\.replicaRegoin is not a field of registry: did you mean replicaRegion\? \(fields: account, region, repositoryName, /],
    ['a misspelt retention field', { 'retention.keepReleaseImage': 5 }, /^registry\.retention\.keepReleaseImage is not a field of registry\.retention: did you mean keepReleaseImages\?/],
    ['a misspelt alarm field', { 'alarms.emials': ['oncall@example.com'] }, /^registry\.alarms\.emials is not a field of registry\.alarms: did you mean emails\?/],
    ['a misspelt inventory field', { 'inventory.stalePullDay': 30 }, /^registry\.inventory\.stalePullDay is not a field of registry\.inventory: did you mean stalePullDays\?/],
    ['a misspelt push role field', { ciPushRole: { githubRepositry: 'acme/buffet', branches: ['main'], environments: [] } }, /^registry\.ciPushRole\.githubRepositry is not a field of registry\.ciPushRole: did you mean githubRepository\?/],
    ['e-mails that are not a list', { 'alarms.emails': 'oncall@example.com' }, /^registry\.alarms\.emails must be a list \[\.\.\.\], got "oncall@example\.com"/],
    // Duplicates that used to reach AWS (or a CDK stack trace).
    ['the same alarm e-mail twice', { 'alarms.emails': ['oncall@example.com', 'ops@example.com', 'oncall@example.com'] }, /^registry\.alarms\.emails lists "oncall@example\.com" twice \(letter case aside\): list each address once$/],
    ['the same alarm e-mail in two letter cases', { 'alarms.emails': ['OnCall@Example.com', 'oncall@example.com'] }, /registry\.alarms\.emails lists "oncall@example\.com" twice/],
    ['a GitHub environment listed twice for the push role', { ciPushRole: { githubRepository: 'acme/buffet', branches: ['main'], environments: ['dev', 'dev'] } }, /^registry\.ciPushRole\.environments lists "dev" twice: list each once$/],
    ['a branch listed twice for the push role', { ciPushRole: { githubRepository: 'acme/buffet', branches: ['main', 'main'], environments: [] } }, /^registry\.ciPushRole\.branches lists "main" twice/],
    // The lower edges (the upper ones are above): each used to be refused only by a construct, if at all.
    ['a zero image-count quota fraction', { 'alarms.imageCountQuotaFraction': 0 }, /^registry\.alarms\.imageCountQuotaFraction must be a fraction in \(0, 1\] or false to disable the alarm, got 0$/],
    ['a zero API-usage quota fraction', { 'alarms.apiUsageQuotaFraction': 0 }, /^registry\.alarms\.apiUsageQuotaFraction must be a fraction in \(0, 1\] or false to disable the alarm, got 0$/],
    ['zero stale days', { 'inventory.stalePullDays': 0 }, /^registry\.inventory\.stalePullDays must be a whole number of days from 1 to 3650, got 0$/],
    // NaN and Infinity are printed as themselves, not as JSON's null.
    ['a not-a-number quota fraction', { 'alarms.imageCountQuotaFraction': NaN }, /imageCountQuotaFraction must be a fraction in \(0, 1\] or false to disable the alarm, got NaN$/],
    ['an infinite anomaly band', { 'alarms.pullAnomalyBandWidth': Infinity }, /^registry\.alarms\.pullAnomalyBandWidth must be a positive number of standard deviations or false, got Infinity$/],
    ['a not-a-number size budget', { 'inventory.sizeBudgetGiB': NaN }, /^registry\.inventory\.sizeBudgetGiB must be a positive number of GiB or false to disable the alarm, got NaN$/],
    ['infinite stale days', { 'inventory.stalePullDays': -Infinity }, /stalePullDays must be a whole number of days from 1 to 3650, got -Infinity$/],
  ];

  test.each(cases)('%s', (_description, overrides, message) => {
    const config = withOverrides(REGISTRY, overrides);
    expect(() => validateRegistryConfig(config)).toThrow(ConfigError);
    expect(() => validateRegistryConfig(config)).toThrow(message);
  });

  test('the bounds themselves are accepted', () => {
    expect(() => validateRegistryConfig(withOverrides(REGISTRY, { 'retention.maxImages': 100_000, 'retention.keepReleaseImages': 100_000, 'retention.expireUntaggedAfterDays': 3650 }))).not.toThrow();
  });
});

describe('an environment pinned to an account needs the registry pinned too', () => {
  test('prod in 222222222222 with registry.account unset is refused, naming both fields and the fix', () => {
    // GIVEN prod pinned to its account while the registry follows the CLI's account
    const prod = withOverrides(ENVIRONMENTS.prod, { account: '222222222222' });
    // THEN the image host would be prod's account, not the registry's: refused
    expect(() => validateEnvConfig(prod, REGISTRY)).toThrow(ConfigError);
    expect(() => validateEnvConfig(prod, REGISTRY)).toThrow(/prod\.account is "222222222222" .* but registry\.account is unset: the task would pull from 222222222222\.dkr\.ecr\.us-east-1\.\.\., not from the account that holds the repository\. Set registry\.account/);
  });

  test('with registry.account set, an environment in the same or another account is accepted', () => {
    const registry = withOverrides(REGISTRY, { account: '111111111111' });
    expect(() => validateEnvConfig(withOverrides(ENVIRONMENTS.prod, { account: '222222222222' }), registry)).not.toThrow();
    expect(() => validateEnvConfig(withOverrides(ENVIRONMENTS.dev, { account: '111111111111' }), registry)).not.toThrow();
  });

  test('neither pinned (the shipped configuration: both follow the CLI\'s account) is accepted', () => {
    expect(() => validateEnvConfig(ENVIRONMENTS.prod, REGISTRY)).not.toThrow();
  });
});

describe('validateEnvironmentSet', () => {
  test('refuses a retention pattern that would also select an environment\'s promotion tags', () => {
    const registry = withOverrides(REGISTRY, { 'retention.protectTagPatterns': ['prod*'] });
    expect(() => validateEnvironmentSet(Object.values(ENVIRONMENTS), registry)).toThrow(/registry\.retention pattern "prod\*" also matches prod's promotion tags/);
  });
});
