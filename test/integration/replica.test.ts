import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SAMPLE_NETWORK } from '../helpers/network';
import { CdkRun, runCdk } from '../helpers/run-cdk';

/**
 * `registry.replicaRegion` and `<env>.imageRegion` through the real `cdk synth` (cdk-nag and the Control Tower
 * checks on), with JSON overlays (`-c testConfigOverlay=FILE`): prod switched to the replica synthesizes; a
 * switch the VPC endpoints cannot serve, and a replica in the registry's own region, are configuration errors
 * that write no template. (The shipped configuration has a replica: `.ci/run` synthesizes it with CDK's template
 * validation and lints every template with cfn-lint.)
 */
describe('the real `cdk synth` with a replica', () => {
  let work: string;
  const runs: Record<'switched' | 'endpoints' | 'sameRegion', CdkRun & { outdir: string }> = {} as never;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-cli-'));
    const cases: Record<keyof typeof runs, { overlay: unknown; args: string[] }> = {
      switched: { overlay: { prod: { imageRegion: 'us-west-2' } }, args: ['-c', 'env=prod'] },
      endpoints: { overlay: { prod: { imageRegion: 'us-west-2' } }, args: ['-c', 'env=prod', '-c', `network=${JSON.stringify(SAMPLE_NETWORK)}`] },
      sameRegion: { overlay: { registry: { replicaRegion: 'us-east-1' } }, args: ['-c', 'env=dev'] },
    };
    await Promise.all(Object.entries(cases).map(async ([name, { overlay, args }]) => {
      const file = path.join(work, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(overlay));
      const outdir = path.join(work, `${name}.out`);
      runs[name as keyof typeof runs] = { ...(await runCdk(['synth', '--quiet', '--output', outdir, ...args, '-c', `testConfigOverlay=${file}`])), outdir };
    }));
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const templates = (outdir: string) => (fs.existsSync(outdir) ? fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).sort() : []);

  test('prod switched to the replica synthesizes (cdk-nag, Control Tower) and pulls from us-west-2', () => {
    const { code, output, outdir } = runs.switched;
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    expect(templates(outdir)).toEqual([
      'BetterCallBuffet-Registry.template.json', 'BetterCallBuffet-RegistryReplica.template.json',
      'BetterCallBuffet-RegistrySettings.template.json', 'BetterCallBuffet-prod-Service.template.json',
    ]);
    const prod = fs.readFileSync(path.join(outdir, 'BetterCallBuffet-prod-Service.template.json'), 'utf8');
    expect(prod).toContain('.dkr.ecr.us-west-2.');
    expect(prod).toContain(':ecr:us-west-2:');
    expect(prod).not.toContain('.dkr.ecr.us-east-1.');
  });

  test('a switch the VPC endpoints cannot serve is a configuration error naming both fields, with no template', () => {
    const { code, output, outdir } = runs.endpoints;
    expect(code).toBe(1);
    expect(output).toMatch(/Configuration error: prod\.imageRegion "us-west-2" differs from the task's region \(prod\.region "us-east-1"\) while prod\.network adds VPC endpoints/);
    expect(output).not.toMatch(/^\s+at /m);
    expect(templates(outdir)).toEqual([]);
  });

  test('a replica in the registry\'s own region is a configuration error, with no template', () => {
    const { code, output, outdir } = runs.sameRegion;
    expect(code).toBe(1);
    expect(output).toMatch(/Configuration error: registry\.replicaRegion "us-east-1" is the registry's own region/);
    expect(templates(outdir)).toEqual([]);
  });
});
