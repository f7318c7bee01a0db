import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig, loadEnvironment, loadEnvironments } from '../../lib/config/load';
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
    // -c account needs the registry pinned (else the image URI would name the wrong account).
    const registry = { ...REGISTRY, account: '111111111111' };
    const [dev] = loadEnvironments({ getContext: context({ env: 'dev', imageDigest: digest, account: '123456789012' }), registry });
    expect(dev).toMatchObject({ imageDigest: digest, account: '123456789012' });
    expect(() => loadEnvironments({ getContext: context({ env: 'dev', account: '123456789012' }) })).toThrow(/dev\.account is "123456789012" \(from the configuration or -c account\) but registry\.account is unset/);
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
      // dev and staging accept latest; prod refuses it
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^prod\.imageTag/)]);
    }
  });

  test('the result is frozen, so no construct can mutate configuration', () => {
    const [dev] = loadEnvironments({ getContext: context({ env: 'dev' }) });
    expect(Object.isFrozen(dev)).toBe(true);
    expect(Object.isFrozen(dev.task)).toBe(true);
    const { registry } = loadConfig({ getContext: context({}) });
    expect(Object.isFrozen(registry.retention)).toBe(true);
  });

  test('a custom environment table (benchmarks, tests) is honoured', () => {
    const custom = { dev: { ...ENVIRONMENTS.dev, imageTag: 'v1.0.0' }, prod: { ...ENVIRONMENTS.prod, imageTag: 'v2.0.0' } };
    expect(loadEnvironments({ getContext: context({}), environments: custom }).map((c) => c.imageTag)).toEqual(['v1.0.0', 'v2.0.0']);
  });

  test('an environment whose envName differs from its key is refused before anything renders it', () => {
    // GIVEN `staging: environment('dev', ...)`: two environments named dev
    const environments = { ...ENVIRONMENTS, staging: { ...ENVIRONMENTS.staging, envName: 'dev' as const } };
    // THEN a configuration error names the key, the name and the fix (it used to be a lifecycle stack trace)
    expect(() => loadConfig({ getContext: context({}), environments })).toThrow(
      new ConfigError(['ENVIRONMENTS.staging has envName "dev": the key and envName must be the same (staging: environment(\'staging\', ...) in lib/config/environments.ts)']),
    );
  });

  test('context overrides apply to the selected service environments only, never to what the registry serves', () => {
    const loaded = loadConfig({ getContext: context({ env: 'prod', imageTag: 'v2.0.0-abc1234' }) });
    expect(loaded.selected.map((c) => [c.envName, c.imageTag])).toEqual([['prod', 'v2.0.0-abc1234']]);
    expect(loaded.environments.map((c) => [c.envName, c.imageTag])).toEqual([['dev', 'v1.0.0'], ['staging', 'v1.0.0'], ['prod', 'v1.0.0']]);
  });

  test('-c githubRepository creates the push role configuration; unset, there is none', () => {
    expect(loadConfig({ getContext: context({}) }).registry.ciPushRole?.githubRepository).toBeUndefined();
    expect(loadConfig({ getContext: context({ githubRepository: 'acme-corp/buffet' }) }).registry.ciPushRole).toMatchObject({
      githubRepository: 'acme-corp/buffet', branches: ['main'], environments: ['dev', 'staging', 'prod'],
    });
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
