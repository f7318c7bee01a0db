import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RegistryReplication, RegistryReplicationProps } from '../../lib/constructs/registry-replication';

function build(props: Partial<RegistryReplicationProps> = {}, region = 'us-east-1'): Template {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region } });
  new RegistryReplication(stack, 'Replication', { repositoryNames: ['better-call-buffet'], destinationRegions: ['us-west-2'], ...props });
  return Template.fromStack(stack);
}

describe('registry replication configuration', () => {
  test('copies the repository (PREFIX_MATCH filter) to the destination region of this same account', () => {
    // GIVEN / WHEN
    const template = build();
    // THEN
    template.resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
    template.hasResourceProperties('AWS::ECR::ReplicationConfiguration', Match.objectEquals({
      ReplicationConfiguration: {
        Rules: [{
          Destinations: [{ Region: 'us-west-2', RegistryId: '123456789012' }],
          RepositoryFilters: [{ Filter: 'better-call-buffet', FilterType: 'PREFIX_MATCH' }],
        }],
      },
    }));
  });

  test('is retained: deleting the stack leaves replication running, so a replica in use never goes stale silently', () => {
    build().hasResource('AWS::ECR::ReplicationConfiguration', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test.each<[string, Partial<RegistryReplicationProps>, string, RegExp]>([
    ['no repository', { repositoryNames: [] }, 'us-east-1', /repositoryNames must list 1-100 repositories/],
    ['a repository twice', { repositoryNames: ['a1', 'a1'] }, 'us-east-1', /lists a repository twice/],
    ['an upper-case filter', { repositoryNames: ['Better'] }, 'us-east-1', /"Better" is not a valid replication filter/],
    ['no destination', { destinationRegions: [] }, 'us-east-1', /destinationRegions must list 1-25 regions, got 0/],
    ['a made-up region', { destinationRegions: ['us-west-9'] }, 'us-east-1', /destination region "us-west-9" is not an AWS region name/],
    ['its own region', { destinationRegions: ['us-east-1'] }, 'us-east-1', /destination region us-east-1 is this stack's own region/],
  ])('refuses %s', (_what, props, region, message) => {
    expect(() => build(props, region)).toThrow(message);
  });
});
