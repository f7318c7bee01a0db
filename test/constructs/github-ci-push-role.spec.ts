import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { GithubCiPushRole, GithubCiPushRoleProps } from '../../lib/constructs/github-ci-push-role';

const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const PROFILE_ARN = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/better_call_buffet';

function ciRole(props: Partial<GithubCiPushRoleProps> = {}): { stack: Stack; template: () => Template } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const repository = new ecr.Repository(stack, 'Repo', { repositoryName: 'app-repo' });
  new GithubCiPushRole(stack, 'CiPushRole', { repository, githubRepository: 'acme/app', branches: ['main'], ...props });
  return { stack, template: () => Template.fromStack(stack) };
}

describe('GithubCiPushRole', () => {
  test('by default trusts the account\'s existing GitHub OIDC provider, by ARN, and creates none', () => {
    // GIVEN / WHEN: IAM allows one provider per URL and account; creating it again fails with EntityAlreadyExists
    const { template } = ciRole();

    // THEN
    template().resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Federated: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:oidc-provider/token.actions.githubusercontent.com']] } },
        })],
      },
    });
  });

  test('createOidcProvider: true creates the provider for the sts.amazonaws.com audience, retained on stack deletion', () => {
    // GIVEN / WHEN
    const { template } = ciRole({ createOidcProvider: true });

    // THEN
    template().resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template().hasResource('AWS::IAM::OIDCProvider', {
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: { Ref: Match.stringLikeRegexp('^CiPushRoleGithubOidcProvider') } } })] },
    });
  });

  test('trusts only the configured repository branches and environments, with exact matches', () => {
    // GIVEN / WHEN
    const { template } = ciRole({ branches: ['main', 'release/1.x'], environments: ['prod'] });

    // THEN
    const roles = template().findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const trust = Object.values(roles)[0].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: expect.anything() },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              'repo:acme/app:ref:refs/heads/main',
              'repo:acme/app:ref:refs/heads/release/1.x',
              'repo:acme/app:environment:prod',
            ],
          },
        },
      },
    ]);
    expect(JSON.stringify(trust)).not.toContain('StringLike');
  });

  test('a single subject is a plain string condition', () => {
    const { template } = ciRole({ branches: [], environments: ['staging'] });
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Condition: { StringEquals: Match.objectLike({ 'token.actions.githubusercontent.com:sub': 'repo:acme/app:environment:staging' }) } })],
      },
    });
  });

  test('an existing provider ARN is trusted as given and no provider is created', () => {
    const { template } = ciRole({ oidcProviderArn: PROVIDER_ARN });
    template().resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template().hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: PROVIDER_ARN } })] },
      MaxSessionDuration: 3600,
    });
  });

  test('may push and promote (read images, scans, tag mutability) in this repository only, plus the account-wide auth token', () => {
    const { template } = ciRole();
    const policies = template().findResources('AWS::IAM::Policy');
    expect(Object.keys(policies)).toHaveLength(1);
    expect(Object.values(policies)[0].Properties.PolicyDocument.Statement).toEqual([
      // Listed literally, not from the constants the construct uses: a change to those must show up here.
      {
        Effect: 'Allow',
        Action: [
          // docker push (ECR user guide, "IAM permissions for pushing an image"; BatchGetImage for manifest reads)
          'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
          // npm run promote: the image, its scan, its managed signature, and the repository's tag mutability
          'ecr:DescribeImageScanFindings', 'ecr:DescribeImageSigningStatus', 'ecr:DescribeImages', 'ecr:DescribeRepositories',
        ],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Repo/), 'Arn'] },
      },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ]);
    template().resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  test('with a signing profile: may sign payloads with that profile only (managed signing signs as the pusher), nothing else of Signer', () => {
    const { template } = ciRole({ signingProfileArn: PROFILE_ARN });
    const statements = Object.values(template().findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.filter((st: { Action: unknown }) => JSON.stringify(st.Action).includes('signer:'))).toEqual([
      { Sid: 'SignPushesWithTheManagedSigningProfile', Effect: 'Allow', Action: 'signer:SignPayload', Resource: PROFILE_ARN },
    ]);
  });

  test('without a signing profile there is no Signer permission at all', () => {
    expect(JSON.stringify(ciRole().template().toJSON())).not.toContain('signer:');
  });

  describe('validation', () => {
    test.each<[string, Partial<GithubCiPushRoleProps>, RegExp]>([
      ['a repository without owner', { githubRepository: 'app' }, /githubRepository must be 'owner\/repo' with no wildcards, got "app"/],
      ['a wildcard repository', { githubRepository: 'acme/*' }, /githubRepository must be 'owner\/repo' with no wildcards, got "acme\/\*"/],
      ['no branch and no environment', { branches: [], environments: [] }, /needs at least one branch or GitHub environment/],
      ['a wildcard branch', { branches: ['feature/*'] }, /branches\[0\] "feature\/\*" must be a literal name/],
      ['a wildcard environment', { environments: ['prod*'] }, /environments\[0\] "prod\*" must be a literal name/],
      ['both createOidcProvider and an ARN', { createOidcProvider: true, oidcProviderArn: PROVIDER_ARN }, /createOidcProvider and oidcProviderArn were both given/],
      ['a versioned signing profile ARN', { signingProfileArn: `${PROFILE_ARN}/AbCdEf1234` }, /signingProfileArn must be a Signer profile ARN without version .*got ".*AbCdEf1234"/],
      ['a wildcard signing profile', { signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/*' }, /signingProfileArn must be a Signer profile ARN without version/],
      ['a provider ARN for another issuer', { oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, /oidcProviderArn must be the ARN of the account's token\.actions\.githubusercontent\.com provider/],
    ])('%s is refused', (_name, props, message) => {
      expect(() => ciRole(props)).toThrow(message);
    });
  });
});
