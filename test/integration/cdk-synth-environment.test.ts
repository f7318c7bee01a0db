import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CdkRun, runCdk } from '../helpers/run-cdk';

/**
 * Configuration values that only a changed `lib/config/environments.ts` could produce, through the real
 * `cdk synth` with cdk-nag on: the test hands the CLI a JSON overlay (`-c testConfigOverlay=FILE`,
 * lib/config/overlay.ts), merged over the shipped configuration and validated like it.
 *
 * Plain environment variables must synthesize (cdk-nag's AwsSolutions-ECS2 is acknowledged on the task
 * definition because credential-like names are refused); credential-like names, whatever their case, must
 * fail with `Configuration error:`, exit 1 and write no template.
 */
describe('the real `cdk synth` on task environment variables and other config values', () => {
  const CREDENTIAL_NAMES = ['aws_secret_access_key', 'DB_PASSWORD', 'API_TOKEN', 'PRIVATE_KEY', 'Stripe_Api_Key'];
  let work: string;
  const runs: Record<'plain' | 'credentials' | 'constructRules', CdkRun & { outdir: string }> = {} as never;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'env-cli-'));
    const overlays = {
      // Also: Amazon Inspector scanning and dev opting out of the signature gate (both valid), in the same run.
      plain: {
        registry: { settings: { scanType: 'ENHANCED' } },
        dev: { task: { environment: { LOG_LEVEL: 'info', NODE_ENV: 'production', FEATURE_FLAGS: 'a,b' } }, promotion: { requireSignature: false } },
      },
      credentials: { dev: { task: { environment: Object.fromEntries(CREDENTIAL_NAMES.map((n) => [n, 'x'])) } } },
      // Values the constructs refuse too: configuration validation must name them first, without a stack trace.
      // And prod opting out of the signature gate, which configuration validation refuses.
      constructRules: { registry: { retention: { maxImages: 1e21 } }, dev: { task: { healthCheckPath: '/health;rm' } }, prod: { promotion: { requireSignature: false } } },
    };
    await Promise.all(Object.entries(overlays).map(async ([name, overlay]) => {
      const file = path.join(work, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(overlay));
      const outdir = path.join(work, `${name}.out`);
      const run = await runCdk(['synth', '--quiet', '--output', outdir, '-c', 'env=dev', '-c', `testConfigOverlay=${file}`]);
      runs[name as keyof typeof runs] = { ...run, outdir };
    }));
  }, 180_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const templates = (outdir: string) => (fs.existsSync(outdir) ? fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')) : []);

  test('plain variables synthesize with cdk-nag on and reach the container Environment', () => {
    const { code, output, outdir } = runs.plain;
    expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });
    const service = JSON.parse(fs.readFileSync(path.join(outdir, 'BetterCallBuffet-dev-Service.template.json'), 'utf8'));
    const taskDef = Object.values(service.Resources as Record<string, { Type: string; Properties: { ContainerDefinitions: Array<{ Environment: unknown }> } }>)
      .find((r) => r.Type === 'AWS::ECS::TaskDefinition');
    expect(taskDef?.Properties.ContainerDefinitions[0].Environment).toEqual([
      { Name: 'LOG_LEVEL', Value: 'info' },
      { Name: 'NODE_ENV', Value: 'production' },
      { Name: 'FEATURE_FLAGS', Value: 'a,b' },
    ]);
  });

  test('a synth that deploys a registry with no alarm recipient and no push role says so (a warning, not an error)', () => {
    // GIVEN the shipped registry (no e-mails, no githubRepository) synthesized successfully above
    const { code, output } = runs.plain;
    expect(code).toBe(0);
    // THEN both gaps are named on the CLI's output, with the fix
    expect(output).toMatch(/^Warning: registry\.alarms\.emails is empty: the alarms of repository better-call-buffet reach nobody\. Add the on-call address to REGISTRY\.alarms\.emails/m);
    expect(output).toMatch(/^Warning: no CI push role: registry\.ciPushRole\.githubRepository is unset, so no pipeline can push images to better-call-buffet\. .* -c githubRepository=owner\/repo$/m);
  });

  test('registry.settings.scanType ENHANCED drives the registry scanning configuration and the scan alarms, with cdk-nag on', () => {
    const { code, outdir } = runs.plain;
    expect(code).toBe(0);
    const read = (stack: string) => JSON.stringify(JSON.parse(fs.readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8')).Resources);
    expect(read('BetterCallBuffet-RegistrySettings')).toContain('"ScanType":"ENHANCED"');
    expect(read('BetterCallBuffet-RegistrySettings')).toContain('"ScanFrequency":"CONTINUOUS_SCAN"');
    expect(read('BetterCallBuffet-Registry')).toContain('"detail-type":["Inspector2 Finding"]');
    expect(read('BetterCallBuffet-Registry')).not.toContain('"detail-type":["ECR Image Scan"]');
  });

  test.each(CREDENTIAL_NAMES)('the credential-like name %s is refused with a pointer to task.secrets', (name) => {
    const { code, output } = runs.credentials;
    expect(code).toBe(1);
    expect(output).toContain('Configuration error:');
    expect(output).toContain(`dev.task.environment.${name} looks like a credential (Security Hub ECS.8)`);
    expect(output).toMatch(/move it to task\.secrets/);
  });

  test('a refused configuration writes no template and leaves no output directory behind', () => {
    expect(templates(runs.credentials.outdir)).toEqual([]);
    expect(fs.existsSync(runs.credentials.outdir)).toBe(false);
  });

  test('maxImages 1e21, a health check path with a ";" and an unsigned prod are configuration errors naming the field, not stack traces', () => {
    const { code, output, outdir } = runs.constructRules;
    expect(code).toBe(1);
    expect(output).toContain('Configuration error:');
    expect(output).toContain('registry.retention.maxImages must be an integer from 1 to 100,000, got 1e+21');
    expect(output).toContain('dev.task.healthCheckPath must start with \'/\'');
    expect(output).toContain('prod.promotion.requireSignature is false, but prod never runs an unsigned image');
    expect(output).not.toMatch(/^\s+at /m);
    expect(templates(outdir)).toEqual([]);
  });
});
