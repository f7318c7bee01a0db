// @ts-check
/**
 * ESLint rule: refuses module specifiers that are absolute paths (`/<somewhere>/lib/x`, `C:\\src\\x`,
 * `file:///...`) in imports, re-exports, dynamic `import()`, `require()`, `require.resolve()`,
 * `module.require()`, `jest.mock()`-style calls, `import x = require()` and `import('...')` types. Such an
 * import works only on the machine it was written on and breaks CI everywhere else: import relative to
 * the file (`../lib/x`) or by package name.
 */

const ABSOLUTE = /^(?:\/|[A-Za-z]:[\\/]|file:)/;

/** The text a specifier node starts with: a string literal, or the first chunk of a template literal. */
function specifierText(node) {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.quasis.length > 0) return node.quasis[0].value.cooked ?? node.quasis[0].value.raw;
  if (node.type === 'TSLiteralType') return specifierText(node.literal);
  return undefined;
}

const REQUIRE_LIKE = new Set(['require', 'require.resolve', 'module.require', 'jest.mock', 'jest.doMock', 'jest.unmock', 'jest.requireActual', 'jest.requireMock', 'jest.createMockFromModule']);

function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.property.type === 'Identifier' && !callee.computed) {
    return `${callee.object.name}.${callee.property.name}`;
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'disallow importing or requiring modules by absolute path' },
    messages: {
      absolute: "'{{specifier}}' is an absolute path: it exists only on the machine that wrote it. Import relative to this file (../lib/...) or by package name.",
    },
    schema: [],
  },
  create(context) {
    const check = (specifierNode) => {
      const text = specifierText(specifierNode);
      if (text !== undefined && ABSOLUTE.test(text)) {
        context.report({ node: specifierNode, messageId: 'absolute', data: { specifier: text } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSExternalModuleReference: (node) => check(node.expression),
      // typescript-eslint 8 renamed `argument` to `source` (reading `argument` prints a deprecation warning).
      TSImportType: (node) => check('source' in node ? node.source : node.argument),
      CallExpression(node) {
        const name = calleeName(node.callee);
        if (name !== undefined && REQUIRE_LIKE.has(name)) check(node.arguments[0]);
      },
    };
  },
};

module.exports = rule;
