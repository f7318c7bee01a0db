/**
 * Process and file plumbing for the offline diff: synthesizing with the project's pinned CDK CLI, exporting
 * a git ref, reading cloud assemblies and running `cdk diff --template` — all with AWS credentials hidden,
 * so the result is the same on a laptop with an SSO session as in CI, and nothing can reach an account.
 */

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffUsageError } from './diff-args';
import { CfnTemplate } from './diff-lifecycle';

/** The diff could not be produced (synthesis or the CDK CLI failed). Exit code 2, like bad input. */
export class DiffFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffFailure';
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Child processes still running, with a promise that settles when each has exited. */
const runningChildren = new Map<ChildProcess, Promise<void>>();

/** Runs a command to completion, capturing its output. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  // Its own process group: `cdk synth` runs the app as a grandchild, which must be stopped with it.
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const result = new Promise<RunResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({
      code: code ?? (signal ? 128 : 1),
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
  const done = result.then(() => undefined, () => undefined);
  runningChildren.set(child, done);
  void done.then(() => runningChildren.delete(child));
  return result;
}

/**
 * Stops every running child's process group and waits (up to `timeoutMs`) for them to exit, so nothing
 * writes into the temp dir after it is removed.
 */
export async function stopChildren(timeoutMs = 5000): Promise<void> {
  const waiting = [...runningChildren.entries()].map(([child, done]) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already exited: nothing to stop.
    }
    return done;
  });
  await Promise.race([Promise.all(waiting), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

/**
 * Environment for every child process. Credentials, profiles and the default account are removed, and the
 * SDK is pointed at config files that do not exist: the CDK CLI then cannot look up an account (templates
 * keep `AWS::AccountId` references, as in the committed baselines) and `cdk diff --template` provably
 * works without AWS access. IMDS is off because on a cloud VM the SDK would otherwise wait for it.
 */
export function offlineEnv(tmpDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (k.startsWith('AWS_') || k.startsWith('CDK_DEFAULT_') || k === 'CDK_CONTEXT_JSON' || k === 'CDK_OUTDIR') continue;
    env[k] = v;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: join(tmpDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpDir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // The CloudFormation schema validation (~2 s per synth) runs in `npm run synth`; a diff does not need it.
    CDK_VALIDATION: base.CDK_VALIDATION ?? 'false',
  };
}

/** The project's pinned CDK CLI (package.json devDependency), never a global or npx-downloaded one. */
export function cdkCli(): string {
  return require.resolve('aws-cdk/bin/cdk');
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Synthesizes one environment of the app in `projectDir` (its cdk.json `app` and context) into `outDir`.
 * `label` names the tree in error messages ("working tree", "base main (1a2b3c)").
 */
export async function synthesize(projectDir: string, outDir: string, envName: string, context: readonly string[], env: NodeJS.ProcessEnv, label: string): Promise<void> {
  const args = [cdkCli(), 'synth', '-c', `env=${envName}`, ...context.flatMap((c) => ['-c', c]),
    '--output', outDir, '--quiet', '--no-notices', '--ci'];
  const r = await run(process.execPath, args, projectDir, env);
  if (r.code !== 0) {
    throw new DiffFailure(`cdk synth -c env=${envName} of the ${label} failed (exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
}

export interface AssemblyStack {
  /** Artifact ID, which `cdk diff` takes to select the stack. */
  readonly id: string;
  readonly stackName: string;
  readonly templateFile: string;
}

/** The CloudFormation stacks of a cloud assembly, in manifest order (dependencies first). */
export function assemblyStacks(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => ({
      id,
      stackName: a.properties?.stackName ?? id,
      templateFile: join(dir, a.properties?.templateFile as string),
    }));
}

export function readTemplate(file: string): CfnTemplate & Record<string, unknown> {
  const problem = templateFileProblem(file);
  if (problem) throw new DiffFailure(`${file} ${problem}`);
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate & Record<string, unknown>;
}

/** Why `file` is not a readable CloudFormation template (unreadable, not JSON, not an object), or undefined. */
export function templateFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `is not valid JSON (${(e as Error).message})`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'is not a CloudFormation template (a JSON object)';
  const resources = (json as { Resources?: unknown }).Resources;
  if (resources !== undefined && (typeof resources !== 'object' || resources === null || Array.isArray(resources))) {
    return 'is not a CloudFormation template (its Resources is not an object)';
  }
  return undefined;
}

/**
 * Drops `aws:cdk:path` resource metadata. It only mirrors construct paths (which cdk diff shows anyway,
 * from the assembly manifest) and differs between CLI synthesis and in-process synthesis, so keeping it
 * would report a "change" on every resource whenever the base was produced the other way.
 */
export function normalizeTemplate<T extends CfnTemplate>(template: T): T {
  const copy = JSON.parse(JSON.stringify(template)) as T & { Resources?: Record<string, { Metadata?: Record<string, unknown> }> };
  for (const resource of Object.values(copy.Resources ?? {})) {
    if (!resource.Metadata) continue;
    delete resource.Metadata['aws:cdk:path'];
    if (Object.keys(resource.Metadata).length === 0) delete resource.Metadata;
  }
  return copy;
}

export function writeTemplate(file: string, template: unknown): void {
  writeFileSync(file, `${JSON.stringify(template, undefined, 1)}\n`);
}

/** Resolves a git ref to a commit SHA in `repoDir`. @throws DiffUsageError when it names no commit. */
export function resolveGitRef(repoDir: string, ref: string): string {
  const r = spawnSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: repoDir, encoding: 'utf8' });
  if (r.error) throw new DiffFailure(`cannot run git: ${r.error.message}`);
  if (r.status !== 0) {
    throw new DiffUsageError(`--base ${ref} is not a commit, branch or tag in ${repoDir}; in a shallow CI clone, fetch it first (git fetch origin ${ref}, or checkout with fetch-depth: 0)`);
  }
  return r.stdout.trim();
}

/**
 * Writes the tree of `sha` to `dest` with `git archive`: unlike `git worktree add`, it leaves nothing in
 * `.git` to clean up if the diff is killed. The working tree's node_modules is linked in, so the base is
 * synthesized with today's installed dependencies (and the base commit's cdk.json and code).
 */
export function exportGitTree(repoDir: string, sha: string, dest: string, nodeModules: string): void {
  mkdirSync(dest, { recursive: true });
  const tarFile = `${dest}.tar`;
  const archive = spawnSync('git', ['archive', '--format=tar', '-o', tarFile, sha], { cwd: repoDir, encoding: 'utf8' });
  if (archive.status !== 0) throw new DiffFailure(`git archive ${sha} failed: ${archive.stderr || archive.error?.message}`);
  const untar = spawnSync('tar', ['-xf', tarFile, '-C', dest], { encoding: 'utf8' });
  if (untar.status !== 0) throw new DiffFailure(`extracting git archive of ${sha} failed: ${untar.stderr || untar.error?.message}`);
  if (!existsSync(join(dest, 'cdk.json'))) throw new DiffFailure(`commit ${sha} has no cdk.json at the repository root: nothing to synthesize`);
  // A committed node_modules (or a link to one) would shadow the installed dependencies.
  rmSync(join(dest, 'node_modules'), { recursive: true, force: true });
  symlinkSync(nodeModules, join(dest, 'node_modules'), 'dir');
}

export interface StackDiff {
  readonly differs: boolean;
  /** The CLI's report for this stack, without its trailing "Number of stacks with differences" line. */
  readonly output: string;
}

/**
 * What `cdkDiff` returns for a stack whose template equals its base: the CLI's own two lines, in its colours when
 * `color` (checked against the CLI by test/integration/offline-diff.test.ts).
 */
export function unchangedStackReport(stackName: string, color: boolean): StackDiff {
  const output = color
    ? `Stack \u001b[1m${stackName}\u001b[22m\n\u001b[32mThere were no differences\u001b[39m`
    : `Stack ${stackName}\nThere were no differences`;
  return { differs: false, output };
}

/**
 * `cdk diff STACK --template BASE --app ASSEMBLY`: a directory as `--app` makes the CLI read the already
 * synthesized assembly instead of running the app again; `--template` compares locally (no change set, no
 * credentials); `--exclusively` keeps the base template from being compared with dependency stacks too.
 */
export async function cdkDiff(stackId: string, baseTemplate: string, assemblyDir: string, cwd: string, env: NodeJS.ProcessEnv, color: boolean): Promise<StackDiff> {
  const args = [cdkCli(), 'diff', stackId, '--template', baseTemplate, '--app', assemblyDir, '--exclusively',
    '--fail', '--no-notices', '--ci', color ? '--color' : '--no-color'];
  const r = await run(process.execPath, args, cwd, env);
  const summary = /Number of stacks with differences:\s*(\d+)/.exec(r.stdout);
  // --fail exits 1 for a difference and also for any error; only the summary line tells them apart.
  if (!summary || (r.code !== 0 && r.code !== 1) || (r.code === 1) !== (summary[1] !== '0')) {
    throw new DiffFailure(`cdk diff ${stackId} failed (exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
  const output = r.stdout
    .split('\n')
    .filter((line) => !/Number of stacks with differences:/.test(line))
    .join('\n')
    .trim();
  return { differs: r.code === 1, output };
}
