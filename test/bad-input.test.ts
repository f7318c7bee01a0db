import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';
import { ENVIRONMENTS } from '../lib/config/environments';
import { loadEnvironments } from '../lib/config/load';
import { EnvConfig } from '../lib/config/types';
import { ConfigError } from '../lib/config/validate';
import { cdkJsonContext } from './helpers/app';

/**
 * The bad-input matrix: invalid configuration and context values, each run through the same path as
 * `cdk synth` (load config from context, build the app, synthesize). Each must fail with a message that
 * names the offending value, and leave no template behind.
 */
type Patch = (envs: Record<string, EnvConfig>) => void;
const set = (env: keyof typeof ENVIRONMENTS, patch: Partial<EnvConfig> | ((c: EnvConfig) => EnvConfig)): Patch => (envs) => {
  envs[env] = typeof patch === 'function' ? patch(envs[env]) : { ...envs[env], ...patch };
};

const cases: Array<{ what: string; context?: Record<string, string>; patch?: Patch; message: RegExp }> = [
  { what: 'unknown environment', context: { env: 'nope' }, message: /unknown environment -c env="nope"; valid environments: dev, staging, prod/ },
  { what: 'image tag with a space', context: { env: 'dev', imageTag: 'bad tag' }, message: /dev\.imageTag "bad tag" is not a valid ECR image tag/ },
  { what: 'latest in prod', context: { env: 'prod', imageTag: 'latest' }, message: /prod\.imageTag "latest" is a moving tag and is refused in prod/ },
  { what: 'malformed digest', context: { env: 'prod', imageDigest: 'sha256:1234' }, message: /prod\.imageDigest "sha256:1234" is not an image digest/ },
  { what: 'account override without env', context: { account: '123456789012' }, message: /-c account=123456789012 needs -c env=/ },
  { what: 'bad account override', context: { env: 'staging', account: '1234' }, message: /staging\.account must be a 12-digit AWS account ID, got "1234"/ },
  { what: 'bad account in config', patch: set('prod', { account: '12345678901x' }), message: /prod\.account must be a 12-digit AWS account ID, got "12345678901x"/ },
  { what: 'bad region', patch: set('staging', { region: 'europe-1' }), message: /staging\.region "europe-1" is not an AWS region name/ },
  { what: 'bad repository name', patch: set('dev', { repositoryName: 'Better Call Buffet' }), message: /dev\.repositoryName "Better Call Buffet" is not a valid ECR repository name/ },
  { what: 'colliding repository names', patch: set('staging', { repositoryName: 'better-call-buffet-dev' }), message: /staging\.repositoryName "better-call-buffet-dev" is also used by dev/ },
  { what: 'zero releases kept', patch: set('dev', (c) => ({ ...c, retention: { ...c.retention, keepReleaseImages: 0 } })), message: /dev\.retention\.keepReleaseImages must be a positive integer, got 0/ },
  { what: 'negative untagged expiry', patch: set('prod', (c) => ({ ...c, retention: { ...c.retention, expireUntaggedAfterDays: -3 } })), message: /prod\.retention\.expireUntaggedAfterDays must be a positive integer, got -3/ },
  { what: 'conflicting retention (cap below kept releases)', patch: set('staging', (c) => ({ ...c, retention: { ...c.retention, maxImages: 10 } })), message: /staging\.retention\.maxImages \(10\) is below retention\.keepReleaseImages \(30\)/ },
  { what: 'bad e-mail', patch: set('prod', (c) => ({ ...c, alarms: { ...c.alarms, emails: ['oncall@'] } })), message: /prod\.alarms\.emails\[0\] "oncall@" is not an e-mail address/ },
  { what: 'invalid Fargate size', patch: set('prod', (c) => ({ ...c, task: { ...c.task, cpu: 512, memoryMiB: 512 } })), message: /Fargate memory 512 MiB is not valid with CPU 512; valid memory values \(MiB\) for CPU 512: 1024, 2048, 3072, 4096/ },
  { what: 'wildcard cross-account principal', patch: set('staging', { crossAccountPullAccounts: ['*'] }), message: /staging\.crossAccountPullAccounts\[0\] is '\*': wildcard principals are never allowed/ },
  { what: 'mutable tags in prod', patch: set('prod', { tagMutability: 'MUTABLE' }), message: /prod\.tagMutability must be IMMUTABLE in prod/ },
  { what: 'root user in the container', patch: set('dev', (c) => ({ ...c, task: { ...c.task, user: '0' } })), message: /dev\.task\.user must be a numeric non-root UID\[:GID\] like 10001:10001, got "0"/ },
  { what: 'inventory cron schedule', patch: set('prod', (c) => ({ ...c, inventory: { ...c.inventory, schedule: 'cron(0 * * * ? *)' } })), message: /prod\.inventory\.schedule "cron\(0 \* \* \* \? \*\)" is a cron expression; use a rate expression/ },
  { what: 'inventory rate with a plural unit for 1', patch: set('dev', (c) => ({ ...c, inventory: { ...c.inventory, schedule: 'rate(1 hours)' } })), message: /dev\.inventory\.schedule "rate\(1 hours\)" uses "hours" with 1/ },
  { what: 'inventory every minute', patch: set('dev', (c) => ({ ...c, inventory: { ...c.inventory, schedule: 'rate(1 minute)' } })), message: /dev\.inventory\.schedule "rate\(1 minute\)" runs every 1 minutes; use an interval from 5 minutes to 1 day/ },
  { what: 'negative size budget', patch: set('staging', (c) => ({ ...c, inventory: { ...c.inventory, sizeBudgetGiB: -5 } })), message: /staging\.inventory\.sizeBudgetGiB must be a positive number of GiB or false to disable the alarm, got -5/ },
  { what: 'zero regression percent', patch: set('prod', (c) => ({ ...c, inventory: { ...c.inventory, sizeRegressionPercent: 0 } })), message: /prod\.inventory\.sizeRegressionPercent must be a positive number of percent or false/ },
  { what: 'fractional stale days', patch: set('prod', (c) => ({ ...c, inventory: { ...c.inventory, stalePullDays: 1.5 } })), message: /prod\.inventory\.stalePullDays must be a whole number of days from 1 to 3650, got 1\.5/ },
  { what: 'zero storage price', patch: set('dev', (c) => ({ ...c, inventory: { ...c.inventory, storagePricePerGbMonthUsd: 0 } })), message: /dev\.inventory\.storagePricePerGbMonthUsd must be a price in USD per GB-month above 0/ },
  { what: 'inventory missing', patch: set('dev', (c) => ({ ...c, inventory: undefined as never })), message: /dev\.inventory is missing/ },
];

describe('bad input fails the synth with a clear message and writes nothing', () => {
  test.each(cases)('$what', ({ context = {}, patch, message }) => {
    // GIVEN the shipped configuration with one bad value, or a bad context flag
    const envs = JSON.parse(JSON.stringify(ENVIRONMENTS)) as Record<string, EnvConfig>;
    patch?.(envs);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
    try {
      // WHEN the app is built and synthesized as bin/ does
      const run = () => {
        const app = new App({ context: { ...cdkJsonContext(), ...context }, outdir });
        buildApp(app, loadEnvironments({ getContext: (k) => app.node.tryGetContext(k), environments: envs }), { nag: false });
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
});
