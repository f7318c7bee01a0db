import { Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { EnvConfig } from '../config/types';

export interface ServiceStackProps extends StackProps {
  readonly config: EnvConfig;
}

/**
 * The frequently-deployed half of an environment: the task definition that runs an image from the
 * registry. The repository is referenced by its deterministic name and ARN, never by a CloudFormation
 * export, so the registry stack is never locked by this one.
 */
export class ServiceStack extends Stack {
  readonly repository: ecr.IRepository;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.repository = ecr.Repository.fromRepositoryAttributes(this, 'Repository', {
      repositoryName: config.repositoryName,
      repositoryArn: this.formatArn({ service: 'ecr', resource: 'repository', resourceName: config.repositoryName }),
    });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: `better-call-buffet-${config.envName}`,
      cpu: config.task.cpu,
      memoryLimitMiB: config.task.memoryMiB,
    });
    taskDefinition.addContainer('App', {
      image: ecs.ContainerImage.fromEcrRepository(this.repository, config.imageDigest ?? config.imageTag),
    });
  }
}
