import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The layers of lib/ and bin/, bottom to top. A module may import from its own layer or any layer below,
 * never from above: generic helpers know neither AWS nor this app, AWS facts know nothing of this app, the
 * lifecycle engine never reads the app's config, constructs own their props (no lib/config import), config may
 * alias construct types, stacks map config to construct props, and only the CLIs and bin/ sit on top. `prefix`
 * is matched against the path from the repository root; the longest matching prefix wins.
 */
const LAYERS: readonly { readonly name: string; readonly prefixes: readonly string[] }[] = [
  { name: 'generic helpers', prefixes: ['lib/util/'] },
  { name: 'AWS facts and formats', prefixes: ['lib/aws/'] },
  { name: 'engines (lifecycle, inventory function)', prefixes: ['lib/lifecycle/', 'lib/inventory/'] },
  { name: 'constructs', prefixes: ['lib/constructs/', 'lib/governance/'] },
  { name: 'config', prefixes: ['lib/config/'] },
  { name: 'stacks and app logic', prefixes: ['lib/stacks/', 'lib/promotion/', 'lib/doctor/', 'lib/app.ts'] },
  { name: 'CLIs and bin', prefixes: ['lib/cli/', 'bin/'] },
];

const ROOT = path.resolve(__dirname, '..');

/** The layer index of a repository-relative path, or undefined for files outside lib/ and bin/. */
function layerOf(relPath: string): number | undefined {
  let best: { index: number; length: number } | undefined;
  LAYERS.forEach((layer, index) => {
    for (const prefix of layer.prefixes) {
      if (relPath.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = { index, length: prefix.length };
    }
  });
  return best?.index;
}

/**
 * Every module specifier a file imports: `import`/`export ... from`, `import type`, `require(...)`,
 * `import(...)`, and the lazy `module.require(...)` the lifecycle CLI uses.
 */
function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  const specifiers = info.importedFiles.map((f) => f.fileName);
  for (const m of source.matchAll(/\bmodule\.require\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]);
  return [...new Set(specifiers)];
}

/** `from -> to` violations of the layer order in one file (relative imports only; packages are not layered). */
function layerViolations(relPath: string, source: string): string[] {
  const from = layerOf(relPath);
  if (from === undefined) throw new Error(`${relPath} is in no layer: add its folder to LAYERS in test/architecture.test.ts`);
  const out: string[] = [];
  for (const spec of importsOf(source)) {
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(relPath), spec));
    const to = layerOf(target) ?? layerOf(`${target}.ts`);
    if (to === undefined) {
      out.push(`${relPath} imports ${spec} (${target}), which is in no layer`);
    } else if (to > from) {
      out.push(`${relPath} (${LAYERS[from].name}) imports ${spec} (${LAYERS[to].name}): a lower layer must not depend on a higher one`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

describe('architecture: imports only point down the layers', () => {
  const files = [...sourceFiles('lib'), ...sourceFiles('bin')];

  test('finds the sources (guards against an empty walk passing vacuously)', () => {
    expect(files).toEqual(expect.arrayContaining(['lib/app.ts', 'bin/better-call-buffet.ts', 'lib/constructs/registry-monitoring.ts', 'lib/cli/lifecycle.ts']));
    expect(files.length).toBeGreaterThan(40);
  });

  test('no module in lib/ or bin/ imports from a higher layer', () => {
    const violations = files.flatMap((f) => layerViolations(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(violations).toEqual([]);
  });

  // GIVEN imports that run against the grain, THEN the check names them (proves it bites).
  test.each([
    ['lib/constructs/registry-monitoring.ts', "import { AlarmsConfig } from '../config/types';", /constructs\) imports \.\.\/config\/types \(config\)/],
    ['lib/constructs/monitoring/alarm-topic.ts', "import type { EnvName } from '../../config/types';", /imports \.\.\/\.\.\/config\/types \(config\)/],
    ['lib/lifecycle/policy.ts', "import { loadConfig } from '../config/load';", /engines .* imports \.\.\/config\/load \(config\)/],
    ['lib/lifecycle/policy.ts', "export { ContainerRegistry } from '../constructs/container-registry';", /imports \.\.\/constructs\/container-registry \(constructs\)/],
    ['lib/lifecycle/policy.ts', "const m = module.require('../stacks/registry-lifecycle');", /imports \.\.\/stacks\/registry-lifecycle \(stacks/],
    ['lib/lifecycle/policy.ts', "const m = require('../cli/lifecycle');", /imports \.\.\/cli\/lifecycle \(CLIs/],
    ['lib/config/validate.ts', "import { TaskVpcEndpoints } from '../constructs/vpc-endpoints'; import { RegistryStack } from '../stacks/registry-stack';", /config\) imports \.\.\/stacks\/registry-stack/],
    ['lib/aws/formats.ts', "import { ENV_NAMES } from '../config/types';", /AWS facts and formats\) imports/],
    ['lib/util/pool.ts', "import { AWS_REGIONS } from '../aws/regions';", /generic helpers\) imports \.\.\/aws\/regions \(AWS facts and formats\)/],
  ])('%s with `%s` is a violation', (file, source, message) => {
    const violations = layerViolations(file, source);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(message);
  });

  test.each([
    ['lib/config/types.ts', "import type { TaskNetwork } from '../constructs/vpc-endpoints';"],
    ['lib/stacks/registry-stack.ts', "import { loadConfig } from '../config/load'; import { Token } from 'aws-cdk-lib';"],
    ['lib/constructs/buffet-task-definition.ts', "import { fargateSizeProblem } from '../aws/fargate-sizing';"],
    ['bin/better-call-buffet.ts', "import { buildApp } from '../lib/app';"],
    ['lib/doctor/doctor.ts', "import { inPool } from '../util/pool';"],
  ])('%s with `%s` is allowed', (file, source) => {
    expect(layerViolations(file, source)).toEqual([]);
  });

  test('no module in lib/ or bin/ imports a test-only package: the app and the esbuild-bundled Lambda asset (entry lib/inventory/handler.ts) cannot contain @cloud-copilot/iam-simulate (AGPL-3.0)', () => {
    const testOnly = /^@cloud-copilot\//;
    const offenders = files.flatMap((f) => importsOf(fs.readFileSync(path.join(ROOT, f), 'utf8')).filter((s) => testOnly.test(s)).map((s) => `${f} imports ${s}`));
    expect(offenders).toEqual([]);
    // The check sees such an import when there is one.
    expect(importsOf("import { runSimulation } from '@cloud-copilot/iam-simulate';").filter((s) => testOnly.test(s))).toEqual(['@cloud-copilot/iam-simulate']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((d) => testOnly.test(d))).toEqual([]);
    expect(Object.keys(pkg.devDependencies)).toContain('@cloud-copilot/iam-simulate');
  });

  test('a file outside every layer is reported, not skipped', () => {
    expect(() => layerViolations('lib/new-folder/thing.ts', '')).toThrow(/in no layer: add its folder to LAYERS/);
  });
});
