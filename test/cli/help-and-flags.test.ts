import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/app';

/**
 * Every command of the project answers `--help` with its usage at once (exit 0, nothing else runs) and
 * refuses an unknown flag with exit 2. The commands are spawned exactly as package.json's scripts run them.
 * (The benchmark, `npm run bench`, has its own tests.)
 */
const SCRIPTS = ['lifecycle', 'diff', 'baselines:update', 'e2e', 'doctor'] as const;
const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runScript(script: string, args: string[]): Promise<Run> {
  // `node -r ./bin/register.js FILE`: the script's own command line, with node as this process's binary.
  const [node, ...rest] = scripts[script].split(' ');
  expect(node).toBe('node');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...rest, ...args], { cwd: REPO_ROOT, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('--help and unknown flags, for every command', () => {
  const baselineDir = path.join(REPO_ROOT, 'test', 'baselines');
  const baselineTimes = () => fs.readdirSync(baselineDir).filter((f) => f.endsWith('.json')).map((f) => fs.statSync(path.join(baselineDir, f)).mtimeMs);
  let before: number[];
  const help: Record<string, Run> = {};
  const unknown: Record<string, Run> = {};

  beforeAll(async () => {
    before = baselineTimes();
    await Promise.all(SCRIPTS.flatMap((s) => [
      runScript(s, ['--help']).then((r) => (help[s] = r)),
      runScript(s, ['--frobnicate']).then((r) => (unknown[s] = r)),
    ]));
  }, 90_000);

  test.each(SCRIPTS)('npm run %s -- --help prints the usage and exits 0', (script) => {
    expect(help[script]).toEqual({ code: 0, stdout: expect.stringMatching(/^Usage:/), stderr: '' });
  });

  test.each(SCRIPTS)('npm run %s -- --frobnicate exits 2 naming the flag, with nothing on stdout', (script) => {
    expect(unknown[script]).toEqual({ code: 2, stdout: '', stderr: expect.stringContaining('"--frobnicate"') });
  });

  test('--help and a bad flag run nothing: no baseline rewritten, no moto_server started', () => {
    expect(baselineTimes()).toEqual(before);
    expect(help.e2e.stdout + unknown.e2e.stderr).not.toMatch(/moto_server PID/);
  });
});
