import { spawn } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/app';

// Each spawn starts node with ts-node (~1-3 s, more on a busy machine).
jest.setTimeout(60_000);

/** Our own tools as users run them (`npm run <script> -- ...`): usage at once, unknown flags exit 2. */
function npmRun(script: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: REPO_ROOT,
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

  test('no credentials at all: exit 1 and says how to provide them', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('node', ['-r', 'ts-node/register', path.join('lib', 'cli', 'inventory.ts'), '--repository', 'repo', '--region', 'us-east-1', '--max-attempts', '1'], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: '/nonexistent',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          NODE_NO_WARNINGS: '1',
        },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^inventory: no AWS credentials found/);
  }, 60_000);
});
