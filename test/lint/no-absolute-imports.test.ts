import { ESLint } from 'eslint';
import { REPO_ROOT } from '../helpers/app';

/**
 * The project's lint configuration (eslint.config.js, as `npm run lint` uses it) refuses imports by absolute
 * path in every file type that can import: such an import (test/prof-tmp.ts once imported the checkout's own
 * absolute path)
 * passes on the machine that wrote it and breaks CI on every other one.
 */
describe('lint: no imports by absolute path', () => {
  // The config array itself, since jest cannot run ESLint's dynamic import() of eslint.config.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require('../../eslint.config.js') as ESLint.Options['overrideConfig'];
  const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfigFile: true, overrideConfig: config });
  const lint = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result.messages.filter((m) => m.ruleId === 'project/no-absolute-imports').map((m) => m.message);
  };
  const ABSOLUTE = /is an absolute path: it exists only on the machine that wrote it/;
  // The fixtures name machine paths through placeholders, built here, so this file itself holds no import by
  // absolute path for a repository-wide scan to find: @W@ is a checkout on a CI machine, @H@ a home directory.
  const W = ['', 'work', 'main'].join('/');
  const H = ['', 'home', 'me', 'project'].join('/');
  const fill = (code: string) => code.split('@W@').join(W).split('@H@').join(H);

  test.each([
    ['test/prof-tmp.ts', "import { buildApp } from '@W@/lib/app';\nvoid buildApp;\n"],
    ['lib/x.ts', "export { buildApp } from '@W@/lib/app';\n"],
    ['lib/x.ts', "export * from '@H@/lib/app';\n"],
    ['lib/x.ts', "import '@W@/test/setup';\n"],
    ['lib/x.ts', "export const load = () => import('@W@/lib/app');\n"],
    ['lib/x.ts', 'export const load = (d: string) => import(`@W@/${d}`);\n'],
    ['lib/x.ts', "import app = require('@W@/lib/app');\nvoid app;\n"],
    ['lib/x.ts', "export type App = import('@W@/lib/app').App;\n"],
    ['test/x.test.ts', "jest.mock('@W@/lib/app');\n"],
    ['test/x.ts', "export const p = require.resolve('@W@/lib/app');\n"],
    ['lib/x.ts', "import { x } from 'file://@W@/lib/x';\nvoid x;\n"],
    ['lib/x.ts', "import { x } from 'C:\\\\src\\\\lib\\\\x';\nvoid x;\n"],
    ['scripts/x.js', "const app = require('@W@/lib/app');\nmodule.exports = app;\n"],
    ['scripts/x.cjs', "module.exports = require('@W@/lib/app');\n"],
    ['scripts/x.mjs', "import app from '@W@/lib/app.js';\nexport default app;\n"],
    ['scripts/x.mjs', "export const load = () => import('@W@/lib/app.js');\n"],
  ])('refuses %s: %s', async (filePath, code) => {
    // GIVEN a file importing by absolute path / WHEN linted with the project's config / THEN the rule fires
    const messages = await lint(filePath, fill(code));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(ABSOLUTE);
  });

  test.each([
    ['lib/x.ts', "import { buildApp } from '../lib/app';\nimport * as path from 'path';\nimport { App } from 'aws-cdk-lib';\nvoid buildApp; void path; void App;\n"],
    ['lib/x.ts', "import * as path from 'path';\nexport const out = path.resolve('/tmp', 'x');\n"],
    ['scripts/x.js', "const app = require('./app');\nmodule.exports = app;\n"],
  ])('allows relative and package imports, and absolute paths that are not imports: %s', async (filePath, code) => {
    expect(await lint(filePath, code)).toEqual([]);
  });
});
