/**
 * Two suites:
 * - unit (`npm test`): in-process tests, plus a few cheap spawns of our own CLIs. Target: <= 3x one all-stack
 *   `cdk synth` on 2 cores (docs/quality-gates.md, "The unit suite"). The tests that build CDK apps are specs
 *   (`*.spec.ts`) and run in two jest files, test/suites/*.test.ts, that share the CDK and each configuration's
 *   synth (test/helpers/specs.ts, test/helpers/synth.ts); cfn-guard's answers are reused, as in every synth
 *   (lib/governance/guard-memo.ts).
 * - integration (`npm run test:integration`): tests that run the real CDK CLI (`cdk synth`, `cdk diff`),
 *   several seconds each. `.ci/run` runs both; the e2e against moto is separate (`npm run e2e`).
 *
 * Unit tests run with CDK's built-in WASM template validation off (CDK_VALIDATION=false, set in
 * test/setup-env.js): it costs ~1.5-2 s per jest worker and proves nothing the full `cdk synth` in
 * `.ci/run` does not already prove with validation on.
 *
 * @swc/jest transpiles only (no type-check): `npm run build` (tsc) is the type-check.
 */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  setupFiles: ['<rootDir>/test/setup-env.js'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-titles.js', '<rootDir>/test/setup-temp-dirs.js'],
};

module.exports = {
  // Jest's default (cores - 1) is a single worker on a 2-core machine; the suites are CPU-bound.
  maxWorkers: 2,
  // A worker that has finished exits on its own, but Node then frees V8's heap page by page, and on this
  // project's VMs each munmap is slow (a TLB flush across vCPUs): with the CDK loaded that took 0.2-0.7 s under
  // load, past jest's default 500 ms, and jest killed the worker and printed "A worker process has failed to
  // exit gracefully" (profiled with perf: v8::internal::Heap::TearDown -> munmap). No handle was leaking, so
  // wait longer; a worker kept alive by a real leak is still killed, and reported, after this.
  workerGracefulExitTimeout: 5000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/integration/'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
    },
  ],
};
