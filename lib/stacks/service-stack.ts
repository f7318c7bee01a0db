import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvConfig, RESOURCE_PREFIX } from '../config/types';
import { BuffetTaskDefinition } from '../constructs/buffet-task-definition';
import { acknowledgeGuardRule } from '../governance/control-tower';

export interface ServiceStackProps extends StackProps {
  readonly config: EnvConfig;
}

/** Task definition family (and log group suffix) of an environment, e.g. `better-call-buffet-prod`. */
export function taskFamily(envName: string): string {
  return `${RESOURCE_PREFIX}-${envName}`;
}

/**
 * The frequently-deployed half of an environment: the task definition that runs an image from the
 * registry. The repository is referenced by its deterministic name and ARN, never by a CloudFormation
 * export, so the registry stack is never locked by this one.
 */
export class ServiceStack extends Stack {
  readonly repository: ecr.IRepository;
  readonly task: BuffetTaskDefinition;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { task } = config;
    this.repository = ecr.Repository.fromRepositoryAttributes(this, 'Repository', {
      repositoryName: config.repositoryName,
      repositoryArn: this.formatArn({ service: 'ecr', resource: 'repository', resourceName: config.repositoryName }),
    });
    const family = taskFamily(config.envName);
    this.task = new BuffetTaskDefinition(this, 'Task', {
      family,
      repository: this.repository,
      imageTag: config.imageTag,
      imageDigest: config.imageDigest,
      // Dev deliberately runs a moving tag (dev-main); prod must run an immutable release or a digest.
      refuseMutableTags: config.envName === 'prod',
      cpu: task.cpu,
      memoryMiB: task.memoryMiB,
      cpuArchitecture: task.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      ephemeralStorageGiB: task.ephemeralStorageGiB,
      containerPort: task.containerPort,
      healthCheckPath: task.healthCheckPath,
      stopTimeout: Duration.seconds(task.stopTimeoutSeconds),
      user: task.user,
      environment: task.environment,
      secrets: task.secrets,
      logGroupName: `/ecs/${family}`,
      // validateEnvConfig accepts only retention values CloudWatch Logs knows, which is exactly the enum.
      logRetention: task.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: config.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    // Deliberate non-prod difference (docs/governance.md): prod keeps task logs >= 365 days and passes
    // CT.CLOUDWATCH.PR.2; dev and staging keep them shorter. Prod is never excused here.
    if (config.envName !== 'prod' && task.logRetentionDays < 365) {
      acknowledgeGuardRule(this.task.logGroup, 'CT.CLOUDWATCH.PR.2',
        `${config.envName} keeps task logs ${task.logRetentionDays} days on purpose: they serve debugging of short-lived test builds, not audit, and prod keeps them a year`);
    }

    // No exportName: outputs are for people and pipelines (`aws cloudformation describe-stacks`), not stacks.
    new CfnOutput(this, 'TaskDefinitionArn', {
      description: 'ARN of the task definition revision this deployment created',
      value: this.task.taskDefinition.taskDefinitionArn,
    });
    new CfnOutput(this, 'TaskDefinitionFamily', {
      description: 'Task definition family; run-task / services reference it to get the latest revision',
      value: family,
    });
    new CfnOutput(this, 'ImageUri', {
      description: 'Image the task definition runs (tag, or digest when pinned)',
      value: this.task.imageUri,
    });
  }
}
