import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../lib/config/environments';
import { loadEnvironment, loadEnvironments } from '../../lib/config/load';
import { ENV_NAMES, EnvConfig, EnvName } from '../../lib/config/types';
import { ConfigError, validateEnvConfig } from '../../lib/config/validate';
import { lifecyclePolicyForEnv } from '../../lib/lifecycle/env-policy';
import { lifecyclePolicyText } from '../../lib/lifecycle/retention';
import { RegistryStack } from '../../lib/stacks/registry-stack';

function registryStack(config: EnvConfig, account?: string): RegistryStack {
  return new RegistryStack(new App(), `BetterCallBuffet-${config.envName}-Registry`, {
    env: { account, region: config.region },
    config,
  });
}

const template = (envName: EnvName, overrides: Partial<EnvConfig> = {}, account?: string) =>
  Template.fromStack(registryStack({ ...loadEnvironment(envName), ...overrides }, account));

const repository = (t: Template) => {
  const repos = Object.values(t.findResources('AWS::ECR::Repository'));
  expect(repos).toHaveLength(1);
  return repos[0];
};

describe('RegistryStack per environment', () => {
  test.each(ENV_NAMES)('%s: deploys exactly the lifecycle policy lifecyclePolicyForEnv reports', (envName) => {
    // GIVEN / WHEN
    const t = template(envName);

    // THEN: what `npm run lifecycle -- --env` previews is what is deployed
    expect(repository(t).Properties.LifecyclePolicy).toEqual({ LifecyclePolicyText: lifecyclePolicyText(lifecyclePolicyForEnv(envName)) });
  });

  test.each(ENV_NAMES)('%s: scans on push', (envName) => {
    template(envName).hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: true } });
  });

  test('mutability: prod and staging immutable (ECR.2), dev immutable except latest and dev-*', () => {
    template('prod').hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'IMMUTABLE', ImageTagMutabilityExclusionFilters: Match.absent() });
    template('staging').hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'IMMUTABLE', ImageTagMutabilityExclusionFilters: Match.absent() });
    template('dev').hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' },
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'dev-*' },
      ],
    });
  });

  test('encryption: prod uses its own rotating, retained KMS key; dev and staging AES256', () => {
    // (The monitoring construct has a KMS key of its own for its SNS topic: look only at the repository's key.)
    const prod = template('prod');
    const { EncryptionType, KmsKey } = repository(prod).Properties.EncryptionConfiguration;
    expect(EncryptionType).toBe('KMS');
    const key = prod.findResources('AWS::KMS::Key')[KmsKey['Fn::GetAtt'][0]];
    expect([key.Properties.EnableKeyRotation, key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual([true, 'Retain', 'Retain']);
    for (const envName of ['dev', 'staging'] as const) {
      const t = template(envName);
      expect(repository(t).Properties.EncryptionConfiguration).toBeUndefined();
      expect(JSON.stringify(t.findResources('AWS::KMS::Key'))).not.toContain('Encrypts images');
    }
  });

  test('removal: prod and staging retain repository and images; dev deletes and empties it', () => {
    for (const envName of ['prod', 'staging'] as const) {
      const repo = repository(template(envName));
      expect([repo.DeletionPolicy, repo.UpdateReplacePolicy, repo.Properties.EmptyOnDelete]).toEqual(['Retain', 'Retain', undefined]);
    }
    const dev = repository(template('dev'));
    expect([dev.DeletionPolicy, dev.Properties.EmptyOnDelete]).toEqual(['Delete', true]);
  });

  test('cross-account pull from config lands in the repository policy', () => {
    template('staging', { crossAccountPullAccounts: ['210987654321'] }).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [Match.objectLike({
          Sid: 'CrossAccountPull',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::210987654321:root']] } },
        })],
      },
    });
  });

  test('a pinned digest is flagged: the lifecycle policy can only protect its tag', () => {
    const stack = registryStack({ ...loadEnvironment('prod'), imageDigest: `sha256:${'b'.repeat(64)}` });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('only tag v1\\.0\\.0 is protected'));
  });
});

