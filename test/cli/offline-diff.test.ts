import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiffUsageError, parseDiffArgs } from '../../lib/cli/diff-args';
import { exportGitTree, normalizeTemplate, offlineEnv, resolveGitRef } from '../../lib/cli/diff-assembly';
import { CfnTemplate, explainPolicyText, formatLifecycleChange, lifecyclePolicyChanges } from '../../lib/cli/diff-lifecycle';
import { ENV_NAMES } from '../../lib/config/types';
import { explainLifecyclePolicy } from '../../lib/lifecycle/explain';
import { parseLifecyclePolicy } from '../../lib/lifecycle/policy';
import { synthesizeBaselineTemplates } from '../baselines/baseline-templates';
import { REPO_ROOT } from '../helpers/app';

/**
 * `npm run diff`. Argument parsing, template handling and the lifecycle read-out are tested in-process;
 * a few tests spawn the real command (each synthesizes with the CDK CLI: several seconds on 2 cores).
 * Spawned runs get their own TMPDIR, so "no temp dirs left behind" is checked by looking into it.
 */

const SPAWN_TIMEOUT = 180_000;
const REPOSITORY_TYPE = 'AWS::ECR::Repository';

interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The diff's own temp dirs (offline-diff-*) left in its TMPDIR; ts-node's compile cache is not ours. */
  readonly leftInTmp: string[];
}

function runDiff(args: readonly string[]): CliRun {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-tmp-'));
  try {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register', 'lib/cli/offline-diff.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: SPAWN_TIMEOUT - 10_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, leftInTmp: fs.readdirSync(tmp).filter((f) => f.startsWith('offline-diff-')) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function repositoryOf(template: CfnTemplate): [string, { Properties?: Record<string, unknown> }] {
  const entry = Object.entries(template.Resources ?? {}).find(([, r]) => r.Type === REPOSITORY_TYPE);
  if (!entry) throw new Error('the registry stack has no AWS::ECR::Repository');
  return entry as [string, { Properties?: Record<string, unknown> }];
}

const RELEASES_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, description: 'releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } },
    { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } },
  ],
});

const repoTemplate = (policyText?: unknown, logicalId = 'Repo'): CfnTemplate => ({
  Resources: {
    [logicalId]: { Type: REPOSITORY_TYPE, Properties: policyText === undefined ? {} : { LifecyclePolicy: { LifecyclePolicyText: policyText } } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
  },
});

describe('parseDiffArgs', () => {
  test('reads env, base ref, --fail and repeated context in order', () => {
    // WHEN
    const args = parseDiffArgs(['--env', 'prod', '--base=origin/main', '--fail', '-c', 'imageTag=v1.2.3', '--context', 'imageDigest=sha256:ab']);
    // THEN
    expect(args).toEqual({ help: false, env: 'prod', base: { kind: 'git', ref: 'origin/main' }, fail: true, context: ['imageTag=v1.2.3', 'imageDigest=sha256:ab'] });
  });

  test('defaults to the committed baselines and no --fail', () => {
    // WHEN
    const args = parseDiffArgs(['--env', 'dev']);
    // THEN
    expect(args).toEqual({ help: false, env: 'dev', base: { kind: 'baselines', dir: undefined }, fail: false, context: [] });
  });

  test('--help needs no environment', () => {
    expect(parseDiffArgs(['--help'])).toEqual({ help: true });
  });

  test('rejects an unknown flag', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '--nope'])).toThrow(/unknown flag "--nope"/);
  });

  test('rejects an unknown environment and lists the valid ones', () => {
    expect(() => parseDiffArgs(['--env', 'qa'])).toThrow(new RegExp(`unknown environment "qa"; valid environments: ${ENV_NAMES.join(', ')}`));
  });

  test('requires --env', () => {
    expect(() => parseDiffArgs(['--fail'])).toThrow(/--env is required/);
  });

  test('rejects two bases', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '--base', 'main', '--baseline-dir', 'x'])).toThrow(/both name the base; give one/);
  });

  test('rejects the environment given as context', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '-c', 'env=prod'])).toThrow(/choose the environment with --env/);
  });

  test('rejects context without key=value', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '-c', 'imageTag'])).toThrow(/-c takes key=value, got "imageTag"/);
  });

  test('rejects a flag-looking value, so a ref can never smuggle a git option', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '--base', '--output=/etc/x'])).toThrow(/--base needs a value/);
  });

  test('bad input is a DiffUsageError (exit code 2)', () => {
    expect(() => parseDiffArgs(['--env'])).toThrow(DiffUsageError);
  });
});

