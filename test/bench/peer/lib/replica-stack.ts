import * as cdk from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface PeerReplicaStackProps extends cdk.StackProps {
  readonly repositoryName: string;
  /** The region whose default event bus receives replication failures. */
  readonly sourceRegion: string;
}

/**
 * The replica region as a user would write it: the replica repository with its own key, a creation template with
 * its role, and a rule forwarding failed replications to the source region's event bus.
 */
export class PeerReplicaStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: PeerReplicaStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'ReplicaKey', { enableKeyRotation: true, removalPolicy: cdk.RemovalPolicy.RETAIN });
    new ecr.Repository(this, 'Replica', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: key,
      lifecycleRules: [{ rulePriority: 1, description: 'untagged', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: cdk.Duration.days(7) }],
    });
    const role = new iam.Role(this, 'CreationRole', { assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com') });
    new iam.Policy(this, 'CreationPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'], resources: [`arn:aws:ecr:${this.region}:${this.account}:repository/${props.repositoryName}`] }),
        new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'], resources: [key.keyArn] }),
      ],
    });
    new ecr.CfnRepositoryCreationTemplate(this, 'CreationTemplate', {
      prefix: props.repositoryName,
      appliedFor: ['REPLICATION'],
      customRoleArn: role.roleArn,
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: key.keyArn },
      imageTagMutability: 'IMMUTABLE',
    });
    const sourceBus = events.EventBus.fromEventBusArn(this, 'SourceBus', `arn:aws:events:${props.sourceRegion}:${this.account}:event-bus/default`);
    new events.Rule(this, 'ReplicationFailures', {
      eventPattern: { source: ['aws.ecr'], detailType: ['ECR Replication Action'], detail: { 'repository-name': [props.repositoryName], result: [{ 'anything-but': ['SUCCESS'] }] } },
      targets: [new targets.EventBus(sourceBus)],
    });
  }
}