describe('CI push role', () => {
  test('staging (the environment that configures it) gets the OIDC provider, the role and its ARN as an output', () => {
    // GIVEN / WHEN
    const stack = registryStack(loadEnvironment('staging'));
    const t = Template.fromStack(stack);

    // THEN
    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': ['repo:better-call-buffet/registry:ref:refs/heads/main', 'repo:better-call-buffet/registry:environment:staging'],
            },
          },
        })],
      },
    });
    expect(stack.ciPushRole).toBeDefined();
    t.hasOutput('CiPushRoleArn', { Value: { 'Fn::GetAtt': [stack.getLogicalId(stack.ciPushRole!.role.node.defaultChild as never), 'Arn'] } });
  });

  test.each(['dev', 'prod'] as const)('%s configures none: no role, no provider', (envName) => {
    const t = template(envName);
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(JSON.stringify(t.findResources('AWS::IAM::Role'))).not.toContain('sts:AssumeRoleWithWebIdentity');
    expect(t.findOutputs('CiPushRoleArn')).toEqual({});
  });

  test('an oidcProviderArn in config reuses the account provider', () => {
    const staging = loadEnvironment('staging');
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const t = template('staging', { ciPushRole: { ...staging.ciPushRole!, oidcProviderArn: arn } });
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: arn } })] } });
  });
});

describe('outputs', () => {
  test('repository name, ARN and URI under stable logical IDs', () => {
    const t = template('staging');
    const repoId = Object.keys(t.findResources('AWS::ECR::Repository'))[0];
    t.hasOutput('RepositoryName', { Value: { Ref: repoId } });
    t.hasOutput('RepositoryArn', { Value: { 'Fn::GetAtt': [repoId, 'Arn'] } });
    t.hasOutput('RepositoryUri', { Value: { 'Fn::Join': Match.anyValue() } });
    expect(JSON.stringify(t.findOutputs('RepositoryUri'))).toContain(`{"Ref":"${repoId}"}`);
  });

  test('the login command is a plain string when the account is known', () => {
    template('prod', {}, '123456789012').hasOutput('LoginCommand', {
      Value: 'aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com',
    });
  });

  test('the login command joins in the account at deploy time when it is not known at synth', () => {
    template('prod').hasOutput('LoginCommand', {
      Value: {
        'Fn::Join': ['', [
          'aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin ',
          { Ref: 'AWS::AccountId' },
          '.dkr.ecr.us-east-1.amazonaws.com',
        ]],
      },
    });
  });
});

describe('config checks the registry relies on', () => {
  const dev = ENVIRONMENTS.dev;
  const staging = ENVIRONMENTS.staging;

  test('a pattern both protected and released is a config error', () => {
    expect(() => validateEnvConfig({ ...dev, retention: { ...dev.retention, protectTagPatterns: ['v*'] } })).toThrow(/dev\.retention\.protectTagPatterns and retention\.releaseTagPatterns both list "v\*"/);
  });

  test('a protected pattern listed twice is a config error', () => {
    expect(() => validateEnvConfig({ ...dev, retention: { ...dev.retention, protectTagPatterns: ['keep-*', 'keep-*'] } })).toThrow(/dev\.retention\.protectTagPatterns lists a pattern twice/);
  });

  test('a malformed oidcProviderArn is a config error', () => {
    expect(() => validateEnvConfig({ ...staging, ciPushRole: { ...staging.ciPushRole!, oidcProviderArn: 'arn:aws:iam::123:oidc-provider/x' } })).toThrow(/staging\.ciPushRole\.oidcProviderArn must be arn:aws:iam::<12-digit account>:oidc-provider\/token\.actions\.githubusercontent\.com/);
  });

  test('two environments creating the GitHub OIDC provider in one account is a config error', () => {
    // GIVEN dev also configures a CI role, in the same (default) account as staging
    const environments = { ...ENVIRONMENTS, dev: { ...dev, ciPushRole: { githubRepository: 'acme/app', branches: ['main'], environments: [] } } };

    // WHEN / THEN
    expect(() => loadEnvironments({ getContext: () => undefined, environments })).toThrow(ConfigError);
    expect(() => loadEnvironments({ getContext: () => undefined, environments })).toThrow(/staging\.ciPushRole would create the GitHub OIDC provider that dev already creates in the same account; set staging\.ciPushRole\.oidcProviderArn/);
  });
});
