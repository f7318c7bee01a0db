import * as fs from 'fs';
import * as path from 'path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  CONTROL_TOWER_PLUGIN_NAME,
  MIN_REASON_LENGTH,
  PROD_ALLOWED_EXCEPTIONS,
  acknowledgeGuardRule,
  controlTowerRules,
  guardAcknowledgements,
} from '../../lib/governance/control-tower';
import { buildTestApp, REPO_ROOT } from '../helpers/app';
import { SAMPLE_NETWORK } from '../helpers/network';
import { synthesized, synthesizeTestApp } from '../helpers/synth';

describe('the bundled Control Tower rules', () => {
  test('are indexed by Control Tower ID with cfn-guard\'s rule name and resource types', () => {
    const rules = controlTowerRules();
    expect(rules.size).toBeGreaterThan(200);
    expect(rules.get('CT.KMS.PR.3')).toMatchObject({ guardRuleName: 'kms_create_grant_aws_service_check', resourceTypes: ['AWS::KMS::Key'] });
    expect(rules.get('CT.ECR.PR.3')?.resourceTypes).toEqual(['AWS::ECR::Repository']);
  });

  test('every prod exception names a real rule', () => {
    for (const id of Object.keys(PROD_ALLOWED_EXCEPTIONS)) expect(controlTowerRules().has(id)).toBe(true);
  });
});

describe('acknowledgeGuardRule', () => {
  const stack = () => new Stack();
  test('refuses an unknown rule ID', () => {
    const s = stack();
    expect(() => acknowledgeGuardRule(new logs.LogGroup(s, 'L'), 'CT.LOGS.PR.99', 'a reason long enough to pass')).toThrow(/unknown Control Tower rule "CT.LOGS.PR.99"/);
  });
  test('refuses a missing or short reason', () => {
    const s = stack();
    expect(() => acknowledgeGuardRule(new logs.LogGroup(s, 'L'), 'CT.CLOUDWATCH.PR.2', 'n/a')).toThrow(new RegExp(`needs a reason of at least ${MIN_REASON_LENGTH} characters`));
  });
  test('refuses a rule that does not evaluate the resource type', () => {
    const s = stack();
    expect(() => acknowledgeGuardRule(new logs.LogGroup(s, 'L'), 'CT.S3.PR.9', 'a reason long enough to pass')).toThrow(/CT.S3.PR.9 evaluates AWS::S3::Bucket, not AWS::Logs::LogGroup/);
  });
  test('records the rule and its reason on the resource', () => {
    const s = stack();
    const group = new logs.LogGroup(s, 'L');
    acknowledgeGuardRule(group, 'CT.CLOUDWATCH.PR.2', 'short-lived test logs, kept a week on purpose');
    expect(guardAcknowledgements(s)).toEqual([{ path: group.node.path, ruleId: 'CT.CLOUDWATCH.PR.2', reason: 'short-lived test logs, kept a week on purpose' }]);
  });
});

