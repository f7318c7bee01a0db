import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { REGISTRY_REPLICA_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_STACK_NAME, stackName } from '../lib/app';
import { REGISTRY } from '../lib/config/environments';
import { ENV_NAMES } from '../lib/config/types';
import { PROMOTION_CHAIN } from '../lib/promotion/chain';
import { REPO_ROOT } from './helpers/app';

/**
 * The GitHub Actions workflows cannot run here, so this checks what can be checked offline: they parse,
 * run the right jobs in the right order with the right permissions, and every npm script they call exists.
 */

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly 'continue-on-error'?: boolean;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly name?: string;
  readonly needs?: string | string[];
  readonly with?: Record<string, string>;
  readonly outputs?: Record<string, string>;
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
  readonly on: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(REPO_ROOT, '.github', 'workflows');
const workflowFiles = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (file: string): Workflow => parse(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8')) as Workflow;
const allSteps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const runs = (job: Job): string => (job.steps ?? []).map((s) => s.run ?? '').join('\n');
const usesOf = (job: Job, action: string): Step | undefined => (job.steps ?? []).find((s) => s.uses?.startsWith(`${action}@`));
const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

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

/**
 * Like {@link runStep}, with several fake commands; each records its arguments (one call per line, arguments
 * joined by spaces) in `calls` and runs `script` (bash, "$@" available) for its output and exit code.
 */
function runScript(script: string, fakes: Record<string, string>, env: Record<string, string>, files: Record<string, string> = {}): { status: number | null; calls: string[]; stdout: string; stderr: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-step-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const callsFile = path.join(dir, 'calls');
  for (const [name, body] of Object.entries(fakes)) {
    fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> '${callsFile}'\n${body}\n`, { mode: 0o755 });
  }
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: dir,
    env: { PATH: `${bin}:${process.env.PATH}`, ...env },
    encoding: 'utf8',
  });
  const calls = fs.existsSync(callsFile) ? fs.readFileSync(callsFile, 'utf8').split('\n').slice(0, -1) : [];
  return { status: r.status, calls, stdout: r.stdout, stderr: r.stderr, dir };
}

describe('every workflow', () => {
  test('there are workflows to check', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'deploy-environment.yml']));
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
    expect(called).toEqual(expect.arrayContaining(['diff', 'promote', 'doctor']));
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

describe('Node.js versions', () => {
  // Node 20 reached end of life on 2026-04-30; 22 is supported until 2027-04-30 and 24 until 2028-04-30
  // (https://github.com/nodejs/Release/blob/main/schedule.json). The README states what CI tests.
  const TESTED = [22, 24];

  test.each(workflowFiles)('%s sets up only a tested, supported Node.js LTS line', (file) => {
    const wf = load(file);
    for (const job of Object.values(wf.jobs)) {
      const node = usesOf(job, 'actions/setup-node')?.with?.['node-version'];
      if (node === undefined) continue;
      const versions = node === '${{ matrix.node }}' ? job.strategy?.matrix?.node : [node];
      expect(versions).toEqual(expect.arrayContaining([expect.any(Number)]));
      for (const v of versions as number[]) expect(TESTED).toContain(v);
    }
  });

  test('the README names the versions CI tests, and package.json still allows Node.js 20', () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toMatch(/CI tests Node\.js 22 and 24/);
    expect(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).engines).toEqual({ node: '>=20' });
  });
});

describe('ci.yml (pull requests)', () => {
  const ci = load('ci.yml');

  test('runs on pull requests and can be called by the deploy workflow', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'workflow_call']);
  });

  test('verify runs the local CI script on Node 22 and 24 with the npm cache and the tools it needs', () => {
    // GIVEN
    const verify = ci.jobs.verify;
    // THEN
    expect(verify.strategy?.matrix?.node).toEqual([22, 24]);
    expect(usesOf(verify, 'actions/setup-node')?.with).toEqual({ 'node-version': '${{ matrix.node }}', 'cache': 'npm' });
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

describe('deploy.yml (main): build once, promote and deploy by digest', () => {
  const deploy = load('deploy.yml');
  const build = deploy.jobs.build;
  const buildScript = (build.steps ?? []).find((s) => s.run?.includes('docker push'))?.run as string;

  test('runs on pushes to main and by hand with an optional release tag (redeploy or roll back an existing image)', () => {
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.on.workflow_dispatch).toEqual({
      inputs: { release_tag: expect.objectContaining({ required: false, type: 'string' }) },
    });
  });

  test('verify -> registry -> build -> dev -> staging -> prod, each after the one before', () => {
    // THEN
    expect(deploy.jobs.verify.uses).toBe('./.github/workflows/ci.yml');
    const order = ['verify', 'registry', 'build', ...ENV_NAMES];
    expect(Object.keys(deploy.jobs).sort()).toEqual([...order].sort());
    for (let i = 1; i < order.length; i++) {
      expect(needsOf(deploy.jobs[order[i]])).toContain(order[i - 1]);
    }
    // The environment order is the promotion chain's.
    expect(['build', ...ENV_NAMES]).toEqual([...PROMOTION_CHAIN]);
  });

  test('the registry job deploys only the registry stack and its registry settings, trusting this GitHub repository for the push role', () => {
    const job = deploy.jobs.registry;
    expect(job.environment).toBe('registry');
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    // The pattern selects BetterCallBuffet-Registry and, where registry.settings.manage is true, BetterCallBuffet-RegistrySettings,
    // and with registry.replicaRegion BetterCallBuffet-RegistryReplica (deployed before the settings: a stack dependency).
    expect(runs(job)).toMatch(/npx cdk deploy 'BetterCallBuffet-Registry\*' --exclusively -c "githubRepository=\$GITHUB_REPOSITORY" --require-approval never/);
    expect([REGISTRY_STACK_NAME, REGISTRY_SETTINGS_STACK_NAME, REGISTRY_REPLICA_STACK_NAME].every((n) => n.startsWith('BetterCallBuffet-Registry'))).toBe(true);
    expect(stackName('prod', 'Service').startsWith('BetterCallBuffet-Registry')).toBe(false);
  });

  test('the build job pushes with the CI push role, outputs the digest and release tag, and waits for the scan', () => {
    expect(build.environment).toBeUndefined();
    expect(build.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(usesOf(build, 'aws-actions/configure-aws-credentials')?.with).toEqual(expect.objectContaining({ 'role-to-assume': '${{ vars.AWS_CI_PUSH_ROLE_ARN }}' }));
    expect(build.env?.REPOSITORY).toBe(REGISTRY.repositoryName);
    expect(buildScript).toMatch(/docker build --tag "\$uri:\$tag" examples\/service-image/);
    expect(build.outputs).toEqual({ digest: '${{ steps.push.outputs.digest }}', release_tag: '${{ steps.push.outputs.release_tag }}' });
    const wait = (build.steps ?? []).find((s) => s.run?.includes('aws ecr wait'));
    expect(wait?.run).toBe('aws ecr wait image-scan-complete --repository-name "$REPOSITORY" --image-id "imageDigest=$DIGEST"');
    expect(wait?.env).toEqual({ DIGEST: '${{ steps.push.outputs.digest }}' });
    expect(runs(build)).not.toMatch(/\$\{\{/);
  });

  const DIGEST = `sha256:${'d'.repeat(64)}`;
  const buildEnv = { REPOSITORY: 'better-call-buffet', GITHUB_SHA: '3f9c2ab0123456789', GITHUB_OUTPUT: 'out.txt', REQUESTED_TAG: '' };
  const awsFake = (existing: string) => `case "$*" in
  *describe-repositories*) echo 123456789012.dkr.ecr.us-east-1.amazonaws.com/better-call-buffet ;;
  *describe-images*) ${existing ? `echo ${existing}` : 'echo "An error occurred (ImageNotFoundException)" >&2; exit 254'} ;;
  *get-login-password*) echo token ;;
