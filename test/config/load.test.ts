import { ENVIRONMENTS } from '../../lib/config/environments';
import { loadEnvironment, loadEnvironments } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/validate';

const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe('loadEnvironments', () => {
  test('no context selects every environment, in a fixed order', () => {
    expect(loadEnvironments({ getContext: context({}) }).map((c) => c.envName)).toEqual(['dev', 'staging', 'prod']);
  });

  test('-c env=prod selects prod only', () => {
    expect(loadEnvironments({ getContext: context({ env: 'prod' }) }).map((c) => c.envName)).toEqual(['prod']);
  });

  test('an unknown environment lists the valid ones', () => {
    expect(() => loadEnvironments({ getContext: context({ env: 'nope' }) })).toThrow(
      'unknown environment -c env="nope"; valid environments: dev, staging, prod',
    );
  });

  test('-c imageTag overrides the tag and goes through the same validation', () => {
    const [prod] = loadEnvironments({ getContext: context({ env: 'prod', imageTag: 'v2.0.0-abc1234' }) });
    expect(prod.imageTag).toBe('v2.0.0-abc1234');
    expect(() => loadEnvironments({ getContext: context({ env: 'dev', imageTag: 'bad tag' }) })).toThrow(/dev\.imageTag "bad tag"/);
    expect(() => loadEnvironments({ getContext: context({ env: 'prod', imageTag: 'latest' }) })).toThrow(/refused in prod/);
  });

  test('-c imageDigest and -c account are validated', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const [dev] = loadEnvironments({ getContext: context({ env: 'dev', imageDigest: digest, account: '123456789012' }) });
    expect(dev).toMatchObject({ imageDigest: digest, account: '123456789012' });
    expect(() => loadEnvironments({ getContext: context({ env: 'dev', imageDigest: 'sha256:zz' }) })).toThrow(/not an image digest/);
    expect(() => loadEnvironments({ getContext: context({ env: 'dev', account: '42' }) })).toThrow(/dev\.account must be a 12-digit AWS account ID, got "42"/);
  });

  test('-c account without -c env is refused', () => {
    expect(() => loadEnvironments({ getContext: context({ account: '123456789012' }) })).toThrow(/needs -c env=<dev\|staging\|prod>/);
  });

  test('an empty context value is refused', () => {
    expect(() => loadEnvironments({ getContext: context({ imageTag: '' }) })).toThrow(/context imageTag="" must be a non-empty string/);
  });

  test('problems from several environments are reported together', () => {
    try {
      loadEnvironments({ getContext: context({ imageTag: 'latest' }) });
      throw new Error('expected a ConfigError');
    } catch (e) {
      // dev accepts latest; staging does too; prod refuses it
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^prod\.imageTag/)]);
    }
  });

  test('the result is frozen, so no construct can mutate configuration', () => {
    const [dev] = loadEnvironments({ getContext: context({ env: 'dev' }) });
    expect(Object.isFrozen(dev)).toBe(true);
    expect(Object.isFrozen(dev.retention)).toBe(true);
  });

  test('a custom environment table (benchmarks, tests) is honoured', () => {
    const many = Object.fromEntries(
      [1, 2].map((i) => [`e${i}`, { ...ENVIRONMENTS.dev, envName: 'dev' as const, repositoryName: `repo-${i}` }]),
    );
    expect(loadEnvironments({ getContext: context({}), environments: many }).map((c) => c.repositoryName)).toEqual(['repo-1', 'repo-2']);
  });
});

describe('loadEnvironment', () => {
  test('returns one validated environment', () => {
    expect(loadEnvironment('staging').envName).toBe('staging');
  });
  test('refuses unknown names', () => {
    expect(() => loadEnvironment('qa')).toThrow(/unknown environment "qa"; valid environments: dev, staging, prod/);
  });
});