describe('Control Tower checks on the real app', () => {
  // nag off here: app.spec.ts runs both plugins together; this suite reads the guard's own report.
  const real = synthesized({}, { nag: false });
  const report = () => real.pluginReport(CONTROL_TOWER_PLUGIN_NAME);
  const acks = guardAcknowledgements(real.app);

  test('every environment passes: no unacknowledged failure', () => {
    expect(report().conclusion).toBe('success');
    expect(report().violations).toEqual([]);
  });

  test('every acknowledgement carries a reason (however it was made)', () => {
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect({ ...a, ok: a.reason.trim().length >= MIN_REASON_LENGTH }).toEqual({ ...a, ok: true });
    for (const s of report().suppressedViolations ?? []) expect(s.reason.trim().length).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
  });

  test('prod (the shared registry prod pulls from, and the prod service) acknowledges only rules that demand an architecture this stack does not have', () => {
    const prod = acks.filter((a) => a.path.startsWith('BetterCallBuffet-Registry/') || a.path.startsWith('BetterCallBuffet-prod-'));
    // The registry's trail bucket acknowledges CT.S3.PR.2/4/9 and its inventory function CT.LAMBDA.PR.3: the filter
    // must see them, or this test checks nothing.
    expect(prod.filter((a) => a.path.startsWith('BetterCallBuffet-Registry/')).map((a) => a.ruleId).sort()).toEqual(['CT.LAMBDA.PR.3', 'CT.S3.PR.2', 'CT.S3.PR.4', 'CT.S3.PR.9']);
    for (const a of prod) expect({ ...a, allowed: Object.keys(PROD_ALLOWED_EXCEPTIONS).includes(a.ruleId) }).toEqual({ ...a, allowed: true });
  });

  test('no acknowledgement is stale: each one suppresses a real finding', () => {
    const used = new Set((report().suppressedViolations ?? []).map((s) => `${s.acknowledgedAt}|${s.ruleName}`));
    for (const a of acks) expect(used).toContain(`${a.path}|${a.ruleId}`);
  });

  test('docs/governance.md lists every acknowledged rule in its table, and no rule nothing acknowledges', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'governance.md'), 'utf8');
    const table = /### Acknowledged rules\n([\s\S]*?)\n(?:#|$)/.exec(doc)?.[1] ?? '';
    const rows = table.split('\n').filter((l) => l.startsWith('|'));
    const listed = new Set(rows.flatMap((r) => r.match(/CT\.[A-Z0-9-]+\.PR\.\d+/g) ?? []));
    const acknowledged = new Set(acks.map((a) => a.ruleId));
    expect([...listed].sort()).toEqual([...acknowledged].sort());
  });
});

/** A repository that fails exactly CT.ECR.PR.3 (mutable tags); scanning and lifecycle are fine. */
function careless(scope: Stack): ecr.Repository {
  const repo = new ecr.Repository(scope, 'Careless', { imageTagMutability: ecr.TagMutability.MUTABLE, imageScanOnPush: true, removalPolicy: RemovalPolicy.DESTROY });
  repo.addLifecycleRule({ maxImageCount: 10 });
  return repo;
}

// These change the app they synthesize, so each builds its own (never the shared synthesized() ones).
describe('the Control Tower plugin is really wired', () => {
  test('an unacknowledged failure fails the synth, naming the control', () => {
    // GIVEN the real dev app plus a repository with mutable tags that nobody acknowledged
    const { app, stacks } = buildTestApp({ env: 'dev' }, { nag: false });
    careless(stacks.registry);
    // THEN
    expect(() => app.synth()).toThrow(/CT\.ECR\.PR\.3[\s\S]*Careless/);
  });

  test('the same resource passes once acknowledged with a reason', () => {
    const built = buildTestApp({ env: 'dev' }, { nag: false });
    const repo = careless(built.stacks.registry);
    acknowledgeGuardRule(repo, 'CT.ECR.PR.3', 'a scratch repository whose tags are meant to move');
    expect(synthesizeTestApp(built).pluginReport(CONTROL_TOWER_PLUGIN_NAME).conclusion).toBe('success');
  });

  test('guard: false leaves it out (unit tests that synthesize many apps)', () => {
    const { app, stacks } = buildTestApp({ env: 'dev' }, { nag: false, guard: false });
    careless(stacks.registry);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('a sample network config', () => {
  test('synthesizes the VPC endpoints with cdk-nag and the Control Tower checks on', () => {
    // GIVEN prod with the sample network, both plugins on (the synth throws on any unacknowledged finding)
    const withNetwork = synthesized({ env: 'prod', network: JSON.stringify(SAMPLE_NETWORK) });
    // WHEN
    const report = withNetwork.pluginReport(CONTROL_TOWER_PLUGIN_NAME);
    // THEN
    expect(report.conclusion).toBe('success');
    expect(Object.keys(withNetwork.stacks.services[0].vpcEndpoints?.endpoints ?? {}).sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3']);
  });
});