esac`;
  const dockerFake = `if [ "$1" = push ]; then echo "v0.1.0-3f9c2ab: digest: ${DIGEST} size: 1572"; fi; if [ "$1" = login ]; then cat >/dev/null; fi`;

  test('the build script: builds, pushes once and reports the digest docker printed', () => {
    // WHEN the release does not exist yet
    const r = runScript(buildScript, { aws: awsFake(''), docker: dockerFake }, buildEnv, { 'package.json': '{"version":"0.1.0"}' });
    try {
      // THEN
      expect(r.status).toBe(0);
      expect(r.calls.filter((c) => c.startsWith('docker '))).toEqual([
        'docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com',
        'docker build --tag 123456789012.dkr.ecr.us-east-1.amazonaws.com/better-call-buffet:v0.1.0-3f9c2ab examples/service-image',
        'docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/better-call-buffet:v0.1.0-3f9c2ab',
      ]);
      expect(fs.readFileSync(path.join(r.dir, 'out.txt'), 'utf8')).toBe(`digest=${DIGEST}\nrelease_tag=v0.1.0-3f9c2ab\n`);
    } finally {
      fs.rmSync(r.dir, { recursive: true, force: true });
    }
  });

  test('the build script: a release already pushed (re-run, or dispatched) is reused, never pushed again', () => {
    const existing = `sha256:${'e'.repeat(64)}`;
    const r = runScript(buildScript, { aws: awsFake(existing), docker: dockerFake }, { ...buildEnv, REQUESTED_TAG: 'v0.0.9-1234567' }, { 'package.json': '{"version":"0.1.0"}' });
    try {
      expect(r.status).toBe(0);
      expect(r.calls.filter((c) => c.startsWith('docker '))).toEqual([]);
      expect(r.calls).toContain('aws ecr describe-images --repository-name better-call-buffet --image-ids imageTag=v0.0.9-1234567 --query imageDetails[0].imageDigest --output text');
      expect(fs.readFileSync(path.join(r.dir, 'out.txt'), 'utf8')).toBe(`digest=${existing}\nrelease_tag=v0.0.9-1234567\n`);
    } finally {
      fs.rmSync(r.dir, { recursive: true, force: true });
    }
  });

  test('the build script: a dispatched release tag that does not exist fails without building', () => {
    const r = runScript(buildScript, { aws: awsFake(''), docker: dockerFake }, { ...buildEnv, REQUESTED_TAG: 'v0.0.1-0000000' }, { 'package.json': '{"version":"0.1.0"}' });
    fs.rmSync(r.dir, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.calls.filter((c) => c.startsWith('docker '))).toEqual([]);
  });

  test.each(ENV_NAMES.map((env, i) => [env, PROMOTION_CHAIN[i]] as const))('%s: the reusable workflow, from %s, with the build\'s digest and release tag', (env, from) => {
    // GIVEN
    const job = deploy.jobs[env];
    // THEN: written once (deploy-environment.yml), called per environment, never copied
    expect(job.uses).toBe('./.github/workflows/deploy-environment.yml');
    expect(job.steps).toBeUndefined();
    expect(needsOf(job)).toContain('build');
    expect(job.with).toEqual({
      environment: env,
      from,
      digest: '${{ needs.build.outputs.digest }}',
      release_tag: '${{ needs.build.outputs.release_tag }}',
    });
    // A called workflow can mint an OIDC token only if the caller grants it.
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
  });
});

describe('deploy-environment.yml (one environment: promote, then deploy the digest)', () => {
  const wf = load('deploy-environment.yml');
  const job = wf.jobs.deploy;
  const steps = job.steps ?? [];
  const promoteStep = steps.find((s) => s.run?.includes('npm run promote'));
  const deployStep = steps.find((s) => s.run?.includes('npx cdk deploy'));
  const doctorStep = steps.find((s) => s.run?.includes('npm run doctor'));

  test('is only callable (workflow_call) with environment, from, digest and release_tag', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_call']);
    expect(Object.keys(wf.on.workflow_call.inputs).sort()).toEqual(['digest', 'environment', 'from', 'release_tag']);
    for (const input of Object.values(wf.on.workflow_call.inputs) as Array<{ required: boolean; type: string }>) expect(input).toMatchObject({ required: true, type: 'string' });
  });

  test('runs in the GitHub environment of the same name (prod: required reviewers), one deploy per environment at a time', () => {
    expect(Object.keys(wf.jobs)).toEqual(['deploy']);
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.concurrency).toEqual({ 'group': 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(job.env).toEqual({ ENV_NAME: '${{ inputs.environment }}', FROM: '${{ inputs.from }}', DIGEST: '${{ inputs.digest }}', RELEASE_TAG: '${{ inputs.release_tag }}' });
    expect(runs(job)).not.toMatch(/\$\{\{/);
  });

  test('promotes with the CI push role before deploying with the deploy role, after npm ci', () => {
    const at = (pred: (s: Step) => boolean): number => steps.findIndex(pred);
    const npmCi = at((s) => /^npm ci\b/.test(s.run ?? ''));
    const roles = steps.map((s, i) => [i, s.with?.['role-to-assume']] as const).filter(([, r]) => r !== undefined);
    expect(roles.map(([, r]) => r)).toEqual(['${{ vars.AWS_CI_PUSH_ROLE_ARN }}', '${{ vars.AWS_DEPLOY_ROLE_ARN }}']);
    const promote = steps.indexOf(promoteStep as Step);
    const cdk = steps.indexOf(deployStep as Step);
    expect(npmCi).toBeGreaterThanOrEqual(0);
    expect(roles[0][0]).toBeGreaterThan(npmCi);
    expect(promote).toBeGreaterThan(roles[0][0]);
    expect(roles[1][0]).toBeGreaterThan(promote);
    expect(cdk).toBeGreaterThan(roles[1][0]);
  });

  test('the doctor runs after the deploy, as the last step, with the deploy role still assumed', () => {
    const doctor = steps.indexOf(doctorStep as Step);
    const cdk = steps.indexOf(deployStep as Step);
    expect(doctor).toBeGreaterThan(cdk);
    expect(doctor).toBe(steps.length - 1);
    // No credentials step in between: the doctor reads with the role that deployed.
    expect(steps.slice(cdk, doctor).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))).toEqual([]);
    expect(doctorStep?.if).toBeUndefined();
    expect(doctorStep?.['continue-on-error']).toBeUndefined();
  });

  test('the doctor script checks this environment with the githubRepository the registry was deployed with, and a failed check fails the job', () => {
    const env = { ENV_NAME: 'staging', GITHUB_REPOSITORY: 'acme-corp/buffet' };
    const ok = runScript(doctorStep?.run as string, { npm: 'exit 0' }, env);
    const failed = runScript(doctorStep?.run as string, { npm: 'echo "FAIL  topic x: has no subscriptions"; exit 1' }, env);
    for (const r of [ok, failed]) fs.rmSync(r.dir, { recursive: true, force: true });
    expect(ok.status).toBe(0);
    expect(ok.calls).toEqual(['npm run doctor -- --env staging -c githubRepository=acme-corp/buffet']);
    expect(failed.status).toBe(1);
    // The registry job passes the same context, so the doctor expects the registry stack as deployed.
    expect(load('deploy.yml').jobs.registry.steps?.map((s) => s.run ?? '').join('\n')).toContain('-c "githubRepository=$GITHUB_REPOSITORY"');
  });

  test('the promote script passes the step, the release tag and the digest, and a refusal fails the job', () => {
    const env = { ENV_NAME: 'prod', FROM: 'staging', RELEASE_TAG: 'v1.4.2-3f9c2ab', DIGEST };
    const ok = runScript(promoteStep?.run as string, { npm: 'exit 0' }, env);
    const refused = runScript(promoteStep?.run as string, { npm: 'echo "promote: REFUSED: CRITICAL=2" >&2; exit 1' }, env);
    for (const r of [ok, refused]) fs.rmSync(r.dir, { recursive: true, force: true });
    expect(ok.status).toBe(0);
    expect(ok.calls).toEqual([`npm run promote -- --from staging --to prod --tag v1.4.2-3f9c2ab --digest ${DIGEST}`]);
    expect(refused.status).toBe(1);
  });

  test.each([
    ['a normal release', 'v1.4.2-3f9c2ab'],
    ['a hostile release tag (one argument, never shell code)', 'v1"; rm -rf ~ #'],
  ])('the deploy script, given %s, deploys only the service stack, pinned to the digest and its release tag', (_what, releaseTag) => {
    // WHEN
    const r = runStep(deployStep?.run as string, 'npx', { ENV_NAME: 'staging', DIGEST, RELEASE_TAG: releaseTag });
    fs.rmSync(r.dir, { recursive: true, force: true });
    // THEN
    expect(r.status).toBe(0);
    expect(r.args).toEqual(['cdk', 'deploy', 'BetterCallBuffet-staging-Service', '--exclusively', '-c', 'env=staging', '-c', `imageDigest=${DIGEST}`, '-c', `imageTag=${releaseTag}`, '--require-approval', 'never']);
  });
});

const DIGEST = `sha256:${'d'.repeat(64)}`;
