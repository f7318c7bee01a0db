import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ContainerRegistry, ContainerRegistryProps, DEFAULT_RETENTION, ECR_PULL_ACTIONS, ECR_PUSH_ACTIONS } from '../../lib/constructs/container-registry';
import { lifecyclePolicyText, renderRetentionPolicy } from '../../lib/lifecycle/retention';

const ACCOUNT = '123456789012';

function newStack(): Stack {
  return new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
}

function registry(props: Partial<ContainerRegistryProps> = {}, stack = newStack()): { stack: Stack; construct: ContainerRegistry } {
  const construct = new ContainerRegistry(stack, 'Registry', { repositoryName: 'app-repo', ...props });
  return { stack, construct };
}

const accountRoot = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] });

describe('ContainerRegistry defaults', () => {
  test('scan on push, immutable tags, AES256 (no KMS key), RETAIN without EmptyOnDelete', () => {
    // GIVEN / WHEN
    const { stack } = registry();

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ECR::Repository', 1);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResource('AWS::ECR::Repository', {
      Properties: Match.objectLike({
        RepositoryName: 'app-repo',
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        // Absent means AES256 (ECR's default); CDK leaves it out, and adding it to a deployed repository
        // would be an EncryptionConfiguration change, which CloudFormation handles by replacement.
        EncryptionConfiguration: Match.absent(),
        EmptyOnDelete: Match.absent(),
        ImageTagMutabilityExclusionFilters: Match.absent(),
        RepositoryPolicyText: Match.absent(),
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('carries the default retention as a validated lifecycle policy', () => {
    const { stack, construct } = registry();
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      LifecyclePolicy: { LifecyclePolicyText: lifecyclePolicyText(renderRetentionPolicy(DEFAULT_RETENTION)) },
    });
    expect(construct.lifecyclePolicy.rules.at(-1)?.selection.tagStatus).toBe('any');
  });

  test('scan on push can be switched off explicitly', () => {
    const { stack } = registry({ imageScanOnPush: false });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: false } });
  });
});

describe('tag mutability', () => {
  test.each([ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, ecr.TagMutability.MUTABLE_WITH_EXCLUSION])('%s renders its wildcard exclusion filters', (mode) => {
    // GIVEN / WHEN
    const { stack } = registry({ tagMutability: mode, tagMutabilityExclusions: ['latest', 'dev-*'] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: mode,
      ImageTagMutabilityExclusionFilters: [
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' },
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'dev-*' },
      ],
    });
  });

  test('MUTABLE is possible when asked for', () => {
    const { stack } = registry({ tagMutability: ecr.TagMutability.MUTABLE });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'MUTABLE' });
  });

  test('an exclusion mode without filters is refused', () => {
    expect(() => registry({ tagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION })).toThrow(/needs 1-5 wildcard filters with IMMUTABLE_WITH_EXCLUSION, got 0/);
  });

  test('more than five filters are refused', () => {
    const tagMutabilityExclusions = ['a*', 'b*', 'c*', 'd*', 'e*', 'f*'];
    expect(() => registry({ tagMutability: ecr.TagMutability.MUTABLE_WITH_EXCLUSION, tagMutabilityExclusions })).toThrow(/needs 1-5 wildcard filters .* got 6/);
  });

  test('filters without an exclusion mode are refused', () => {
    expect(() => registry({ tagMutabilityExclusions: ['latest'] })).toThrow(/only apply to IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not IMMUTABLE/);
  });
});

describe('encryption', () => {
  test('kmsEncryption creates a rotating key that is retained with the repository', () => {
    // GIVEN / WHEN
    const { stack } = registry({ kmsEncryption: true });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain' });
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    template.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  test('the created key follows a DESTROY repository (no orphaned keys from trial stacks)', () => {
    const { stack } = registry({ kmsEncryption: true, removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('an existing key is used as given, with no new key', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'SharedKey', { enableKeyRotation: true });

    // WHEN
    registry({ encryptionKey: key }, stack);

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } },
    });
  });

  test('a key with kmsEncryption: false is contradictory and refused', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'SharedKey');
    expect(() => registry({ encryptionKey: key, kmsEncryption: false }, stack)).toThrow(/encryptionKey was given with kmsEncryption: false/);
  });
});

