import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { controlTowerRules, ControlTowerChecks } from '../../lib/governance/control-tower';
import { FailClosed } from '../../lib/governance/fail-closed';
import { guardCacheMode } from '../../lib/governance/guard-memo';

/**
 * The Control Tower checks remember cfn-guard's answer per template (lib/governance/guard-memo.ts). Proven here
 * through the real plugin and the real cfn-guard binary, against a private cache directory: the answers are
 * cfn-guard's, whether remembered or fresh, and cfn-guard runs exactly for what it has not judged yet.
 */

/** A repository: MUTABLE tags fail CT.ECR.PR.3 (tag immutability), IMMUTABLE passes. */
const repositoryTemplate = (tagMutability: string) => ({
  Resources: {
    Repo: {
      Type: 'AWS::ECR::Repository',
      Properties: {
        ImageTagMutability: tagMutability,
        ImageScanningConfiguration: { ScanOnPush: true },
        LifecyclePolicy: { LifecyclePolicyText: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}' },
      },
    },
  },
});
/** A KMS key without rotation: fails CT.KMS.PR.1. Another resource type, so other rules apply to it. */
const keyTemplate = { Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: false, KeyPolicy: { Version: '2012-10-17', Statement: [] } } } } };

/** The templates cfn-guard was started on since the spy was installed. */
function guardRuns(spy: jest.SpyInstance): string[][] {
  return spy.mock.calls
    .filter(([command]) => String(command).endsWith('cfn-guard'))
    .map(([, args]) => (args as string[]).flatMap((a, i, all) => (all[i - 1] === '--data' ? [a] : [])));
}

const validate = (checks: ControlTowerChecks, templatePaths: string[]) => checks.validate({ templatePaths } as never);

