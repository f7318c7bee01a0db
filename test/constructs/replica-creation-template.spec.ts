import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ReplicaCreationTemplate, ReplicaCreationTemplateProps } from '../../lib/constructs/replica-creation-template';

const LIFECYCLE = JSON.stringify({ rules: [{ rulePriority: 1, description: 'keep the newest 10 images of any kind', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }] });
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'CrossAccountPull', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['ecr:BatchGetImage'] }] });

function build(props: Partial<ReplicaCreationTemplateProps> = {}): { template: Template; keyId: string } {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-west-2' } });
  const key = new kms.Key(stack, 'ReplicaKey');
  new ReplicaCreationTemplate(stack, 'Template', {
    prefix: 'better-call-buffet', encryptionKey: key, lifecyclePolicyText: LIFECYCLE, repositoryPolicyText: POLICY,
    resourceTags: { Project: 'BetterCallBuffet' }, ...props,
  });
  const template = Template.fromStack(stack);
  return { template, keyId: Object.keys(template.findResources('AWS::KMS::Key'))[0] };
}

describe('repository creation template for replicas', () => {
  test('REPLICATION under the repository\'s name: KMS with the key of this region, IMMUTABLE, the given policies and tags', () => {
    // GIVEN / WHEN
    const { template, keyId } = build();
    // THEN
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role'));
    template.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', Match.objectEquals({
      Prefix: 'better-call-buffet',
      AppliedFor: ['REPLICATION'],
      Description: Match.stringLikeRegexp('^Replicas of better-call-buffet'),
      CustomRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      // The full key ARN, as the API requires.
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      ImageTagMutability: 'IMMUTABLE',
      LifecyclePolicy: LIFECYCLE,
      RepositoryPolicy: POLICY,
      ResourceTags: [{ Key: 'Project', Value: 'BetterCallBuffet' }],
    }));
  });

  test('the role ECR assumes may create, fill and tag this one repository and use this one key, nothing else', () => {
    const { template, keyId } = build();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecr.amazonaws.com' } }] },
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'CreateTheReplicaRepository', Effect: 'Allow', Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-west-2:123456789012:repository/better-call-buffet']] },
      },
      { Sid: 'EncryptItWithTheReplicaKey', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    ]);
  });

  test('the template waits for the role\'s policy: ECR may use the role the moment the template exists', () => {
    const { template } = build();
    const [policyId] = Object.keys(template.findResources('AWS::IAM::Policy'));
    template.hasResource('AWS::ECR::RepositoryCreationTemplate', { DependsOn: [policyId] });
  });

  test('no repository policy and no tags when none are given', () => {
    const { template } = build({ repositoryPolicyText: undefined, resourceTags: undefined });
    const [props] = Object.values(template.findResources('AWS::ECR::RepositoryCreationTemplate')).map((r) => r.Properties);
    expect(props.RepositoryPolicy).toBeUndefined();
    expect(props.ResourceTags).toBeUndefined();
  });

  test.each<[string, Partial<ReplicaCreationTemplateProps>, RegExp]>([
    ['ROOT (every replicated repository of the registry)', { prefix: 'ROOT' }, /prefix "ROOT" must be a literal repository name \(not ROOT/],
    ['an upper-case prefix', { prefix: 'Better' }, /prefix "Better" must be a literal repository name/],
    ['a lifecycle policy under 100 characters', { lifecyclePolicyText: '{"rules":[]}' }, /lifecyclePolicyText must be 100-30,720 characters \(CloudFormation\), got 12/],
    ['a repository policy over 10,240 characters', { repositoryPolicyText: 'x'.repeat(10_241) }, /repositoryPolicyText must be at most 10,240 characters/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
