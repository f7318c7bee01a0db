// Every `new App()` without an outdir synthesizes into a fresh temp dir that CDK removes on process exit,
// which jest never signals (https://github.com/jestjs/jest/issues/10927): they piled up in the OS temp dir
// by the thousand. CDK's cleanup runs after each test file instead, and only in files that created an App:
// the App constructor calls this hook (as aws-cdk-lib/testhelpers/jest-global-app-testhook uses it), so the
// files that never load the CDK do not pay for loading it. (Runs in every test file, see jest.config.js.)
//
// The same hook keeps the unit suite fast: a test file that builds a CDK app outside the suites (test/suites/)
// loads, warms up and synthesizes the CDK on its own, about a second per file. Such a test is a spec
// (`*.spec.ts`, test/helpers/specs.ts) and fails here until it is one.
const path = require('path');

let createdApp = false;
globalThis[Symbol.for('@aws-cdk/core.App#initHook')] = () => {
  createdApp = true;
};
afterAll(() => {
  if (!createdApp) return;
  require('aws-cdk-lib/cx-api').CloudAssembly.cleanupTemporaryDirectories();
  const testPath = expect.getState().testPath ?? '';
  const inside = (folder) => testPath.startsWith(path.join(__dirname, folder) + path.sep);
  if (!inside('suites') && !inside('integration')) {
    const file = path.relative(path.dirname(__dirname), testPath);
    throw new Error(
      `${file} builds a CDK app in a test file of its own, which costs every run about a second: ` +
        `rename it to ${file.replace(/\.test\.ts$/, '.spec.ts')} so it runs in a suite that shares the CDK (test/helpers/specs.ts)`,
    );
  }
});
