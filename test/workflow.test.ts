import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { ENV_NAMES } from '../lib/config/types';
import { REPO_ROOT } from './helpers/app';

/**
 * The GitHub Actions workflows cannot run here, so this checks what can be checked offline: they parse,
 * run the right jobs in the right order with the right permissions, and every npm script they call exists.
 */

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly uses?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean };
  readonly strategy?: { matrix?: Record<string, unknown> };
  readonly env?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly name: string;
  readonly defaults?: { run?: { shell?: string } };
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const workflowFiles = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (file: string): Workflow => parse(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8')) as Workflow;
const allSteps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const runs = (job: Job): string => (job.steps ?? []).map((s) => s.run ?? '').join('\n');
const usesOf = (job: Job, action: string): Step | undefined => (job.steps ?? []).find((s) => s.uses?.startsWith(`${action}@`));
const deployJob = (env: string): string => `deploy-${env}`;

/**
 * Runs a step's script the way GitHub runs `shell: bash` (`bash --noprofile --norc -eo pipefail`), with a
 * fake `command` first on PATH that records its arguments (one per line) and exits with `exitCode`.
 */
function runStep(script: string, command: string, env: Record<string, string>, exitCode = 0): { status: number | null; args: string[]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-step-'));
  const argsFile = path.join(dir, 'args');
  fs.writeFileSync(path.join(dir, command), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > '${argsFile}'\necho fake ${command} output\nexit ${exitCode}\n`, { mode: 0o755 });
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: dir,
    env: { PATH: `${dir}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
  });
  const args = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'utf8').split('\n').slice(0, -1) : [];
  return { status: r.status, args, dir };
}

describe('every workflow', () => {
  test('there are workflows to check', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml']));
  });

  test.each(workflowFiles)('%s parses and has a name, triggers and jobs', (file) => {
    // WHEN
    const wf = load(file);
    // THEN
    expect(typeof wf.name).toBe('string');
    expect(Object.keys(wf.on).length).toBeGreaterThan(0);
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
  });

  test('workflows call only npm scripts that package.json defines', () => {
    // GIVEN
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const text = workflowFiles.flatMap((f) => allSteps(load(f))).map((s) => s.run ?? '').join('\n');
    // WHEN
    const called = [
      ...[...text.matchAll(/\bnpm run(?:-script)?\s+(?:--?[\w-]+\s+)*([\w:.-]+)/g)].map((m) => m[1]),
      ...[...text.matchAll(/\bnpm (test|start)\b/g)].map((m) => m[1]),
    ];
    // THEN
    expect(called).toContain('diff');
    expect(scripts).toEqual(expect.arrayContaining(called));
  });

  test.each(workflowFiles)('%s pins every action to a major version', (file) => {
    const external = allSteps(load(file)).map((s) => s.uses).filter((u): u is string => u !== undefined && !u.startsWith('./'));
    for (const uses of external) {
      expect(uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
  });

  test.each(workflowFiles)('%s defaults to read-only repository access', (file) => {
    expect(load(file).permissions).toEqual({ 'contents': 'read' });
  });

  test.each(workflowFiles)('%s runs scripts with shell: bash, which GitHub runs with -eo pipefail', (file) => {
    // Without pipefail, `npm run diff | tee` would hide a failed diff.
    expect(load(file).defaults?.run?.shell).toBe('bash');
  });
});

describe('ci.yml (pull requests)', () => {
  const ci = load('ci.yml');

  test('runs on pull requests and can be called by the deploy workflow', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'workflow_call']);
  });

  test('verify runs the local CI script on Node 20 with the npm cache and the tools it needs', () => {
    // GIVEN
    const verify = ci.jobs.verify;
    // THEN
    expect(usesOf(verify, 'actions/setup-node')?.with).toEqual({ 'node-version': 20, 'cache': 'npm' });
    expect(runs(verify)).toMatch(/^bash \.ci\/run$/m);
    expect(fs.existsSync(path.join(REPO_ROOT, '.ci', 'run'))).toBe(true);
    expect(runs(verify)).toMatch(/pip install .*cfn-lint/);
    expect(runs(verify)).toMatch(/pip install .*moto\[server\]/);
  });

  test('the offline diff runs for every environment, against the pull request base commit', () => {
    // GIVEN
    const diff = ci.jobs.diff;
    // THEN
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    expect(diff.strategy?.matrix?.env).toEqual([...ENV_NAMES]);
    expect(usesOf(diff, 'actions/checkout')?.with).toEqual({ 'fetch-depth': 0 });
    const step = (diff.steps ?? []).find((s) => s.run?.includes('npm run --silent diff'));
    expect(step?.run).toMatch(/npm run --silent diff -- --env "\$ENV_NAME" --base "\$BASE_SHA"/);
    expect(step?.env).toEqual({ ENV_NAME: '${{ matrix.env }}', BASE_SHA: '${{ github.event.pull_request.base.sha }}' });
  });

  test('the diff step fails when the diff fails, and otherwise puts the output in the job summary', () => {
    // GIVEN
    const script = (ci.jobs.diff.steps ?? []).find((s) => s.run?.includes('npm run --silent diff'))?.run as string;
    const env = { ENV_NAME: 'prod', BASE_SHA: 'abc123' };
    // WHEN
    const ok = runStep(script, 'npm', { ...env, GITHUB_STEP_SUMMARY: 'summary.md' });
    const failed = runStep(script, 'npm', { ...env, GITHUB_STEP_SUMMARY: 'summary.md' }, 2);
    // THEN
    try {
      expect(ok.status).toBe(0);
      expect(ok.args).toEqual(['run', '--silent', 'diff', '--', '--env', 'prod', '--base', 'abc123']);
      expect(fs.readFileSync(path.join(ok.dir, 'summary.md'), 'utf8')).toBe('### Offline diff: prod\n```\nfake npm output\n```\n');
      expect(failed.status).not.toBe(0);
    } finally {
      for (const r of [ok, failed]) fs.rmSync(r.dir, { recursive: true, force: true });
    }
  });

  test('no job can mint an AWS OIDC token', () => {
    for (const job of Object.values(ci.jobs)) {
      expect(job.permissions?.['id-token']).toBeUndefined();
      expect(usesOf(job, 'aws-actions/configure-aws-credentials')).toBeUndefined();
    }
  });
});

