'use strict';
/**
 * How the app (cdk.json) and every CLI (package.json scripts) run TypeScript: `node -r ./bin/register.js FILE.ts`.
 * Each `.ts` file is transpiled in-process by swc as it is required, the way jest's @swc/jest does for the tests
 * (tsconfig.json's target and CommonJS modules, no type-checking: `npm run build` is the type-check), with
 * inline source maps so a stack trace names the TypeScript line.
 *
 * Why not ts-node or tsx: ts-node loads the TypeScript compiler (~0.45 s) before the first line runs, and tsx
 * hooks every module resolution, the CDK's thousands of requires included (~0.4 s per synth). This hook costs
 * loading @swc/core and ~1 ms per file of ours (docs/quality-gates.md, "Benchmark").
 */
const fs = require('fs');
const { transformSync } = require('@swc/core');

const SWC_OPTIONS = {
  swcrc: false,
  configFile: false,
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...SWC_OPTIONS, filename });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
