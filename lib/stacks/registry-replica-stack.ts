import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { EnvConfig, RegistryConfig, RESOURCE_PREFIX } from '../config/types';
import { ContainerRegistry } from '../constructs/container-registry';
import { ReplicaCreationTemplate } from '../constructs/replica-creation-template';
import { ReplicationFailureForwarder } from '../constructs/replication-failure-forwarder';
import { lifecyclePolicyText } from '../lifecycle/retention';
import { REGISTRY_MONITORING_NAME } from './registry-stack';
import { repositoryPropsForRegistry } from './registry-repository';

export interface RegistryReplicaStackProps extends StackProps {
  /** The registry whose repository this region holds a replica of (`registry.replicaRegion`). */
  readonly registry: RegistryConfig;
  /** Every environment, as configured: the replica protects and admits exactly what the source does. */
  readonly environments: readonly EnvConfig[];
  /** Tags the replica repository gets when ECR creates it (the creation template's ResourceTags). */
  readonly repositoryTags: Readonly<Record<string, string>>;
}

/**
 * The replica of the shared repository in `registry.replicaRegion` (same account), which ECR replication fills
 * (the replication configuration is in BetterCallBuffet-RegistrySettings, in the registry's region):
 *
 * - the replica repository itself, built from the same configuration as the source (ContainerRegistry with the
 *   same props): KMS with a key of this region, IMMUTABLE tags, scan on push, the same lifecycle policy text
 *   (a lifecycle policy acts only in its own region, and replication copies no deletions) and the same
 *   cross-account pull policy. CloudFormation owns it, so it exists before the first replicated push (a service
 *   can switch to it at once) and follows every later configuration change, which a creation template cannot:
 *   templates apply only when ECR creates a repository;
 * - the repository creation template for REPLICATION, with the same settings, for a replica ECR creates itself
 *   (the repository deleted by hand and re-created by the next replication);
 * - the forwarding of failed replications (reported only here) to the registry's region, where they notify.
 *
 * Exports nothing: services find the replica by name and region, like the source.
 */
export class RegistryReplicaStack extends Stack {
  readonly replica: ContainerRegistry;
  readonly creationTemplate: ReplicaCreationTemplate;
  readonly failureForwarder: ReplicationFailureForwarder;

  constructor(scope: Construct, id: string, props: RegistryReplicaStackProps) {
    super(scope, id, props);
    const { registry, environments } = props;
    if (registry.replicaRegion !== undefined && this.region !== registry.replicaRegion) {
      throw new Error(`RegistryReplicaStack must be deployed to registry.replicaRegion ${registry.replicaRegion}, not ${this.region}`);
    }
    // Always a customer managed key here: the creation template needs one in this region, and the replica is
    // governed like the source, whose shipped configuration requires KMS.
    const repositoryProps = repositoryPropsForRegistry(registry, environments);
    this.replica = new ContainerRegistry(this, 'Replica', { ...repositoryProps, kmsEncryption: true });
    const repository = this.replica.repository;
    const policy = (repository.node.defaultChild as ecr.CfnRepository).repositoryPolicyText;

    this.creationTemplate = new ReplicaCreationTemplate(this, 'CreationTemplate', {
      prefix: registry.repositoryName,
      encryptionKey: this.replica.encryptionKey as NonNullable<ContainerRegistry['encryptionKey']>,
      lifecyclePolicyText: lifecyclePolicyText(this.replica.lifecyclePolicy),
      // The same document the replica repository carries (cross-account pulls), rendered once.
      repositoryPolicyText: (repositoryProps.crossAccountPullAccounts ?? []).length > 0 ? this.toJsonString(policy) : undefined,
      tagMutability: registry.tagMutability as ecr.TagMutability,
      resourceTags: props.repositoryTags,
    });

    this.failureForwarder = new ReplicationFailureForwarder(this, 'ReplicationFailures', {
      repositoryName: registry.repositoryName,
      registryRegion: registry.region,
      ruleName: `${RESOURCE_PREFIX}-${REGISTRY_MONITORING_NAME}-replication-failures-forward`,
    });

    new CfnOutput(this, 'RepositoryUri', {
      value: repository.repositoryUri,
      description: `Image name prefix in ${this.region}: the replica environments pull from with imageRegion ${this.region}`,
    });
    new CfnOutput(this, 'LoginCommand', {
      value: `aws ecr get-login-password --region ${this.region} | docker login --username AWS --password-stdin ${this.replica.registryHost}`,
      description: 'Authenticates docker to the replica registry for 12 hours',
    });
  }
}
