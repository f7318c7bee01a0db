import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { AppStacks, buildApp, BuildAppOptions } from '../../lib/app';
import { loadConfig, LoadedConfig } from '../../lib/config/load';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The feature flags `cdk synth` passes from cdk.json, so in-process templates equal the CLI's. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface TestApp {
  readonly app: App;
  readonly stacks: AppStacks;
}

/**
 * Builds the real app in-process, exactly as bin/ does, with cdk.json's context plus `context`.
 * `config` replaces the configuration loaded from context (for construct-level variations).
 *
 * A fresh app on every call: only for a test that changes the app or needs an independent second build. A test
 * that only reads the app uses `synthesized()` (test/helpers/synth.ts), built and synthesized once per jest test file (per suite for the specs).
 */
export function buildTestApp(context: Record<string, unknown> = {}, options: BuildAppOptions & { config?: LoadedConfig; outdir?: string } = {}): TestApp {
  // The CLI also sets path and asset metadata on; versionReporting is off in cdk.json.
  const fullContext = { ...cdkJsonContext(), 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true, ...context };
  const app = new App({ context: fullContext, outdir: options.outdir, analyticsReporting: false });
  const config = options.config ?? loadConfig({ getContext: (k) => app.node.tryGetContext(k) });
  const stacks = buildApp(app, config, options);
  return { app, stacks };
}
