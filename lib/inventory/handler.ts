/**
 * Lambda entry point of the registry inventory: one run lists the repository, logs the summary as one
 * JSON line and publishes it as CloudWatch metrics. Configuration comes from environment variables the
 * `RegistryInventory` construct sets (see HANDLER_ENV); the AWS SDK v3 clients come from the Lambda runtime.
 */
import { collectInventory, publishInventory } from './collect';
import { inventoryClients } from './clients';
import { SIGNING_PROFILE_ARN_RE } from '../aws/signing';
import { HANDLER_ENV } from './metrics';
import { InventorySummary } from './summary';

export interface HandlerConfig {
  readonly repositoryName: string;
  readonly namespace: string;
  readonly stalePullDays: number;
  readonly storagePricePerGbMonthUsd: number;
  readonly releaseTagPatterns: readonly string[];
  /** The signing check, when the construct was given a signing profile. */
  readonly signing?: { readonly profileArn: string; readonly lookbackMinutes: number };
}

/** Reads and checks the handler's environment; a wrong deployment fails loudly instead of publishing zeros. */
export function handlerConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v === '') throw new Error(`environment variable ${key} is not set`);
    return v;
  };
  const num = (key: string): number => {
    const v = Number(need(key));
    if (!Number.isFinite(v) || v < 0) throw new Error(`environment variable ${key} must be a non-negative number, got ${JSON.stringify(env[key])}`);
    return v;
  };
  const patterns: unknown = JSON.parse(env[HANDLER_ENV.releaseTagPatterns] ?? '[]');
  if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) {
    throw new Error(`environment variable ${HANDLER_ENV.releaseTagPatterns} must be a JSON array of strings`);
  }
  const profileArn = env[HANDLER_ENV.signingProfileArn];
  if (profileArn !== undefined && profileArn !== '' && !SIGNING_PROFILE_ARN_RE.test(profileArn)) {
    throw new Error(`environment variable ${HANDLER_ENV.signingProfileArn} must be a Signer profile ARN without version, got ${JSON.stringify(profileArn)}`);
  }
  return {
    ...(profileArn ? { signing: { profileArn, lookbackMinutes: num(HANDLER_ENV.signingLookbackMinutes) } } : {}),
    repositoryName: need(HANDLER_ENV.repositoryName),
    namespace: need(HANDLER_ENV.namespace),
    stalePullDays: num(HANDLER_ENV.stalePullDays),
    storagePricePerGbMonthUsd: num(HANDLER_ENV.storagePricePerGbMonthUsd),
    releaseTagPatterns: patterns,
  };
}

export async function handler(): Promise<InventorySummary> {
  const config = handlerConfig(process.env);
  const { ecr, cloudwatch } = inventoryClients();
  const summary = await collectInventory(ecr, { ...config, now: new Date() });
  const published = await publishInventory(cloudwatch, config.namespace, summary);
  console.log(JSON.stringify({ message: 'registry inventory published', namespace: config.namespace, metrics: published, ...summary }));
  // One line per unsigned release, so the alarm's runbook can point at a filter (message = "unsigned release image").
  for (const u of summary.signing?.unsigned ?? []) {
    console.log(JSON.stringify({ message: 'unsigned release image', repositoryName: summary.repositoryName, profileArn: summary.signing?.profileArn, ...u }));
  }
  return summary;
}
