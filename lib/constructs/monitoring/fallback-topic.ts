import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { denyGrantsNotForAwsResources } from '../../governance/kms-key-policy';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Props for {@link FallbackTopic}. */
export interface FallbackTopicProps {
  /** SNS topic name. */
  readonly topicName: string;
  /** Names of the CloudWatch alarms allowed to publish (exact names, this account and region only). */
  readonly alarmNames: readonly string[];
  /**
   * E-mail addresses to subscribe (the same people as the main alarm topic).
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/**
 * A second, independent notification path for the alarms that report the main alarm topic's own failures.
 *
 * An alarm that says "EventBridge could not deliver to the alarm topic" is useless if it is delivered through
 * that same topic: a broken topic policy or key policy silences it too. This topic has its own key with its own
 * key policy, its own topic policy that admits CloudWatch only (no EventBridge grant at all), and the same
 * subscribers, so a hand-edited or broken main topic does not take it down.
 */
export class FallbackTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FallbackTopicProps) {
    super(scope, id);
    for (const email of props.emails ?? []) {
      if (!Token.isUnresolved(email) && !EMAIL_RE.test(email)) {
        throw new Error(`FallbackTopic: ${JSON.stringify(email)} is not an e-mail address; pass addresses like oncall@example.com`);
      }
    }
    if (props.alarmNames.length === 0) throw new Error('FallbackTopic: alarmNames is empty; name at least one alarm allowed to publish');
    const stack = Stack.of(this);
    const alarmArns = props.alarmNames.map((name) => stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }));

    // A customer managed key (the AWS managed alias/aws/sns key cannot grant CloudWatch), separate from the
    // main topic's key so that one key policy mistake cannot silence both paths.
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.topicName} SNS topic (fallback path for notification-delivery alarms)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Control Tower CT.KMS.PR.3.
    this.key.addToResourcePolicy(denyGrantsNotForAwsResources());
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: `${props.topicName}`,
      masterKey: this.key,
      enforceSSL: true,
      signatureVersion: '2',
    });
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowTheDeliveryAlarmsOnly',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnEquals: { 'aws:SourceArn': alarmArns },
      },
    }));
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
