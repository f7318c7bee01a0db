import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { REGISTRY_STACK_NAME, stackName } from '../lib/app';
import { ENVIRONMENTS } from '../lib/config/environments';
import { loadConfig } from '../lib/config/load';
import { buildTestApp } from './helpers/app';
import { synthesized } from './helpers/synth';

/**
 * App-level behaviour: which stacks exist, how they are named, tagged and protected, that they do not
 * lock each other with exports, that cdk-nag passes, and that synthesis is deterministic.
 */
describe('the app', () => {
  // The whole app as `cdk synth` builds it, cdk-nag and the Control Tower checks on; synthesized once, on first use.
  const all = synthesized();
  const { stacks } = all;
  const allStacks: Stack[] = [stacks.registry, ...stacks.services];

  test('one registry stack and one service stack per environment', () => {
    expect(all.assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      [REGISTRY_STACK_NAME, ...['dev', 'staging', 'prod'].map((e) => stackName(e, 'Service'))].sort(),
    );
    expect(REGISTRY_STACK_NAME).toBe('BetterCallBuffet-Registry');
  });

  test('-c env=<env> synthesizes the registry and that environment only', () => {
    const one = synthesized({ env: 'staging' }, { nag: false });
    expect(one.assembly.stacks.map((s) => s.stackName).sort()).toEqual([REGISTRY_STACK_NAME, stackName('staging', 'Service')].sort());
  });

  test('service stacks depend on the registry stack, without exports or imports', () => {
    for (const service of stacks.services) {
      expect(service.dependencies).toEqual([stacks.registry]);
    }
    for (const s of all.assembly.stacks) {
      const text = JSON.stringify(s.template);
      expect(text).not.toContain('Fn::ImportValue');
      expect(Object.values(s.template.Outputs ?? {}).filter((o) => (o as { Export?: unknown }).Export)).toEqual([]);
    }
  });

  test('the registry template depends on configuration only, never on a deploy\'s -c env/imageTag/imageDigest/account', () => {
    // GIVEN the registry as the full synth builds it
    const reference = JSON.stringify(all.assembly.getStackByName(REGISTRY_STACK_NAME).template);
    // WHEN synthesized with every service-deploy context flag
    const withContext = synthesized({ env: 'prod', imageTag: 'v9.9.9-abcdef0', imageDigest: `sha256:${'c'.repeat(64)}`, account: '123456789012' }, { nag: false });
    // THEN the registry template is identical
    expect(JSON.stringify(withContext.assembly.getStackByName(REGISTRY_STACK_NAME).template)).toBe(reference);
  });

  test('termination protection is on for the registry and the prod service', () => {
    const protectedStacks = all.assembly.stacks.filter((s) => s.terminationProtection).map((s) => s.stackName).sort();
    expect(protectedStacks).toEqual([REGISTRY_STACK_NAME, stackName('prod', 'Service')].sort());
  });

  test('every stack carries Project, Environment and ManagedBy tags (the registry is "shared")', () => {
    for (const s of all.assembly.stacks) {
      const envName = s.stackName === REGISTRY_STACK_NAME ? 'shared' : s.stackName.split('-')[1];
      expect(s.tags).toEqual({ Project: 'BetterCallBuffet', Environment: envName, ManagedBy: 'aws-cdk' });
    }
  });

  test('taggable resources carry the tags too', () => {
    const repo = all.template(REGISTRY_STACK_NAME).findResources('AWS::ECR::Repository');
    expect(Object.keys(repo)).toHaveLength(1);
    for (const r of Object.values(repo)) {
      expect(r.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'Environment', Value: 'shared' },
          { Key: 'ManagedBy', Value: 'aws-cdk' },
          { Key: 'Project', Value: 'BetterCallBuffet' },
        ]),
      );
    }
  });

  test('stacks deploy to the configured region', () => {
    for (const s of allStacks) expect(s.region).toBe('us-east-1');
  });

  test('an environment account from context pins that service stack only', () => {
    const { stacks: pinned } = synthesized({ env: 'prod', account: '123456789012' }, { nag: false });
    expect(pinned.services.map((s) => s.account)).toEqual(['123456789012']);
    expect(pinned.registry.account).not.toBe('123456789012');
  });

  test('cdk-nag AwsSolutions passes on every stack (the synth throws on any unacknowledged error)', () => {
    expect(all.assembly.stacks).toHaveLength(4);
  });

  test('cdk-nag passes with the CI push role too', () => {
    expect(() => synthesized({ githubRepository: 'acme-corp/buffet' }).assembly).not.toThrow();
  });

  test('cdk-nag is really wired: an unacknowledged violation fails the synth', () => {
    // GIVEN the real app plus a role with a wildcard policy that nobody acknowledged (its own app: it changes it)
    const { app: bad, stacks: badStacks } = buildTestApp({ env: 'dev' });
    const role = new iam.Role(badStacks.registry, 'Careless', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:*'], resources: ['*'] }));
    // THEN synthesis fails naming the rule
    expect(() => bad.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  test('cdk-nag passes plain environment variables: AwsSolutions-ECS2 is acknowledged, credential-like names never get that far', () => {
    // GIVEN dev with plain variables, loaded and validated as `cdk synth` does
    const dev = ENVIRONMENTS.dev;
    const config = loadConfig({
      getContext: (k) => (k === 'env' ? 'dev' : undefined),
      environments: { ...ENVIRONMENTS, dev: { ...dev, task: { ...dev.task, environment: { LOG_LEVEL: 'info', NODE_ENV: 'production' } } } },
    });
    // WHEN synthesized with cdk-nag on THEN it passes (test/integration/cdk-synth-environment.test.ts runs the real CLI)
    expect(() => synthesized({}, { config }).assembly).not.toThrow();
  });

  test('synthesis is deterministic: two builds give byte-identical templates', () => {
    // A second, independent build (never the shared one)
    const again = buildTestApp({}, { nag: false }).app.synth();
    for (const s of all.assembly.stacks) {
      expect(JSON.stringify(again.getStackByName(s.stackName).template)).toBe(JSON.stringify(s.template));
    }
  });
});
