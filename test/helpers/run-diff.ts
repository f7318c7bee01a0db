import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './app';

/** Spawns `npm run diff`'s entry point with its own TMPDIR, so tests can check nothing is left behind. */
export const SPAWN_TIMEOUT = 180_000;

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The diff's own temp dirs (offline-diff-*) left in its TMPDIR; other tools' files are not ours. */
  readonly leftInTmp: string[];
}

export function runDiff(args: readonly string[]): CliRun {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-tmp-'));
  try {
    const r = spawnSync(process.execPath, ['-r', './bin/register.js', 'lib/cli/offline-diff.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: SPAWN_TIMEOUT - 10_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, leftInTmp: fs.readdirSync(tmp).filter((f) => f.startsWith('offline-diff-')) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

