import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';


/** What every notification topic is given by its user. */
export interface NotificationTopicProps {
  /** SNS topic name. */
  readonly topicName: string;
  /**
   * E-mail addresses to subscribe. Each recipient must confirm the subscription from the e-mail AWS sends.
   * @default - no subscriptions
   */
  readonly emails?: readonly string[];
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Throws, naming `owner` and the address, unless every address given literally looks like an e-mail address. */
function checkEmails(owner: string, emails: readonly string[] | undefined): void {
  for (const email of emails ?? []) {
    if (!Token.isUnresolved(email) && !EMAIL_RE.test(email)) {
      throw new Error(`${owner}: ${JSON.stringify(email)} is not an e-mail address; pass addresses like oncall@example.com`);
    }
  }
}

/**
 * The customer managed key of one topic. It protects only in-flight notifications, so it may go with the
 * stack; the pending window still allows a restore.
 */
function newTopicKey(scope: Construct, description: string): kms.Key {
  return new kms.Key(scope, 'Key', {
    description,
    enableKeyRotation: true,
    pendingWindow: Duration.days(7),
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/**
 * Key policy statement: `service` may encrypt and read messages with the key on behalf of `account` only
 * (`aws:SourceAccount`, the guard against the confused deputy).
 */
export function allowServiceToUseKey(sid: string, service: string, account: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': account } },
  });
}

/**
 * Key policy statement for EventBridge rules that publish to an encrypted topic. SNS calls KMS for them as
 * `events.amazonaws.com`, and that request carries no `aws:SourceAccount`, `aws:SourceArn` or
 * `aws:SourceOrgID`: a key policy condition on any of them "is not supported" and denies every delivery
 * ("Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 * What SNS does put in the request is the topic's ARN as encryption context (`aws:sns:topicArn`,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic.html), so the statement is tied
 * to this one topic: another account's EventBridge cannot use the key for a topic of its own.
 */
export function allowEventBridgeToUseTopicKey(sid: string, topicArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
  });
}

/** Topic policy statement: `service` may publish to `topic`, under `conditions` when given. */
export function allowServiceToPublish(sid: string, service: string, topic: sns.ITopic, conditions?: Record<string, unknown>): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(service)],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions,
  });
}

/** A topic encrypted with `masterKey` that refuses plain HTTP and signs messages with SHA256. */
function newEncryptedTopic(scope: Construct, id: string, props: { topicName: string; displayName: string; masterKey: kms.IKey }): sns.Topic {
  return new sns.Topic(scope, id, {
    ...props,
    // Deny any publish/subscribe over plain HTTP (Security Hub SNS.4 and AWS Foundational best practice).
    enforceSSL: true,
    // SHA256 message signatures instead of SHA1.
    signatureVersion: '2',
  });
}

/** Subscribes each address; every recipient must confirm from the e-mail AWS sends. */
function subscribeEmails(topic: sns.Topic, emails: readonly string[] | undefined): void {
  for (const email of emails ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
}

/** How a subclass of {@link NotificationTopic} sets up its key and topic. */
export interface NotificationTopicSetup extends NotificationTopicProps {
  /** The subclass's name, in error messages. */
  readonly owner: string;
  /** Construct ID of the topic. */
  readonly topicId: string;
  readonly displayName: string;
  readonly keyDescription: string;
  /**
   * Key policy statements, in order, besides the account root's. `topicArn` is built from the topic's name
   * (the topic itself references the key, so the key policy cannot reference the topic).
   */
  readonly keyPolicy: (stack: Stack, topicArn: string) => iam.PolicyStatement[];
  /** Topic policy statements, in order: who may publish. */
  readonly topicPolicy: (topic: sns.ITopic, stack: Stack) => iam.PolicyStatement[];
}

/**
 * An SNS topic for notifications by e-mail: encrypted with a customer managed key of its own, HTTPS-only,
 * SHA256-signed. Subclasses ({@link AlarmTopic}, {@link FallbackTopic}) decide who may use the key and publish.
 */
export abstract class NotificationTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  protected constructor(scope: Construct, id: string, setup: NotificationTopicSetup) {
    super(scope, id);
    checkEmails(setup.owner, setup.emails);
    const stack = Stack.of(this);
    this.key = newTopicKey(this, setup.keyDescription);
    const topicArn = stack.formatArn({ service: 'sns', resource: setup.topicName });
    for (const statement of setup.keyPolicy(stack, topicArn)) this.key.addToResourcePolicy(statement);
    this.topic = newEncryptedTopic(this, setup.topicId, { topicName: setup.topicName, displayName: setup.displayName, masterKey: this.key });
    for (const statement of setup.topicPolicy(this.topic, stack)) this.topic.addToResourcePolicy(statement);
    subscribeEmails(this.topic, setup.emails);
  }
}
