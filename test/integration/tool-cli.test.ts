import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/app';

// Each spawn starts node with bin/register.js and loads the CDK or the SDK (~1 s, more on a busy machine).
jest.setTimeout(60_000);

/**
 * Our own tools as users run them (`npm run <script> -- ...`): usage at once, unknown flags exit 2. With
 * `cwd`, npm runs from that directory (`--prefix` the package), as a user in another directory would.
 */
function npmRun(script: string, args: string[], timeoutMs = 30_000, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', [...(cwd ? ['--prefix', REPO_ROOT] : []), 'run', '--silent', script, '--', ...args], {
      cwd: cwd ?? REPO_ROOT,
      // No credentials or endpoint of the person running the tests can matter: these runs never reach AWS.
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', NODE_NO_WARNINGS: '1' },
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('npm run bench', () => {
  test('--help prints the usage and exits 0 without benchmarking', async () => {
    const r = await npmRun('bench', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench/);
    // "At once": no synth ran (one synth alone takes several seconds).
    expect(r.stdout).not.toMatch(/^node v\d/m);
  });

  test.each([[['--bogus']], [['--runs', '0']], [['--validation', 'maybe']]])('%j exits 2 with the usage on stderr', async (args) => {
    const r = await npmRun('bench', args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bench: .*\nUsage: npm run bench/);
  });
});

describe('npm run bench:inventory', () => {
  test('--help exits 0; an unknown flag exits 2', async () => {
    const [help, bad] = await Promise.all([npmRun('bench:inventory', ['--help']), npmRun('bench:inventory', ['--pages', '3'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run bench:inventory/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown argument "--pages"/);
  });
});

describe('npm run inventory', () => {
  test('--help exits 0; an unknown flag exits 2 before touching AWS', async () => {
    const [help, bad] = await Promise.all([npmRun('inventory', ['--help']), npmRun('inventory', ['--repository', 'x1', '--colour'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n  inventory --repository NAME/);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('inventory: unknown flag "--colour"; see --help\n');
  });

});

/**
 * The AWS-calling CLIs with no usable AWS: the exit code (3) and one line saying what to check, never the
 * SDK's raw error, and no SDK Node.js version warning (the CLIs switch it off; neither NODE_NO_WARNINGS nor
 * the switch is set here, unlike in the rest of the suite).
 */
describe('promote and inventory without AWS', () => {
  /** An environment with nothing of the caller's: no credentials, profiles, config files or instance metadata. */
  const bareEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  });
  const runTool = (tool: 'inventory' | 'promote', args: string[], env: NodeJS.ProcessEnv) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('node', ['-r', './bin/register.js', path.join('lib', 'cli', `${tool}.ts`), ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  // An endpoint nothing listens on (port 9, discard, is closed on CI runners and here), with dummy credentials.
  const unreachable = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
  const PROMOTE = ['--from', 'build', '--to', 'dev', '--tag', 'v1.4.2-3f9c2ab', '--dry-run'];
  let runs: Record<'inventoryNoCredentials' | 'inventoryUnreachable' | 'promoteNoCredentials' | 'promoteUnreachable', { code: number | null; stdout: string; stderr: string }>;

  beforeAll(async () => {
    const [inventoryNoCredentials, inventoryUnreachable, promoteNoCredentials, promoteUnreachable] = await Promise.all([
      runTool('inventory', ['--repository', 'repo', '--region', 'us-east-1', '--max-attempts', '1'], bareEnv()),
      runTool('inventory', ['--repository', 'repo', '--region', 'us-east-1', '--max-attempts', '1'], bareEnv(unreachable)),
      runTool('promote', PROMOTE, bareEnv()),
      runTool('promote', PROMOTE, bareEnv({ ...unreachable, AWS_MAX_ATTEMPTS: '1' })),
    ]);
    runs = { inventoryNoCredentials, inventoryUnreachable, promoteNoCredentials, promoteUnreachable };
  }, 90_000);

  test.each([
    ['inventoryNoCredentials', /^inventory: no AWS credentials found: set AWS_PROFILE .* for a local emulator set AWS_ENDPOINT_URL and any test credentials \(region us-east-1, AWS_ENDPOINT_URL unset\)\n$/],
    ['inventoryUnreachable', /^inventory: cannot reach the AWS endpoint \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:9\): check AWS_ENDPOINT_URL .*\(region us-east-1, AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:9\)\n$/],
    ['promoteNoCredentials', /^promote: AWS error, nothing was promoted: no AWS credentials found: set AWS_PROFILE .*\(region us-east-1, AWS_ENDPOINT_URL unset\)\n$/],
    ['promoteUnreachable', /^promote: AWS error, nothing was promoted: cannot reach the AWS endpoint \(ECONNREFUSED: .*\): check AWS_ENDPOINT_URL/],
  ] as const)('%s: exit 3, one line saying what to check, no SDK warning', (name, message) => {
    const r = runs[name];
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|CredentialsProviderError:|^\s+at /m);
    if (name.startsWith('inventory')) expect(r.stdout).toBe('');
  });
});

describe('bad flags and relative paths as users type them (npm run)', () => {
  test('promote --dry-run=false is a usage error (exit 2) before anything reaches AWS', async () => {
    const r = await npmRun('promote', ['--from', 'build', '--to', 'dev', '--tag', 'v1.4.2-3f9c2ab', '--dry-run=false']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe('promote: --dry-run takes no value, got "--dry-run=false": give --dry-run for a dry run, leave it out to promote (see --help)\n');
  });

  test('lifecycle preview reads relative paths from the directory npm was run in, not the package root', async () => {
    // GIVEN a policy and a listing in a directory outside the package, and npm run from there (--prefix)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-cwd-'));
    try {
      const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] };
      const images = { imageDetails: [
        { imageDigest: 'sha256:old', imagePushedAt: '2024-05-01T00:00:00Z' },
        { imageDigest: 'sha256:new', imagePushedAt: '2024-05-02T00:00:00Z' },
      ] };
      fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
      fs.writeFileSync(path.join(dir, 'images.json'), JSON.stringify(images));
      // WHEN
      const r = await npmRun('lifecycle', ['preview', '--policy', 'policy.json', '--images', 'images.json', '--now', '2024-06-01T00:00:00Z'], 30_000, dir);
      // THEN the files were found there, and the older image expires
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).previewResults.map((p: { imageDigest: string }) => p.imageDigest)).toEqual(['sha256:old']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
