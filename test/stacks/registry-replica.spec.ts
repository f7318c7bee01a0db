import { Template } from 'aws-cdk-lib/assertions';
import { REGISTRY_REPLICA_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_STACK_NAME, stackName } from '../../lib/app';
import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig } from '../../lib/config/load';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { buildTestApp } from '../helpers/app';

/**
 * The replica (`registry.replicaRegion`): the replica stack, the replication configuration, the failure rules,
 * and what switching an environment's `imageRegion` does. Each configuration is synthesized once (plugins off:
 * cdk-nag and the Control Tower checks run on the shipped configuration, which has a replica, in test/app.spec.ts
 * and in `.ci/run`).
 */

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; DependsOn?: unknown }>;
interface CfnTemplate { Resources: Resources; Outputs?: Record<string, unknown> }

const PULL_ACCOUNT = '111122223333';
const registry: RegistryConfig = {
  ...REGISTRY,
  replicaRegion: 'us-west-2',
  crossAccountPullAccounts: [PULL_ACCOUNT],
  ciPushRole: { branches: ['main'], environments: ['dev', 'staging', 'prod'], githubRepository: 'acme-corp/buffet' },
};

function synth(reg: RegistryConfig, environments: Readonly<Record<string, EnvConfig>> = ENVIRONMENTS) {
  const config = loadConfig({ getContext: () => undefined, registry: reg, environments });
  const { app, stacks } = buildTestApp({}, { config, nag: false, guard: false });
  const assembly = app.synth();
  const templates = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template as CfnTemplate]));
  return { stacks, templates };
}

const one = (t: CfnTemplate, type: string): [string, Resources[string]] => {
  const found = Object.entries(t.Resources).filter(([, r]) => r.Type === type);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0];
};

/** Evaluates the pseudo parameters and Fn::Join a repository policy uses, so two renderings compare as JSON. */
function evaluate(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(evaluate);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('Ref' in o && o.Ref === 'AWS::Partition') return 'aws';
  if ('Ref' in o && o.Ref === 'AWS::AccountId') return '<account>';
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(evaluate).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, evaluate(x)]));
}

