import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvConfig, RESOURCE_PREFIX } from '../config/types';
import { BuffetTaskDefinition } from '../constructs/buffet-task-definition';
import { TaskVpcEndpoints } from '../constructs/vpc-endpoints';
import { acknowledgeGuardRule } from '../governance/control-tower';

/** Where the shared repository lives. */
export interface RepositoryLocation {
  readonly repositoryName: string;
  /** @default - this stack's account */
  readonly account?: string;
  readonly region: string;
}

export interface ServiceStackProps extends StackProps {
  readonly config: EnvConfig;
  /** The repository every environment pulls from (the registry stack's). */
  readonly repository: RepositoryLocation;
}

/** Task definition family (and log group suffix) of an environment, e.g. `better-call-buffet-prod`. */
export function taskFamily(envName: string): string {
  return `${RESOURCE_PREFIX}-${envName}`;
}

/**
 * An environment's frequently-deployed stack: the task definition that runs an image from the shared
 * repository, in the registry's account and region (or its replica's region: `imageRegion`). The repository is referenced by its deterministic name
 * and ARN, never by a CloudFormation export, so the registry stack is never locked by this one.
 */
export class ServiceStack extends Stack {
  readonly repository: ecr.IRepository;
  readonly task: BuffetTaskDefinition;
  /** The VPC endpoints, when the environment sets `network`. */
  readonly vpcEndpoints?: TaskVpcEndpoints;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, repository } = props;
    const { task } = config;
    // The image URI is built from this ARN's account and region, so a cross-account or cross-region
    // registry gives the right <account>.dkr.ecr.<region> host.
    this.repository = ecr.Repository.fromRepositoryAttributes(this, 'Repository', {
      repositoryName: repository.repositoryName,
      repositoryArn: this.formatArn({
        service: 'ecr',
        account: repository.account ?? this.account,
        region: repository.region,
        resource: 'repository',
        resourceName: repository.repositoryName,
      }),
    });
    const family = taskFamily(config.envName);
    this.task = new BuffetTaskDefinition(this, 'Task', {
      family,
      repository: this.repository,
      imageTag: config.imageTag,
      imageDigest: config.imageDigest,
      // Prod must run a release tag or a digest (validated in config too).
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

    if (config.network) {
      // Private subnets without NAT: the endpoints serve exactly this task's repository, log group and secrets.
      const n = config.network;
      this.vpcEndpoints = new TaskVpcEndpoints(this, 'VpcEndpoints', {
        vpcId: n.vpcId,
        subnetIds: n.subnetIds,
        routeTableIds: n.routeTableIds,
        vpcCidr: n.vpcCidr,
        taskSecurityGroupId: n.taskSecurityGroupId,
        repositoryArns: [this.repository.repositoryArn],
        logGroupArn: this.task.logGroup.logGroupArn,
        secretArns: task.secrets.filter((s) => s.source === 'secretsmanager').map((s) => s.arn as string),
        parameterArns: task.secrets
          .filter((s) => s.source === 'ssm')
          .map((s) => this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: s.name.replace(/^\//, '') })),
      });
    }

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
