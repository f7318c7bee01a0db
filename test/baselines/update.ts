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
import { helpOrRefuseArgs } from '../../lib/cli/plain-args';

export const BASELINES_USAGE = `Usage: npm run baselines:update

Rewrites test/baselines/<StackName>.template.json from the current code (every environment, cdk-nag on)
and deletes baselines of stacks that no longer exist. Prints one line per file. Takes no flags.
Commit the result only when the template change is intended and safe (docs/quality-gates.md,
"Replacement guard").

Exit codes: 0 written, 1 synthesis failed, 2 bad arguments.
`;

async function update(): Promise<void> {
  // Loaded only now, so --help answers at once instead of after loading the CDK.
  const { baselinePath, synthesizeBaselineTemplates } = await import('./baseline-templates');
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
}

const exit = helpOrRefuseArgs('baselines:update', process.argv.slice(2), BASELINES_USAGE);
if (exit !== undefined) process.exitCode = exit;
else {
  update().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
