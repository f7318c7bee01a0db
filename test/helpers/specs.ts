import * as fs from 'fs';
import * as path from 'path';

/**
 * The CDK test modules (`*.spec.ts`) run in a few shared jest test files, the suites (test/suites/), not one jest
 * file each. Jest gives every test file its own module registry, so a file that builds CDK constructs loads and
 * compiles aws-cdk-lib and this app, warms them up, and synthesizes the whole app (with cdk-nag and the Control
 * Tower checks) afresh: about a second before its first assertion. Twenty-four such files paid that 24 times. In
 * a suite, the specs share one registry, the JIT-warmed code and `synthesized()`'s memo (test/helpers/synth.ts),
 * so each configuration is synthesized once per suite instead of once per file. Each spec is still its own
 * module under its own `describe` (its path relative to test/), and runs alone with
 * `npx jest --selectProjects unit suites -t '<path>'`.
 *
 * A spec must leave nothing behind for the specs after it: mocks it installs are installed in `beforeAll` and
 * restored in `afterAll` (aws-sdk-client-mock patches the client classes every spec shares), and it never changes
 * a memoized app (test/helpers/synth.ts).
 *
 * Two suites, one per jest worker on a 2-core machine: the constructs and stacks specs, and every other spec.
 * The last suite takes every spec the others do not, so a new spec always runs, exactly once.
 */
export const TEST_ROOT = path.resolve(__dirname, '..');

export const SUITES: ReadonlyArray<{ readonly name: string; readonly folders?: readonly string[] }> = [
  { name: 'constructs', folders: ['constructs', 'stacks'] },
  { name: 'app' }, // every other spec
];

/** Every `*.spec.ts` under test/ (the e2e and integration suites have none), relative to test/, sorted. */
export function allSpecs(root = TEST_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.spec.ts')) found.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return found.sort();
}

/** The specs of one suite: those under its folders, or, for the suite without folders, every spec no other suite takes. */
export function specsOf(suite: string, specs = allSpecs()): string[] {
  const entry = SUITES.find((s) => s.name === suite);
  if (!entry) throw new Error(`no suite "${suite}"; the suites are ${SUITES.map((s) => s.name).join(', ')} (test/helpers/specs.ts)`);
  const inFolders = (spec: string, folders: readonly string[]) => folders.some((f) => spec.startsWith(`${f}/`));
  if (entry.folders) return specs.filter((s) => inFolders(s, entry.folders!));
  const taken = SUITES.flatMap((s) => s.folders ?? []);
  return specs.filter((s) => !inFolders(s, taken));
}

/** Registers every spec of `suite`, each under a `describe` named by its path relative to test/. */
export function runSuite(suite: string): void {
  const specs = specsOf(suite);
  if (specs.length === 0) throw new Error(`suite "${suite}" has no spec: remove it from SUITES in test/helpers/specs.ts`);
  for (const spec of specs) {
    describe(spec, () => {
      // jest's require, at registration: the spec joins this test file's module registry and its tests this describe.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(TEST_ROOT, spec));
    });
  }
}
