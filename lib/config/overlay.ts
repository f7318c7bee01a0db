import { readFileSync } from 'fs';
import { EnvConfig, RegistryConfig } from './types';
import { ConfigError } from './validate';

/**
 * `-c testConfigOverlay=FILE`: a JSON file deep-merged over the environments before validation, so tests
 * can run the real `cdk synth` (cdk-nag and every validation plugin on) on a configuration the shipped
 * `environments.ts` does not contain. The result is validated exactly like the shipped configuration.
 *
 * Shape: `{ "registry": { <fields of RegistryConfig> }, "<env>": { <fields of EnvConfig to change> } }`, every
 * key optional. Objects merge field by field; arrays and scalars replace. A field the configuration does not
 * have is merged in and then refused by validation, like a typo in `environments.ts`, naming the nearest
 * known field (lib/config/fields.ts).
 */
export interface OverlaidConfig {
  readonly registry: RegistryConfig;
  readonly environments: Record<string, EnvConfig>;
}

export function applyConfigOverlay(base: Readonly<Record<string, EnvConfig>>, registry: RegistryConfig, file: string): OverlaidConfig {
  const where = `context testConfigOverlay=${JSON.stringify(file)}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([`${where}: cannot read the file (${code ?? (e as Error).message}); pass the path of a JSON overlay file`]);
  }
  let overlay: unknown;
  try {
    overlay = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ConfigError([`${where}: not valid JSON (${(e as Error).message})`]);
  }
  if (!isPlainObject(overlay)) throw new ConfigError([`${where}: must be a JSON object keyed by "registry" or an environment name, e.g. {"dev": {"task": {"environment": {"LOG_LEVEL": "info"}}}}`]);

  const problems: string[] = [];
  const result: Record<string, EnvConfig> = { ...base };
  let resultRegistry = registry;
  for (const [envName, patch] of Object.entries(overlay)) {
    const target = base[envName];
    if (envName === 'registry') {
      if (isPlainObject(patch)) resultRegistry = merge(registry, patch) as unknown as RegistryConfig;
      else problems.push(`${where}: registry must be an object of fields to change, got ${JSON.stringify(patch)}`);
    } else if (target === undefined) {
      problems.push(`${where}: unknown environment ${JSON.stringify(envName)}; valid keys: registry, ${Object.keys(base).join(', ')}`);
    } else if (!isPlainObject(patch)) {
      problems.push(`${where}: ${envName} must be an object of fields to change, got ${JSON.stringify(patch)}`);
    } else if ('envName' in patch && patch.envName !== envName) {
      problems.push(`${where}: ${envName}.envName cannot be changed by an overlay`);
    } else {
      result[envName] = merge(target, patch) as unknown as EnvConfig;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { registry: resultRegistry, environments: result };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  const from = isPlainObject(base) ? base : {};
  const out: Record<string, unknown> = { ...from };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isPlainObject(value) && isPlainObject(from[key]) ? merge(from[key], value) : value;
  }
  return out;
}
