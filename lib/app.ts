import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LoadedConfig } from './config/load';
import { ConfigError } from './config/validate';
import { ControlTowerChecks } from './governance/control-tower';
import { FailClosed } from './governance/fail-closed';
import { guardCacheMode } from './governance/guard-memo';
import { RegistryReplicaStack } from './stacks/registry-replica-stack';
import { RegistrySettingsStack } from './stacks/registry-settings-stack';
import { RegistryStack } from './stacks/registry-stack';
import { ServiceStack } from './stacks/service-stack';

export const APP_NAME = 'BetterCallBuffet';
/** The registry stack's name: one for the whole app. */
export const REGISTRY_STACK_NAME = `${APP_NAME}-Registry`;
/** The registry's account-wide settings (scanning, signing), where `registry.settings.manage` is true. */
export const REGISTRY_SETTINGS_STACK_NAME = `${APP_NAME}-RegistrySettings`;
/** The replica of the repository in `registry.replicaRegion`, where one is configured. */
export const REGISTRY_REPLICA_STACK_NAME = `${APP_NAME}-RegistryReplica`;
/** `Environment` tag of the shared registry stack. */
export const SHARED_ENVIRONMENT_TAG = 'shared';

export interface BuildAppOptions {
  /** The CLI's default account (CDK_DEFAULT_ACCOUNT), used where the config sets none. */
  readonly defaultAccount?: string;
  /**
   * Run cdk-nag's AwsSolutions pack as a validation plugin: any unacknowledged error fails the synth.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Run the AWS Control Tower proactive controls (cfn-guard) as a validation plugin: any unacknowledged
   * failure fails the synth (docs/governance.md). Tests that synthesize many apps may turn it off; the
   * real `cdk synth` (bin/) always runs it.
   * @default true
   */
  readonly guard?: boolean;
}

export interface AppStacks {
  readonly registry: RegistryStack;
  /** Only where `registry.settings.manage` is true (otherwise the settings are managed elsewhere). */
  readonly settings?: RegistrySettingsStack;
  /** Only where `registry.replicaRegion` is set. */
  readonly replica?: RegistryReplicaStack;
  /** One per selected environment, in config order. */
  readonly services: readonly ServiceStack[];
}

/** Stack name of an environment's service stack, e.g. `BetterCallBuffet-prod-Service`. */
export function stackName(envName: string, kind: 'Service'): string {
  return `${APP_NAME}-${envName}-${kind}`;
}

function tag(stack: RegistryStack | RegistrySettingsStack | RegistryReplicaStack | ServiceStack, tags: Record<string, string>): void {
  // Also written into the template on each resource, so reviewers see them in `cdk diff`.
  for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value);
}

/**
 * Adds the registry stack and one service stack per selected environment. `-c env=<env>` selects one
 * environment; the registry stack is always synthesized (from configuration only, so it is identical
 * whatever environment or image is selected). Pipelines deploy service stacks with `--exclusively`.
 */
export function buildApp(app: App, config: LoadedConfig, options: BuildAppOptions = {}): AppStacks {
  if (options.nag ?? true) {
    // cdk-nag 3 runs at synth as a validation plugin; acknowledgements sit on the resources they excuse. Wrapped so
    // that an error inside it fails the synth instead of passing it silently (lib/governance/fail-closed.ts).
    Validations.of(app).addPlugins(new FailClosed(new AwsSolutionsChecks(app), 'The cdk-nag AwsSolutions checks'));
  }
  if (options.guard ?? true) {
    // A bad CONTROL_TOWER_CACHE is refused here, before anything is synthesized (the plugin refuses it too).
    try {
      guardCacheMode();
    } catch (e) {
      throw new ConfigError([(e as Error).message]);
    }
    // One cfn-guard run per synth over every template; acknowledgements: acknowledgeGuardRule. Fails closed like cdk-nag.
    Validations.of(app).addPlugins(new FailClosed(new ControlTowerChecks(), 'The Control Tower checks'));
  }
  const { registry: registryConfig } = config;
  const registryTags = { Project: APP_NAME, Environment: SHARED_ENVIRONMENT_TAG, ManagedBy: 'aws-cdk' };
  const registryAccount = registryConfig.account ?? options.defaultAccount;
  const registry = new RegistryStack(app, REGISTRY_STACK_NAME, {
    env: { account: registryAccount, region: registryConfig.region },
    tags: registryTags,
    terminationProtection: registryConfig.terminationProtection,
    description: `Better Call Buffet: ECR repository ${registryConfig.repositoryName} that every environment pulls from, its CI push role and monitoring`,
    registry: registryConfig,
    environments: config.environments,
  });
  tag(registry, registryTags);

  // Same account and region as the registry: the settings are per account and region.
  const settings = registryConfig.settings.manage
    ? new RegistrySettingsStack(app, REGISTRY_SETTINGS_STACK_NAME, {
      env: { account: registryAccount, region: registryConfig.region },
      tags: registryTags,
      terminationProtection: registryConfig.terminationProtection,
      description: `Better Call Buffet: account-wide ECR settings for ${registryConfig.repositoryName} (${registryConfig.settings.scanType} scanning, managed signing)`,
      registry: registryConfig,
    })
    : undefined;
  if (settings) tag(settings, registryTags);

  // Same account, the other region: the replica repository, its creation template and failure forwarding.
  const replicaRegion = registryConfig.replicaRegion;
  const replica = replicaRegion === undefined ? undefined : new RegistryReplicaStack(app, REGISTRY_REPLICA_STACK_NAME, {
    env: { account: registryAccount, region: replicaRegion },
    tags: registryTags,
    terminationProtection: registryConfig.terminationProtection,
    description: `Better Call Buffet: replica of ECR repository ${registryConfig.repositoryName} in ${replicaRegion} (environments with imageRegion ${replicaRegion} pull from it)`,
    registry: registryConfig,
    environments: config.environments,
    repositoryTags: registryTags,
  });
  if (replica) tag(replica, registryTags);
  // Deploy order only: the replica repository exists before replication writes into it.
  if (replica && settings) settings.addStackDependency(replica, 'replication writes into the replica repository');

  const services = config.selected.map((env) => {
    // Stack-level tags: CloudFormation propagates them at deploy time to every resource it can tag.
    const tags = { Project: APP_NAME, Environment: env.envName, ManagedBy: 'aws-cdk' };
    const service = new ServiceStack(app, stackName(env.envName, 'Service'), {
      env: { account: env.account ?? options.defaultAccount, region: env.region },
      tags,
      terminationProtection: env.terminationProtection,
      description: `Better Call Buffet ${env.envName}: ECS task definition running images from ${registryConfig.repositoryName}`,
      config: env,
      // The registry stack's own account; unknown at synth (no credentials): the service's account. The region
      // is the registry's, or its replica's (imageRegion, validated): the image URI and pull grant follow it.
      repository: { repositoryName: registryConfig.repositoryName, account: registryAccount, region: env.imageRegion ?? registryConfig.region },
    });
    tag(service, tags);
    // Deploy order only (the repository must exist before a task can pull from it); no exports involved.
    const source = replica !== undefined && env.imageRegion === replicaRegion ? replica : registry;
    service.addStackDependency(source, 'the task definition pulls from the shared repository');
    return service;
  });
  return { registry, settings, replica, services };
}
