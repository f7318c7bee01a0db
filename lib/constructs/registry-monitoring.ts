import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlarmsConfig } from '../config/types';

/** Props for {@link RegistryMonitoring}. */
export interface RegistryMonitoringProps {
  /** Application name used in alarm names: `<appName>-<envName>-<what>`. */
  readonly appName: string;
  readonly envName: string;
  /** The repository to watch. */
  readonly repository: ecr.IRepository;
  /** Thresholds and switches for this environment. */
  readonly alarms: AlarmsConfig;
  /**
   * ARN of the CI role that is the only expected pusher (used by the unexpected-push alarm).
   * @default - no unexpected-push alarm
   */
  readonly ciPushRoleArn?: string;
}

/** Alarms, notifications and a dashboard for one ECR repository. */
export class RegistryMonitoring extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: RegistryMonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${props.appName}-${props.envName}-registry-alarms`,
      enforceSSL: true,
    });
  }
}
