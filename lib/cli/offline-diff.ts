/**
 * `npm run diff`: what a change does to one environment's stacks, offline, for reviewers and pull requests.
 *
 *   npm run diff -- --env NAME [--base GIT_REF | --baseline-dir DIR] [--fail] [-c key=value ...]
 *
 * Synthesizes the working tree with the pinned CDK CLI into a temp dir, then runs
 * `cdk diff STACK --template BASE --app TEMP_ASSEMBLY` per stack: no app re-run, no change set, no AWS
 * credentials. The base is the committed baselines (test/baselines/<StackName>.template.json) or the app
 * synthesized at a git ref. Changed ECR lifecycle policies are also read out in plain English, before and
 * after. Temp dirs are removed on every exit path, including Ctrl-C.
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ENV_NAMES } from '../config/types';
import { DIFF_USAGE, DiffArgs, DiffUsageError, parseDiffArgs } from './diff-args';
import {
  assemblyStacks, cdkDiff, DiffFailure, exportGitTree, normalizeTemplate, offlineEnv, readTemplate, resolveGitRef,
  StackDiff, stopChildren, synthesize, templateFileProblem, unchangedStackReport, writeTemplate,
} from './diff-assembly';
import { CfnTemplate, formatLifecycleChange, lifecyclePolicyChanges } from './diff-lifecycle';

const PROJECT_DIR = resolve(__dirname, '..', '..');
const DEFAULT_BASELINE_DIR = join(PROJECT_DIR, 'test', 'baselines');
const TEMPLATE_SUFFIX = '.template.json';
const HEAD_LABEL = 'working tree';

export interface DiffIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly color: boolean;
}

interface StackPair {
  readonly stackName: string;
  /** Artifact ID in the working-tree assembly; undefined for a stack only the base has. */
  readonly headId?: string;
  readonly headTemplate?: CfnTemplate;
  /** Normalized base template written into the temp dir (an empty template for a new stack). */
  readonly baseFile: string;
  readonly baseTemplate: CfnTemplate;
}

/** Fails fast, before anything is synthesized: the base must exist. Returns its label and location. */
function checkBase(args: DiffArgs): { label: string; dir?: string; sha?: string } {
  if (args.base.kind === 'git') {
    const sha = resolveGitRef(PROJECT_DIR, args.base.ref);
    return { label: `${args.base.ref} (${sha.slice(0, 12)})`, sha };
  }
  // npm runs scripts from the package root; INIT_CWD is where the user typed the command.
  const dir = args.base.dir === undefined ? DEFAULT_BASELINE_DIR : resolve(process.env.INIT_CWD ?? process.cwd(), args.base.dir);
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith(TEMPLATE_SUFFIX))) {
    throw new DiffUsageError(`no baseline templates (*${TEMPLATE_SUFFIX}) in ${dir}; run npm run baselines:update to create them, or compare with a commit: --base origin/main`);
  }
  checkBaselineTemplates(dir, args.env);
  const shown = relative(process.cwd(), dir);
  return { label: `baselines in ${shown === '' || shown.startsWith('..') ? dir : shown}`, dir };
}

/**
 * Reads every baseline this environment's diff can use (its own stacks and the shared ones, i.e. every
 * file but other environments'), so a corrupt file stops the diff before the synthesis, naming the file.
 */
function checkBaselineTemplates(dir: string, envName: string): void {
  const otherEnvs = ENV_NAMES.filter((e) => e !== envName);
  for (const f of readdirSync(dir).filter((name) => name.endsWith(TEMPLATE_SUFFIX)).sort()) {
    const stackName = f.slice(0, -TEMPLATE_SUFFIX.length);
    if (otherEnvs.some((e) => stackName.includes(`-${e}-`))) continue;
    const file = join(dir, f);
    const problem = templateFileProblem(file);
    if (problem) {
      throw new DiffUsageError(`baseline ${file} ${problem}: restore it (git checkout -- ${relative(PROJECT_DIR, file)}), regenerate the baselines with npm run baselines:update, or compare with a commit: --base origin/main`);
    }
  }
}

/** Pairs every working-tree stack with its base template; base-only stacks of the environment come last. */
function pairStacks(envName: string, headDir: string, base: { dir?: string; assemblyDir?: string }, tmp: string): StackPair[] {
  const head = assemblyStacks(headDir);
  const baseFiles = new Map<string, string>();
  if (base.assemblyDir !== undefined) {
    for (const s of assemblyStacks(base.assemblyDir)) baseFiles.set(s.stackName, s.templateFile);
  } else if (base.dir !== undefined) {
    // Service stacks are named <app>-<env>-<kind>: the working tree's names give the prefix of this env's
    // baselines (a removed stack of the environment still shows); the shared registry stack matches by name.
    const marker = `-${envName}-`;
    const prefixes = new Set(head.filter((s) => s.stackName.includes(marker))
      .map((s) => s.stackName.slice(0, s.stackName.indexOf(marker) + marker.length)));
    for (const f of readdirSync(base.dir)) {
      const name = f.slice(0, -TEMPLATE_SUFFIX.length);
      const wanted = head.some((s) => s.stackName === name) || [...prefixes].some((p) => name.startsWith(p));
      if (f.endsWith(TEMPLATE_SUFFIX) && wanted) baseFiles.set(name, join(base.dir, f));
    }
    const missing = head.filter((s) => !baseFiles.has(s.stackName));
    if (missing.length > 0) {
      throw new DiffUsageError(`no baseline for ${missing.map((s) => s.stackName).join(', ')} in ${base.dir} (expected ${missing.map((s) => s.stackName + TEMPLATE_SUFFIX).join(', ')}); run npm run baselines:update, or compare with a commit: --base origin/main`);
    }
  }

  const baseDir = join(tmp, 'base-templates');
  mkdirSync(baseDir);
  const writeBase = (stackName: string, template: CfnTemplate): string => {
    const file = join(baseDir, stackName + TEMPLATE_SUFFIX);
    writeTemplate(file, template);
    return file;
  };
  const pairs: StackPair[] = head.map((s) => {
    // Normalized in place: the CLI reads the template through the assembly manifest.
    const headTemplate = normalizeTemplate(readTemplate(s.templateFile));
    writeTemplate(s.templateFile, headTemplate);
    const baseFile = baseFiles.get(s.stackName);
    const baseTemplate = baseFile === undefined ? {} : normalizeTemplate(readTemplate(baseFile));
    return { stackName: s.stackName, headId: s.id, headTemplate, baseTemplate, baseFile: writeBase(s.stackName, baseTemplate) };
  });
  for (const [stackName, file] of baseFiles) {
    if (head.some((s) => s.stackName === stackName)) continue;
    const baseTemplate = normalizeTemplate(readTemplate(file));
    pairs.push({ stackName, baseTemplate, baseFile: writeBase(stackName, baseTemplate) });
  }
  return pairs;
}

