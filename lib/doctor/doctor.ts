/**
 * Runs every check of a plan against the deployed stacks and returns one result per check, in a fixed
 * order: stacks, alarms, rule deliveries, topic subscriptions, trail, inventory, repository and registry
 * scanning. See docs/doctor.md.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SNSClient } from '@aws-sdk/client-sns';
import { inPool } from '../util/pool';
import { checkAlarmMetrics } from './checks/alarm-metrics';
import { checkRuleDeliveries, checkSubscriptions } from './checks/deliveries';
import { checkInventory } from './checks/inventory';
import { checkRegistryScanning, checkScanOnPush } from './checks/scanning';
import { checkStack } from './checks/stacks';
import { checkTrail, trailNotCreated } from './checks/trail';
import { DoctorPlan, DoctorStack } from './plan';
import { CheckContext, CheckResult, DeployedStack, DoctorClients } from './result';

/** Checks that call AWS at once; ListMetrics allows 25 requests per second per account and region. */
const CONCURRENCY = 4;

export interface DoctorOptions {
  /** Builds the clients of a region; tests pass their own. @default - {@link doctorClients} */
  readonly clients?: (region: string) => DoctorClients;
  /** @default - the current time */
  readonly now?: Date;
  /** Look-back window of the delivery check. @default 24 */
  readonly windowHours?: number;
}

/**
 * SDK v3 clients for a region from the standard credential chain; the SDK honours `AWS_ENDPOINT_URL` (and the
 * per-service variables) itself. Adaptive retries slow down under throttling instead of failing.
 */
export function doctorClients(region: string): DoctorClients {
  const config = { region, retryMode: 'adaptive' as const, maxAttempts: 5 };
  return {
    cloudformation: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    sns: new SNSClient(config),
    cloudtrail: new CloudTrailClient(config),
    ecr: new ECRClient(config),
  };
}

export async function runDoctor(plan: DoctorPlan, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const made = new Map<string, DoctorClients>();
  const clients = (region: string) => {
    let c = made.get(region);
    if (!c) made.set(region, (c = (options.clients ?? doctorClients)(region)));
    return c;
  };
  try {
    const stacks = await Promise.all(plan.stacks.map((s) => checkStack(s, clients(s.region))));
    const deployedByStack = new Map<DoctorStack, DeployedStack>(stacks.map((s) => [s.deployed.stack, s.deployed]));
    const ctx: CheckContext = {
      clients,
      deployed: (stack) => deployedByStack.get(stack) ?? { stack, lastUpdated: new Map() },
      now: options.now ?? new Date(),
      windowHours: options.windowHours ?? 24,
    };
    const registry = plan.stacks.find((s) => s.role === 'registry');
    const registryRepositories = plan.repositories
      .filter((r) => r.stack === registry)
      .map((r) => ctx.deployed(r.stack).resolver?.ref(r.logicalId))
      .flatMap((r) => (r && 'value' in r ? [r.value] : []));
    const groups: (() => Promise<CheckResult[]>)[] = [
      ...plan.alarms.map((a) => async () => [await checkAlarmMetrics(a, ctx)]),
      () => checkRuleDeliveries(plan.rules, ctx),
      ...plan.topics.map((t) => async () => [await checkSubscriptions(t, ctx)]),
      ...(plan.trails.length > 0 ? plan.trails.map((t) => async () => [await checkTrail(t, ctx)]) : registry ? [async () => [trailNotCreated(plan)]] : []),
      ...plan.inventories.map((i) => async () => [await checkInventory(i, ctx)]),
      ...plan.repositories.map((r) => async () => [await checkScanOnPush(r, ctx)]),
      ...(registry ? [async () => [await checkRegistryScanning(plan, registryRepositories, ctx)]] : []),
    ];
    return [...stacks.map((s) => s.result), ...(await inPool(CONCURRENCY, groups)).flat()];
  } finally {
    // Clients passed in belong to the caller.
    if (!options.clients) for (const c of made.values()) for (const client of Object.values(c)) (client as { destroy(): void }).destroy();
  }
}

/** 1 when any check failed, else 3 when an AWS call failed, else 0. */
export function exitCode(results: readonly CheckResult[]): number {
  if (results.some((r) => r.status === 'FAIL')) return 1;
  if (results.some((r) => r.status === 'ERROR')) return 3;
  return 0;
}
