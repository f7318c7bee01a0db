import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { controlTowerRules } from '../../lib/governance/control-tower';
import { memoizeGuard } from './guard-cache';

/**
 * The unit suite's cfn-guard memo (test/helpers/guard-cache.ts) must answer exactly what cfn-guard answers:
 * proven here through the real CfnGuardValidator and the real cfn-guard binary, on two small templates
 * (one failing CT.ECR.PR.3, one passing), against a private cache directory.
 */
type Exec = Parameters<typeof memoizeGuard>[0];
type Report = ReturnType<CfnGuardValidator['validate']>;

const RULES = ['CT.ECR.PR.1', 'CT.ECR.PR.2', 'CT.ECR.PR.3'].map((id) => controlTowerRules().get(id)!.file);

/** A repository with a lifecycle policy and scanning; tags as given. */
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

/**
 * A CfnGuardValidator in a module registry of its own, whose cfn-guard calls go through `wrap(realExec)`;
 * `calls` lists the `--data` files of every real cfn-guard run.
 */
function validator(wrap: (exec: Exec) => Exec = (e) => e, rules: string[] = RULES): { validate: (templatePaths: string[]) => Report; calls: string[][] } {
  const calls: string[][] = [];
  let plugin: CfnGuardValidator | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const utils = require('@cdklabs/cdk-validator-cfnguard/lib/utils') as { exec: Exec };
    const real = utils.exec;
    utils.exec = wrap((commandLine, options) => {
      calls.push(commandLine.flatMap((a, i) => (commandLine[i - 1] === '--data' ? [a] : [])));
      return real(commandLine, options);
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CfnGuardValidator: Validator } = require('@cdklabs/cdk-validator-cfnguard') as typeof import('@cdklabs/cdk-validator-cfnguard');
    plugin = new Validator({ controlTowerRulesEnabled: false, rules });
  });
  return { validate: (templatePaths) => plugin!.validate({ templatePaths } as never), calls };
}

describe('the cfn-guard memo of the unit suite', () => {
  let dir: string;
  let cache: string;
  let failing: string;
  let passing: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-cache-'));
    cache = path.join(dir, 'cache');
    failing = path.join(dir, 'failing.template.json');
    passing = path.join(dir, 'passing.template.json');
    fs.writeFileSync(failing, JSON.stringify(repositoryTemplate('MUTABLE')));
    fs.writeFileSync(passing, JSON.stringify(repositoryTemplate('IMMUTABLE')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('answers what cfn-guard answers, and runs it once per distinct template', () => {
    // GIVEN cfn-guard itself, and the memo
    const truth = validator().validate([failing, passing]);
    const memo = validator((exec) => memoizeGuard(exec, cache));
    // WHEN the memo is asked twice
    const first = memo.validate([failing, passing]);
    const second = memo.validate([failing, passing]);
    // THEN both answers are cfn-guard's: the CT.ECR.PR.3 failure, located in the failing template
    expect(truth.success).toBe(false);
    expect(truth.violations.map((v) => v.violatingResources.map((r) => path.basename(r.templatePath)))).toEqual([['failing.template.json']]);
    expect(first).toEqual(truth);
    expect(second).toEqual(truth);
    // AND cfn-guard ran once, over both templates
    expect(memo.calls).toEqual([[failing, passing]]);
  });

  test('the same bytes under another path are remembered and reported under the new path', () => {
    validator((exec) => memoizeGuard(exec, cache)).validate([failing, passing]);
    const moved = path.join(dir, 'moved.template.json');
    fs.copyFileSync(failing, moved);
    const memo = validator((exec) => memoizeGuard(exec, cache));
    expect(memo.validate([passing, moved])).toEqual(validator().validate([passing, moved]));
    expect(memo.calls).toEqual([]);
  });

  test('a changed template is judged again, on its own; the unchanged one is remembered', () => {
    validator((exec) => memoizeGuard(exec, cache)).validate([failing, passing]);
    // WHEN the failing template is fixed
    fs.writeFileSync(failing, JSON.stringify(repositoryTemplate('IMMUTABLE_WITH_EXCLUSION')));
    const memo = validator((exec) => memoizeGuard(exec, cache));
    const report = memo.validate([failing, passing]);
    // THEN only it went to cfn-guard, and the answer is cfn-guard's
    expect(memo.calls).toEqual([[failing]]);
    expect(report).toEqual(validator().validate([failing, passing]));
  });

  test('other rules are a different question', () => {
    validator((exec) => memoizeGuard(exec, cache)).validate([failing]);
    const fewerRules = validator((exec) => memoizeGuard(exec, cache), RULES.slice(0, 2));
    expect(fewerRules.validate([failing])).toEqual(validator(undefined, RULES.slice(0, 2)).validate([failing]));
    expect(fewerRules.calls).toEqual([[failing]]);
  });
});