/** cdk diff cannot compare a stack missing from the assembly: describe the removal ourselves. */
function removedStackReport(pair: StackPair): StackDiff {
  const resources = Object.entries(pair.baseTemplate.Resources ?? {}).filter(([, r]) => r.Type !== 'AWS::CDK::Metadata');
  return {
    differs: true,
    output: [
      `Stack ${pair.stackName}`,
      '[-] Stack removed from the app. cdk deploy leaves the deployed stack in place; delete it with cdk destroy. Its resources:',
      ...resources.map(([id, r]) => `[-] ${r.Type} ${id}`),
    ].join('\n'),
  };
}

async function diffEnvironment(args: DiffArgs, io: DiffIo, tmp: string): Promise<number> {
  const base = checkBase(args);
  const env = offlineEnv(tmp);
  const headDir = join(tmp, 'head.out');
  let baseAssembly: string | undefined;
  let baseSrc: string | undefined;
  if (base.sha !== undefined) {
    baseSrc = join(tmp, 'base-src');
    exportGitTree(PROJECT_DIR, base.sha, baseSrc, join(PROJECT_DIR, 'node_modules'));
    baseAssembly = join(tmp, 'base.out');
  }
  // Both apps synthesize at once: each is mostly single-threaded CDK work.
  await Promise.all([
    synthesize(PROJECT_DIR, headDir, args.env, args.context, env, HEAD_LABEL),
    ...(baseSrc !== undefined && baseAssembly !== undefined ? [synthesize(baseSrc, baseAssembly, args.env, args.context, env, `base ${base.label}`)] : []),
  ]);

  const pairs = pairStacks(args.env, headDir, { dir: base.dir, assemblyDir: baseAssembly }, tmp);
  // A stack whose normalized template equals its base's has no difference to show: cdk diff would say so, after
  // ~2 s of CLI start. Only the stacks that changed go to cdk diff.
  const results = await Promise.all(pairs.map((p) => {
    if (p.headId === undefined) return Promise.resolve(removedStackReport(p));
    if (isDeepStrictEqual(p.headTemplate, p.baseTemplate)) return Promise.resolve(unchangedStackReport(p.stackName, io.color));
    return cdkDiff(p.headId, p.baseFile, headDir, tmp, env, io.color);
  }));

  const out: string[] = [
    `Offline diff of ${args.env}: ${HEAD_LABEL} vs ${base.label}`,
    `(synthesized with -c env=${args.env}${args.context.map((c) => ` -c ${c}`).join('')}; no AWS credentials used)`,
    '',
  ];
  pairs.forEach((pair, i) => {
    out.push(results[i].output);
    for (const change of lifecyclePolicyChanges(pair.baseTemplate, pair.headTemplate ?? {})) {
      out.push('', ...formatLifecycleChange(pair.stackName, change, base.label, HEAD_LABEL));
    }
    out.push('');
  });
  const differing = pairs.filter((_, i) => results[i].differs).map((p) => p.stackName);
  out.push(differing.length === 0
    ? `No differences in ${pairs.length} stacks.`
    : `${differing.length} of ${pairs.length} stacks differ: ${differing.join(', ')}`);
  io.stdout(`${out.join('\n')}\n`);
  return differing.length > 0 && args.fail ? 1 : 0;
}

/** Runs the diff; resolves to the exit code. Temp files live under one dir, removed however this ends. */
export async function main(argv: readonly string[], io: DiffIo): Promise<number> {
  let tmp: string | undefined;
  let interrupted = false;
  const cleanup = async (): Promise<void> => {
    await stopChildren();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    io.stderr(`diff: interrupted (${signal}); removing temporary files\n`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const args = parseDiffArgs(argv);
    if (args.help) {
      io.stdout(DIFF_USAGE);
      return 0;
    }
    tmp = mkdtempSync(join(tmpdir(), 'offline-diff-'));
    return await diffEnvironment(args, io, tmp);
  } catch (e) {
    // The children were stopped by the signal handler: their failure is not news.
    if (interrupted) return 2;
    if (e instanceof DiffUsageError) {
      io.stderr(`diff: ${e.message}\nRun npm run diff -- --help for usage.\n`);
    } else if (e instanceof DiffFailure) {
      io.stderr(`diff: ${e.message}\n`);
    } else {
      io.stderr(`diff: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    }
    return 2;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  const io: DiffIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined,
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
