import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AppStacks, BuildAppOptions } from '../../lib/app';
import { LoadedConfig } from '../../lib/config/load';
import { buildTestApp, TestApp } from './app';
import { stableJson } from './memo';

/**
 * The shared, memoized synth of the unit suite: **use `synthesized(context, options)` whenever a test only
 * reads the app** (templates, stacks, the validation plugins' reports). Each distinct configuration is built
 * and synthesized once per jest test file and shared by every test in it: the memo below lives as long as the
 * file's module registry. The CDK specs share one per suite (test/helpers/specs.ts), so each configuration is
 * synthesized once per suite, whichever specs read it. A synth of the whole app with cdk-nag and
 * the Control Tower checks costs seconds; the same configuration twice costs nothing the second time.
 *
 *   const app = synthesized();                                  // the whole app, both plugins, as `cdk synth`
 *   const prod = synthesized({ env: 'prod' }, { nag: false });  // -c env=prod, cdk-nag off
 *   prod.template('BetterCallBuffet-prod-Service').hasResourceProperties(...);
 *   app.pluginReport('ControlTower').conclusion;                // from CDK's validation-report.json
 *
 * The key is the configuration (the context and every option, `config` included), compared by value, so
 * the same configuration written twice is one entry. Nothing is synthesized until a test reads `assembly`,
 * `templates`, `template()` or `pluginReport()`: a test that only looks at the constructs (`stacks`) pays for
 * building them, not for the synth and the plugins.
 *
 * Never change a shared app (add a construct, an aspect, an acknowledgement): every other test sees the
 * change, and CDK refuses to synthesize a tree changed after its synth. A test that needs a changed or a
 * second, independent app (determinism) builds its own with `buildTestApp` (test/helpers/app.ts).
 *
 * The Control Tower checks' cfn-guard answers are remembered by the exact bytes of their rules and templates,
 * across test files and runs, as in every synth (lib/governance/guard-memo.ts).
 */
export interface SynthOptions extends BuildAppOptions {
  /** Replaces the configuration loaded from context (for construct-level variations). */
  readonly config?: LoadedConfig;
}

/** One validation plugin's part of CDK's validation-report.json. */
export interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: unknown[];
  readonly suppressedViolations?: ReadonlyArray<{ readonly ruleName: string; readonly reason: string; readonly acknowledgedAt: string }>;
}

export interface Synthesized {
  readonly app: App;
  readonly stacks: AppStacks;
  /** The cloud assembly; synthesizes on first use and throws what `app.synth()` threw, every time. */
  readonly assembly: CloudAssembly;
  /** Every stack's template by stack name, in stack-name order. */
  readonly templates: Readonly<Record<string, Record<string, unknown>>>;
  /** `Template` of one stack, by stack name, for `hasResourceProperties` and friends. */
  template(stackName: string): Template;
  /**
   * The report of one validation plugin (`AwsSolutions`, `ControlTower`) from CDK's validation-report.json.
   * CDK leaves a plugin out when it found nothing at all (no violation, nothing suppressed): that reads as a
   * success with no violations.
   */
  pluginReport(pluginName: string): PluginReport;
}

const memo = new Map<string, Synthesized>();

/** The app built with `context` (over cdk.json's) and `options`, synthesized on demand, once per jest test file (per suite for the specs). */
export function synthesized(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  // Every option is part of the key (a new BuildAppOptions field too); the plugins' defaults are spelled out.
  const key = stableJson({ context, options: { ...options, nag: options.nag ?? true, guard: options.guard ?? true } });
  let entry = memo.get(key);
  if (!entry) {
    entry = synthesizeTestApp(buildTestApp(context, options));
    memo.set(key, entry);
  }
  return entry;
}

/**
 * The same lazy view of an app a test built itself with `buildTestApp` and may have changed first (not
 * memoized: one per call). For the validation report of such an app, e.g. after adding an acknowledgement.
 */
export function synthesizeTestApp({ app, stacks }: TestApp): Synthesized {
  let result: { assembly: CloudAssembly } | { error: unknown } | undefined;
  let templates: Record<string, Record<string, unknown>> | undefined;
  let report: { pluginReports: PluginReport[] } | null | undefined;
  const byStack = new Map<string, Template>();
  const assembly = (): CloudAssembly => {
    if (!result) {
      try {
        result = { assembly: app.synth() };
      } catch (error) {
        result = { error };
      }
    }
    if ('error' in result) throw result.error;
    return result.assembly;
  };
  return {
    app,
    stacks,
    get assembly() {
      return assembly();
    },
    get templates() {
      if (!templates) {
        const sorted = [...assembly().stacks].sort((a, b) => a.stackName.localeCompare(b.stackName));
        templates = Object.fromEntries(sorted.map((s) => [s.stackName, s.template as Record<string, unknown>]));
      }
      return templates;
    },
    template(stackName: string): Template {
      let t = byStack.get(stackName);
      if (!t) {
        const all = [stacks.registry, stacks.settings, stacks.replica, ...stacks.services].filter((s) => s !== undefined);
        const stack = all.find((s) => s.stackName === stackName);
        if (!stack) throw new Error(`no stack ${stackName} in this app; it has ${all.map((s) => s.stackName).join(', ')}`);
        assembly();
        t = Template.fromStack(stack);
        byStack.set(stackName, t);
      }
      return t;
    },
    pluginReport(pluginName: string): PluginReport {
      if (report === undefined) {
        const file = path.join(assembly().directory, 'validation-report.json');
        report = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { pluginReports: PluginReport[] }) : null;
      }
      return report?.pluginReports.find((r) => r.pluginName === pluginName) ?? { pluginName, conclusion: 'success', violations: [] };
    },
  };
}
