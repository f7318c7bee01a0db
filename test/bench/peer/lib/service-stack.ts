import * as cdk from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface PeerServiceStackProps extends cdk.StackProps {
  readonly envName: string;
  readonly repositoryName: string;
}

/** A Fargate task definition running an image of the shared repository, logging to an encrypted group. */
export class PeerServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: PeerServiceStackProps) {
    super(scope, id, props);
    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', props.repositoryName);
    const logKey = new kms.Key(this, 'LogKey', { enableKeyRotation: true });
    logKey.grantEncryptDecrypt(new cdk.aws_iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/ecs/peer-${props.envName}`,
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: logKey,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `peer-${props.envName}`,
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    task.addVolume({ name: 'tmp' });
    const container = task.addContainer('App', {
      image: ecs.ContainerImage.fromEcrRepository(repository, 'v1.0.0'),
      user: '1000:1000',
      readonlyRootFilesystem: true,
      privileged: false,
      portMappings: [{ containerPort: 8080, protocol: ecs.Protocol.TCP }],
      environment: { PORT: '8080', NODE_ENV: 'production' },
      healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: cdk.Duration.seconds(30), startPeriod: cdk.Duration.seconds(60) },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup }),
      stopTimeout: cdk.Duration.seconds(30),
    });
    container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
    new cdk.CfnOutput(this, 'TaskDefinitionArn', { value: task.taskDefinitionArn });
    new cdk.CfnOutput(this, 'TaskDefinitionFamily', { value: task.family });
    new cdk.CfnOutput(this, 'ImageUri', { value: repository.repositoryUriForTag('v1.0.0') });
  }
}
