import * as path from 'path';
import { synthesized } from '../helpers/synth';

/** Where the committed baseline template of a stack lives. */
export function baselinePath(stackName: string): string {
  return path.join(__dirname, `${stackName}.template.json`);
}

/**
 * Every stack of every environment synthesized in-process, exactly as `cdk synth` would (cdk.json's
 * context, cdk-nag and the Control Tower checks on), by stack name in name order, with the built-in WASM
 * validation skipped by the caller's environment if desired. The shared synth of test/helpers/synth.ts.
 */
export function synthesizeBaselineTemplates(context: Record<string, unknown> = {}): Readonly<Record<string, Record<string, unknown>>> {
  return synthesized(context).templates;
}
