import { loadConfig } from '../config/load';
import { EnvConfig, RegistryConfig } from '../config/types';
import { ConfigError } from '../config/validate';
import { LifecyclePolicy } from '../lifecycle/policy';
import { RenderRetentionOptions, RetentionIntent, renderRetentionPolicy } from '../lifecycle/retention';
import { promotionTagPattern } from '../promotion/chain';

/*
 * The app's configuration mapped to the shared repository's lifecycle policy. It sits with the stacks, not in
 * lib/lifecycle, because the lifecycle engine knows ECR policies only, never this app's configuration: the
 * registry stack renders this policy, and `npm run lifecycle -- --repository` reads the same one offline.
 */

/**
 * What the shared repository's lifecycle policy protects, from configuration only (never from deploy-time
 * context, so `cdk deploy -c imageTag=...` of a service stack cannot change the registry stack):
 * - the image tag each environment's config runs (`imageTag`), the fallback of a hand-run `cdk deploy`;
 * - per environment, the newest `keepPromotedImages` images promoted there (`<env>-*` tags): what the
 *   pipelines deploy by digest, and the rollback window.
 */
export function pinnedImageTagsForRegistry(environments: readonly EnvConfig[]): readonly string[] {
  return [...new Set(environments.map((e) => e.imageTag))];
}

/**
 * The retention intent the registry stack renders. Promotion patterns run furthest environment first
 * (prod, staging, dev): see the rendering order in retention.ts for why that keeps every window.
 */
export function retentionIntentForRegistry(registry: RegistryConfig, environments: readonly EnvConfig[]): RetentionIntent {
  return {
    ...registry.retention,
    promotionTagPatterns: [...environments].reverse().map((e) => promotionTagPattern(e.envName)),
  };
}

/** The render options the registry stack passes (shared so both render the same policy). */
export function retentionOptionsForRegistry(environments: readonly EnvConfig[]): RenderRetentionOptions {
  return { pinnedImageTags: pinnedImageTagsForRegistry(environments) };
}

/**
 * The exact lifecycle policy the registry stack deploys, computed from the validated configuration without
 * synthesizing the CDK app.
 * @throws ConfigError for invalid configuration; RetentionError / LifecyclePolicyError if the retention
 *   settings cannot be rendered into a policy ECR accepts.
 */
export function lifecyclePolicyForRegistry(getContext: (key: string) => unknown = () => undefined): LifecyclePolicy {
  const { registry, environments } = loadConfig({ getContext });
  return renderRetentionPolicy(retentionIntentForRegistry(registry, environments), retentionOptionsForRegistry(environments));
}

/**
 * The policy this app deploys for the repository named `repositoryName` (`npm run lifecycle -- --repository`).
 * Every environment pulls from one repository, so there is exactly one.
 */
export function lifecyclePolicyForRepository(repositoryName: string): LifecyclePolicy {
  const { registry } = loadConfig({ getContext: () => undefined });
  if (repositoryName !== registry.repositoryName) {
    throw new ConfigError([`this app deploys one repository, ${JSON.stringify(registry.repositoryName)}, not ${JSON.stringify(repositoryName)}`]);
  }
  return lifecyclePolicyForRegistry();
}
