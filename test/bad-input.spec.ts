import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ENVIRONMENTS, REGISTRY } from '../lib/config/environments';
import { loadConfig } from '../lib/config/load';
import { EnvConfig, RegistryConfig } from '../lib/config/types';
import { ConfigError } from '../lib/config/validate';
import { cdkJsonContext } from './helpers/app';

/**
 * The bad-input matrix: invalid configuration and context values, each run through the same path as
 * `cdk synth` (load config from context, build the app, synthesize). Each must fail with a message that
 * names the offending value, and leave no template behind.
 */
interface Config { envs: Record<string, EnvConfig>; registry: RegistryConfig }
type Patch = (config: Config) => void;
const set = (env: keyof typeof ENVIRONMENTS, patch: Partial<EnvConfig> | ((c: EnvConfig) => EnvConfig)): Patch => ({ envs }) => {
  envs[env] = typeof patch === 'function' ? patch(envs[env]) : { ...envs[env], ...patch };
};
const setRegistry = (patch: Partial<RegistryConfig> | ((c: RegistryConfig) => RegistryConfig)): Patch => (config) => {
  config.registry = typeof patch === 'function' ? patch(config.registry) : { ...config.registry, ...patch };
};

const cases: Array<{ what: string; context?: Record<string, string>; patch?: Patch; message: RegExp }> = [
  { what: 'unknown environment', context: { env: 'nope' }, message: /unknown environment -c env="nope"; valid environments: dev, staging, prod/ },
  { what: 'image tag with a space', context: { env: 'dev', imageTag: 'bad tag' }, message: /dev\.imageTag "bad tag" is not a valid ECR image tag/ },
  { what: 'latest in prod', context: { env: 'prod', imageTag: 'latest' }, message: /prod\.imageTag "latest" is a moving tag and is refused in prod/ },
  { what: 'malformed digest', context: { env: 'prod', imageDigest: 'sha256:1234' }, message: /prod\.imageDigest "sha256:1234" is not an image digest/ },
  { what: 'account override without env', context: { account: '123456789012' }, message: /-c account=123456789012 needs -c env=/ },
  { what: 'bad account override', context: { env: 'staging', account: '1234' }, message: /staging\.account must be a 12-digit AWS account ID, got "1234"/ },
  { what: 'bad account in config', patch: set('prod', { account: '12345678901x' }), message: /prod\.account must be a 12-digit AWS account ID, got "12345678901x"/ },
  { what: 'environment account with the registry account unset', patch: set('prod', { account: '222222222222' }), message: /prod\.account is "222222222222" .*but registry\.account is unset/ },
  { what: 'bad region', patch: set('staging', { region: 'europe-1' }), message: /staging\.region "europe-1" is not an AWS region name/ },
  { what: 'bad repository name', patch: setRegistry({ repositoryName: 'Better Call Buffet' }), message: /registry\.repositoryName "Better Call Buffet" is not a valid ECR repository name/ },
  { what: 'zero releases kept', patch: setRegistry((c) => ({ ...c, retention: { ...c.retention, keepReleaseImages: 0 } })), message: /registry\.retention\.keepReleaseImages must be an integer from 1 to 100,000, got 0/ },
  { what: 'negative untagged expiry', patch: setRegistry((c) => ({ ...c, retention: { ...c.retention, expireUntaggedAfterDays: -3 } })), message: /registry\.retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got -3/ },
  { what: 'conflicting retention (cap below kept releases)', patch: setRegistry((c) => ({ ...c, retention: { ...c.retention, maxImages: 10 } })), message: /registry\.retention\.maxImages \(10\) is below retention\.keepReleaseImages \(100\)/ },
  { what: 'bad e-mail', patch: setRegistry((c) => ({ ...c, alarms: { ...c.alarms, emails: ['oncall@'] } })), message: /registry\.alarms\.emails\[0\] "oncall@" is not an e-mail address/ },
  { what: 'invalid Fargate size', patch: set('prod', (c) => ({ ...c, task: { ...c.task, cpu: 512, memoryMiB: 512 } })), message: /Fargate memory 512 MiB is not valid with CPU 512; valid memory values \(MiB\) for CPU 512: 1024, 2048, 3072, 4096/ },
  { what: 'wildcard cross-account principal', patch: setRegistry({ crossAccountPullAccounts: ['*'] }), message: /registry\.crossAccountPullAccounts\[0\] is '\*': wildcard principals are never allowed/ },
  { what: 'mutable tags in the registry prod pulls from', patch: setRegistry({ tagMutability: 'MUTABLE' }), message: /registry\.tagMutability must be IMMUTABLE/ },
  { what: 'a placeholder GitHub repository for the push role', context: { githubRepository: 'your-org/better-call-buffet' }, message: /registry\.ciPushRole\.githubRepository "your-org\/better-call-buffet" is a placeholder/ },
  { what: 'an unknown promotion gate severity', patch: set('staging', { promotion: { failOnSeverity: 'SEVERE' as never } }), message: /staging\.promotion\.failOnSeverity "SEVERE" must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL/ },
  { what: 'root user in the container', patch: set('dev', (c) => ({ ...c, task: { ...c.task, user: '0' } })), message: /dev\.task\.user must be a numeric non-root UID\[:GID\] like 10001:10001, got "0"/ },
  // Values a construct used to refuse with a stack trace: configuration validation must name them first.
  { what: 'a tag with a latest segment in prod', context: { env: 'prod', imageTag: 'v1-latest' }, message: /prod\.imageTag "v1-latest" is a moving tag and is refused in prod/ },
  { what: 'maxImages 1e21', patch: setRegistry((c) => ({ ...c, retention: { ...c.retention, maxImages: 1e21 } })), message: /registry\.retention\.maxImages must be an integer from 1 to 100,000, got 1e\+21/ },
  { what: 'maxImages 2^31', patch: setRegistry((c) => ({ ...c, retention: { ...c.retention, maxImages: 2_147_483_648 } })), message: /registry\.retention\.maxImages must be an integer from 1 to 100,000, got 2147483648/ },
  { what: 'a shell metacharacter in the health check path', patch: set('dev', (c) => ({ ...c, task: { ...c.task, healthCheckPath: '/health;rm' } })), message: /dev\.task\.healthCheckPath must start with '\/'.*got "\/health;rm"/ },
  { what: 'IMMUTABLE_WITH_EXCLUSION in the registry prod pulls from', patch: setRegistry({ tagMutability: 'IMMUTABLE_WITH_EXCLUSION' }), message: /registry\.tagMutability must be IMMUTABLE/ },
  { what: 'MUTABLE_WITH_EXCLUSION in the registry prod pulls from', patch: setRegistry({ tagMutability: 'MUTABLE_WITH_EXCLUSION' }), message: /registry\.tagMutability must be IMMUTABLE/ },
  { what: 'an e-mail domain without a dot', patch: setRegistry((c) => ({ ...c, alarms: { ...c.alarms, emails: ['oncall@example'] } })), message: /registry\.alarms\.emails\[0\] "oncall@example" has no dot in its domain/ },
  { what: 'a credential-like environment variable', patch: set('dev', (c) => ({ ...c, task: { ...c.task, environment: { db_password: 'x' } } })), message: /dev\.task\.environment\.db_password looks like a credential/ },
  { what: 'inventory cron schedule', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, schedule: 'cron(0 * * * ? *)' } })), message: /registry\.inventory\.schedule "cron\(0 \* \* \* \? \*\)" is a cron expression; use a rate expression/ },
  { what: 'inventory rate with a plural unit for 1', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, schedule: 'rate(1 hours)' } })), message: /registry\.inventory\.schedule "rate\(1 hours\)" uses "hours" with 1/ },
  { what: 'inventory every minute', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, schedule: 'rate(1 minute)' } })), message: /registry\.inventory\.schedule "rate\(1 minute\)" runs every 1 minutes; use an interval from 5 minutes to 1 day/ },
  { what: 'negative size budget', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, sizeBudgetGiB: -5 } })), message: /registry\.inventory\.sizeBudgetGiB must be a positive number of GiB or false to disable the alarm, got -5/ },
  { what: 'zero regression percent', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, sizeRegressionPercent: 0 } })), message: /registry\.inventory\.sizeRegressionPercent must be a positive number of percent or false/ },
  { what: 'fractional stale days', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, stalePullDays: 1.5 } })), message: /registry\.inventory\.stalePullDays must be a whole number of days from 1 to 3650, got 1\.5/ },
  { what: 'zero storage price', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, storagePricePerGbMonthUsd: 0 } })), message: /registry\.inventory\.storagePricePerGbMonthUsd must be a price in USD per GB-month above 0/ },
  { what: 'inventory missing', patch: setRegistry((c) => ({ ...c, inventory: undefined as never })), message: /registry\.inventory is missing/ },
  // Round two (issue 20): each of these used to be a stack trace, or was accepted.
  { what: 'the same alarm e-mail twice (was SubscriptionAlreadyExists)', patch: setRegistry((c) => ({ ...c, alarms: { ...c.alarms, emails: ['oncall@example.com', 'oncall@example.com'] } })), message: /registry\.alarms\.emails lists "oncall@example\.com" twice/ },
  { what: "staging: environment('dev', ...) (was a lifecycle stack trace)", patch: set('staging', { envName: 'dev' }), message: /ENVIRONMENTS\.staging has envName "dev": the key and envName must be the same/ },
  { what: 'task.secrets: [{}] (was a TypeError)', patch: set('dev', (c) => ({ ...c, task: { ...c.task, secrets: [{} as never] } })), message: /dev\.task\.secrets\[0\]\.envVar is missing/ },
  { what: 'a misspelt registry field', patch: setRegistry((c) => ({ ...c, replicaRegoin: 'us-west-2' }) as RegistryConfig), message: /registry\.replicaRegoin is not a field of registry: did you mean replicaRegion\?/ },
  { what: 'a misspelt environment field', patch: set('prod', (c) => ({ ...c, imageRegoin: 'us-west-2' }) as EnvConfig), message: /prod\.imageRegoin is not a field of prod: did you mean imageRegion\?/ },
  { what: 'a GitHub environment twice for the push role', context: { githubRepository: 'acme-corp/buffet' }, patch: setRegistry((c) => ({ ...c, ciPushRole: { branches: ['main'], environments: ['dev', 'dev'] } })), message: /registry\.ciPushRole\.environments lists "dev" twice/ },
  { what: 'a 70,000-character environment value', patch: set('dev', (c) => ({ ...c, task: { ...c.task, environment: { BIG: 'x'.repeat(70_000) } } })), message: /dev\.task\.environment and task\.secrets add up to 70,0\d\d bytes .* ECS refuses a task definition over 64 KiB/ },
  { what: 'zero stale days', patch: setRegistry((c) => ({ ...c, inventory: { ...c.inventory, stalePullDays: 0 } })), message: /registry\.inventory\.stalePullDays must be a whole number of days from 1 to 3650, got 0/ },
  { what: 'a zero image-count quota fraction', patch: setRegistry((c) => ({ ...c, alarms: { ...c.alarms, imageCountQuotaFraction: 0 } })), message: /registry\.alarms\.imageCountQuotaFraction must be a fraction in \(0, 1\] or false to disable the alarm, got 0/ },
  { what: "task.user '10001:10001x'", patch: set('dev', (c) => ({ ...c, task: { ...c.task, user: '10001:10001x' } })), message: /dev\.task\.user must be a numeric non-root UID\[:GID\] like 10001:10001, got "10001:10001x"/ },
  { what: "memoryMiB: '2048'", patch: set('prod', (c) => ({ ...c, task: { ...c.task, memoryMiB: '2048' as never } })), message: /prod\.task\.memoryMiB must be a number of MiB, got "2048" \(a string\)/ },
  { what: 'an unknown context key', context: { env: 'prod', imgeTag: 'latest' }, message: /unknown context key -c imgeTag: did you mean -c imageTag\?/ },
];

