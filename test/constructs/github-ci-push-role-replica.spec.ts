import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { GithubCiPushRole, GithubCiPushRoleProps } from '../../lib/constructs/github-ci-push-role';

/** The CI push role and the replica: it reads the replica's images for the promotion gate, and writes nothing there. */
const REPLICA_ARN = 'arn:aws:ecr:us-west-2:123456789012:repository/app-repo';

function statements(props: Partial<GithubCiPushRoleProps> = {}): Array<{ Sid?: string; Action: unknown; Resource: unknown }> {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  const repository = new ecr.Repository(stack, 'Repo', { repositoryName: 'app-repo' });
  new GithubCiPushRole(stack, 'CiPushRole', { repository, githubRepository: 'acme/app', branches: ['main'], ...props });
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
}

test('with a replica: ecr:DescribeImages on the replica repository, the only statement naming it', () => {
  const naming = statements({ replicaRepositoryArns: [REPLICA_ARN] }).filter((st) => JSON.stringify(st.Resource).includes('us-west-2'));
  expect(naming).toEqual([{ Sid: 'ReadReplicasForThePromotionGate', Effect: 'Allow', Action: 'ecr:DescribeImages', Resource: REPLICA_ARN }]);
});

test('without a replica: no such statement', () => {
  expect(statements().map((st) => st.Sid)).not.toContain('ReadReplicasForThePromotionGate');
});
