import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { stackName } from '../lib/app';
import { ENVIRONMENTS } from '../lib/config/environments';
import { loadEnvironments } from '../lib/config/load';
import { buildTestApp } from './helpers/app';

/**
 * App-level behaviour: which stacks exist, how they are named, tagged and protected, that they do not
 * lock each other with exports, that cdk-nag passes, and that synthesis is deterministic.
 */
describe('the app', () => {
  const { app, stacks } = buildTestApp();
  const assembly = app.synth();
  const allStacks: Stack[] = stacks.flatMap((s) => [s.registry, s.service]);

  test('two stacks per environment, named BetterCallBuffet-<env>-Registry|Service', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      ['dev', 'staging', 'prod'].flatMap((e) => [stackName(e, 'Registry'), stackName(e, 'Service')]).sort(),
    );
  });

  test('service stacks depend on their registry stack, without exports or imports', () => {
    for (const { registry, service } of stacks) {
      expect(service.dependencies).toEqual([registry]);
    }
    for (const s of assembly.stacks) {
      const text = JSON.stringify(s.template);
      expect(text).not.toContain('Fn::ImportValue');
      expect(Object.values(s.template.Outputs ?? {}).filter((o) => (o as { Export?: unknown }).Export)).toEqual([]);
    }
  });

  test('termination protection is on for prod stacks only', () => {
    const protectedStacks = assembly.stacks.filter((s) => s.terminationProtection).map((s) => s.stackName).sort();
    expect(protectedStacks).toEqual([stackName('prod', 'Registry'), stackName('prod', 'Service')]);
  });

  test('every stack carries Project, Environment and ManagedBy tags', () => {
    for (const s of assembly.stacks) {
      const envName = s.stackName.split('-')[1];
      expect(s.tags).toEqual({ Project: 'BetterCallBuffet', Environment: envName, ManagedBy: 'aws-cdk' });
    }
  });

  test('taggable resources carry the tags too', () => {
    const repo = Template.fromStack(stacks[2].registry).findResources('AWS::ECR::Repository');
    for (const r of Object.values(repo)) {
      expect(r.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'Environment', Value: 'prod' },
          { Key: 'ManagedBy', Value: 'aws-cdk' },
          { Key: 'Project', Value: 'BetterCallBuffet' },
        ]),
      );
    }
  });

  test('stacks deploy to the configured region', () => {
    for (const s of allStacks) expect(s.region).toBe('us-east-1');
  });

  test('an environment account from context pins the stack account', () => {
    const { stacks: pinned } = buildTestApp({ env: 'prod', account: '123456789012' });
    expect(pinned.map((s) => s.registry.account)).toEqual(['123456789012']);
  });

  test('cdk-nag AwsSolutions passes on every stack (app.synth() above throws on any unacknowledged error)', () => {
    expect(assembly.stacks).toHaveLength(6);
  });

  test('cdk-nag is really wired: an unacknowledged violation fails the synth', () => {
    // GIVEN the real app plus a role with a wildcard policy that nobody acknowledged
    const { app: bad, stacks: badStacks } = buildTestApp({ env: 'dev' });
    const role = new iam.Role(badStacks[0].registry, 'Careless', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:*'], resources: ['*'] }));
    // THEN synthesis fails naming the rule
    expect(() => bad.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  test('cdk-nag passes plain environment variables: AwsSolutions-ECS2 is acknowledged, credential-like names never get that far', () => {
    // GIVEN dev with plain variables, loaded and validated as `cdk synth` does
    const dev = ENVIRONMENTS.dev;
    const configs = loadEnvironments({
      getContext: (k) => (k === 'env' ? 'dev' : undefined),
      environments: { ...ENVIRONMENTS, dev: { ...dev, task: { ...dev.task, environment: { LOG_LEVEL: 'info', NODE_ENV: 'production' } } } },
    });
    // WHEN synthesized with cdk-nag on THEN it passes (test/integration/cdk-synth-environment.test.ts runs the real CLI)
    expect(() => buildTestApp({}, { configs }).app.synth()).not.toThrow();
  });

  test('synthesis is deterministic: two builds give byte-identical templates', () => {
    const again = buildTestApp({}, { nag: false }).app.synth();
    for (const s of assembly.stacks) {
      expect(JSON.stringify(again.getStackByName(s.stackName).template)).toBe(JSON.stringify(s.template));
    }
  });
});