describe('bad input fails the synth with a clear message and writes nothing', () => {
  test.each(cases)('$what', ({ context = {}, patch, message }) => {
    // GIVEN the shipped configuration with one bad value, or a bad context flag
    const config: Config = JSON.parse(JSON.stringify({ envs: ENVIRONMENTS, registry: REGISTRY })) as Config;
    patch?.(config);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
    try {
      // WHEN the app is built and synthesized as bin/ does
      const run = () => {
        const app = new App({ context: { ...cdkJsonContext(), ...context }, outdir });
        const loaded = loadConfig({
          getContext: (k) => app.node.tryGetContext(k),
          contextKeys: Object.keys(app.node.getAllContext()),
          environments: config.envs,
          registry: config.registry,
        });
        buildApp(app, loaded, { nag: false });
        app.synth();
      };
      // THEN it throws a ConfigError naming the value, and no template exists
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('a misspelt CONTROL_TOWER_CACHE (the Control Tower answers memo) is refused before anything is built', () => {
    const before = process.env.CONTROL_TOWER_CACHE;
    process.env.CONTROL_TOWER_CACHE = 'of';
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
    try {
      const app = new App({ context: cdkJsonContext(), outdir });
      const config = loadConfig({ getContext: (k) => app.node.tryGetContext(k) });
      expect(() => buildApp(app, config, { nag: false })).toThrow(
        new ConfigError(['CONTROL_TOWER_CACHE="of" is not a setting of the Control Tower answers memo: use on, off or refresh (or leave it unset for on)']),
      );
      expect(app.node.children).toEqual([]);
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.CONTROL_TOWER_CACHE;
      else process.env.CONTROL_TOWER_CACHE = before;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
