import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { EnvConfig, RESOURCE_PREFIX } from '../config/types';
import { ContainerRegistry } from '../constructs/container-registry';
import { GithubCiPushRole } from '../constructs/github-ci-push-role';
import { RegistryInventory } from '../constructs/registry-inventory';
import { RegistryMonitoring } from '../constructs/registry-monitoring';
import { parseRateExpression } from '../inventory/schedule';
import { pinnedImageTagsForEnv } from '../lifecycle/env-policy';

export interface RegistryStackProps extends StackProps {
  readonly config: EnvConfig;
}

/**
 * The long-lived half of an environment: the ECR repository, its access (cross-account pull, the CI push
 * role) and its monitoring. It exports nothing: the service stack finds the repository by its
 * deterministic name, so this stack can always change. Its outputs are for people and pipelines.
 *
 * The lifecycle policy protects the image tag the service stack runs, so a new `-c imageTag=` changes
 * this stack too: deploy both (plain `cdk deploy <Service stack>` deploys this dependency first).
 */
export class RegistryStack extends Stack {
  readonly registry: ContainerRegistry;
  readonly monitoring: RegistryMonitoring;
  readonly inventory: RegistryInventory;
  /** The GitHub OIDC push role, when the environment configures `ciPushRole`. */
  readonly ciPushRole?: GithubCiPushRole;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { config } = props;
    const [pinnedTag] = pinnedImageTagsForEnv(config);
    this.registry = new ContainerRegistry(this, 'Registry', {
      repositoryName: config.repositoryName,
      imageScanOnPush: true,
      // The config union and ecr.TagMutability share their string values.
      tagMutability: config.tagMutability as ecr.TagMutability,
      tagMutabilityExclusions: config.tagMutabilityExclusions,
      kmsEncryption: config.kmsEncryption,
      removalPolicy: config.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      retention: config.retention,
      pinnedImage: { tag: pinnedTag, digest: config.imageDigest },
      crossAccountPullAccounts: config.crossAccountPullAccounts,
    });
    const repository = this.registry.repository;

    if (config.ciPushRole) {
      this.ciPushRole = new GithubCiPushRole(this, 'CiPushRole', {
        repository,
        githubRepository: config.ciPushRole.githubRepository,
        branches: config.ciPushRole.branches,
        environments: config.ciPushRole.environments,
        oidcProviderArn: config.ciPushRole.oidcProviderArn,
      });
    }

    this.monitoring = new RegistryMonitoring(this, 'Monitoring', {
      appName: RESOURCE_PREFIX,
      envName: config.envName,
      repository,
      alarms: config.alarms,
      ciPushRoleArn: this.ciPushRole?.role.roleArn,
    });

    const schedule = parseRateExpression(config.inventory.schedule);
    if (!('minutes' in schedule)) throw new Error(`${config.envName}.inventory.schedule: ${schedule.problem}`);
    this.inventory = new RegistryInventory(this, 'Inventory', {
      repository,
      namePrefix: `${RESOURCE_PREFIX}-${config.envName}`,
      alarmTopic: this.monitoring.topic,
      schedule: Duration.minutes(schedule.minutes),
      sizeBudgetGiB: config.inventory.sizeBudgetGiB === false ? undefined : config.inventory.sizeBudgetGiB,
      sizeRegressionPercent: config.inventory.sizeRegressionPercent === false ? undefined : config.inventory.sizeRegressionPercent,
      releaseTagPatterns: config.retention.releaseTagPatterns,
      stalePullDays: config.inventory.stalePullDays,
      storagePricePerGbMonthUsd: config.inventory.storagePricePerGbMonthUsd,
      logRemovalPolicy: config.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    for (const row of this.inventory.dashboardRows) this.monitoring.dashboard.addWidgets(...row);

    // Logical IDs are the construct IDs (top-level outputs get no hash suffix): keep them stable, scripts read them.
    new CfnOutput(this, 'RepositoryName', { value: repository.repositoryName, description: 'ECR repository name' });
    new CfnOutput(this, 'RepositoryArn', { value: repository.repositoryArn, description: 'ECR repository ARN' });
    new CfnOutput(this, 'RepositoryUri', { value: repository.repositoryUri, description: 'Image name prefix: docker push <uri>:<tag>' });
    new CfnOutput(this, 'LoginCommand', {
      value: `aws ecr get-login-password --region ${this.region} | docker login --username AWS --password-stdin ${this.registry.registryHost}`,
      description: 'Authenticates docker to this registry for 12 hours',
    });
    if (this.ciPushRole) {
      new CfnOutput(this, 'CiPushRoleArn', {
        value: this.ciPushRole.role.roleArn,
        description: 'role-to-assume for aws-actions/configure-aws-credentials in the GitHub workflow',
      });
    }
  }
}
