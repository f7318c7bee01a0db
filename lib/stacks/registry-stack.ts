import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvConfig, RegistryConfig, RESOURCE_PREFIX } from '../config/types';
import { ContainerRegistry } from '../constructs/container-registry';
import { GithubCiPushRole } from '../constructs/github-ci-push-role';
import { RegistryInventory } from '../constructs/registry-inventory';
import { RegistryMonitoring } from '../constructs/registry-monitoring';
import { parseRateExpression } from '../inventory/schedule';
import { repositoryPropsForRegistry } from './registry-repository';

export interface RegistryStackProps extends StackProps {
  readonly registry: RegistryConfig;
  /**
   * Every environment that pulls from the repository, as configured (no deploy-time overrides): their
   * image tags are protected, their promotion tags kept, their accounts allowed to pull.
   */
  readonly environments: readonly EnvConfig[];
}

/** Name of the monitoring "environment" in alarm names: `better-call-buffet-registry-<what>`. */
export const REGISTRY_MONITORING_NAME = 'registry';

/**
 * The one repository every environment pulls from, its access (cross-account pull, the CI push role) and
 * its monitoring. It exports nothing: service stacks find the repository by its deterministic name and
 * ARN. Its template depends on configuration only, never on a service deploy's `-c imageTag/imageDigest`.
 */
export class RegistryStack extends Stack {
  readonly registry: ContainerRegistry;
  readonly monitoring: RegistryMonitoring;
  readonly inventory: RegistryInventory;
  /** The GitHub OIDC push role, when `ciPushRole.githubRepository` is configured. */
  readonly ciPushRole?: GithubCiPushRole;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { registry: config, environments } = props;
    this.registry = new ContainerRegistry(this, 'Registry', repositoryPropsForRegistry(config, environments));
    const repository = this.registry.repository;
    // The profile registry.settings names, in this account and region. By name, not by reference: the
    // settings may be managed elsewhere (registry.settings.manage: false).
    const signingProfileArn = this.formatArn({
      service: 'signer',
      resource: '/signing-profiles',
      resourceName: config.settings.signing.profileName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const ci = config.ciPushRole;
    if (ci?.githubRepository !== undefined) {
      this.ciPushRole = new GithubCiPushRole(this, 'CiPushRole', {
        repository,
        githubRepository: ci.githubRepository,
        branches: ci.branches,
        environments: ci.environments,
        oidcProviderArn: ci.oidcProviderArn,
        createOidcProvider: ci.createOidcProvider,
        // Managed signing signs with the pusher's identity: the push role may sign with the profile.
        signingProfileArn,
        // The promotion gate checks that promoted images reached the replica (lib/promotion/replica-check.ts).
        replicaRepositoryArns: config.replicaRegion === undefined ? undefined : [this.formatArn({
          service: 'ecr',
          region: config.replicaRegion,
          resource: 'repository',
          resourceName: config.repositoryName,
        })],
      });
    }

    this.monitoring = new RegistryMonitoring(this, 'Monitoring', {
      appName: RESOURCE_PREFIX,
      envName: REGISTRY_MONITORING_NAME,
      repository,
      // One setting drives the account's scanning configuration (RegistrySettingsStack) and these alarms.
      alarms: { ...config.alarms, scanType: config.settings.scanType },
      // The single expected writer: any other pusher raises the unexpected-push alarm.
      ciPushRoleArn: this.ciPushRole?.role.roleArn,
      // The replica's region forwards failed replications here (RegistryReplicaStack).
      replicaRegions: config.replicaRegion === undefined ? undefined : [config.replicaRegion],
    });

    const schedule = parseRateExpression(config.inventory.schedule);
    if (!('minutes' in schedule)) throw new Error(`registry.inventory.schedule: ${schedule.problem}`);
    this.inventory = new RegistryInventory(this, 'Inventory', {
      repository,
      namePrefix: `${RESOURCE_PREFIX}-${REGISTRY_MONITORING_NAME}`,
      alarmTopic: this.monitoring.topic,
      schedule: Duration.minutes(schedule.minutes),
      sizeBudgetGiB: config.inventory.sizeBudgetGiB === false ? undefined : config.inventory.sizeBudgetGiB,
      sizeRegressionPercent: config.inventory.sizeRegressionPercent === false ? undefined : config.inventory.sizeRegressionPercent,
      releaseTagPatterns: config.retention.releaseTagPatterns,
      stalePullDays: config.inventory.stalePullDays,
      storagePricePerGbMonthUsd: config.inventory.storagePricePerGbMonthUsd,
      logRemovalPolicy: config.removalPolicy === 'DESTROY' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      // Signing failures notify like scan failures do (there is no ECR signing event to match).
      signingProfileArn,
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
        description: 'role-to-assume for the build and promote steps (GitHub variable AWS_CI_PUSH_ROLE_ARN)',
      });
    }
  }
}
