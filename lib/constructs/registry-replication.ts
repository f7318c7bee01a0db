import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { AWS_REGIONS } from '../aws/regions';
import { REPLICATION_FILTER_RE, REPLICATION_FILTER_TYPE } from '../aws/replication';
import { checkRepositoryFilterNames } from './repository-filter-names';

/** Props for {@link RegistryReplication}. */
export interface RegistryReplicationProps {
  /** Repositories replicated, one PREFIX_MATCH filter each (1-100). */
  readonly repositoryNames: readonly string[];
  /** Regions of this account the repositories are copied to (1-25, none of them this stack's region). */
  readonly destinationRegions: readonly string[];
}

/**
 * The registry's replication configuration: every push to the given repositories (a new image or a new tag on
 * one) is copied by ECR to the same repository name in each destination region of this account. Only content
 * pushed after it is configured is replicated ("Any preexisting content in a repository isn't replicated");
 * ECR replicates no deletions, so the replica needs its own lifecycle policy
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html). Same-account cross-Region
 * replication needs no registry policy; ECR creates its service-linked role on first use.
 *
 * There is ONE replication configuration per account and region: creating it here overwrites whatever rules
 * were configured, for every repository of the registry. It is RETAINED: deleting the stack (or removing the
 * replica from the config) leaves replication running, so a replica that environments may pull from never goes
 * stale silently; stop it explicitly (docs/registry.md, "Replica").
 *
 * CloudFormation reference (every property used): AWS::ECR::ReplicationConfiguration ReplicationConfiguration
 * Rules[] (Destinations[] Region / RegistryId, RepositoryFilters[] Filter / FilterType PREFIX_MATCH), updates
 * without interruption:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-replicationconfiguration.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecr-replicationconfiguration-replicationrule.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecr-replicationconfiguration-replicationdestination.html
 */
export class RegistryReplication extends Construct {
  readonly replicationConfiguration: ecr.CfnReplicationConfiguration;

  constructor(scope: Construct, id: string, props: RegistryReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validateProps(props, stack.region);
    this.replicationConfiguration = new ecr.CfnReplicationConfiguration(this, 'Resource', {
      replicationConfiguration: {
        rules: [{
          // "When configuring cross-Region replication within your own registry, specify your own account ID."
          destinations: props.destinationRegions.map((region) => ({ region, registryId: stack.account })),
          repositoryFilters: props.repositoryNames.map((filter) => ({ filter, filterType: REPLICATION_FILTER_TYPE })),
        }],
      },
    });
    this.replicationConfiguration.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}

function validateProps(props: RegistryReplicationProps, stackRegion: string): void {
  const fail = (msg: string): never => {
    throw new Error(`RegistryReplication: ${msg}`);
  };
  checkRepositoryFilterNames(props.repositoryNames, fail, {
    valid: (n) => n.length >= 2 && n.length <= 256 && REPLICATION_FILTER_RE.test(n),
    description: 'replication filter (2-256 lowercase letters, digits, . _ - / separators)',
  });
  const regions = props.destinationRegions;
  if (regions.length < 1 || regions.length > 25) fail(`destinationRegions must list 1-25 regions, got ${regions.length}`);
  if (new Set(regions).size !== regions.length) fail(`destinationRegions lists a region twice: ${JSON.stringify(regions)}`);
  for (const r of regions) {
    if (Token.isUnresolved(r)) fail('destinationRegions must be literal region names');
    if (!AWS_REGIONS.includes(r)) fail(`destination region ${JSON.stringify(r)} is not an AWS region name`);
    if (!Token.isUnresolved(stackRegion) && r === stackRegion) fail(`destination region ${r} is this stack's own region: a replica must live in another region`);
  }
}
