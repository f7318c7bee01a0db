import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig } from '../../lib/config/load';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { ConfigError, validateRegistryConfig } from '../../lib/config/validate';
import { lifecyclePolicyForRegistry } from '../../lib/stacks/registry-lifecycle';
import { lifecyclePolicyText } from '../../lib/lifecycle/retention';
import { RegistryStack } from '../../lib/stacks/registry-stack';
import { memoized } from '../helpers/memo';

const ENVS: readonly EnvConfig[] = Object.values(ENVIRONMENTS);

function registryStack(registry: Partial<RegistryConfig> = {}, options: { account?: string; environments?: readonly EnvConfig[] } = {}): RegistryStack {
  const config = validateRegistryConfig({ ...REGISTRY, ...registry });
  return new RegistryStack(new App(), 'BetterCallBuffet-Registry', {
    env: { account: options.account, region: config.region },
    registry: config,
    environments: options.environments ?? ENVS,
  });
}

/** The template of `registryStack(registry, options)`, synthesized once per distinct arguments (tests only read it). */
const template = memoized((registry: Partial<RegistryConfig> = {}, options: { account?: string; environments?: readonly EnvConfig[] } = {}) => Template.fromStack(registryStack(registry, options)));

const repository = (t: Template) => {
  const repos = Object.values(t.findResources('AWS::ECR::Repository'));
  expect(repos).toHaveLength(1);
  return repos[0];
};

const REAL_REPO = { branches: ['main'], environments: ['dev', 'staging', 'prod'], githubRepository: 'acme-corp/buffet' };

describe('RegistryStack: the one repository every environment pulls from', () => {
  test('is named better-call-buffet', () => {
    template().hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'better-call-buffet' });
  });

  test('deploys exactly the lifecycle policy lifecyclePolicyForRegistry reports', () => {
    // THEN: what `npm run lifecycle -- --repository` previews is what is deployed
    expect(repository(template()).Properties.LifecyclePolicy).toEqual({ LifecyclePolicyText: lifecyclePolicyText(lifecyclePolicyForRegistry()) });
  });

  test('the lifecycle policy protects every environment\'s configured tag and keeps each promotion window, furthest environment first', () => {
    // GIVEN environments running different configured tags
    const environments = [
      { ...ENVIRONMENTS.dev, imageTag: 'v2.0.0' },
      ENVIRONMENTS.staging,
      { ...ENVIRONMENTS.prod, imageTag: 'v1.9.0' },
    ];
    // WHEN
    const rules = JSON.parse(repository(template({}, { environments })).Properties.LifecyclePolicy.LifecyclePolicyText).rules as Array<{ description: string; selection: { tagPatternList?: string[]; countNumber: number } }>;
    // THEN
    const byPattern = (p: string) => rules.find((r) => JSON.stringify(r.selection.tagPatternList) === JSON.stringify([p]));
    for (const tag of ['v2.0.0', 'v1.0.0', 'v1.9.0']) expect(byPattern(tag)?.selection.countNumber).toBe(1_000_000);
    const promoted = rules.filter((r) => /promoted there/.test(r.description)).map((r) => [r.selection.tagPatternList?.[0], r.selection.countNumber]);
    expect(promoted).toEqual([['prod-*', 20], ['staging-*', 20], ['dev-*', 20]]);
    expect(rules.indexOf(byPattern('prod-*')!)).toBeLessThan(rules.indexOf(byPattern('v*')!));
  });

  test('scans on push, immutable tags (ECR.2), own rotating retained KMS key, retained', () => {
    const t = template();
    const repo = repository(t);
    expect(repo.Properties).toMatchObject({ ImageScanningConfiguration: { ScanOnPush: true }, ImageTagMutability: 'IMMUTABLE' });
    expect(repo.Properties.ImageTagMutabilityExclusionFilters).toBeUndefined();
    expect([repo.DeletionPolicy, repo.UpdateReplacePolicy, repo.Properties.EmptyOnDelete]).toEqual(['Retain', 'Retain', undefined]);
    const { EncryptionType, KmsKey } = repo.Properties.EncryptionConfiguration;
    expect(EncryptionType).toBe('KMS');
    const key = t.findResources('AWS::KMS::Key')[KmsKey['Fn::GetAtt'][0]];
    expect([key.Properties.EnableKeyRotation, key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual([true, 'Retain', 'Retain']);
  });

  test('environments in other accounts, and configured accounts, may pull (cross-account pull)', () => {
    // GIVEN prod in its own account and one extra configured account
    const environments = [ENVIRONMENTS.dev, ENVIRONMENTS.staging, { ...ENVIRONMENTS.prod, account: '210987654321' }];
    // WHEN
    const t = template({ account: '111111111111', crossAccountPullAccounts: ['333333333333'] }, { account: '111111111111', environments });
    // THEN
    const statement = repository(t).Properties.RepositoryPolicyText.Statement[0];
    expect(statement.Sid).toBe('CrossAccountPull');
    expect(JSON.stringify(statement.Principal)).toContain(':iam::210987654321:root');
    expect(JSON.stringify(statement.Principal)).toContain(':iam::333333333333:root');
    expect(statement.Action).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
  });

  test('environments in the registry account need no policy statement', () => {
    const environments = ENVS.map((e) => ({ ...e, account: '111111111111' }));
    expect(repository(template({ account: '111111111111' }, { account: '111111111111', environments })).Properties.RepositoryPolicyText).toBeUndefined();
  });

  test('alarm names are better-call-buffet-registry-<what>', () => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'better-call-buffet-registry-image-count-quota' });
  });
});

