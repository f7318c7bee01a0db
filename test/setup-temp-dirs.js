// Every `new App()` without an outdir synthesizes into a fresh temp dir that CDK removes on process exit,
// which jest never signals (https://github.com/jestjs/jest/issues/10927): they piled up in the OS temp dir
// by the thousand. CDK's cleanup runs after each test file instead, and only in files that created an App:
// the App constructor calls this hook (as aws-cdk-lib/testhelpers/jest-global-app-testhook uses it), so the
// files that never load the CDK do not pay for loading it. (Runs in every test file, see jest.config.js.)
let createdApp = false;
globalThis[Symbol.for('@aws-cdk/core.App#initHook')] = () => {
  createdApp = true;
};
afterAll(() => {
  if (createdApp) require('aws-cdk-lib/cx-api').CloudAssembly.cleanupTemporaryDirectories();
});
