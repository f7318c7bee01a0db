import { CONTEXT_KEYS, repeatedContextProblems, unknownContextKeyProblems } from './context';
import { ENVIRONMENTS, REGISTRY } from './environments';
import { applyConfigOverlay } from './overlay';
import { ENV_NAMES, EnvConfig, EnvName, RegistryConfig } from './types';
import { ConfigError, isEnvName, validateEnvConfig, validateEnvironmentSet, validateRegistryConfig } from './validate';

export { CONTEXT_KEYS };

export interface LoadOptions {
  /** Reads a context value; in the app this is `app.node.tryGetContext`. */
  readonly getContext: (key: string) => unknown;
  /** The base environments (tests and the benchmark pass their own). */
  readonly environments?: Readonly<Record<string, EnvConfig>>;
  /** The base registry (tests pass their own). */
  readonly registry?: RegistryConfig;
  /**
   * Every key in the context (the app passes `app.node.getAllContext()`'s keys): a key neither this app nor
   * the CDK reads is refused, naming the nearest known key.
   * @default - not checked (tools that pass no context)
   */
  readonly contextKeys?: readonly string[];
  /**
   * The `-c key=value` assignments exactly as the CDK CLI was given them (lib/config/context.ts
   * cdkCliArguments): a key given twice with different values is refused, since the CLI keeps the last.
   * @default - not checked (the CLI's command line is unknown)
   */
  readonly cliContextAssignments?: readonly string[];
}

/** What the app synthesizes: validated and frozen. */
export interface LoadedConfig {
  /** The shared registry, with `-c githubRepository` applied. */
  readonly registry: RegistryConfig;
  /**
   * Every environment as configured, without context overrides: what the registry serves (pinned tags,
   * pulling accounts, promotion patterns). Deploy-time context never changes the registry stack.
   */
  readonly environments: readonly EnvConfig[];
  /** The environments to synthesize service stacks for (`-c env`), with `-c imageTag/imageDigest/account` applied. */
  readonly selected: readonly EnvConfig[];
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

function collect(problems: string[], check: () => void): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) if (!problems.includes(p)) problems.push(p);
  }
}

