import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvConfig } from '../config/types';
import { ContainerRegistry } from '../constructs/container-registry';
import { RegistryMonitoring } from '../constructs/registry-monitoring';

export interface RegistryStackProps extends StackProps {
  readonly config: EnvConfig;
}

/**
 * The long-lived half of an environment: the ECR repository and its monitoring. It exports nothing:
 * the service stack finds the repository by its deterministic name, so this stack can always change.
 */
export class RegistryStack extends Stack {
  readonly registry: ContainerRegistry;
  readonly monitoring: RegistryMonitoring;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.registry = new ContainerRegistry(this, 'Registry', {
      repositoryName: config.repositoryName,
      removalPolicy: config.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.monitoring = new RegistryMonitoring(this, 'Monitoring', {
      appName: 'better-call-buffet',
      envName: config.envName,
      repository: this.registry.repository,
      alarms: config.alarms,
    });
  }
}
