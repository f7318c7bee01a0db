/**
 * `npm run baselines:update`: rewrites test/baselines/<stack>.template.json from the current code.
 *
 * The baselines are the templates a reviewer has accepted. test/replacement-guard.test.ts fails when a
 * change would make CloudFormation REPLACE a stateful resource relative to them (a replaced repository
 * loses every image), and `npm run diff` compares against them. Refresh them only in a change that
 * deliberately accepts the new templates (see docs/quality-gates.md, "Replacement guard").
 */
import * as fs from 'fs';
import * as path from 'path';
import { baselinePath, synthesizeBaselineTemplates } from './baseline-templates';

const templates = synthesizeBaselineTemplates();
const dir = path.dirname(baselinePath('x'));
const wanted = new Set(Object.keys(templates).map((name) => path.basename(baselinePath(name))));
for (const file of fs.readdirSync(dir)) {
  if (file.endsWith('.template.json') && !wanted.has(file)) {
    fs.unlinkSync(path.join(dir, file));
    console.log(`removed ${file} (no such stack any more)`);
  }
}
for (const [name, template] of Object.entries(templates)) {
  const file = baselinePath(name);
  const text = `${JSON.stringify(template, null, 1)}\n`;
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  fs.writeFileSync(file, text);
  console.log(`${before === text ? 'unchanged' : before === undefined ? 'created  ' : 'updated  '} ${path.relative(process.cwd(), file)}`);
}
