import { signingProfileArn } from '../../lib/aws/signing';
import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig, LoadedConfig } from '../../lib/config/load';
import { buildTestApp } from '../helpers/app';
import type { PushRoleFacts } from './access-paths';
import type { StackTemplate } from './template-model';

/** The registry's account in the access configuration. */
export const REGISTRY_ACCOUNT = '111111111111';
/** Prod runs in an account of its own: its pulls are cross-account. */
export const PROD_ACCOUNT = '222222222222';
/** `-c githubRepository=...`: the CI push role exists. */
export const GITHUB_REPOSITORY = 'acme/buffet';

export interface AccessApp {
  /** All six stacks: the registry, its account-wide settings (scanning, signing, replication), its replica and the dev, staging and prod service stacks. */
  readonly stacks: readonly StackTemplate[];
  readonly config: LoadedConfig;
  readonly pushRole: PushRoleFacts;
}

/**
 * The configuration the access suite evaluates, synthesized once (every stack of the assembly: registry, registry
 * settings, replica, the three service stacks): the shipped environments with the registry
 * pinned to {@link REGISTRY_ACCOUNT}, prod in {@link PROD_ACCOUNT} (dev and staging follow the CLI's account,
 * environment-agnostic), staging pulling from the replica region (`imageRegion`), and the CI push role configured
 * as `-c githubRepository=acme/buffet` would. cdk-nag
 * and the Control Tower checks are off: they judge structure, which other tests and the full synth cover.
 */
export function synthAccessApp(): AccessApp {
  const context: Record<string, string> = { githubRepository: GITHUB_REPOSITORY };
  const config = loadConfig({
    getContext: (k) => context[k],
    registry: { ...REGISTRY, account: REGISTRY_ACCOUNT },
    // Staging pulls from the replica (registry.replicaRegion), as the region-outage runbook switches an environment:
    // the replica repository's policy and the execution role's grant on it are evaluated like the source's.
    environments: { ...ENVIRONMENTS, staging: { ...ENVIRONMENTS.staging, imageRegion: REGISTRY.replicaRegion }, prod: { ...ENVIRONMENTS.prod, account: PROD_ACCOUNT } },
  });
  const { app } = buildTestApp(context, { config, nag: false, guard: false });
  const assembly = app.synth();
  const stacks = assembly.stacks.map((s) => ({
    stackName: s.stackName,
    account: /^\d{12}$/.test(s.environment.account) ? s.environment.account : undefined,
    region: s.environment.region,
    template: s.template,
  }));
  const ci = config.registry.ciPushRole;
  if (!ci?.githubRepository) throw new Error('the access configuration must configure the CI push role');
  const { region, account, settings } = config.registry;
  if (!account) throw new Error('the access configuration must pin the registry account');
  return {
    stacks,
    config,
    pushRole: {
      githubRepository: ci.githubRepository,
      branches: ci.branches,
      environments: ci.environments,
      // The profile promote and the inventory require, in the form ECR reports it (lib/aws/signing.ts).
      signingProfileArn: signingProfileArn(region, account, settings.signing.profileName),
    },
  };
}
