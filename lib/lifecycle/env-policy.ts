import { loadEnvironment } from '../config/load';
import { EnvConfig } from '../config/types';
import { LifecyclePolicy } from './policy';
import { RenderRetentionOptions, renderRetentionPolicy } from './retention';

/**
 * The tags an environment's lifecycle policy must never expire: the tag its task definition runs. When
 * the task definition pins a digest (`imageDigest`), a lifecycle policy cannot select by digest, so the
 * configured tag is still what is protected; the registry construct warns at synth in that case.
 */
export function pinnedImageTagsForEnv(config: EnvConfig): readonly string[] {
  return [config.imageTag];
}

/** The render options the registry stack passes for `config` (shared so both render the same policy). */
export function retentionOptionsForEnv(config: EnvConfig): RenderRetentionOptions {
  return { pinnedImageTags: pinnedImageTagsForEnv(config) };
}

/**
 * The exact lifecycle policy the environment's registry stack deploys, computed from the validated
 * configuration without synthesizing the CDK app (used by `npm run lifecycle -- --env <name>`).
 * `getContext` applies the same overrides as `cdk synth -c imageTag=...` would.
 * @throws ConfigError for an unknown or invalid environment; RetentionError / LifecyclePolicyError if the
 *   retention settings cannot be rendered into a policy ECR accepts.
 */
export function lifecyclePolicyForEnv(envName: string, getContext: (key: string) => unknown = () => undefined): LifecyclePolicy {
  const config = loadEnvironment(envName, getContext);
  return renderRetentionPolicy(config.retention, retentionOptionsForEnv(config));
}
