import { ArnFormat } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { denyGrantsNotForAwsResources } from '../../governance/kms-key-policy';
import { allowEventBridgeToUseTopicKey, allowServiceToPublish, allowServiceToUseKey, NotificationTopic, NotificationTopicProps } from './notification-topic';

/** Props for {@link AlarmTopic}. */
export interface AlarmTopicProps extends NotificationTopicProps {
  /**
   * Prefix of the names of the CloudWatch alarms allowed to publish (`<app>-<env>`); the topic policy
   * admits alarms named `<prefix>-*` in this account and region only.
   */
  readonly alarmNamePrefix: string;
}

/**
 * The SNS topic every registry alarm and EventBridge rule notifies: encrypted with a key of its own,
 * HTTPS-only, publishable only by this environment's alarms and by EventBridge.
 */
export class AlarmTopic extends NotificationTopic {
  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id, {
      ...props,
      owner: 'AlarmTopic',
      // 'Default' keeps the topic's logical ID (and its policy's) what it was before this wrapper existed: CDK
      // leaves 'Default' out of logical IDs, so no deployed topic is replaced.
      topicId: 'Default',
      displayName: `${props.alarmNamePrefix} registry alarms`,
      // A customer managed key, not the AWS managed `alias/aws/sns`: the managed key's policy cannot be edited,
      // and without kms:GenerateDataKey*/kms:Decrypt for cloudwatch.amazonaws.com and events.amazonaws.com
      // every alarm action and rule delivery to the topic fails ("CloudWatch Alarms does not have
      // authorization to access the SNS topic encryption key").
      keyDescription: `Encrypts the ${props.topicName} SNS topic (registry alarm notifications)`,
      keyPolicy: (stack, topicArn) => [
        // CloudWatch alarms send aws:SourceAccount with the KMS request SNS makes for them: the confused-deputy
        // guard AWS supports for alarms.
        allowServiceToUseKey('AllowCloudWatchAlarmsOfThisAccount', 'cloudwatch.amazonaws.com', stack.account),
        // EventBridge sends none of the aws:Source* keys with that request: the statement is tied to this topic by
        // the encryption context SNS sets instead (see allowEventBridgeToUseTopicKey). An earlier version asked for
        // aws:SourceAccount here, which would have failed every rule delivery; test/access/ proves this one works.
        allowEventBridgeToUseTopicKey('AllowEventBridgeRuleDelivery', topicArn),
        // Control Tower CT.KMS.PR.3: no one hands out grants on this key directly.
        denyGrantsNotForAwsResources(),
      ],
      topicPolicy: (topic, stack) => [
        // Attaching a topic policy replaces SNS's default one (which let anything in the account publish), so
        // CloudWatch needs its own grant: scoped to this environment's alarms, the AWS-recommended guard
        // against the confused deputy.
        allowServiceToPublish('AllowThisEnvironmentsAlarms', 'cloudwatch.amazonaws.com', topic, {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${props.alarmNamePrefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        }),
        // No condition: "You can't use Condition blocks in Amazon SNS topic policies for EventBridge"
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
        // The grant names this topic only; the key statement above ties EventBridge's use of the key to it.
        allowServiceToPublish('AllowEventBridgeRules', 'events.amazonaws.com', topic),
      ],
    });
  }
}