describe('deploy.yml (main)', () => {
  const deploy = load('deploy.yml');

  test('runs on pushes to main and by hand with an optional image tag', () => {
    // THEN
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.on.workflow_dispatch).toEqual({
      inputs: { image_tag: expect.objectContaining({ required: false, type: 'string' }) },
    });
  });

  test('verifies with the pull-request workflow, then deploys dev, staging and prod in sequence', () => {
    // THEN
    expect(deploy.jobs.verify.uses).toBe('./.github/workflows/ci.yml');
    const order = ['verify', ...ENV_NAMES.map(deployJob)];
    expect(Object.keys(deploy.jobs).sort()).toEqual([...order].sort());
    for (let i = 1; i < order.length; i++) {
      expect(deploy.jobs[order[i]].needs).toBe(order[i - 1]);
    }
  });

  test.each([...ENV_NAMES])('deploy-%s: its GitHub environment, OIDC role, own concurrency group and image tag by context', (env) => {
    // GIVEN
    const job = deploy.jobs[deployJob(env)];
    // THEN
    expect(job.environment).toBe(env);
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(job.concurrency).toEqual({ 'group': `deploy-${env}`, 'cancel-in-progress': false });
    expect(usesOf(job, 'actions/setup-node')?.with).toEqual({ 'node-version': 20, 'cache': 'npm' });
    expect(usesOf(job, 'aws-actions/configure-aws-credentials')?.with).toEqual(expect.objectContaining({
      'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}',
    }));
    expect(job.env).toEqual({ ENV_NAME: env, IMAGE_TAG: '${{ inputs.image_tag || vars.IMAGE_TAG }}' });
    expect(runs(job)).toMatch(/npx cdk deploy "BetterCallBuffet-\$ENV_NAME-\*" "\$\{context\[@\]\}" --require-approval never/);
    expect(runs(job)).toMatch(/context=\(-c "env=\$ENV_NAME"\)/);
    expect(runs(job)).toMatch(/context\+=\(-c "imageTag=\$IMAGE_TAG"\)/);
    // Inputs reach the shell only through env: `${{ inputs... }}` inside run would be script injection.
    expect(runs(job)).not.toMatch(/\$\{\{/);
  });

  test.each([
    ['no image tag', '', ['deploy', 'BetterCallBuffet-staging-*', '-c', 'env=staging', '--require-approval', 'never']],
    ['an image tag', 'v1.2.3', ['deploy', 'BetterCallBuffet-staging-*', '-c', 'env=staging', '-c', 'imageTag=v1.2.3', '--require-approval', 'never']],
    ['a hostile image tag (one argument, never shell code)', 'v1"; rm -rf ~ #', ['deploy', 'BetterCallBuffet-staging-*', '-c', 'env=staging', '-c', 'imageTag=v1"; rm -rf ~ #', '--require-approval', 'never']],
  ])('the deploy script, given %s, runs the expected cdk deploy', (_what, imageTag, expected) => {
    // GIVEN
    const job = deploy.jobs['deploy-staging'];
    const script = (job.steps ?? []).find((s) => /npx cdk deploy/.test(s.run ?? ''))?.run as string;
    // WHEN
    const r = runStep(script, 'npx', { ENV_NAME: 'staging', IMAGE_TAG: imageTag });
    fs.rmSync(r.dir, { recursive: true, force: true });
    // THEN
    expect(r.status).toBe(0);
    expect(r.args).toEqual(['cdk', ...expected]);
  });

  test('the credentials step comes after npm ci, the deploy after the credentials', () => {
    for (const env of ENV_NAMES) {
      const steps = deploy.jobs[deployJob(env)].steps ?? [];
      const at = (pred: (s: Step) => boolean): number => steps.findIndex(pred);
      const npmCi = at((s) => /^npm ci\b/.test(s.run ?? ''));
      const creds = at((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false);
      const cdkDeploy = at((s) => /npx cdk deploy/.test(s.run ?? ''));
      expect(npmCi).toBeGreaterThanOrEqual(0);
      expect(creds).toBeGreaterThan(npmCi);
      expect(cdkDeploy).toBeGreaterThan(creds);
    }
  });
});
