import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiffUsageError, parseDiffArgs } from '../../lib/cli/diff-args';
import { main as diffMain } from '../../lib/cli/offline-diff';
import { exportGitTree, normalizeTemplate, offlineEnv, resolveGitRef } from '../../lib/cli/diff-assembly';
import { CfnTemplate, explainPolicyText, formatLifecycleChange, lifecyclePolicyChanges } from '../../lib/cli/diff-lifecycle';
import { ENV_NAMES } from '../../lib/config/types';
import { explainLifecyclePolicy } from '../../lib/lifecycle/explain';
import { parseLifecyclePolicy } from '../../lib/lifecycle/policy';
import { REPO_ROOT } from '../helpers/app';

/**
 * `npm run diff`. Argument parsing, template handling and the lifecycle read-out are tested in-process;
 * a few tests spawn the real command (each synthesizes with the CDK CLI: several seconds on 2 cores).
 * Spawned runs get their own TMPDIR, so "no temp dirs left behind" is checked by looking into it.
 */

const REPOSITORY_TYPE = 'AWS::ECR::Repository';

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

  test('rejects a misspelt context key before synthesizing, naming the key it resembles', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '-c', 'imgeTag=v1.2.3'])).toThrow(/^unknown context key -c imgeTag: did you mean -c imageTag\?/);
  });

  test('rejects a context key given twice', () => {
    expect(() => parseDiffArgs(['--env', 'dev', '-c', 'imageTag=v1', '--context=imageTag=v2'])).toThrow(/^--context imageTag given twice \("v1" and "v2"\); give it once$/);
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

describe('a corrupt baseline', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-corrupt-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const diff = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await diffMain(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, color: false });
    return { code, stdout, stderr };
  };

  test.each([
    ['truncated JSON', '{"Resources": {', /is not valid JSON \(/],
    ['a JSON array', '[]', /is not a CloudFormation template \(a JSON object\)/],
    ['Resources that are not an object', '{"Resources": []}', /is not a CloudFormation template \(its Resources is not an object\)/],
  ])('%s: exit 2 before any synthesis, naming the file and the fix', async (_what, text, problem) => {
    // GIVEN baselines where this environment's service template is damaged
    fs.writeFileSync(path.join(dir, 'BetterCallBuffet-Registry.template.json'), '{"Resources": {}}');
    const bad = path.join(dir, 'BetterCallBuffet-dev-Service.template.json');
    fs.writeFileSync(bad, text);
    // WHEN
    const r = await diff('--env', 'dev', '--baseline-dir', dir);
    // THEN (a synthesis would print the report on stdout)
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^diff: baseline ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    expect(r.stderr).toMatch(problem);
    expect(r.stderr).toMatch(/: restore it \(git checkout -- .*\), regenerate the baselines with npm run baselines:update, or compare with a commit: --base origin\/main\n/);
  });
});
