import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig } from '../../lib/config/load';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { ConfigError, validateEnvConfig, validateRegistryConfig } from '../../lib/config/validate';
import { SAMPLE_NETWORK } from '../helpers/network';

/**
 * `registry.replicaRegion` and `<env>.imageRegion` (lib/config/validate-regions.ts): each refusal names the
 * field, the value and the fix, and comes out of loadConfig (what `cdk synth` runs) as a ConfigError.
 */

const registry = (replicaRegion: unknown, region = 'us-east-1'): RegistryConfig => ({ ...REGISTRY, region, replicaRegion: replicaRegion as string });
const env = (name: keyof typeof ENVIRONMENTS, fields: Record<string, unknown>): EnvConfig => ({ ...ENVIRONMENTS[name], ...fields }) as EnvConfig;

function problems(check: () => unknown): readonly string[] {
  try {
    check();
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

describe('registry.replicaRegion', () => {
  test('another region of the same partition is valid; unset means no replica', () => {
    expect(problems(() => validateRegistryConfig(registry('us-west-2')))).toEqual([]);
    expect(problems(() => validateRegistryConfig(registry(undefined)))).toEqual([]);
  });

  test.each([
    ['a typo', 'us-wst-2', /^registry\.replicaRegion "us-wst-2" is not an AWS region name; use one like us-west-2 .*or remove it for no replica$/],
    ['a number', 2, /^registry\.replicaRegion 2 is not an AWS region name/],
    ['the registry\'s own region', 'us-east-1', /^registry\.replicaRegion "us-east-1" is the registry's own region \(registry\.region\): .*another region; use e\.g\. us-west-2, or remove replicaRegion$/],
    ['another partition', 'cn-north-1', /^registry\.replicaRegion "cn-north-1" is in partition aws-cn, but registry\.region "us-east-1" is in aws: ECR replicates within one partition only/],
    ['a region without repository creation templates', 'us-gov-west-1', /^registry\.replicaRegion "us-gov-west-1" does not support repository creation templates/],
  ])('refuses %s', (_what, value, message) => {
    const region = value === 'us-gov-west-1' ? 'us-gov-east-1' : 'us-east-1';
    expect(problems(() => validateRegistryConfig(registry(value, region)))).toEqual([expect.stringMatching(message)]);
  });
});

describe('<env>.imageRegion', () => {
  const withReplica = registry('us-west-2');
  const noReplica = registry(undefined);

  test('the registry\'s region, its replica\'s, or unset (the registry\'s) are valid', () => {
    for (const imageRegion of ['us-east-1', 'us-west-2', undefined]) {
      expect(problems(() => validateEnvConfig(env('prod', { imageRegion }), withReplica))).toEqual([]);
    }
  });

  test.each([
    ['a region that holds no copy', withReplica, 'eu-west-1',
      /^prod\.imageRegion "eu-west-1" is neither the registry's region \(registry\.region "us-east-1"\) nor its replica's \(registry\.replicaRegion "us-west-2"\): .*set imageRegion to "us-east-1" or "us-west-2"$/],
    ['the replica\'s region while no replica is configured', noReplica, 'us-west-2',
      /^prod\.imageRegion "us-west-2" is not the registry's region \(registry\.region "us-east-1"\) and registry\.replicaRegion is not set: .*set imageRegion to "us-east-1" \(or first set registry\.replicaRegion to "us-west-2"/],
    ['a typo', withReplica, 'us-west2', /^prod\.imageRegion "us-west2" is not an AWS region name; use registry\.region "us-east-1" or registry\.replicaRegion "us-west-2"/],
  ])('refuses %s', (_what, reg, imageRegion, message) => {
    expect(problems(() => validateEnvConfig(env('prod', { imageRegion }), reg))).toEqual([expect.stringMatching(message)]);
  });

  test('with VPC endpoints (no NAT) the image must come from the task\'s own region: both fields are named', () => {
    // GIVEN prod in us-east-1 with endpoints, pulling from the replica in us-west-2
    const found = problems(() => validateEnvConfig(env('prod', { imageRegion: 'us-west-2', network: SAMPLE_NETWORK }), withReplica));
    // THEN refused, with both fields and the fix
    expect(found).toEqual([expect.stringMatching(
      /^prod\.imageRegion "us-west-2" differs from the task's region \(prod\.region "us-east-1"\) while prod\.network adds VPC endpoints .*interface endpoints serve their own region only.*set prod\.imageRegion to "us-east-1", or run the task where it has NAT and remove prod\.network$/,
    )]);
    // AND the same endpoints with the image in the task's region pass
    expect(problems(() => validateEnvConfig(env('prod', { imageRegion: 'us-east-1', network: SAMPLE_NETWORK }), withReplica))).toEqual([]);
  });

  test('a task in the replica\'s region with endpoints pulls from the replica; unset imageRegion (the registry\'s) is refused there', () => {
    const inReplicaRegion = { region: 'us-west-2', network: SAMPLE_NETWORK };
    expect(problems(() => validateEnvConfig(env('staging', { ...inReplicaRegion, imageRegion: 'us-west-2' }), withReplica))).toEqual([]);
    expect(problems(() => validateEnvConfig(env('staging', { ...inReplicaRegion, imageRegion: undefined }), withReplica))).toEqual([
      expect.stringMatching(/^staging\.imageRegion \(unset, so registry\.region "us-east-1"\) differs from the task's region \(staging\.region "us-west-2"\).*set staging\.imageRegion to "us-west-2"/),
    ]);
    // The shipped environments spell the default out (imageRegion: REGISTRY.region): the same refusal, with the value.
    expect(problems(() => validateEnvConfig(env('staging', inReplicaRegion), withReplica))).toEqual([
      expect.stringMatching(/^staging\.imageRegion "us-east-1" differs from the task's region \(staging\.region "us-west-2"\)/),
    ]);
  });

  test('a task in a third region with endpoints is told to move the replica there', () => {
    expect(problems(() => validateEnvConfig(env('dev', { region: 'eu-west-1', network: SAMPLE_NETWORK }), withReplica))).toEqual([
      expect.stringMatching(/set registry\.replicaRegion to "eu-west-1" and dev\.imageRegion to it, or run the task where it has NAT/),
    ]);
  });

  test('loadConfig (what cdk synth runs) refuses them as one ConfigError, -c network included', () => {
    const environments = { ...ENVIRONMENTS, prod: env('prod', { imageRegion: 'eu-west-1' }) };
    expect(() => loadConfig({ getContext: () => undefined, registry: withReplica, environments })).toThrow(/prod\.imageRegion "eu-west-1" is neither/);
    const pullsFromReplica = { ...ENVIRONMENTS, prod: env('prod', { imageRegion: 'us-west-2' }) };
    const context: Record<string, unknown> = { env: 'prod', network: JSON.stringify(SAMPLE_NETWORK) };
    expect(() => loadConfig({ getContext: (k) => context[k], registry: withReplica, environments: pullsFromReplica })).toThrow(/prod\.imageRegion "us-west-2" differs from the task's region/);
  });
});