describe('lifecycle policy changes', () => {
  test('finds an edited, an added and a removed policy, and ignores unchanged repositories', () => {
    // GIVEN
    const base: CfnTemplate = { Resources: { ...repoTemplate(RELEASES_POLICY, 'Edited').Resources, ...repoTemplate(undefined, 'Added').Resources, ...repoTemplate(RELEASES_POLICY, 'Removed').Resources, ...repoTemplate(RELEASES_POLICY, 'Same').Resources } };
    const edited = RELEASES_POLICY.replace('"countNumber":100', '"countNumber":50');
    const head: CfnTemplate = { Resources: { ...repoTemplate(edited, 'Edited').Resources, ...repoTemplate(RELEASES_POLICY, 'Added').Resources, ...repoTemplate(RELEASES_POLICY, 'Same').Resources } };
    // WHEN
    const changes = lifecyclePolicyChanges(base, head);
    // THEN
    expect(changes).toEqual([
      { logicalId: 'Added', before: undefined, after: RELEASES_POLICY },
      { logicalId: 'Edited', before: RELEASES_POLICY, after: edited },
      { logicalId: 'Removed', before: RELEASES_POLICY, after: undefined },
    ]);
  });

  test('prints the plain-English reading before and after', () => {
    // GIVEN
    const edited = RELEASES_POLICY.replace('"countNumber":100', '"countNumber":50');
    const [change] = lifecyclePolicyChanges(repoTemplate(RELEASES_POLICY), repoTemplate(edited));
    // WHEN
    const lines = formatLifecycleChange('App-dev-Registry', change, 'baselines', 'working tree');
    // THEN the full readings, with the rule that changed marked - (old) and + (new)
    const [same, oldRule] = explainLifecyclePolicy(parseLifecyclePolicy(RELEASES_POLICY));
    const [, newRule] = explainLifecyclePolicy(parseLifecyclePolicy(edited));
    expect(lines).toEqual([
      'Lifecycle policy of App-dev-Registry Repo changed:',
      '  Before (baselines):', `    ${same}`, `  - ${oldRule}`,
      '  After (working tree):', `    ${same}`, `  + ${newRule}`,
    ]);
    expect(newRule).toMatch(/keep the newest 50 of all images/);
  });

  test('says so when only the JSON text changed', () => {
    // GIVEN
    const reformatted = JSON.stringify(JSON.parse(RELEASES_POLICY), undefined, 2);
    const [change] = lifecyclePolicyChanges(repoTemplate(RELEASES_POLICY), repoTemplate(reformatted));
    // WHEN
    const lines = formatLifecycleChange('S', change, 'a', 'b');
    // THEN
    expect(lines[lines.length - 1]).toBe('  (same rules: only the JSON text changed)');
  });

  test('explains a missing, an invalid and a non-literal policy instead of failing', () => {
    expect(explainPolicyText(undefined)).toEqual(['(no lifecycle policy: ECR keeps every image)']);
    expect(explainPolicyText('{"rules":[]}')[0]).toMatch(/^\(ECR would reject this policy: .*rules/);
    expect(explainPolicyText({ 'Fn::Join': ['', ['{"rules":', { Ref: 'X' }, '}']] })[0]).toMatch(/^\(not a literal policy/);
  });
});

describe('templates and processes', () => {
  test('normalizing drops only aws:cdk:path metadata', () => {
    // GIVEN
    const template = { Resources: {
      A: { Type: 'AWS::SNS::Topic', Metadata: { 'aws:cdk:path': 'S/A/Resource' } },
      B: { Type: 'AWS::SNS::Topic', Metadata: { 'aws:cdk:path': 'S/B/Resource', cfn_nag: { rules_to_suppress: [] } } },
    } };
    // WHEN
    const normalized = normalizeTemplate(template);
    // THEN
    expect(normalized).toEqual({ Resources: {
      A: { Type: 'AWS::SNS::Topic' },
      B: { Type: 'AWS::SNS::Topic', Metadata: { cfn_nag: { rules_to_suppress: [] } } },
    } });
    expect(template.Resources.A.Metadata).toEqual({ 'aws:cdk:path': 'S/A/Resource' });
  });

  test('child processes get no credentials, no default account and no usable AWS config', () => {
    // GIVEN
    const callerEnv = { PATH: '/bin', AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't', AWS_PROFILE: 'prod-admin', CDK_DEFAULT_ACCOUNT: '123456789012' };
    // WHEN
    const env = offlineEnv('/tmp/x', callerEnv);
    // THEN
    expect(env).toEqual({
      PATH: '/bin',
      AWS_CONFIG_FILE: '/tmp/x/no-aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/tmp/x/no-aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_VALIDATION: 'false',
    });
  });

  test('a git ref resolves to a commit; a bad one is bad input', () => {
    expect(resolveGitRef(REPO_ROOT, 'HEAD')).toMatch(/^[0-9a-f]{40}$/);
    expect(() => resolveGitRef(REPO_ROOT, 'no-such-branch-xyz')).toThrow(/--base no-such-branch-xyz is not a commit, branch or tag/);
  });

  test('a commit is exported with the installed node_modules linked in and no git state', () => {
    // GIVEN
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-export-'));
    try {
      // WHEN
      exportGitTree(REPO_ROOT, resolveGitRef(REPO_ROOT, 'HEAD'), path.join(dest, 'src'), path.join(REPO_ROOT, 'node_modules'));
      // THEN
      const src = path.join(dest, 'src');
      expect(fs.existsSync(path.join(src, 'cdk.json'))).toBe(true);
      expect(fs.existsSync(path.join(src, '.git'))).toBe(false);
      expect(fs.readlinkSync(path.join(src, 'node_modules'))).toBe(path.join(REPO_ROOT, 'node_modules'));
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });
});

describe('npm run diff (spawned)', () => {
  let baselines: Record<string, Record<string, unknown>>;
  let work: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
    // The committed baselines are produced this way (npm run baselines:update); fresh ones equal the code.
    baselines = synthesizeBaselineTemplates();
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  function baselineDir(name: string, edit: (templates: Record<string, Record<string, unknown>>) => void = () => undefined): string {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    const templates = JSON.parse(JSON.stringify(baselines)) as Record<string, Record<string, unknown>>;
    edit(templates);
    for (const [stack, template] of Object.entries(templates)) {
      fs.writeFileSync(path.join(dir, `${stack}.template.json`), JSON.stringify(template, undefined, 1));
    }
    return dir;
  }

  test('an environment against its own templates: no differences, exit 0 even with --fail', () => {
    // GIVEN
    const dir = baselineDir('same');
    // WHEN
    const r = runDiff(['--env', 'dev', '--baseline-dir', dir, '--fail']);
    // THEN
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-dev-Registry\nThere were no differences/);
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-dev-Service\nThere were no differences/);
    expect(r.stdout).toMatch(/No differences in 2 stacks\.\n$/);
    expect(r.stdout).not.toMatch(/Lifecycle policy of/);
    expect(r.leftInTmp).toEqual([]);
  }, SPAWN_TIMEOUT);

  test('a changed property and lifecycle policy: the cdk diff, the explain before/after, exit 1 with --fail', () => {
    // GIVEN a base whose dev repository scans differently and keeps different images
    const registry = 'BetterCallBuffet-dev-Registry';
    const [logicalId, repo] = repositoryOf(baselines[registry] as CfnTemplate);
    const headPolicy = (repo.Properties?.LifecyclePolicy as { LifecyclePolicyText?: string } | undefined)?.LifecyclePolicyText;
    const basePolicy = headPolicy === RELEASES_POLICY ? RELEASES_POLICY.replace('"countNumber":100', '"countNumber":7') : RELEASES_POLICY;
    const dir = baselineDir('changed', (templates) => {
      const [, baseRepo] = repositoryOf(templates[registry] as CfnTemplate);
      const props = baseRepo.Properties as Record<string, unknown>;
      props.LifecyclePolicy = { LifecyclePolicyText: basePolicy };
      props.RepositoryName = 'renamed-in-base';
    });
    // WHEN
    const r = runDiff(['--env', 'dev', '--baseline-dir', dir, '--fail']);
    // THEN
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`\\[~\\] AWS::ECR::Repository \\S+ ${logicalId}`));
    expect(r.stdout).toMatch(/RepositoryName \(requires replacement\)/);
    const block = formatLifecycleChange(registry, { logicalId, before: basePolicy, after: headPolicy }, `baselines in ${dir}`, 'working tree');
    expect(block.slice(1).some((l) => / {2}[-+] /.test(l))).toBe(true);
    expect(r.stdout).toContain(block.join('\n'));
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-dev-Service\nThere were no differences/);
    expect(r.stdout).toMatch(/1 of 2 stacks differ: BetterCallBuffet-dev-Registry\n$/);
    expect(r.leftInTmp).toEqual([]);
  }, SPAWN_TIMEOUT);

});

describe('npm run diff, bad input (spawned)', () => {
  test.each([
    [['--env', 'qa'], /unknown environment "qa"; valid environments: dev, staging, prod/],
    [['--env', 'dev', '--frobnicate'], /unknown flag "--frobnicate"/],
  ])('bad input %j: message on stderr, exit 2, nothing synthesized or left behind', (args, message) => {
    // WHEN
    const r = runDiff(args);
    // THEN
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.leftInTmp).toEqual([]);
  }, SPAWN_TIMEOUT);

  test('a baseline dir without templates: exit 2 with the command that creates them', () => {
    // GIVEN
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-empty-'));
    try {
      // WHEN
      const r = runDiff(['--env', 'staging', '--baseline-dir', empty]);
      // THEN
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/no baseline templates .* run npm run baselines:update/);
      expect(r.leftInTmp).toEqual([]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }, SPAWN_TIMEOUT);
});