/**
 * Turns CDK context into the validated registry and environments, in a fixed order. Nothing is
 * synthesized unless the registry and every environment are valid.
 */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const contextProblems = [
    ...repeatedContextProblems(options.cliContextAssignments ?? []),
    ...unknownContextKeyProblems(options.contextKeys ?? []),
  ];
  if (contextProblems.length > 0) throw new ConfigError(contextProblems);
  const overlayFile = contextString(options.getContext, CONTEXT_KEYS.testConfigOverlay);
  const shipped = { environments: options.environments ?? ENVIRONMENTS, registry: options.registry ?? REGISTRY };
  const overlaid = overlayFile === undefined ? shipped : applyConfigOverlay(shipped.environments, shipped.registry, overlayFile);
  const base: Readonly<Record<string, EnvConfig>> = overlaid.environments;
  const known = Object.keys(base);
  // `staging: environment('dev', ...)` would give two environments one name: the same stacks, promotion tags
  // and lifecycle rules, and a stack trace from the lifecycle renderer.
  const misnamed = known.filter((key) => (base[key] as Partial<EnvConfig> | undefined)?.envName !== key).map((key) => {
    const envName = (base[key] as Partial<EnvConfig> | undefined)?.envName;
    return `ENVIRONMENTS.${key} has envName ${JSON.stringify(envName) ?? String(envName)}: the key and envName must be the same (${key}: environment('${key}', ...) in lib/config/environments.ts)`;
  });
  if (misnamed.length > 0) throw new ConfigError(misnamed);
  const envName = contextString(options.getContext, CONTEXT_KEYS.env);
  const imageTag = contextString(options.getContext, CONTEXT_KEYS.imageTag);
  const imageDigest = contextString(options.getContext, CONTEXT_KEYS.imageDigest);
  const account = contextString(options.getContext, CONTEXT_KEYS.account);
  const networkJson = contextString(options.getContext, CONTEXT_KEYS.network);
  const githubRepository = contextString(options.getContext, CONTEXT_KEYS.githubRepository);

  if (envName !== undefined && !known.includes(envName)) {
    throw new ConfigError([`unknown environment -c env=${JSON.stringify(envName)}; valid environments: ${known.join(', ')} (omit -c env to synthesize all)`]);
  }
  if (account !== undefined && envName === undefined) {
    throw new ConfigError([`-c account=${account} needs -c env=<${known.join('|')}>: one account override cannot apply to every environment`]);
  }
  let network: unknown;
  if (networkJson !== undefined) {
    if (envName === undefined) {
      throw new ConfigError([`-c network=... needs -c env=<${known.join('|')}>: one VPC cannot serve every environment`]);
    }
    try {
      network = JSON.parse(networkJson);
    } catch {
      throw new ConfigError([`context network=${JSON.stringify(networkJson)} is not JSON; pass -c network='{"vpcId":"vpc-...","subnetIds":["subnet-..."],"routeTableIds":["rtb-..."],"vpcCidr":"10.0.0.0/16"}'`]);
    }
  }
  const baseRegistry = overlaid.registry;
  const registry: RegistryConfig = githubRepository === undefined ? baseRegistry : {
    ...baseRegistry,
    ciPushRole: {
      ...(baseRegistry.ciPushRole ?? { branches: ['main'], environments: known }),
      githubRepository,
    },
  };
  const environments = known.map((name) => base[name] as EnvConfig);
  const selected = (envName === undefined ? known : [envName]).map((name) => ({
    ...(base[name] as EnvConfig),
    ...(imageTag !== undefined ? { imageTag } : {}),
    ...(imageDigest !== undefined ? { imageDigest } : {}),
    ...(account !== undefined ? { account } : {}),
    ...(network !== undefined ? { network: network as EnvConfig['network'] } : {}),
  }));

  const problems: string[] = [];
  collect(problems, () => validateRegistryConfig(registry));
  for (const c of [...selected, ...environments]) collect(problems, () => validateEnvConfig(c, registry));
  if (problems.length > 0) throw new ConfigError(problems);
  validateEnvironmentSet(environments, registry);
  return deepFreeze({ registry, environments, selected });
}

/** The validated service environments to synthesize (see {@link loadConfig}). */
export function loadEnvironments(options: LoadOptions): readonly EnvConfig[] {
  return loadConfig(options).selected;
}

/** The validated configuration of one named environment (used by tools such as the promotion CLI). */
export function loadEnvironment(name: string, getContext: (key: string) => unknown = () => undefined): EnvConfig {
  if (!isEnvName(name)) throw new ConfigError([`unknown environment ${JSON.stringify(name)}; valid environments: ${ENV_NAMES.join(', ')}`]);
  return loadConfig({ getContext: (k) => (k === CONTEXT_KEYS.env ? name : getContext(k)) }).selected[0];
}

/** The validated registry configuration (lifecycle preview, promotion CLI). */
export function loadRegistry(getContext: (key: string) => unknown = () => undefined): RegistryConfig {
  return loadConfig({ getContext }).registry;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export type { EnvName };

/**
 * What a synth of `config` would deploy that works but serves nobody: no alarm recipient, no push role.
 * Not errors (a first synth without credentials is fine), so the app prints them as warnings.
 */
export function deployWarnings(config: LoadedConfig): string[] {
  const { registry } = config;
  const warnings: string[] = [];
  if (registry.alarms.emails.length === 0) {
    warnings.push(`registry.alarms.emails is empty: the alarms of repository ${registry.repositoryName} reach nobody. Add the on-call address to REGISTRY.alarms.emails in lib/config/environments.ts (each recipient confirms AWS's subscription e-mail)`);
  }
  if (registry.ciPushRole?.githubRepository === undefined) {
    warnings.push(`no CI push role: registry.ciPushRole.githubRepository is unset, so no pipeline can push images to ${registry.repositoryName}. Set it to your owner/repo in lib/config/environments.ts, or pass -c githubRepository=owner/repo`);
  }
  return warnings;
}
