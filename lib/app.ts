import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EnvConfig } from './config/types';
import { ControlTowerChecks } from './governance/control-tower';
import { RegistryStack } from './stacks/registry-stack';
import { ServiceStack } from './stacks/service-stack';

export const APP_NAME = 'BetterCallBuffet';

export interface BuildAppOptions {
  /** The CLI's default account (CDK_DEFAULT_ACCOUNT), used where an environment sets none. */
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

export interface EnvironmentStacks {
  readonly registry: RegistryStack;
  readonly service: ServiceStack;
}

/** Stack name of one of an environment's stacks, e.g. `BetterCallBuffet-prod-Registry`. */
export function stackName(envName: string, kind: 'Registry' | 'Service'): string {
  return `${APP_NAME}-${envName}-${kind}`;
}

/** Adds each environment's registry and service stacks to the app. */
export function buildApp(app: App, configs: readonly EnvConfig[], options: BuildAppOptions = {}): EnvironmentStacks[] {
  if (options.nag ?? true) {
    // cdk-nag 3 runs at synth as a validation plugin; acknowledgements sit on the resources they excuse.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  if (options.guard ?? true) {
    // One cfn-guard run per synth over every template; acknowledgements: acknowledgeGuardRule.
    Validations.of(app).addPlugins(new ControlTowerChecks());
  }
  return configs.map((config) => {
    const env = { account: config.account ?? options.defaultAccount, region: config.region };
    // Stack-level tags: CloudFormation propagates them at deploy time to every resource it can tag.
    const tags = { Project: APP_NAME, Environment: config.envName, ManagedBy: 'aws-cdk' };
    const common = { env, tags, terminationProtection: config.terminationProtection, config };
    const registry = new RegistryStack(app, stackName(config.envName, 'Registry'), {
      ...common,
      description: `Better Call Buffet ${config.envName}: ECR repository ${config.repositoryName} and its monitoring`,
    });
    const service = new ServiceStack(app, stackName(config.envName, 'Service'), {
      ...common,
      description: `Better Call Buffet ${config.envName}: ECS task definition running images from ${config.repositoryName}`,
    });
    for (const stack of [registry, service]) {
      // Also written into the template on each resource, so reviewers see them in `cdk diff`.
      for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value);
    }
    // Deploy order only (the registry must exist before a task can pull from it); no exports involved.
    service.addStackDependency(registry, 'the task definition pulls from the registry stack repository');
    return { registry, service };
  });
}
