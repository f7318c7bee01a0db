/**
 * Unit tests run with CDK's built-in WASM template validation off (CDK_VALIDATION=false, set in
 * test/setup-env.js): it costs ~1.5-2 s per jest worker and proves nothing the full `cdk synth` in
 * `.ci/run` does not already prove with validation on.
 *
 * @swc/jest transpiles only (no type-check): `npm run build` (tsc) is the type-check.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest'],
  },
  setupFiles: ['<rootDir>/test/setup-env.js'],
};
