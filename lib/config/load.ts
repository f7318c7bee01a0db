import { ENVIRONMENTS } from './environments';
import { applyConfigOverlay } from './overlay';
import { ENV_NAMES, EnvConfig, EnvName } from './types';
import { ConfigError, isEnvName, validateEnvConfig, validateEnvironmentSet } from './validate';

/** Context keys the app reads (`cdk synth -c key=value`). Everything else in context is CDK's own. */
export const CONTEXT_KEYS = {
  /** Synthesize one environment only; unset means all. */
  env: 'env',
  /** Override the image tag the task definition runs (pipelines). */
  imageTag: 'imageTag',
  /** Pin the image by digest (pipelines). */
  imageDigest: 'imageDigest',
  /** Deploy the selected environment to this account (only with `env`). */
  account: 'account',
  /** Tests only: a JSON file merged over the environments before validation (lib/config/overlay.ts). */
  testConfigOverlay: 'testConfigOverlay',
} as const;

export interface LoadOptions {
  /** Reads a context value; in the app this is `app.node.tryGetContext`. */
  readonly getContext: (key: string) => unknown;
  /** The base configuration (tests and the benchmark pass their own). */
  readonly environments?: Readonly<Record<string, EnvConfig>>;
}

function contextString(getContext: (key: string) => unknown, key: string): string | undefined {
  const v = getContext(key);
  if (v === undefined) return undefined;
  // `-c key=` with no value and JSON values from cdk.json are both mistakes a pipeline can make.
  if (typeof v !== 'string' || v.length === 0) {
    throw new ConfigError([`context ${key}=${JSON.stringify(v)} must be a non-empty string (pass -c ${key}=<value>)`]);
  }
  return v;
}

/**
 * Turns CDK context into the validated list of environments to synthesize, in a fixed order.
 * Nothing is synthesized unless every selected environment is valid.
 */
export function loadEnvironments(options: LoadOptions): readonly EnvConfig[] {
  const overlay = contextString(options.getContext, CONTEXT_KEYS.testConfigOverlay);
  const shipped: Readonly<Record<string, EnvConfig>> = options.environments ?? ENVIRONMENTS;
  const base = overlay === undefined ? shipped : applyConfigOverlay(shipped, overlay);
  const known = Object.keys(base);
  const envName = contextString(options.getContext, CONTEXT_KEYS.env);
  const imageTag = contextString(options.getContext, CONTEXT_KEYS.imageTag);
  const imageDigest = contextString(options.getContext, CONTEXT_KEYS.imageDigest);
  const account = contextString(options.getContext, CONTEXT_KEYS.account);

  if (envName !== undefined && !known.includes(envName)) {
    throw new ConfigError([`unknown environment -c env=${JSON.stringify(envName)}; valid environments: ${known.join(', ')} (omit -c env to synthesize all)`]);
  }
  if (account !== undefined && envName === undefined) {
    throw new ConfigError([`-c account=${account} needs -c env=<${known.join('|')}>: one account override cannot apply to every environment`]);
  }
  const selected = envName === undefined ? known : [envName];
  const configs = selected.map((name) => {
    const c = base[name] as EnvConfig;
    return {
      ...c,
      ...(imageTag !== undefined ? { imageTag } : {}),
      ...(imageDigest !== undefined ? { imageDigest } : {}),
      ...(account !== undefined ? { account } : {}),
    };
  });
  const problems: string[] = [];
  for (const c of configs) {
    try {
      validateEnvConfig(c);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  validateEnvironmentSet(configs);
  return configs.map((c) => deepFreeze(c));
}

/** The validated configuration of one named environment (used by tools such as the lifecycle preview). */
export function loadEnvironment(name: string, getContext: (key: string) => unknown = () => undefined): EnvConfig {
  if (!isEnvName(name)) throw new ConfigError([`unknown environment ${JSON.stringify(name)}; valid environments: ${ENV_NAMES.join(', ')}`]);
  return loadEnvironments({ getContext: (k) => (k === CONTEXT_KEYS.env ? name : getContext(k)) })[0];
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export type { EnvName };
