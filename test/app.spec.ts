import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { REGISTRY_REPLICA_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_STACK_NAME, stackName } from '../lib/app';
import { ENVIRONMENTS, REGISTRY } from '../lib/config/environments';
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
  const allStacks: Stack[] = [stacks.registry, ...(stacks.settings ? [stacks.settings] : []), ...(stacks.replica ? [stacks.replica] : []), ...stacks.services];
  const SHARED = [REGISTRY_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_REPLICA_STACK_NAME];

  test('one registry stack, its registry settings stack, its replica and one service stack per environment', () => {
    expect(all.assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      [...SHARED, ...['dev', 'staging', 'prod'].map((e) => stackName(e, 'Service'))].sort(),
    );
    expect(REGISTRY_STACK_NAME).toBe('BetterCallBuffet-Registry');
    expect(REGISTRY_SETTINGS_STACK_NAME).toBe('BetterCallBuffet-RegistrySettings');
    expect(REGISTRY_REPLICA_STACK_NAME).toBe('BetterCallBuffet-RegistryReplica');
  });

  test('the registry settings stack lives in the registry\'s account and region, and deploys after the replica only', () => {
    expect(stacks.settings).toBeDefined();
    expect([stacks.settings?.account, stacks.settings?.region]).toEqual([stacks.registry.account, stacks.registry.region]);
    // Replication writes into the replica repository, which must exist first (test/stacks/registry-replica.spec.ts).
    expect(stacks.settings?.dependencies).toEqual([stacks.replica]);
  });

  test('the replica stack lives in the registry\'s account and REGISTRY.replicaRegion, and depends on nothing', () => {
    expect(REGISTRY.replicaRegion).toBe('us-west-2');
    expect([stacks.replica?.account, stacks.replica?.region]).toEqual([stacks.registry.account, REGISTRY.replicaRegion]);
    expect(stacks.replica?.dependencies).toEqual([]);
  });

  test('registry.settings.manage: false creates no settings stack (the account\'s settings are managed elsewhere)', () => {
    const config = loadConfig({ getContext: () => undefined, registry: { ...REGISTRY, settings: { ...REGISTRY.settings, manage: false } } });
    const { app: unmanaged, stacks: without } = buildTestApp({}, { config, nag: false, guard: false });
    expect(without.settings).toBeUndefined();
    expect(unmanaged.node.tryFindChild(REGISTRY_SETTINGS_STACK_NAME)).toBeUndefined();
  });

  test('-c env=<env> synthesizes the registry, its settings, its replica and that environment only', () => {
    const one = synthesized({ env: 'staging' }, { nag: false });
    expect(one.assembly.stacks.map((s) => s.stackName).sort()).toEqual([...SHARED, stackName('staging', 'Service')].sort());
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
    // (-c account is refused while registry.account is unset; with the registry pinned it cannot change the
    // registry's template either: see "an environment account from context pins that service stack only".)
    const withContext = synthesized({ env: 'prod', imageTag: 'v9.9.9-abcdef0', imageDigest: `sha256:${'c'.repeat(64)}` }, { nag: false });
    // THEN the registry template is identical
    expect(JSON.stringify(withContext.assembly.getStackByName(REGISTRY_STACK_NAME).template)).toBe(reference);
  });

  test('termination protection is on for the registry, its settings, its replica and the prod service', () => {
    const protectedStacks = all.assembly.stacks.filter((s) => s.terminationProtection).map((s) => s.stackName).sort();
    expect(protectedStacks).toEqual([...SHARED, stackName('prod', 'Service')].sort());
  });

  test('every stack carries Project, Environment and ManagedBy tags (the registry is "shared")', () => {
    for (const s of all.assembly.stacks) {
      const envName = SHARED.includes(s.stackName) ? 'shared' : s.stackName.split('-')[1];
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

  test('stacks deploy to the configured region (the replica to the replica region)', () => {
    for (const s of allStacks) expect(s.region).toBe(s === stacks.replica ? 'us-west-2' : 'us-east-1');
  });

  test('an environment account from context pins that service stack only', () => {
    // GIVEN the registry pinned to its account (required before any environment is pinned)
    const context = { env: 'prod', account: '123456789012' };
    const config = loadConfig({ getContext: (k) => (context as Record<string, string>)[k], registry: { ...REGISTRY, account: '111111111111' } });
    const { stacks: pinned } = buildTestApp(context, { nag: false, config });
    // THEN the service stack moves, the registry and the image host stay in the registry's account
    expect(pinned.services.map((s) => s.account)).toEqual(['123456789012']);
    expect(pinned.registry.account).toBe('111111111111');
    expect(JSON.stringify(pinned.services[0].resolve(pinned.services[0].task.imageUri))).toContain('111111111111.dkr.ecr.us-east-1.');
  });

  test('cdk-nag AwsSolutions passes on every stack (the synth throws on any unacknowledged error)', () => {
    expect(all.assembly.stacks).toHaveLength(6);
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