describe('Control Tower answers are remembered per template', () => {
  let dir: string;
  let cache: string;
  let failing: string;
  let passing: string;
  let key: string;
  let spawn: jest.SpyInstance;
  const write = (file: string, template: unknown) => fs.writeFileSync(file, JSON.stringify(template));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-memo-'));
    cache = path.join(dir, 'cache');
    failing = path.join(dir, 'failing.template.json');
    passing = path.join(dir, 'passing.template.json');
    key = path.join(dir, 'key.template.json');
    write(failing, repositoryTemplate('MUTABLE'));
    write(passing, repositoryTemplate('IMMUTABLE'));
    write(key, keyTemplate);
    // Node's own module object, the one cdk-validator-cfnguard calls spawnSync on (an ES import would be a copy).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    spawn = jest.spyOn(require('child_process') as typeof import('child_process'), 'spawnSync');
  });
  afterEach(() => {
    spawn.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const remembering = () => new ControlTowerChecks({ cacheDir: cache });
  const fresh = () => new ControlTowerChecks({ cacheDir: false });

  test('judging each template by its own rules reports what one cfn-guard run over all of them reports', () => {
    // GIVEN one cfn-guard run over three templates with every rule that applies to any of them
    const rules = [...controlTowerRules().values()].filter((r) => r.resourceTypes.some((t) => ['AWS::ECR::Repository', 'AWS::KMS::Key'].includes(t)));
    const once = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: rules.map((r) => r.file) }).validate({ templatePaths: [failing, key, passing] } as never);
    // WHEN the plugin judges them one by one
    const report = validate(fresh(), [failing, key, passing]);
    // THEN it finds the same violations, in the same order (the plugin then names them by Control Tower ID)
    expect(once.violations.length).toBeGreaterThanOrEqual(2);
    expect(report.violations.map((v) => ({ ...v, severity: undefined, ruleName: undefined }))).toEqual(once.violations.map((v) => ({ ...v, severity: undefined, ruleName: undefined })));
    expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['CT.ECR.PR.3', 'CT.KMS.PR.1']));
  });

  test('one cfn-guard run judges what is not remembered; each template\'s remembered answer is what cfn-guard says of it alone', () => {
    const all = [failing, passing, key];
    const alone = all.map((t) => validate(fresh(), [t]));
    spawn.mockClear();
    // WHEN nothing is remembered: one run over the three, whose report is the three answers in order
    const first = validate(remembering(), all);
    expect(guardRuns(spawn)).toEqual([all]);
    expect(first.violations).toEqual(alone.flatMap((r) => r.violations));
    expect(first.success).toBe(false);
    // THEN each template's answer is remembered on its own, equal to cfn-guard's of that template alone
    spawn.mockClear();
    expect(all.map((t) => validate(remembering(), [t]))).toEqual(alone);
    expect(validate(remembering(), all)).toEqual(first);
    expect(guardRuns(spawn)).toEqual([]);
  });

  test('the same bytes under another path are remembered and reported under the new path', () => {
    validate(remembering(), [failing]);
    const moved = path.join(dir, 'moved.template.json');
    fs.copyFileSync(failing, moved);
    spawn.mockClear();
    const report = validate(remembering(), [moved]);
    expect(guardRuns(spawn)).toEqual([]);
    expect(report).toEqual(validate(fresh(), [moved]));
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => r.templatePath))).toEqual([moved]);
  });

  test('a changed template is judged again; the unchanged ones are remembered', () => {
    validate(remembering(), [failing, passing]);
    write(failing, repositoryTemplate('IMMUTABLE_WITH_EXCLUSION'));
    spawn.mockClear();
    const report = validate(remembering(), [failing, passing]);
    expect(guardRuns(spawn)).toEqual([[failing]]);
    expect(report).toEqual(validate(fresh(), [failing, passing]));
  });

  test('an unreadable entry is no answer: the template is judged again', () => {
    validate(remembering(), [failing]);
    for (const f of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, f), '{"format":1,"violations":');
    const truth = validate(fresh(), [failing]);
    spawn.mockClear();
    expect(validate(remembering(), [failing])).toEqual(truth);
    expect(guardRuns(spawn)).toEqual([[failing]]);
  });

  test('without a cache nothing is written and cfn-guard judges every time', () => {
    validate(fresh(), [failing]);
    validate(fresh(), [failing]);
    expect(fs.existsSync(cache)).toBe(false);
    expect(guardRuns(spawn)).toEqual([[failing], [failing]]);
  });

  test('refresh judges every template again, whatever is remembered, and remembers what cfn-guard says now', () => {
    validate(remembering(), [failing, passing]);
    // A remembered answer that is no longer cfn-guard's (as after an entry went stale): refresh must not read it.
    for (const f of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, f), JSON.stringify({ format: 1, violations: [] }));
    spawn.mockClear();
    const refreshed = validate(new ControlTowerChecks({ cacheDir: cache, refresh: true }), [failing, passing]);
    expect(guardRuns(spawn)).toEqual([[failing, passing]]);
    expect(refreshed).toEqual(validate(fresh(), [failing, passing]));
    expect(refreshed.success).toBe(false);
    // ...and what it wrote is what the next synth reads, without cfn-guard
    spawn.mockClear();
    expect(validate(remembering(), [failing, passing])).toEqual(refreshed);
    expect(guardRuns(spawn)).toEqual([]);
  });

  test('CONTROL_TOWER_CACHE is on, off or refresh; anything else is an error naming the value and the choices', () => {
    expect([undefined, '', 'on', 'ON', 'true', '1'].map((v) => guardCacheMode({ CONTROL_TOWER_CACHE: v }))).toEqual(['on', 'on', 'on', 'on', 'on', 'on']);
    expect(['off', 'OFF', 'false', '0', ' off '].map((v) => guardCacheMode({ CONTROL_TOWER_CACHE: v }))).toEqual(['off', 'off', 'off', 'off', 'off']);
    expect(['refresh', ' Refresh '].map((v) => guardCacheMode({ CONTROL_TOWER_CACHE: v }))).toEqual(['refresh', 'refresh']);
    expect(() => guardCacheMode({ CONTROL_TOWER_CACHE: 'of' })).toThrow('CONTROL_TOWER_CACHE="of" is not a setting of the Control Tower answers memo: use on, off or refresh (or leave it unset for on)');
  });

  test('checks that cannot run fail the synth with a fatal finding that says why, never pass by default', () => {
    // Registered as lib/app.ts does: CDK turns a plugin that throws into a report that prints nothing and fails nothing.
    const before = process.env.CONTROL_TOWER_CACHE;
    process.env.CONTROL_TOWER_CACHE = 'of';
    try {
      const report = new FailClosed(new ControlTowerChecks(), 'The Control Tower checks').validate({ templatePaths: [failing, passing] } as never);
      expect(report).toEqual({
        success: false,
        violations: [{
          ruleName: 'ControlTowerChecksDidNotRun',
          description: 'The Control Tower checks could not run, so no template was judged: CONTROL_TOWER_CACHE="of" is not a setting of the Control Tower answers memo: use on, off or refresh (or leave it unset for on)',
          fix: 'Fix the cause above and synthesize again; the checks never pass by default.',
          severity: 'fatal',
          violatingResources: [{ templatePath: failing, resourceLogicalId: '', locations: [] }],
        }],
      });
      expect(guardRuns(spawn)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.CONTROL_TOWER_CACHE;
      else process.env.CONTROL_TOWER_CACHE = before;
    }
  });
});
