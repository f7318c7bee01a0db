import { readFileSync } from 'fs';
import { describeValue, nearestNames } from './fields';

/** Context keys the app reads (`cdk synth -c key=value`). Everything else in context is CDK's own. */
export const CONTEXT_KEYS = {
  /** Synthesize the registry and this environment's service stack only; unset means every environment. */
  env: 'env',
  /** Override the image tag the task definition runs (pipelines pass the promoted release tag). */
  imageTag: 'imageTag',
  /** Pin the image by digest (pipelines). */
  imageDigest: 'imageDigest',
  /** Deploy the selected environment's service stack to this account (only with `env`). */
  account: 'account',
  /**
   * VPC endpoints for the selected environment (only with `env`), as JSON: the environment's `network`
   * setting (lib/config/types.ts NetworkConfig). Validated like the rest of the config.
   */
  network: 'network',
  /** `owner/repo` whose GitHub workflows may assume the CI push role (creates the role). */
  githubRepository: 'githubRepository',
  /** Tests only: a JSON file merged over the environments before validation (lib/config/overlay.ts). */
  testConfigOverlay: 'testConfigOverlay',
} as const;

/**
 * Context keys of the CDK itself that carry no `:` and no leading `@`: the CLI's acknowledged notices
 * (`cdk acknowledge`, kept in cdk.json) and aws-cdk-lib's `assets-ecr-repository-name`. Every other key
 * the CDK CLI injects (`aws:cdk:enable-path-metadata`, `aws:cdk:bundling-stacks`, ...), every feature flag
 * (`@aws-cdk/core:...`) and every cached lookup in cdk.context.json (`availability-zones:account=...`)
 * contains a `:` or starts with `@`.
 */
export const CDK_PLAIN_CONTEXT_KEYS: readonly string[] = ['acknowledged-issue-numbers', 'assets-ecr-repository-name'];

/** Whether `key` belongs to the CDK (or a construct library) rather than to this app. */
export function isCdkContextKey(key: string): boolean {
  return key.includes(':') || key.startsWith('@') || CDK_PLAIN_CONTEXT_KEYS.includes(key);
}

/**
 * One sentence per context key that neither this app nor the CDK reads. Without this, `-c imgeTag=v2`
 * synthesizes the configured tag without a word, and a pipeline deploys what nobody asked for.
 */
export function unknownContextKeyProblems(keys: readonly string[]): string[] {
  const known = Object.values(CONTEXT_KEYS) as string[];
  return keys.filter((k) => !known.includes(k) && !isCdkContextKey(k)).map((k) => {
    const near = nearestNames(k, known);
    return `unknown context key -c ${k}${near.length > 0 ? `: did you mean -c ${near.join(' or -c ')}? This` : ': this'} app reads ${known.join(', ')} `
      + "(CDK's own keys contain ':' or start with '@'); fix or remove it (on the command line, or in cdk.json, cdk.context.json or ~/.cdk.json)";
  });
}

/**
 * The `-c key=value` / `--context key=value` assignments in a CDK CLI command line (the arguments after the
 * `cdk` script), in order. The CLI parses `--context` with yargs as a repeatable option taking one value
 * (`nargs: 1`), and `--` ends the options.
 */
export function contextAssignments(cliArgs: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < cliArgs.length; i++) {
    const arg = cliArgs[i];
    if (arg === '--') break;
    if (arg === '-c' || arg === '--context') {
      if (i + 1 < cliArgs.length) out.push(cliArgs[++i]);
    } else if (arg.startsWith('--context=')) {
      out.push(arg.slice('--context='.length));
    } else if (arg.startsWith('-c=')) {
      out.push(arg.slice('-c='.length));
    }
  }
  return out;
}

/**
 * One sentence per key given twice with different values. The CDK CLI folds `-c` flags into one object
 * before the app starts (last one wins), so the app only sees the winner: this reads the CLI's own command
 * line instead (see {@link cdkCliArguments}).
 */
export function repeatedContextProblems(assignments: readonly string[]): string[] {
  const values = new Map<string, string[]>();
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) continue;
    const key = a.slice(0, eq);
    values.set(key, [...(values.get(key) ?? []), a.slice(eq + 1)]);
  }
  return [...values.entries()]
    .filter(([, vs]) => new Set(vs).size > 1)
    .map(([key, vs]) => `-c ${key} is given ${vs.length} times with different values (${vs.map((v) => describeValue(v)).join(', ')}): the CDK CLI would silently use the last one; pass -c ${key} once`);
}

/** How to read a process's parent and command line (tests pass a fake process table). */
export interface ProcessTable {
  /** The process's command line (argv), or undefined when it cannot be read. */
  argv(pid: number): string[] | undefined;
  /** Its parent's PID, or undefined. */
  parent(pid: number): number | undefined;
}

/** Linux's /proc; elsewhere every read is undefined. */
export const PROC_TABLE: ProcessTable = {
  argv(pid) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').slice(0, raw.endsWith('\0') ? -1 : undefined);
    } catch {
      return undefined;
    }
  },
  parent(pid) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 2 (the command) is in parentheses and may contain spaces: field 4 (ppid) is the 2nd after ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
    } catch {
      return undefined;
    }
  },
};

/** The CDK CLI script in a command line: `cdk`, `.bin/cdk`, `aws-cdk/bin/cdk` (run directly or by node). */
const CDK_SCRIPT_RE = /(^|[/\\])cdk(\.js)?$/;

/**
 * The arguments the CDK CLI was started with, found among this process's ancestors (the CLI runs the app
 * through a shell: app <- sh <- node cdk), or undefined where no ancestor is the CLI or the process table
 * cannot be read (anything but Linux). `maxDepth` bounds the walk.
 */
export function cdkCliArguments(pid: number = process.pid, table: ProcessTable = PROC_TABLE, maxDepth = 6): string[] | undefined {
  let current: number | undefined = table.parent(pid);
  for (let depth = 0; current !== undefined && depth < maxDepth; depth++) {
    const argv = table.argv(current);
    const script = argv?.slice(0, 2).findIndex((a) => CDK_SCRIPT_RE.test(a)) ?? -1;
    if (argv && script >= 0) return argv.slice(script + 1);
    current = table.parent(current);
  }
  return undefined;
}
