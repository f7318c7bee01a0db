import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../helpers/app';

/**
 * `bash .ci/run` must work in a fresh clone on any machine: nothing it runs may depend on a path outside
 * the clone. Imports by absolute path are refused by lint (test/lint/no-absolute-imports.test.ts); this
 * checks the rest: .ci/run itself, the npm scripts it calls, the files those scripts run, and every
 * tracked file for paths that exist only on the machine that wrote them.
 */
const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const CI_RUN = read('.ci/run');
const SCRIPTS = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

/** Absolute paths a shell script may name on any Linux machine. */
const PORTABLE_ABSOLUTE_PATHS = ['/usr/bin/env', '/dev/null'];
/** An absolute path token in shell text: a `/` that starts a word (not `a/b`, `$(x)/y`, `"$d"/z`). */
const ABSOLUTE_PATH_TOKEN = /(?<![\w.$)}"'/-])\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._*-]*)*/g;
/** Prefixes of machine-specific locations (home directories, work trees, mounts). */
const MACHINE_PATH = /(?<![\w./-])\/(?:work|home|Users|root|mnt|opt|srv|private\/var)\/[\w.-]/;

/** `npm run X`, `npm test`, `npm ci`... as .ci/run calls them (comments removed). */
function npmScriptsCalled(shell: string): string[] {
  const code = shell.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
  const names = new Set<string>();
  for (const m of code.matchAll(/\bnpm\s+(?:run\s+)?([\w:-]+)/g)) {
    if (m[1] !== 'ci' && m[1] !== 'run') names.add(m[1]);
  }
  return [...names];
}

let trackedFiles: Set<string> | undefined;
/** The files git tracks in this clone (a file on disk that is not tracked is missing from a fresh clone). */
const tracked = (): Set<string> =>
  (trackedFiles ??= new Set(execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean)));

describe('CI depends on nothing outside the clone', () => {
  test('.ci/run names no absolute path but /usr/bin/env and /dev/null', () => {
    const code = CI_RUN.split('\n').map((l) => l.replace(/(^|\s)#(?!!).*$/, '')).join('\n');
    const found = [...code.matchAll(ABSOLUTE_PATH_TOKEN)].map((m) => m[0]).filter((p) => !PORTABLE_ABSOLUTE_PATHS.includes(p));
    expect(found).toEqual([]);
  });

  test('the check itself finds an absolute path in shell text', () => {
    expect([...'cd /work/main && npm test >/dev/null'.matchAll(ABSOLUTE_PATH_TOKEN)].map((m) => m[0])).toEqual(['/work/main', '/dev/null']);
    expect([...'cd "$(dirname "$0")/.." && ls cdk.out/*.json'.matchAll(ABSOLUTE_PATH_TOKEN)]).toEqual([]);
  });

  test('every npm script .ci/run calls exists, names no absolute path, and runs files inside the clone', () => {
    const called = npmScriptsCalled(CI_RUN);
    expect(called).toEqual(expect.arrayContaining(['test', 'build', 'lint', 'synth', 'e2e', 'test:integration']));
    for (const name of called) {
      const script = SCRIPTS[name];
      expect({ name, script }).toEqual({ name, script: expect.any(String) });
      expect({ name, absolute: script.match(ABSOLUTE_PATH_TOKEN) }).toEqual({ name, absolute: null });
      // Files the script runs (`node -r ./bin/register.js lib/cli/x.ts`) are tracked files of this clone.
      for (const file of script.split(/\s+/).filter((w) => /\.(ts|js|mjs|cjs)$/.test(w))) {
        expect({ name, file, tracked: tracked().has(path.normalize(file)) }).toEqual({ name, file, tracked: true });
      }
    }
  });

  test('cdk.json runs the app from inside the clone', () => {
    const app = (JSON.parse(read('cdk.json')) as { app: string }).app;
    expect(app.match(ABSOLUTE_PATH_TOKEN)).toBeNull();
    // Every file it names, the preloaded TypeScript hook included, is tracked (a .gitignore rule once kept one out).
    const files = app.split(/\s+/).filter((w) => /\.(ts|js|mjs|cjs)$/.test(w));
    expect(files).toEqual(expect.arrayContaining(['./bin/register.js', 'bin/better-call-buffet.ts']));
    expect(files.filter((f) => !tracked().has(path.normalize(f)))).toEqual([]);
  });

  test('no tracked file names a machine-specific path (/work/..., /home/..., /Users/...)', () => {
    // This file holds such paths on purpose (its own patterns and messages); the lint fixtures build theirs at run time.
    const fixtures = new Set(['test/lint/ci-self-contained.test.ts']);
    const offenders = [...tracked()]
      .filter((f) => !fixtures.has(f) && fs.existsSync(path.join(REPO_ROOT, f)))
      .filter((f) => {
        const text = fs.readFileSync(path.join(REPO_ROOT, f));
        return !text.includes(0) && MACHINE_PATH.test(text.toString('utf8'));
      });
    expect(offenders).toEqual([]);
  });
});
