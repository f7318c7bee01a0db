import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { cdkDiff, normalizeTemplate, offlineEnv, unchangedStackReport, writeTemplate } from '../../lib/cli/diff-assembly';
import { CfnTemplate, formatLifecycleChange } from '../../lib/cli/diff-lifecycle';
import { synthesizeBaselineTemplates } from '../baselines/baseline-templates';
import { REPO_ROOT } from '../helpers/app';
import { runDiff, SPAWN_TIMEOUT } from '../helpers/run-diff';

const BASELINE_DIR = path.join(REPO_ROOT, 'test', 'baselines');

/** The message JSON.parse gives for `text`. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the text parses');
}

/**
 * `npm run diff` end to end (integration suite: each run synthesizes with the CDK CLI and runs `cdk diff`,
 * several seconds on 2 cores). Parsing and formatting are unit-tested in test/cli/offline-diff.test.ts.
 * Spawned runs get their own TMPDIR, so "no temp dirs left behind" is checked by looking into it.
 */

const REPOSITORY_TYPE = 'AWS::ECR::Repository';

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
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-Registry\nThere were no differences/);
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-dev-Service\nThere were no differences/);
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-RegistrySettings\nThere were no differences/);
    expect(r.stdout).toMatch(/Stack BetterCallBuffet-RegistryReplica\nThere were no differences/);
    expect(r.stdout).toMatch(/No differences in 4 stacks\.\n$/);
    expect(r.stdout).not.toMatch(/Lifecycle policy of/);
    expect(r.leftInTmp).toEqual([]);
  }, SPAWN_TIMEOUT);

  test('a changed property, lifecycle policy and registry setting: the cdk diff, the explain before/after, exit 1 with --fail', () => {
    // GIVEN a base whose dev repository scans differently and keeps different images, and whose registry
    // settings scanned with Amazon Inspector (what a reviewer sees when registry.settings.scanType changes)
    const registry = 'BetterCallBuffet-Registry';
    const settings = 'BetterCallBuffet-RegistrySettings';
    const [logicalId, repo] = repositoryOf(baselines[registry] as CfnTemplate);
    const headPolicy = (repo.Properties?.LifecyclePolicy as { LifecyclePolicyText?: string } | undefined)?.LifecyclePolicyText;
    const basePolicy = headPolicy === RELEASES_POLICY ? RELEASES_POLICY.replace('"countNumber":100', '"countNumber":7') : RELEASES_POLICY;
    const dir = baselineDir('changed', (templates) => {
      const [, baseRepo] = repositoryOf(templates[registry] as CfnTemplate);
      const props = baseRepo.Properties as Record<string, unknown>;
      props.LifecyclePolicy = { LifecyclePolicyText: basePolicy };
      props.RepositoryName = 'renamed-in-base';
      const scanning = Object.values((templates[settings] as CfnTemplate).Resources ?? {}).find((x) => x.Type === 'AWS::ECR::RegistryScanningConfiguration');
      Object.assign(scanning?.Properties as Record<string, unknown>, { ScanType: 'ENHANCED', Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: 'better-call-buffet', FilterType: 'WILDCARD' }] }] });
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
    // The settings change is an in-place update of the one account-wide resource, old and new value shown.
    expect(r.stdout).toMatch(/\[~\] AWS::ECR::RegistryScanningConfiguration \S+ SettingsScanningConfiguration\w+\s*\n[\s\S]*?\[-\] ENHANCED\n[^\n]*\[\+\] BASIC\n/);
    expect(r.stdout).not.toMatch(/RegistryScanningConfiguration[^\n]*replace/i);
    expect(r.stdout).toMatch(/2 of 4 stacks differ: BetterCallBuffet-Registry, BetterCallBuffet-RegistrySettings\n$/);
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

  test('a corrupt baseline: exit 2 naming the file and the fix, before anything is synthesized', () => {
    // GIVEN the committed baselines with prod's service template cut short
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-corrupt-'));
    try {
      for (const f of fs.readdirSync(BASELINE_DIR)) fs.copyFileSync(path.join(BASELINE_DIR, f), path.join(dir, f));
      const bad = path.join(dir, 'BetterCallBuffet-prod-Service.template.json');
      fs.writeFileSync(bad, fs.readFileSync(bad, 'utf8').slice(0, 200));
      // WHEN
      const r = runDiff(['--env', 'prod', '--baseline-dir', dir]);
      // THEN (was "unexpected error: SyntaxError" after a full synth)
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`diff: baseline ${bad} is not valid JSON (${jsonError(fs.readFileSync(bad, 'utf8'))}): restore it (git checkout -- ${path.relative(REPO_ROOT, bad)}), regenerate the baselines with npm run baselines:update, or compare with a commit: --base origin/main`);
      expect(r.stderr).not.toMatch(/unexpected error|SyntaxError:|^\s+at /m);
      expect(r.leftInTmp).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

describe('a stack that did not change', () => {
  test('is reported exactly as cdk diff reports it, with and without colour, without starting cdk diff', async () => {
    // GIVEN a synthesized stack and a base equal to its template
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-unchanged-'));
    try {
      const outdir = path.join(work, 'assembly');
      const app = new App({ outdir, analyticsReporting: false });
      new CfnResource(new Stack(app, 'Unchanged-Stack'), 'Topic', { type: 'AWS::SNS::Topic' });
      const artifact = app.synth().getStackByName('Unchanged-Stack');
      const base = path.join(work, 'base.template.json');
      writeTemplate(base, normalizeTemplate(artifact.template as CfnTemplate));
      // WHEN cdk diff compares them, THEN its report is the one the offline diff writes without it
      for (const color of [false, true]) {
        const real = await cdkDiff(artifact.id, base, outdir, work, offlineEnv(work), color);
        expect({ color, ...real }).toEqual({ color, ...unchangedStackReport('Unchanged-Stack', color) });
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, SPAWN_TIMEOUT);
});
