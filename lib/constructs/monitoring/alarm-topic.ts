import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { denyGrantsNotForAwsResources } from '../../governance/kms-key-policy';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Props for {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** SNS topic name. */
  readonly topicName: string;
  /**
   * Prefix of the names of the CloudWatch alarms allowed to publish (`<app>-<env>`); the topic policy
   * admits alarms named `<prefix>-*` in this account and region only.
   */
  readonly alarmNamePrefix: string;
  /**
   * E-mail addresses to subscribe. Each recipient must confirm the subscription from the e-mail AWS sends.
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

/**
 * The SNS topic every registry alarm and EventBridge rule notifies: encrypted with a key of its own,
 * HTTPS-only, publishable only by this environment's alarms and by EventBridge.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    for (const email of props.emails ?? []) {
      if (!Token.isUnresolved(email) && !EMAIL_RE.test(email)) {
        throw new Error(`AlarmTopic: ${JSON.stringify(email)} is not an e-mail address; pass addresses like oncall@example.com`);
      }
    }
    const stack = Stack.of(this);

    // A customer managed key, not the AWS managed `alias/aws/sns`: the managed key's policy cannot be edited,
    // and without kms:GenerateDataKey*/kms:Decrypt for cloudwatch.amazonaws.com and events.amazonaws.com
    // every alarm action and rule delivery to the topic fails ("CloudWatch Alarms does not have
    // authorization to access the SNS topic encryption key"). The key protects only in-flight
    // notifications, so it may go with the stack; the pending window still allows a restore.
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the ${props.topicName} SNS topic (registry alarm notifications)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    // Same account guard as the CloudWatch statement above (confused deputy): EventBridge rules of other
    // accounts cannot use the key. The topic policy below cannot carry a condition for EventBridge ("You
    // can't use Condition blocks in Amazon SNS topic policies for EventBridge", EventBridge user guide), so
    // the key is where the account is pinned. Not verifiable on moto: after a real deploy, the rules'
    // FailedInvocations metric must stay at zero (docs/governance.md).
    this.key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeRuleDelivery',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    // Control Tower CT.KMS.PR.3: no one hands out grants on this key directly.
    this.key.addToResourcePolicy(denyGrantsNotForAwsResources());

    // 'Default' keeps the topic's logical ID (and its policy's) what it was before this wrapper existed: CDK
    // leaves 'Default' out of logical IDs, so no deployed topic is replaced.
    this.topic = new sns.Topic(this, 'Default', {
      topicName: props.topicName,
      displayName: `${props.alarmNamePrefix} registry alarms`,
      masterKey: this.key,
      // Deny any publish/subscribe over plain HTTP (Security Hub SNS.4 and AWS Foundational best practice).
      enforceSSL: true,
      // SHA256 message signatures instead of SHA1.
      signatureVersion: '2',
    });
    // Attaching a topic policy replaces SNS's default one (which let anything in the account publish), so
    // CloudWatch needs its own grant: scoped to this environment's alarms, the AWS-recommended guard
    // against the confused deputy.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowThisEnvironmentsAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: `${props.alarmNamePrefix}-*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }));
    // Same reason as on the key: "You can't use Condition blocks in Amazon SNS topic policies for
    // EventBridge" (EventBridge user guide). The grant names this topic only.
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeRules',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
    }));

    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