describe('removal', () => {
  test('DESTROY deletes the repository and empties it first', () => {
    const { stack } = registry({ removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::ECR::Repository', {
      Properties: Match.objectLike({ EmptyOnDelete: true }),
      DeletionPolicy: 'Delete',
    });
  });

  test('SNAPSHOT is not a removal policy ECR supports', () => {
    expect(() => registry({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/removalPolicy snapshot is not supported/);
  });
});

describe('lifecycle policy', () => {
  test('renders the retention intent with the pinned tag protected first', () => {
    // GIVEN
    const retention = { protectTagPatterns: ['keep-*'], releaseTagPatterns: ['v*'], keepReleaseImages: 5, expireUntaggedAfterDays: 2, maxImages: 50 };

    // WHEN
    const { stack } = registry({ retention, pinnedImage: { tag: 'v1.4.2-3f9c2ab' } });

    // THEN
    const text = Template.fromStack(stack).findResources('AWS::ECR::Repository');
    const policy = JSON.parse(Object.values(text)[0].Properties.LifecyclePolicy.LifecyclePolicyText);
    expect(policy).toEqual(renderRetentionPolicy(retention, { pinnedImageTags: ['v1.4.2-3f9c2ab'] }));
    expect(policy.rules[0]).toEqual({
      rulePriority: 1,
      description: expect.stringContaining('v1.4.2-3f9c2ab'),
      selection: { tagStatus: 'tagged', tagPatternList: ['v1.4.2-3f9c2ab'], countType: 'imageCountMoreThan', countNumber: 1_000_000 },
      action: { type: 'expire' },
    });
  });

  test('invalid retention fails at construction, before any deploy', () => {
    expect(() => registry({ retention: { ...DEFAULT_RETENTION, keepReleaseImages: 0 } })).toThrow(/retention\.keepReleaseImages must be an integer from 1 to 100,000, got 0/);
  });

  test('a pinned tag from a deploy-time parameter is rendered into the policy text', () => {
    // GIVEN
    const stack = newStack();
    const tag = new CfnParameter(stack, 'ImageTag').valueAsString;

    // WHEN
    registry({ pinnedImage: { tag } }, stack);

    // THEN
    const repo = Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository'))[0];
    expect(JSON.stringify(repo.Properties.LifecyclePolicy.LifecyclePolicyText)).toContain('{"Ref":"ImageTag"}');
  });

  test('a pinned digest warns that only its tag can be protected', () => {
    // GIVEN / WHEN
    const { stack } = registry({ pinnedImage: { tag: 'v1.0.0', digest: `sha256:${'a'.repeat(64)}` } });

    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Registry', Match.stringLikeRegexp('pins digest sha256:a+; .*only tag v1\\.0\\.0 is protected'));
  });

  test('no digest, no warning', () => {
    const { stack } = registry({ pinnedImage: { tag: 'v1.0.0' } });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('pins digest'));
  });
});

describe('access', () => {
  test('cross-account pull lists each account as an explicit principal, pull actions only', () => {
    // GIVEN / WHEN
    const { stack } = registry({ crossAccountPullAccounts: ['111111111111', '222222222222'] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CrossAccountPull',
            Effect: 'Allow',
            Principal: { AWS: [accountRoot('111111111111'), accountRoot('222222222222')] },
            Action: [...ECR_PULL_ACTIONS],
          },
        ],
      },
    });
  });

  test('a wildcard account is refused', () => {
    expect(() => registry({ crossAccountPullAccounts: ['*'] })).toThrow(/wildcard principals are never allowed/);
  });

  test('an account that is not 12 digits is refused', () => {
    expect(() => registry({ crossAccountPullAccounts: ['12345'] })).toThrow(/crossAccountPullAccounts\[0\] must be a 12-digit AWS account ID, got "12345"/);
  });

  test('grantPull gives a role pull on this repository plus the account-wide auth token', () => {
    // GIVEN
    const { stack, construct } = registry();
    const role = new iam.Role(stack, 'Puller', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    construct.grantPull(role);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: [...ECR_PULL_ACTIONS], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryRepository'), 'Arn'] } },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
    });
  });

  test('grantPush gives a role the push actions the ECR guide lists', () => {
    const { stack, construct } = registry();
    const role = new iam.Role(stack, 'Pusher', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    construct.grantPush(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: [...ECR_PUSH_ACTIONS], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryRepository'), 'Arn'] } }),
        ]),
      },
    });
  });

  test('grantPull to another account goes into the repository policy with that explicit account', () => {
    const { stack, construct } = registry();
    construct.grantPull(new iam.AccountPrincipal('333333333333'));
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: { Statement: [Match.objectLike({ Principal: { AWS: accountRoot('333333333333') }, Action: [...ECR_PULL_ACTIONS] })] },
    });
  });

  test.each([
    ['AnyPrincipal', () => new iam.AnyPrincipal()],
    ['StarPrincipal', () => new iam.StarPrincipal()],
    ['an ARN wildcard', () => new iam.ArnPrincipal('*')],
  ])('grantPull refuses %s', (_name, principal) => {
    const { construct } = registry();
    expect(() => construct.grantPull(principal())).toThrow(/cannot grant .* to a wildcard principal/);
  });

  test('grantPush refuses a wildcard principal', () => {
    const { construct } = registry();
    expect(() => construct.grantPush(new iam.AnyPrincipal())).toThrow(/cannot grant .* to a wildcard principal/);
  });

  test('a wildcard principal added to the repository policy directly fails synthesis', () => {
    // GIVEN
    const { stack, construct } = registry();

    // WHEN
    construct.repository.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['ecr:BatchGetImage'] }));

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(/repository policy statement 0 allows a wildcard principal/);
  });
});
