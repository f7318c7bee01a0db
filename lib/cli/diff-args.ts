/**
 * Command-line parsing for the offline diff (`npm run diff`). Pure: no file system, no processes, so every
 * bad-input case is rejected before anything is synthesized.
 */

import { unknownContextKeyProblems } from '../config/context';
import { ENV_NAMES, EnvName } from '../config/types';
import { splitFlag } from './plain-args';

export const DIFF_USAGE = `Usage:
  npm run diff -- --env NAME [--base GIT_REF | --baseline-dir DIR] [--fail] [-c key=value ...]

Synthesizes the environment's stacks from the working tree and prints a cdk diff against a base, with no
AWS credentials. When an ECR lifecycle policy changed, also prints its plain-English reading before and after.

  --env NAME          environment to compare: ${ENV_NAMES.join(', ')}
  --base GIT_REF      compare with the app synthesized at this commit, branch or tag
  --baseline-dir DIR  compare with the templates in DIR, named <StackName>.template.json
                      (default: test/baselines, refreshed with npm run baselines:update)
  --fail              exit 1 when there are differences (like cdk diff --fail)
  -c, --context k=v   extra CDK context for the synthesis (repeatable), e.g. -c imageTag=v1.2.3

Exit codes: 0 no differences (or differences without --fail), 1 differences with --fail,
2 no diff could be produced (bad input, synthesis failed; the message is on stderr).
`;

/** Bad input: reported as a message on stderr with exit code 2. */
export class DiffUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffUsageError';
  }
}

export type DiffBase =
  | { readonly kind: 'baselines'; readonly dir?: string }
  | { readonly kind: 'git'; readonly ref: string };

export interface DiffArgs {
  readonly help: false;
  readonly env: EnvName;
  readonly base: DiffBase;
  readonly fail: boolean;
  /** `key=value` pairs passed to both synthesized apps, in the order given. */
  readonly context: readonly string[];
}

const VALUE_FLAGS = ['--env', '--base', '--baseline-dir', '--context', '-c'] as const;
const BOOLEAN_FLAGS = ['--fail', '--help', '-h'] as const;
/** Context keys the tool sets itself: a second value would make the comparison meaningless. */
const RESERVED_CONTEXT_KEYS = new Set(['env']);

function isEnvName(name: string): name is EnvName {
  return (ENV_NAMES as readonly string[]).includes(name);
}

/** Parses `npm run diff` arguments. @throws DiffUsageError naming the bad argument and the fix. */
export function parseDiffArgs(argv: readonly string[]): DiffArgs | { readonly help: true } {
  let env: string | undefined;
  let ref: string | undefined;
  let dir: string | undefined;
  let fail = false;
  let help = false;
  const context: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const { name, inline } = splitFlag(arg);
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      if (inline !== undefined) throw new DiffUsageError(`${name} takes no value, got "${arg}"`);
      if (name === '--fail') fail = true;
      else help = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new DiffUsageError(arg.startsWith('-')
        ? `unknown flag "${name}"; flags are ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].join(', ')}`
        : `unexpected argument "${arg}"; name the environment with --env ${arg}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) {
      throw new DiffUsageError(`${name} needs a value, e.g. ${name} ${name === '--env' ? 'dev' : name === '--base' ? 'origin/main' : name === '--baseline-dir' ? 'DIR' : 'imageTag=v1.2.3'}`);
    }
    switch (name) {
      case '--env':
        if (env !== undefined) throw new DiffUsageError(`--env given twice ("${env}" and "${value}"); diff one environment at a time`);
        env = value;
        break;
      case '--base':
        if (ref !== undefined) throw new DiffUsageError(`--base given twice ("${ref}" and "${value}"); give it once`);
        ref = value;
        break;
      case '--baseline-dir':
        if (dir !== undefined) throw new DiffUsageError(`--baseline-dir given twice ("${dir}" and "${value}"); give it once`);
        dir = value;
        break;
      default: {
        const sep = value.indexOf('=');
        if (sep <= 0) throw new DiffUsageError(`${name} takes key=value, got "${value}"`);
        const key = value.slice(0, sep);
        if (RESERVED_CONTEXT_KEYS.has(key)) throw new DiffUsageError(`${name} ${value}: choose the environment with --env, not context`);
        // Refused here, before the synthesis, as the app would refuse them after it.
        const [unknown] = unknownContextKeyProblems([key]);
        if (unknown) throw new DiffUsageError(unknown);
        const earlier = context.find((c) => c.startsWith(`${key}=`));
        if (earlier !== undefined) throw new DiffUsageError(`${name} ${key} given twice ("${earlier.slice(sep + 1)}" and "${value.slice(sep + 1)}"); give it once`);
        context.push(value);
      }
    }
  }

  if (help) return { help };
  if (env === undefined) throw new DiffUsageError(`--env is required; valid environments: ${ENV_NAMES.join(', ')}`);
  if (!isEnvName(env)) throw new DiffUsageError(`unknown environment "${env}"; valid environments: ${ENV_NAMES.join(', ')}`);
  if (ref !== undefined && dir !== undefined) {
    throw new DiffUsageError(`--base ${ref} and --baseline-dir ${dir} both name the base; give one`);
  }
  const base: DiffBase = ref !== undefined ? { kind: 'git', ref } : { kind: 'baselines', dir };
  return { help: false, env, base, fail, context };
}
