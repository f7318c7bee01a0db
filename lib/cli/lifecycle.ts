/**
 * `lifecycle` CLI: preview and explain ECR lifecycle policies offline.
 *
 *   npm run lifecycle -- preview (--policy FILE | --repository NAME) --images FILE [--now ISO-8601]
 *   npm run lifecycle -- explain (--policy FILE | --repository NAME)
 *
 * Exit codes: 0 success, 2 bad input (one line on stderr, nothing on stdout), 1 unexpected failure.
 */

import { readFileSync } from 'node:fs';
import { evaluateLifecyclePolicy, ImageDetail, ImageDetailsError, parseImageDetails, parseIsoTimestamp } from '../lifecycle/evaluate';
import { explainLifecyclePolicy } from '../lifecycle/explain';
import { LifecyclePolicy, LifecyclePolicyError, parseLifecyclePolicy } from '../lifecycle/policy';
import { userPath } from './cli-env';
import { splitFlag } from './plain-args';

export const USAGE = `Usage:
  lifecycle preview --policy FILE --images FILE [--now ISO-8601]
  lifecycle preview --repository NAME --images FILE [--now ISO-8601]
  lifecycle explain --policy FILE
  lifecycle explain --repository NAME
  lifecycle --help

preview  Prints, as GetLifecyclePolicyPreview JSON, the images ECR would expire or archive.
         --images takes the output of: aws ecr describe-images --repository-name REPO --output json
         --now    evaluate as of this instant (default: the current time), e.g. 2024-05-01T00:00:00Z
explain  Prints one plain-English line per rule, in the order ECR applies them.
--policy a lifecycle policy JSON file (the text given to aws ecr put-lifecycle-policy)
         Relative paths are relative to the directory you ran the command in.
--repository  the policy this app deploys for that repository (better-call-buffet: every environment
              pulls from it, so there is one policy)

Exit codes: 0 ok, 2 invalid input (message on stderr), 1 unexpected error.
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Bad input: reported as one line on stderr with exit code 2. */
class CliInputError extends Error {}

type Flag = '--policy' | '--repository' | '--images' | '--now';

const FLAGS_BY_COMMAND: Record<'preview' | 'explain', readonly Flag[]> = {
  preview: ['--policy', '--repository', '--images', '--now'],
  explain: ['--policy', '--repository'],
};

function parseFlags(command: 'preview' | 'explain', args: readonly string[]): Map<Flag, string> {
  const allowed = FLAGS_BY_COMMAND[command];
  const flags = new Map<Flag, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      throw new CliInputError(`unexpected argument "${arg}" for ${command}; flags are ${allowed.join(', ')}`);
    }
    const { name, inline } = splitFlag(arg);
    if (name === '--env') {
      throw new CliInputError('--env was removed: every environment pulls from one repository; use --repository better-call-buffet');
    }
    if (!(allowed as readonly string[]).includes(name)) {
      throw new CliInputError(`unknown flag "${name}" for ${command}; flags are ${allowed.join(', ')}`);
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('--')) {
      throw new CliInputError(`flag ${name} needs a value, e.g. ${name} ${name === '--now' ? '2024-05-01T00:00:00Z' : name === '--repository' ? 'better-call-buffet' : 'FILE'}`);
    }
    if (flags.has(name as Flag)) {
      throw new CliInputError(`flag ${name} given twice ("${flags.get(name as Flag)}" and "${value}"); give it once`);
    }
    flags.set(name as Flag, value);
  }
  return flags;
}

function readText(flag: Flag, path: string): string {
  // Relative to where the user ran the command, not to the package root npm runs scripts in.
  const resolved = userPath(path);
  try {
    // Editors on Windows (and PowerShell's Out-File) start UTF-8 files with a byte-order mark: skip it.
    return readFileSync(resolved, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CliInputError(`cannot read ${flag} file "${path}"${resolved !== path ? ` (${resolved})` : ''}: ${reason}; check the path`);
  }
}

function policyFromFile(path: string): LifecyclePolicy {
  const text = readText('--policy', path);
  try {
    return parseLifecyclePolicy(text);
  } catch (err) {
    if (err instanceof LifecyclePolicyError) {
      throw new CliInputError(`--policy file "${path}" is not a valid ECR lifecycle policy: ${err.message}`);
    }
    throw err;
  }
}

interface EnvPolicyModule {
  lifecyclePolicyForRepository?: unknown;
}

function policyForRepository(repositoryName: string): LifecyclePolicy {
  // Loaded lazily so preview/explain with --policy work in a checkout without the app's policy module.
  // `module.require` resolves relative to this file under bin/register.js and under jest alike.
  let loaded: EnvPolicyModule;
  try {
    loaded = module.require('../stacks/registry-lifecycle') as EnvPolicyModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only the module itself being absent is an input problem; a missing import inside it is a real bug.
    if (e.code === 'MODULE_NOT_FOUND' && e.message.startsWith("Cannot find module '../stacks/registry-lifecycle'")) {
      throw new CliInputError(
        '--repository needs lib/stacks/registry-lifecycle.ts (exporting lifecyclePolicyForRepository), which this checkout does not have; use --policy FILE instead',
      );
    }
    throw err;
  }
  if (typeof loaded.lifecyclePolicyForRepository !== 'function') {
    throw new CliInputError('lib/stacks/registry-lifecycle.ts does not export a function lifecyclePolicyForRepository(name); use --policy FILE instead');
  }
  let policy: unknown;
  try {
    policy = (loaded.lifecyclePolicyForRepository as (name: string) => unknown)(repositoryName);
  } catch (err) {
    throw new CliInputError(`--repository "${repositoryName}": ${(err as Error).message}`);
  }
  try {
    return parseLifecyclePolicy(policy);
  } catch (err) {
    if (err instanceof LifecyclePolicyError) {
      throw new CliInputError(`the policy the app builds for --repository "${repositoryName}" is not valid: ${err.message}`);
    }
    throw err;
  }
}

function selectPolicy(flags: Map<Flag, string>): LifecyclePolicy {
  const file = flags.get('--policy');
  const repository = flags.get('--repository');
  if (file !== undefined && repository !== undefined) {
    throw new CliInputError('give either --policy FILE or --repository NAME, not both');
  }
  if (file !== undefined) return policyFromFile(file);
  if (repository !== undefined) return policyForRepository(repository);
  throw new CliInputError('missing policy: add --policy FILE or --repository NAME');
}

function imagesFromFile(path: string): ImageDetail[] {
  const text = readText('--images', path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliInputError(
      `--images file "${path}" is not valid JSON (${(err as Error).message}); pass the output of aws ecr describe-images --output json`,
    );
  }
  try {
    return parseImageDetails(json);
  } catch (err) {
    if (err instanceof ImageDetailsError) throw new CliInputError(`--images file "${path}": ${err.message}`);
    throw err;
  }
}

function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const ms = parseIsoTimestamp(value);
  if (ms === undefined) {
    throw new CliInputError(`--now "${value}" is not a real ISO-8601 date or date-time with a time zone; use e.g. 2024-05-01T00:00:00Z`);
  }
  return new Date(ms);
}

function preview(args: readonly string[]): string {
  const flags = parseFlags('preview', args);
  const imagesPath = flags.get('--images');
  if (imagesPath === undefined) {
    throw new CliInputError('missing --images FILE: save aws ecr describe-images --repository-name REPO --output json to a file');
  }
  const now = parseNow(flags.get('--now'));
  const policy = selectPolicy(flags);
  const images = imagesFromFile(imagesPath);
  try {
    return `${JSON.stringify(evaluateLifecyclePolicy(policy, images, now), null, 2)}\n`;
  } catch (err) {
    if (err instanceof ImageDetailsError) throw new CliInputError(`--images file "${imagesPath}": ${err.message}`);
    throw err;
  }
}

function explain(args: readonly string[]): string {
  const policy = selectPolicy(parseFlags('explain', args));
  return `${explainLifecyclePolicy(policy).join('\n')}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Runs the CLI with `argv` (arguments after the script name); returns the exit code. */
export function runLifecycleCli(argv: readonly string[], io: CliIo = processIo): number {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) throw new CliInputError('missing subcommand: use preview or explain');
    if (command === '--help' || command === '-h' || command === 'help' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(USAGE);
      return 0;
    }
    let output: string;
    if (command === 'preview') output = preview(rest);
    else if (command === 'explain') output = explain(rest);
    else throw new CliInputError(`unknown subcommand "${command}": use preview or explain`);
    io.stdout(output);
    return 0;
  } catch (err) {
    if (err instanceof CliInputError) {
      io.stderr(`lifecycle: ${oneLine(err.message)} (see --help)\n`);
      return 2;
    }
    io.stderr(`lifecycle: unexpected error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runLifecycleCli(process.argv.slice(2));
}