describe('with registry.replicaRegion', () => {
  const base = synth(registry);
  const source = base.templates[REGISTRY_STACK_NAME];
  const replica = base.templates[REGISTRY_REPLICA_STACK_NAME];
  const [, sourceRepo] = one(source, 'AWS::ECR::Repository');
  const [, replicaRepo] = one(replica, 'AWS::ECR::Repository');

  test('a replica stack in the replica region of the same account, retained like the registry', () => {
    expect(base.stacks.replica).toBeDefined();
    expect(base.stacks.replica?.region).toBe('us-west-2');
    expect(base.stacks.replica?.account).toBe(base.stacks.registry.account);
    expect(base.stacks.replica?.terminationProtection).toBe(REGISTRY.terminationProtection);
  });

  test('the replica repository is governed like the source: name, IMMUTABLE, scan on push, retained, the same lifecycle text and pull policy', () => {
    const props = replicaRepo.Properties as Record<string, unknown>;
    expect(props.RepositoryName).toBe(REGISTRY.repositoryName);
    expect(props.ImageTagMutability).toBe('IMMUTABLE');
    expect(props.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
    expect(replicaRepo.DeletionPolicy).toBe(sourceRepo.DeletionPolicy);
    // Byte for byte: a lifecycle policy acts only in its own region, and replication copies no deletions.
    expect(props.LifecyclePolicy).toEqual((sourceRepo.Properties as Record<string, unknown>).LifecyclePolicy);
    expect(props.RepositoryPolicyText).toEqual((sourceRepo.Properties as Record<string, unknown>).RepositoryPolicyText);
    expect(JSON.stringify(props.RepositoryPolicyText)).toContain(PULL_ACCOUNT);
  });

  test('the replica is encrypted with a KMS key of its own region, retained with it', () => {
    const [keyId, key] = one(replica, 'AWS::KMS::Key');
    expect((replicaRepo.Properties as Record<string, unknown>).EncryptionConfiguration).toEqual({ EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(key.DeletionPolicy).toBe(sourceRepo.DeletionPolicy);
    expect((key.Properties as Record<string, unknown>).EnableKeyRotation).toBe(true);
  });

  test('the creation template for REPLICATION carries the same key, immutability, lifecycle text and pull policy', () => {
    const [keyId] = one(replica, 'AWS::KMS::Key');
    const [, template] = one(replica, 'AWS::ECR::RepositoryCreationTemplate');
    const props = template.Properties as Record<string, unknown>;
    expect(props).toMatchObject({
      Prefix: REGISTRY.repositoryName,
      AppliedFor: ['REPLICATION'],
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      ImageTagMutability: 'IMMUTABLE',
      ResourceTags: [{ Key: 'Project', Value: 'BetterCallBuffet' }, { Key: 'Environment', Value: 'shared' }, { Key: 'ManagedBy', Value: 'aws-cdk' }],
    });
    const sourceProps = sourceRepo.Properties as { LifecyclePolicy: { LifecyclePolicyText: string }; RepositoryPolicyText: unknown };
    expect(props.LifecyclePolicy).toBe(sourceProps.LifecyclePolicy.LifecyclePolicyText);
    // The template takes the policy as a string; evaluated, it is the source repository's document.
    expect(JSON.parse(evaluate(props.RepositoryPolicy) as string)).toEqual(evaluate(sourceProps.RepositoryPolicyText));
  });

  test('the settings stack replicates the repository to the replica region, and deploys after the replica', () => {
    const settings = base.templates[REGISTRY_SETTINGS_STACK_NAME];
    const [, replication] = one(settings, 'AWS::ECR::ReplicationConfiguration');
    expect(replication.Properties).toEqual({
      ReplicationConfiguration: {
        Rules: [{ Destinations: [{ Region: 'us-west-2', RegistryId: { Ref: 'AWS::AccountId' } }], RepositoryFilters: [{ Filter: REGISTRY.repositoryName, FilterType: 'PREFIX_MATCH' }] }],
      },
    });
    expect(base.stacks.settings?.dependencies).toEqual([base.stacks.replica]);
  });

  test('failed replications are forwarded from the replica region and notify in the registry\'s', () => {
    const rules = (t: CfnTemplate) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::Events::Rule').map((r) => (r.Properties as { Name: string }).Name);
    expect(rules(replica)).toEqual(['better-call-buffet-registry-replication-failures-forward']);
    expect(rules(source)).toContain('better-call-buffet-registry-replication-failures');
  });

  test('the CI push role may read the replica\'s images (the promotion gate\'s replica check), and nothing more there', () => {
    const policies = Object.values(source.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').map((r) => JSON.stringify(evaluate(r.Properties)));
    const replicaGrants = policies.flatMap((p) => (JSON.parse(p).PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>))
      .filter((st) => JSON.stringify(st.Resource).includes(':us-west-2:'));
    expect(replicaGrants).toEqual([expect.objectContaining({ Action: 'ecr:DescribeImages', Resource: `arn:aws:ecr:us-west-2:<account>:repository/${REGISTRY.repositoryName}` })]);
  });

  describe('switching prod\'s imageRegion to the replica (the runbook\'s one-line change)', () => {
    const switched = synth(registry, { ...ENVIRONMENTS, prod: { ...ENVIRONMENTS.prod, imageRegion: 'us-west-2' } });
    const prod = stackName('prod', 'Service');

    test('changes the prod service stack and nothing else (what `npm run diff -- --env prod` shows)', () => {
      const changed = Object.keys(base.templates).filter((name) => JSON.stringify(base.templates[name]) !== JSON.stringify(switched.templates[name]));
      expect(Object.keys(switched.templates).sort()).toEqual(Object.keys(base.templates).sort());
      expect(changed).toEqual([prod]);
    });

    test('in that stack, exactly the image URI, the execution role\'s pull grant and the ImageUri output move to us-west-2', () => {
      const before = JSON.stringify(base.templates[prod]);
      const after = JSON.stringify(switched.templates[prod]);
      // The only textual change: the region inside the image URI and the repository ARN.
      expect(after.replace(/us-west-2/g, 'us-east-1')).toBe(before);
      const moved = Object.entries(switched.templates[prod].Resources)
        .filter(([id, r]) => JSON.stringify(r) !== JSON.stringify(base.templates[prod].Resources[id]))
        .map(([, r]) => r.Type)
        .sort();
      expect(moved).toEqual(['AWS::ECS::TaskDefinition', 'AWS::IAM::Policy']);
      const t = Template.fromJSON(switched.templates[prod]);
      t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: [{ Image: { 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.us-west-2.', { Ref: 'AWS::URLSuffix' }, `/${REGISTRY.repositoryName}:v1.0.0`]] } }] });
      expect(JSON.stringify(switched.templates[prod].Outputs?.ImageUri)).toContain('.dkr.ecr.us-west-2.');
    });

    test('the prod service then deploys after the replica, not the registry', () => {
      expect(switched.stacks.services.find((s) => s.stackName === prod)?.dependencies).toEqual([switched.stacks.replica]);
      expect(base.stacks.services.find((s) => s.stackName === prod)?.dependencies).toEqual([base.stacks.registry]);
    });
  });
});

describe('without registry.replicaRegion', () => {
  const { stacks, templates } = synth({ ...REGISTRY, replicaRegion: undefined });

  test('no replica stack, no replication configuration, no replication-failure rule', () => {
    expect(stacks.replica).toBeUndefined();
    expect(Object.keys(templates)).not.toContain(REGISTRY_REPLICA_STACK_NAME);
    expect(JSON.stringify(templates[REGISTRY_SETTINGS_STACK_NAME])).not.toContain('AWS::ECR::ReplicationConfiguration');
    expect(JSON.stringify(templates[REGISTRY_STACK_NAME])).not.toContain('replication-failures');
  });
});