describe('CI push role', () => {
  test('the shipped configuration has none: no role, no provider, no output', () => {
    const t = template();
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(t.findResources('AWS::IAM::Role'))).not.toContain('sts:AssumeRoleWithWebIdentity');
    expect(t.findOutputs('CiPushRoleArn')).toEqual({});
  });

  test('with a real repository: uses the account\'s existing provider, trusts main and the three GitHub environments', () => {
    // GIVEN / WHEN
    const stack = registryStack({ ciPushRole: REAL_REPO });
    const t = Template.fromStack(stack);

    // THEN
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Federated: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/token.actions.githubusercontent.com']] } },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': [
                'repo:acme-corp/buffet:ref:refs/heads/main',
                'repo:acme-corp/buffet:environment:dev',
                'repo:acme-corp/buffet:environment:staging',
                'repo:acme-corp/buffet:environment:prod',
              ],
            },
          },
        })],
      },
    });
    t.hasOutput('CiPushRoleArn', { Value: { 'Fn::GetAtt': [stack.getLogicalId(stack.ciPushRole!.role.node.defaultChild as never), 'Arn'] } });
  });

  test('the push role may sign with the profile registry.settings names, in the registry\'s account and region (even when the settings are managed elsewhere)', () => {
    for (const manage of [true, false]) {
      const t = template({ ciPushRole: REAL_REPO, settings: { ...REGISTRY.settings, manage, signing: { ...REGISTRY.settings.signing, profileName: 'other_profile' } } });
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Sid: 'SignPushesWithTheManagedSigningProfile',
            Effect: 'Allow',
            Action: 'signer:SignPayload',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':signer:us-east-1:', { Ref: 'AWS::AccountId' }, ':/signing-profiles/other_profile']] },
          }]),
        },
      });
    }
  });

  test('the unexpected-push alarm gets the role ARN: the single expected writer', () => {
    // GIVEN CloudTrail on, so the alarm can exist
    const stack = registryStack({ ciPushRole: REAL_REPO, alarms: { ...REGISTRY.alarms, cloudTrail: 'existing-trail' } });
    const t = Template.fromStack(stack);
    const roleId = stack.getLogicalId(stack.ciPushRole!.role.node.defaultChild as never);
    // THEN the rule matching pushes excludes exactly that role
    const rules = Object.values(t.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('PutImage'));
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0].Properties.EventPattern)).toContain(roleId);
  });

  test('createOidcProvider: true creates a provider that is retained on stack deletion', () => {
    const t = template({ ciPushRole: { ...REAL_REPO, createOidcProvider: true } });
    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    t.hasResource('AWS::IAM::OIDCProvider', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('an oidcProviderArn in config is used as given', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const t = template({ ciPushRole: { ...REAL_REPO, oidcProviderArn: arn } });
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: arn } })] } });
  });

  test('-c githubRepository=owner/repo creates the role with the configured branches and environments', () => {
    const { registry } = loadConfig({ getContext: (k) => (k === 'githubRepository' ? 'acme-corp/buffet' : undefined) });
    expect(registry.ciPushRole).toEqual({ ...REGISTRY.ciPushRole, githubRepository: 'acme-corp/buffet' });
  });
});

