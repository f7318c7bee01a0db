import * as fs from 'fs';
import { baselinePath, synthesizeBaselineTemplates } from './baselines/baseline-templates';
import { expect as cdkExpect, matchTemplate, MatchStyle } from '@aws-cdk/assert';
import { captureOutput } from './helpers/capture-output';
import { dangerousStatefulChanges, statefulSubset } from './helpers/replacement-guard';

/**
 * Two gates on the whole synthesized output of every environment:
 * - stack snapshots, so a pull request shows the CloudFormation change itself;
 * - the replacement guard against the committed baselines (test/baselines/), so no change can replace
 *   or delete the repository, a log group, a KMS key or a topic without a deliberate baseline update.
 */
const current = synthesizeBaselineTemplates();

/** Asset hashes change with every unrelated edit; scrub them so snapshots show real changes only. */
function scrub(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template), (_key, value) =>
    typeof value === 'string' ? value.replace(/\b[a-f0-9]{64}(\.zip|\.json)?\b/g, '<asset-hash>$1') : value,
  );
}

describe('stack snapshots', () => {
  test.each(Object.keys(current))('%s', (stackName) => {
    expect(scrub(current[stackName])).toMatchSnapshot();
  });
});

describe('replacement guard', () => {
  test.each(Object.keys(current))('%s replaces or deletes no stateful resource relative to its baseline', (stackName) => {
    const file = baselinePath(stackName);
    if (!fs.existsSync(file)) {
      throw new Error(`no baseline for ${stackName}: run \`npm run baselines:update\` and commit ${file}`);
    }
    const baseline = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(dangerousStatefulChanges(baseline, current[stackName])).toEqual([]);
    // Belt and braces: @aws-cdk/assert's own NO_REPLACES on the stateful resources (it misses deletions,
    // which the check above catches, and would flag every task-definition revision on whole templates).
    cdkExpect(statefulSubset(current[stackName])).to(matchTemplate(statefulSubset(baseline), MatchStyle.NO_REPLACES));
  });

  test('every baseline belongs to a stack that still exists (a deleted stack is a deliberate change)', () => {
    const baselines = fs.readdirSync(baselinePath('x').replace(/x\.template\.json$/, '')).filter((f) => f.endsWith('.template.json'));
    expect(baselines.map((f) => f.replace('.template.json', '')).sort()).toEqual(Object.keys(current).sort());
  });

  describe('detects', () => {
    const name = 'BetterCallBuffet-Registry';
    const template = current[name] as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const repoId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::ECR::Repository')!;
    const mutate = (f: (t: typeof template) => void) => {
      const copy = JSON.parse(JSON.stringify(template)) as typeof template;
      f(copy);
      return copy;
    };

    test('a renamed repository (replacement)', () => {
      const renamed = mutate((t) => (t.Resources[repoId].Properties.RepositoryName = 'renamed'));
      expect(dangerousStatefulChanges(template, renamed)).toEqual([{ logicalId: repoId, type: 'AWS::ECR::Repository', impact: 'WILL_REPLACE' }]);
      // matchTemplate prints its diff and the whole template before it throws: expected here, so captured
      // and shown only if the assertion fails.
      const { error, output } = captureOutput(() => cdkExpect(statefulSubset(renamed)).to(matchTemplate(statefulSubset(template), MatchStyle.NO_REPLACES)));
      expect({ error: String(error), output }).toEqual({ error: expect.stringMatching(/unacceptable match/), output: expect.stringContaining('RepositoryName (requires replacement)') });
    });

    test('a moved logical ID (old repository orphaned or deleted)', () => {
      const moved = mutate((t) => {
        t.Resources.SomewhereElse = t.Resources[repoId];
        delete t.Resources[repoId];
      });
      expect(dangerousStatefulChanges(template, moved).map((c) => c.logicalId)).toEqual([repoId]);
    });

    test('but not an in-place update such as turning scan on push off', () => {
      const updated = mutate((t) => (t.Resources[repoId].Properties.ImageScanningConfiguration = { ScanOnPush: false }));
      expect(dangerousStatefulChanges(template, updated)).toEqual([]);
    });
  });
});
