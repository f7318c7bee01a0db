import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { AWS_REGIONS } from '../aws/regions';
import { replicationFailurePattern } from './monitoring/event-patterns';

/** Props for {@link ReplicationFailureForwarder}. */
export interface ReplicationFailureForwarderProps {
  /** The replicated repository. */
  readonly repositoryName: string;
  /** Region of the registry whose monitoring notifies (its default event bus receives the failures). */
  readonly registryRegion: string;
  /** Name of the rule (EventBridge: at most 64 characters). */
  readonly ruleName: string;
}

/**
 * Sends failed replications of a repository, which ECR reports only in the replica's region (`ECR Replication
 * Action`, https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html), to the default event
 * bus of the registry's region, where the registry's monitoring notifies its alarm topic: one topic, one set of
 * subscriptions, one place for the runbook text.
 *
 * An event bus in another region is a rule target like any other; EventBridge sends with a role allowed
 * events:PutEvents on that bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html),
 * and the default bus accepts events from its own account without a resource policy
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html). The event arrives intact
 * (`region` still the replica's), so the receiving rule matches the same pattern.
 */
export class ReplicationFailureForwarder extends Construct {
  readonly rule: events.Rule;
  /** The registry region's default event bus. */
  readonly target: events.IEventBus;

  constructor(scope: Construct, id: string, props: ReplicationFailureForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!AWS_REGIONS.includes(props.registryRegion)) {
      throw new Error(`ReplicationFailureForwarder: registryRegion ${JSON.stringify(props.registryRegion)} is not an AWS region name`);
    }
    if (!Token.isUnresolved(stack.region) && stack.region === props.registryRegion) {
      throw new Error(`ReplicationFailureForwarder: this stack is in the registry's region ${props.registryRegion} already; forward from the replica's region`);
    }
    if (!Token.isUnresolved(props.ruleName) && !/^[\w.-]{1,64}$/.test(props.ruleName)) {
      throw new Error(`ReplicationFailureForwarder: ruleName ${JSON.stringify(props.ruleName)} must be 1-64 of letters, digits, . _ -`);
    }
    this.target = events.EventBus.fromEventBusArn(this, 'RegistryRegionDefaultBus', stack.formatArn({
      service: 'events',
      region: props.registryRegion,
      resource: 'event-bus',
      resourceName: 'default',
    }));
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.ruleName,
      description: `Failed replications of ${props.repositoryName} into ${stack.region}, forwarded to ${props.registryRegion} (the registry's monitoring notifies)`,
      eventPattern: replicationFailurePattern(props.repositoryName),
    });
    // The stock target creates a role that EventBridge assumes, allowed events:PutEvents on that one bus.
    this.rule.addTarget(new targets.EventBus(this.target));
  }
}
