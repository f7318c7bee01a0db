import {
  cdkCliArguments, contextAssignments, isCdkContextKey, ProcessTable, repeatedContextProblems, unknownContextKeyProblems,
} from '../../lib/config/context';
import { deployWarnings, loadConfig } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/validate';
import { cdkJsonContext } from '../helpers/app';

/**
 * Context the app cannot use is refused: keys it does not read (a typo would otherwise be ignored) and keys
 * given twice on the CDK CLI's command line (the CLI keeps the last one before the app starts).
 */
describe('unknown context keys', () => {
  test('a misspelt key is refused, naming the nearest key the app reads', () => {
    expect(unknownContextKeyProblems(['env', 'imgeTag'])).toEqual([
      expect.stringMatching(/^unknown context key -c imgeTag: did you mean -c imageTag\? This app reads env, imageTag, imageDigest, account, network, githubRepository, testConfigOverlay/),
    ]);
  });

  test('a key nothing resembles is refused without a guess', () => {
    expect(unknownContextKeyProblems(['colour'])).toEqual([expect.stringMatching(/^unknown context key -c colour: this app reads env/)]);
  });

  test("CDK's own keys pass: what the CLI injects, feature flags, cdk.json context, cached lookups, notices", () => {
    // What `cdk synth` passed this app in CDK_CONTEXT_JSON (CLI 2.1148), plus cdk.json's feature flags.
    const injected = ['aws:cdk:enable-path-metadata', 'aws:cdk:enable-asset-metadata', 'aws:cdk:disable-version-reporting', 'aws:cdk:bundling-stacks'];
    const keys = [...injected, ...Object.keys(cdkJsonContext()), 'availability-zones:account=123456789012:region=us-east-1',
      'acknowledged-issue-numbers', 'assets-ecr-repository-name', '@aws-cdk/core.slowSynthThreshold'];
    expect(keys.filter((k) => !isCdkContextKey(k))).toEqual([]);
    expect(unknownContextKeyProblems(keys)).toEqual([]);
  });

  test('through loadConfig: -c env=prod -c imgeTag=latest is a configuration error, not a prod synth with the default tag', () => {
    const context: Record<string, string> = { env: 'prod', imgeTag: 'latest' };
    expect(() => loadConfig({ getContext: (k) => context[k], contextKeys: Object.keys(context) })).toThrow(ConfigError);
    expect(() => loadConfig({ getContext: (k) => context[k], contextKeys: Object.keys(context) })).toThrow(/^unknown context key -c imgeTag: did you mean -c imageTag\?/);
  });
});

describe('a context key given twice', () => {
  test('the -c assignments are read from a CDK CLI command line in every spelling yargs accepts', () => {
    expect(contextAssignments(['synth', '-c', 'env=dev', '--context', 'env=prod', '--context=imageTag=v1', '-c=account=123456789012', '--quiet', '--', '-c', 'x=y']))
      .toEqual(['env=dev', 'env=prod', 'imageTag=v1', 'account=123456789012']);
  });

  test('different values are refused, naming both; the same value twice is harmless', () => {
    expect(repeatedContextProblems(['env=dev', 'imageTag=v1', 'env=prod'])).toEqual([
      '-c env is given 2 times with different values ("dev", "prod"): the CDK CLI would silently use the last one; pass -c env once',
    ]);
    expect(repeatedContextProblems(['env=dev', 'env=dev', 'network={"a":1}'])).toEqual([]);
  });

  test('through loadConfig: refused before anything is synthesized', () => {
    expect(() => loadConfig({ getContext: (k) => (k === 'env' ? 'prod' : undefined), cliContextAssignments: ['env=dev', 'env=prod'] }))
      .toThrow(/^-c env is given 2 times with different values \("dev", "prod"\)/);
  });

  describe('cdkCliArguments finds the CLI among the app\'s ancestors', () => {
    // app (100) <- sh -c (90) <- node .../aws-cdk/bin/cdk synth ... (80) <- bash (1)
    const table = (argvByPid: Record<number, string[]>, parents: Record<number, number>): ProcessTable => ({
      argv: (pid) => argvByPid[pid],
      parent: (pid) => parents[pid],
    });
    const parents = { 100: 90, 90: 80, 80: 70 };

    test('node running the cdk script', () => {
      const t = table({ 90: ['/bin/sh', '-c', 'node -r ./bin/register.js bin/better-call-buffet.ts'], 80: ['node', '/repo/node_modules/.bin/cdk', 'synth', '-c', 'env=dev'], 70: ['bash'] }, parents);
      expect(cdkCliArguments(100, t)).toEqual(['synth', '-c', 'env=dev']);
    });

    test('the cdk script run directly, and the nearest CLI wins', () => {
      const t = table({ 90: ['cdk', 'deploy', '-c', 'env=prod'], 80: ['node', '/usr/lib/node_modules/aws-cdk/bin/cdk', 'synth'] }, parents);
      expect(cdkCliArguments(100, t)).toEqual(['deploy', '-c', 'env=prod']);
    });

    test('no CLI among the ancestors (jest, another tool), or no /proc: undefined', () => {
      expect(cdkCliArguments(100, table({ 90: ['node', 'jest'], 80: ['npm', 'test'], 70: ['bash'] }, parents))).toBeUndefined();
      expect(cdkCliArguments(100, table({}, {}))).toBeUndefined();
      // A script that merely ends in "cdk" somewhere else in its arguments is not the CLI.
      expect(cdkCliArguments(100, table({ 90: ['node', 'build.js', 'cdk'] }, parents))).toBeUndefined();
    });
  });
});

describe('deployWarnings', () => {
  test('the shipped configuration warns twice: no alarm recipient, no push role', () => {
    expect(deployWarnings(loadConfig({ getContext: () => undefined }))).toEqual([
      expect.stringMatching(/^registry\.alarms\.emails is empty: the alarms of repository better-call-buffet reach nobody\. Add the on-call address to REGISTRY\.alarms\.emails/),
      expect.stringMatching(/^no CI push role: registry\.ciPushRole\.githubRepository is unset, so no pipeline can push images to better-call-buffet\. .*-c githubRepository=owner\/repo$/),
    ]);
  });

  test('a recipient and a push role silence them', () => {
    const base = loadConfig({ getContext: (k) => (k === 'githubRepository' ? 'acme-corp/buffet' : undefined) });
    const registry = { ...base.registry, alarms: { ...base.registry.alarms, emails: ['oncall@acme.example'] } };
    expect(deployWarnings({ ...base, registry })).toEqual([]);
  });
});
