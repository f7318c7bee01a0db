import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import { ControlTowerChecks } from '../../lib/governance/control-tower';
import { FailClosed } from '../../lib/governance/fail-closed';
import { synthesized } from '../helpers/synth';

/**
 * Validation plugins fail closed (lib/governance/fail-closed.ts). Through the CDK CLI, a plugin that throws passed the
 * synth silently (`CONTROL_TOWER_CACHE=of cdk synth` exited 0 with "Successfully synthesized" before this existed);
 * in memory CDK throws instead, so here the wrapper's own finding is checked: it must fail the synth and say why.
 */
const throwing: IPolicyValidationPlugin = {
  name: 'Exploding',
  version: '1.2.3',
  ruleIds: ['X1'],
  validate: () => {
    throw new Error('the rule engine is missing');
  },
};

/** A one-resource app with an acknowledgement (as the app has) and `plugin`, synthesized in memory: CDK's error. */
function synthWith(plugin: IPolicyValidationPlugin): string | undefined {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fail-closed-'));
  try {
    const app = new App({ outdir });
    const topic = new CfnResource(new Stack(app, 'Checked'), 'Topic', { type: 'AWS::SNS::Topic' });
    Validations.of(topic).acknowledge({ id: 'Exploding::X1', reason: 'an acknowledgement, as the app has dozens' });
    Validations.of(app).addPlugins(plugin);
    app.synth();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('validation plugins fail closed', () => {
  test('wrapped, the same plugin fails the synth with a fatal finding that says why', () => {
    const error = synthWith(new FailClosed(throwing, 'The exploding checks'));
    expect(error).toContain('The exploding checks could not run, so no template was judged: the rule engine is missing');
    expect(error).toContain('ExplodingChecksDidNotRun');
  });

  test('wrapped, a plugin that runs reports exactly what it reports, under its own name, version and rules', () => {
    const report = { success: false, violations: [{ ruleName: 'X1', description: 'd', violatingResources: [] }] };
    const inner: IPolicyValidationPlugin = { ...throwing, validate: () => report };
    const wrapped = new FailClosed(inner, 'The exploding checks');
    expect(wrapped.validate({ templatePaths: [] } as never)).toBe(report);
    expect([wrapped.name, wrapped.version, wrapped.ruleIds]).toEqual(['Exploding', '1.2.3', ['X1']]);
  });

  test('the app registers cdk-nag and the Control Tower checks, both wrapped', () => {
    // The shipped app, already built for other specs: its registered plugins, through CDK's own (private) list.
    const { app } = synthesized();
    const plugins = (app as unknown as { _validationPlugins: IPolicyValidationPlugin[] })._validationPlugins;
    expect(plugins.map((p) => [p.name, p instanceof FailClosed])).toEqual([
      ['AwsSolutions', true],
      ['ControlTower', true],
    ]);
    expect((plugins[1] as unknown as { plugin: unknown }).plugin).toBeInstanceOf(ControlTowerChecks);
  });
});
