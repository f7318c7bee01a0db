import { ArnFormat } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { denyGrantsNotForAwsResources } from '../../governance/kms-key-policy';
import { allowServiceToPublish, allowServiceToUseKey, NotificationTopic, NotificationTopicProps } from './notification-topic';

/** Props for {@link FallbackTopic}; `emails` are the same people as the main alarm topic's. */
export interface FallbackTopicProps extends NotificationTopicProps {
  /** Names of the CloudWatch alarms allowed to publish (exact names, this account and region only). */
  readonly alarmNames: readonly string[];
}

/**
 * A second, independent notification path for the alarms that report the main alarm topic's own failures.
 *
 * An alarm that says "EventBridge could not deliver to the alarm topic" is useless if it is delivered through
 * that same topic: a broken topic policy or key policy silences it too. This topic has its own key with its own
 * key policy, its own topic policy that admits CloudWatch only (no EventBridge grant at all), and the same
 * subscribers, so a hand-edited or broken main topic does not take it down.
 */
export class FallbackTopic extends NotificationTopic {
  constructor(scope: Construct, id: string, props: FallbackTopicProps) {
    if (props.alarmNames.length === 0) throw new Error('FallbackTopic: alarmNames is empty; name at least one alarm allowed to publish');
    super(scope, id, {
      ...props,
      owner: 'FallbackTopic',
      topicId: 'Topic',
      displayName: `${props.topicName}`,
      // A customer managed key (the AWS managed alias/aws/sns key cannot grant CloudWatch), separate from the
      // main topic's key so that one key policy mistake cannot silence both paths.
      keyDescription: `Encrypts the ${props.topicName} SNS topic (fallback path for notification-delivery alarms)`,
      keyPolicy: (stack) => [
        // Control Tower CT.KMS.PR.3.
        denyGrantsNotForAwsResources(),
        allowServiceToUseKey('AllowCloudWatchAlarmsOfThisAccount', 'cloudwatch.amazonaws.com', stack.account),
      ],
      topicPolicy: (topic, stack) => [
        allowServiceToPublish('AllowTheDeliveryAlarmsOnly', 'cloudwatch.amazonaws.com', topic, {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: {
            'aws:SourceArn': props.alarmNames.map((name) => stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: name,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            })),
          },
        }),
      ],
    });
  }
}