describe('outputs', () => {
  test('repository name, ARN and URI under stable logical IDs', () => {
    const t = template();
    const repoId = Object.keys(t.findResources('AWS::ECR::Repository'))[0];
    t.hasOutput('RepositoryName', { Value: { Ref: repoId } });
    t.hasOutput('RepositoryArn', { Value: { 'Fn::GetAtt': [repoId, 'Arn'] } });
    expect(JSON.stringify(t.findOutputs('RepositoryUri'))).toContain(`{"Ref":"${repoId}"}`);
  });

  test('the login command is a plain string when the account is known', () => {
    template({}, { account: '123456789012' }).hasOutput('LoginCommand', {
      Value: 'aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com',
    });
  });
});

describe('config checks the registry relies on', () => {
  const r = REGISTRY;
  test.each<[string, Partial<RegistryConfig>, RegExp]>([
    ['a pattern both protected and released', { retention: { ...r.retention, protectTagPatterns: ['v*'] } }, /registry\.retention\.protectTagPatterns and retention\.releaseTagPatterns both list "v\*"/],
    ['a protected pattern listed twice', { retention: { ...r.retention, protectTagPatterns: ['keep-*', 'keep-*'] } }, /registry\.retention\.protectTagPatterns lists a pattern twice/],
    ['a zero promotion window', { retention: { ...r.retention, keepPromotedImages: 0 } }, /registry\.retention\.keepPromotedImages must be an integer from 1 to 100,000, got 0/],
    ['mutable tags', { tagMutability: 'MUTABLE' }, /registry\.tagMutability must be IMMUTABLE, got "MUTABLE": prod pulls from this repository \(Security Hub ECR\.2\) and promotion tags must never move/],
    ['a malformed oidcProviderArn', { ciPushRole: { ...REAL_REPO, oidcProviderArn: 'arn:aws:iam::123:oidc-provider/x' } }, /registry\.ciPushRole\.oidcProviderArn must be arn:aws:iam::<12-digit account>:oidc-provider\/token\.actions\.githubusercontent\.com/],
    ['both an ARN and createOidcProvider', { ciPushRole: { ...REAL_REPO, createOidcProvider: true, oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' } }, /sets both oidcProviderArn and createOidcProvider/],
    ['the old placeholder repository', { ciPushRole: { ...REAL_REPO, githubRepository: 'better-call-buffet/registry' } }, /registry\.ciPushRole\.githubRepository "better-call-buffet\/registry" is a placeholder/],
    ['owner/repo', { ciPushRole: { ...REAL_REPO, githubRepository: 'OWNER/REPO' } }, /"OWNER\/REPO" is a placeholder \(matches "owner\/repo"\)/],
    ['an example owner', { ciPushRole: { ...REAL_REPO, githubRepository: 'example/app' } }, /"example\/app" is a placeholder \(matches "example\/\*"\)/],
    ['your-org', { ciPushRole: { ...REAL_REPO, githubRepository: 'your-org/better-call-buffet' } }, /is a placeholder \(matches "your-org\/\*"\)/],
    ['a wildcard repository', { ciPushRole: { ...REAL_REPO, githubRepository: 'acme/*' } }, /must be 'owner\/repo' with no wildcards, got "acme\/\*"/],
  ])('%s is a config error', (_what, patch, message) => {
    expect(() => validateRegistryConfig({ ...REGISTRY, ...patch })).toThrow(ConfigError);
    expect(() => validateRegistryConfig({ ...REGISTRY, ...patch })).toThrow(message);
  });

  test('a placeholder from -c githubRepository is refused the same way', () => {
    expect(() => loadConfig({ getContext: (k) => (k === 'githubRepository' ? 'owner/repo' : undefined) })).toThrow(/registry\.ciPushRole\.githubRepository "owner\/repo" is a placeholder/);
  });
});
