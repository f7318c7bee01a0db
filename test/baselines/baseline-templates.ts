import * as path from 'path';
import { buildTestApp } from '../helpers/app';

/** Where the committed baseline template of a stack lives. */
export function baselinePath(stackName: string): string {
  return path.join(__dirname, `${stackName}.template.json`);
}

/**
 * Synthesizes every stack of every environment in-process, exactly as `cdk synth` would (cdk.json's
 * context, cdk-nag on), with the built-in WASM validation skipped by the caller's environment if desired.
 */
export function synthesizeBaselineTemplates(context: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
  const assembly = buildTestApp(context).app.synth();
  const out: Record<string, Record<string, unknown>> = {};
  for (const stack of [...assembly.stacks].sort((a, b) => a.stackName.localeCompare(b.stackName))) {
    out[stack.stackName] = stack.template as Record<string, unknown>;
  }
  return out;
}
