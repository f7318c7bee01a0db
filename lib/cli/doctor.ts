/**
 * `npm run doctor -- --env <env>`: after a real deploy, checks what no synth can (docs/doctor.md), against the
 * deployed registry stack and the environment's service stack, expecting what this code synthesizes for them.
 *
 * Exit codes: 0 every check passed (or was skipped, saying why), 1 a check failed, 2 usage or configuration
 * error, 3 AWS error (a check could not run: credentials, region, endpoint or a missing permission).
 */
import { CONTEXT_KEYS, loadConfig, LoadedConfig } from '../config/load';
import { ENV_NAMES } from '../config/types';
import { ConfigError, isEnvName } from '../config/validate';
import type { DoctorOptions } from '../doctor/doctor';
import type { DoctorPlan } from '../doctor/plan';
import { CheckResult, FatalAwsError, renderResult } from '../doctor/result';
import { splitFlag } from './plain-args';

/**
 * Context keys the doctor passes on to the app, as `cdk deploy -c KEY=VALUE` does: env comes from --env, and the
 * tests-only overlay is not for deployed stacks.
 */
const CONTEXT_FLAG_KEYS: readonly string[] = Object.values(CONTEXT_KEYS).filter((k) => k !== CONTEXT_KEYS.env && k !== CONTEXT_KEYS.testConfigOverlay);
const MAX_HOURS = 14 * 24;

export const USAGE = `Usage:
  npm run doctor -- --env ENV [--hours N] [-c KEY=VALUE ...]
  npm run doctor -- --help

After a deploy, checks what no synth can, against the deployed stacks BetterCallBuffet-Registry and
BetterCallBuffet-ENV-Service, expecting what this code synthesizes for ENV (never a hand-kept list):

  stack        deployed, in a *_COMPLETE state (its resources resolve every name below)
  alarm        the metric of every alarm is published with exactly its dimensions (ListMetrics)
  rule         no failed deliveries (AWS/Events FailedInvocations) in the last --hours
  topic        every topic has subscribers, all confirmed
  trail        the trail is logging and delivering
  inventory    the inventory published within two schedule periods
  repository   scan on push as the template sets it
  registry scanning   the registry scans as registry.settings.scanType says, and its rules cover the repository

One line per check: PASS, FAIL (-> fix: what to do), SKIP (why it cannot be decided yet), ERROR (an AWS
call failed -> check: what).

  --env ENV              the environment: ${ENV_NAMES.join(', ')}
  --hours N              look-back window of the delivery check, 1-${MAX_HOURS} (default 24)
  -c, --context K=V      context the deploy used, repeatable: ${CONTEXT_FLAG_KEYS.join(', ')}

Read-only. Credentials come from the standard AWS chain; AWS_ENDPOINT_URL is honoured. Needs
cloudformation:DescribeStacks/ListStackResources, cloudwatch:ListMetrics/GetMetricData,
sns:ListSubscriptionsByTopic, cloudtrail:GetTrailStatus, ecr:DescribeRepositories and
ecr:GetRegistryScanningConfiguration (the ReadOnlyAccess managed policy has them all).

Exit codes: 0 passed (skips included), 1 a check failed, 2 usage or configuration error, 3 AWS error.
`;

export interface DoctorIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface DoctorCliDeps extends DoctorOptions {
  readonly io?: DoctorIo;
  /** Builds the plan (the in-process synth); tests may pass their own. */
  readonly plan?: (config: LoadedConfig, envName: string) => DoctorPlan;
}

class UsageError extends Error {}

interface Args {
  readonly help: boolean;
  readonly env?: string;
  readonly hours: number;
  readonly context: ReadonlyMap<string, string>;
}

function parseArgs(argv: readonly string[]): Args {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, hours: 24, context: new Map() };
  let env: string | undefined;
  let hours: string | undefined;
  const context = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const { name, inline } = splitFlag(arg);
    if (!['--env', '--hours', '-c', '--context'].includes(name)) {
      throw new UsageError(arg.startsWith('-') ? `unknown flag "${name}"` : `unexpected argument "${arg}"`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError(`${name} needs a value`);
    if (name === '--env' || name === '--hours') {
      if ((name === '--env' ? env : hours) !== undefined) throw new UsageError(`${name} given twice; give it once`);
      if (name === '--env') env = value;
      else hours = value;
      continue;
    }
    const eq = value.indexOf('=');
    const key = eq === -1 ? value : value.slice(0, eq);
    if (eq === -1) throw new UsageError(`${name} ${JSON.stringify(value)} is not KEY=VALUE`);
    if (key === CONTEXT_KEYS.env) throw new UsageError(`choose the environment with --env, not ${name} env=...`);
    if (!CONTEXT_FLAG_KEYS.includes(key)) throw new UsageError(`${name} ${JSON.stringify(key)} is not a context key the app reads: use ${CONTEXT_FLAG_KEYS.join(', ')}`);
    if (context.has(key)) throw new UsageError(`context ${key} given twice; give it once`);
    context.set(key, value.slice(eq + 1));
  }
  if (env === undefined) throw new UsageError(`--env is required: one of ${ENV_NAMES.join(', ')}`);
  if (!isEnvName(env)) throw new UsageError(`--env ${JSON.stringify(env)} is not an environment: use one of ${ENV_NAMES.join(', ')}`);
  const n = hours === undefined ? 24 : Number(hours);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOURS) throw new UsageError(`--hours ${JSON.stringify(hours)} must be a whole number of hours from 1 to ${MAX_HOURS}`);
  return { help: false, env, hours: n, context };
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

function summary(results: readonly CheckResult[]): string {
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  return `doctor: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped, ${count('ERROR')} could not run`;
}

/** Runs the CLI; resolves to the exit code. */
export async function runDoctorCli(argv: readonly string[], deps: DoctorCliDeps = {}): Promise<number> {
  const io = deps.io ?? { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`doctor: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  const envName = args.env as string;
  let config: LoadedConfig;
  try {
    config = loadConfig({ getContext: (k) => (k === CONTEXT_KEYS.env ? envName : args.context.get(k)) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`doctor: Configuration error: ${oneLine(e.message)}\n`);
    return 2;
  }
  // Loaded only now: --help and usage errors answer before aws-cdk-lib and the SDK clients load (~1 s of CPU).
  // `module.require` resolves relative to this file under bin/register.js and under jest alike.
  const { doctorPlan } = module.require('../doctor/synth') as typeof import('../doctor/synth');
  const { exitCode, runDoctor } = module.require('../doctor/doctor') as typeof import('../doctor/doctor');
  const plan = (deps.plan ?? doctorPlan)(config, envName);
  io.stdout(`doctor: ${envName}: ${plan.stacks.map((s) => `${s.stackName} (${s.region})`).join(' and ')}, expecting what this code synthesizes\n`);
  let results: CheckResult[];
  try {
    results = await runDoctor(plan, { ...deps, windowHours: args.hours });
  } catch (e) {
    if (!(e instanceof FatalAwsError)) throw e;
    io.stderr(`doctor: AWS error, no checks could run: ${e.message}\n`);
    return 3;
  }
  for (const r of results) io.stdout(`${renderResult(r)}\n`);
  io.stdout(`${summary(results)}\n`);
  return exitCode(results);
}

if (require.main === module) {
  runDoctorCli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.stderr.write(`doctor: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 3;
    },
  );
}
