// @ts-check
const tseslint = require('typescript-eslint');
const noAbsoluteImports = require('./eslint/no-absolute-imports');

/** Project rules (eslint/): test/lint/no-absolute-imports.test.ts proves each one fires. */
const project = { rules: { 'no-absolute-imports': noAbsoluteImports } };

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'cdk.out.*/', 'coverage/', '**/*.d.ts', 'test/baselines/*.json'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Every file that can import: an absolute path works only on the machine that wrote it.
    files: ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'],
    plugins: { project },
    rules: { 'project/no-absolute-imports': 'error' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
