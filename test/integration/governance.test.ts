import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IPolicyValidationContextBeta1 } from 'aws-cdk-lib';
import { ControlTowerChecks } from '../../lib/governance/control-tower';
import { buildTestApp, REPO_ROOT } from '../helpers/app';
import { SAMPLE_NETWORK } from '../helpers/network';

/**
 * The Control Tower checks and the VPC endpoints through the real `cdk synth` (cdk-nag and the Control Tower
 * plugin are always on in bin/), and the rule selection checked against the full rule set.
 */
describe('the real `cdk synth` with a sample network config', () => {
  let result: { code: number | null; output: string; outdir: string };
  beforeAll(async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'network-cli-'));
    const cdk = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
    result = await new Promise((resolve) => {
      const child = spawn(cdk, ['synth', '--quiet', '--output', outdir, '-c', 'env=prod', '-c', `network=${JSON.stringify(SAMPLE_NETWORK)}`], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_VERSION_CHECK: '1' },
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code, output, outdir }));
    });
  }, 120_000);
  afterAll(() => result && fs.rmSync(result.outdir, { recursive: true, force: true }));

  test('passes cdk-nag and the Control Tower checks and adds the endpoints', () => {
    expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
    const template = JSON.parse(fs.readFileSync(path.join(result.outdir, 'BetterCallBuffet-prod-Service.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { VpcEndpointType?: string } }> };
    const endpoints = Object.values(template.Resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint');
    expect(endpoints.map((e) => e.Properties.VpcEndpointType).sort()).toEqual(['Gateway', 'Interface', 'Interface', 'Interface']);
  });

  test('a malformed network is a configuration error naming the field', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'network-cli-bad-'));
    try {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const bad = JSON.stringify({ ...SAMPLE_NETWORK, subnetIds: ['subnet-1'] });
        const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', outdir, '-c', 'env=dev', '-c', `network=${bad}`], {
          cwd: REPO_ROOT,
          env: { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_VERSION_CHECK: '1' },
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (c) => resolve({ code: c, output: out }));
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/Configuration error: dev\.network\.subnetIds\[0\] must be an ID like subnet-0123456789abcdef0, got "subnet-1"/);
      expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('running only the applicable rules', () => {
  test('reports exactly what all 237 rules report on the shipped templates (with a sample network)', () => {
    // GIVEN every environment's templates, prod with the endpoints, synthesized without plugins
    const all = buildTestApp({}, { nag: false, guard: false }).app.synth();
    const net = buildTestApp({ env: 'prod', network: JSON.stringify(SAMPLE_NETWORK) }, { nag: false, guard: false }).app.synth();
    const templatePaths = [...all.stacks, ...net.stacks].map((s) => s.templateFullPath);
    const context = { templatePaths } as unknown as IPolicyValidationContextBeta1;
    const findings = (allRules: boolean) =>
      new ControlTowerChecks({ allRules })
        .validate(context)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${path.basename(r.templatePath)} ${r.resourceLogicalId}`))
        .sort();
    // THEN the selection loses nothing (findings exist: dev and staging's deliberate differences)
    const selected = findings(false);
    expect(selected.length).toBeGreaterThan(0);
    expect(selected).toEqual(findings(true));
    [all.directory, net.directory].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  }, 120_000);
});
