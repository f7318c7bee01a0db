import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1, PolicyViolationBeta1, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { IConstruct } from 'constructs';
import { defaultGuardCacheDir, guardCacheMode, GuardMemo } from './guard-memo';

/**
 * AWS Control Tower proactive controls, run at synth as a CDK validation plugin (see docs/governance.md).
 *
 * Control Tower enforces these rules as CloudFormation hooks: a template that fails one is refused at deploy
 * time (https://docs.aws.amazon.com/controltower/latest/userguide/proactive-controls.html). The same rules
 * ship for cfn-guard in @cdklabs/cdk-validator-cfnguard; this module runs them through that package's
 * CfnGuardValidator and adds what the project needs on top:
 * - violations are named by their Control Tower ID (`ControlTower::CT.KMS.PR.3`), not cfn-guard's internal
 *   rule name, so an acknowledgement reads like the control it excuses;
 * - only rules that can apply run: a rule whose resource types appear nowhere in a template is not run on it
 *   (it would report SKIP), which is most of the 237 rules and most of the time (docs/governance.md);
 * - `acknowledgeGuardRule` excuses one rule on one resource, with a mandatory reason.
 */

/** The plugin name, hence the prefix of every acknowledgement ID (`ControlTower::CT.ECR.PR.3`). */
export const CONTROL_TOWER_PLUGIN_NAME = 'ControlTower';

/**
 * Rules prod may acknowledge: only those that demand an architecture this stack does not have. Everything
 * else must be fixed in prod (test/governance/control-tower.spec.ts enforces it).
 */
export const PROD_ALLOWED_EXCEPTIONS: Readonly<Record<string, string>> = {
  'CT.LAMBDA.PR.3': 'a function inside a customer-managed VPC',
  'CT.S3.PR.2': 'server access logging on a bucket',
  'CT.S3.PR.4': 'event notifications on a bucket',
  'CT.S3.PR.9': 'S3 Object Lock on a bucket',
};

/** The shortest reason accepted: a few words on why, not "n/a". */
export const MIN_REASON_LENGTH = 20;

/** One bundled Control Tower rule file. */
export interface ControlTowerRule {
  /** `CT.KMS.PR.3`. */
  readonly id: string;
  /** cfn-guard's name of the rule inside the file, e.g. `kms_create_grant_aws_service_check`. */
  readonly guardRuleName: string;
  /** Absolute path of the `.guard` file. */
  readonly file: string;
  /** Every CloudFormation resource type the file mentions; empty means "always run it". */
  readonly resourceTypes: readonly string[];
}

let ruleIndex: ReadonlyMap<string, ControlTowerRule> | undefined;

function rulesDirectory(): string {
  const pkg = require.resolve('@cdklabs/cdk-validator-cfnguard/package.json');
  return path.join(path.dirname(pkg), 'rules', 'control-tower', 'cfn-guard');
}

/** Every Control Tower rule bundled with @cdklabs/cdk-validator-cfnguard, by ID (read once per process). */
export function controlTowerRules(): ReadonlyMap<string, ControlTowerRule> {
  if (ruleIndex) return ruleIndex;
  const dir = rulesDirectory();
  const index = new Map<string, ControlTowerRule>();
  for (const service of fs.readdirSync(dir).sort()) {
    for (const name of fs.readdirSync(path.join(dir, service)).sort()) {
      if (!name.endsWith('.guard')) continue;
      const file = path.join(dir, service, name);
      const text = fs.readFileSync(file, 'utf8');
      const id = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(text)?.[1];
      const guardRuleName = /^rule\s+([A-Za-z0-9_]+)\s+when\s+is_cfn_template/m.exec(text)?.[1];
      if (!id || !guardRuleName) throw new Error(`cannot read the Control Tower ID or rule name of ${file}: has @cdklabs/cdk-validator-cfnguard changed its rule format?`);
      const resourceTypes = [...new Set(text.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [])].sort();
      index.set(id, { id, guardRuleName, file, resourceTypes });
    }
  }
  ruleIndex = index;
  return index;
}

/** Props for {@link ControlTowerChecks}. */
export interface ControlTowerChecksProps {
  /**
   * Run every bundled rule, even those whose resource types appear in no template (they report SKIP).
   * Only useful to measure or to double-check the selection; it costs ~5-10 s per synth.
   * @default false
   */
  readonly allRules?: boolean;
  /**
   * Where cfn-guard's answers are remembered (lib/governance/guard-memo.ts).
   * `false`: cfn-guard judges every template.
   * @default node_modules/.cache/control-tower-results, or `false` with CONTROL_TOWER_CACHE=off
   */
  readonly cacheDir?: string | false;
  /**
   * Judge every template with cfn-guard, whatever is remembered, and remember the answers.
   * @default true with CONTROL_TOWER_CACHE=refresh
   */
  readonly refresh?: boolean;
}

/** The cfn-guard binary CfnGuardValidator runs (its private field in 0.0.62; checked, so an upgrade that moves it fails loudly). */
function guardBinary(): string {
  const binary = (new CfnGuardValidator({ controlTowerRulesEnabled: false }) as unknown as { guard?: unknown }).guard;
  if (typeof binary !== 'string' || !fs.existsSync(binary)) {
    throw new Error(`cannot find the cfn-guard binary of @cdklabs/cdk-validator-cfnguard (got ${JSON.stringify(binary)}): has the package changed? Update guardBinary in lib/governance/control-tower.ts`);
  }
  return binary;
}

/**
 * The Control Tower proactive controls as a validation plugin: CDK calls it once with every template; each template
 * is judged by the rules that can apply to it, by cfn-guard, or by cfn-guard's remembered answer for the same bytes.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  readonly name = CONTROL_TOWER_PLUGIN_NAME;
  readonly version: string;
  readonly ruleIds: string[];

  constructor(private readonly props: ControlTowerChecksProps = {}) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.version = (require('@cdklabs/cdk-validator-cfnguard/package.json') as { version: string }).version;
    this.ruleIds = [...controlTowerRules().keys()];
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const mode = guardCacheMode();
    const cacheDir = this.props.cacheDir ?? (mode === 'off' ? false : defaultGuardCacheDir());
    const refresh = this.props.refresh ?? mode === 'refresh';
    const memo = cacheDir === false ? undefined : new GuardMemo<PolicyViolationBeta1>(cacheDir, { guardBinary: guardBinary(), pluginVersion: this.version });
    // Each template by the rules that can apply to it; what cfn-guard already judged is remembered
    // (lib/governance/guard-memo.ts), everything else goes to one cfn-guard run.
    const templates = context.templatePaths.map((templatePath) => {
      const bytes = fs.readFileSync(templatePath);
      const rules = this.rulesFor(bytes);
      if (rules.length === 0) return { templatePath, rules, remembered: [] };
      const entry = memo?.entryFile(bytes, rules);
      return { templatePath, rules, entry, remembered: memo && entry && !refresh ? memo.read(entry, templatePath) : undefined };
    });
    const toJudge = templates.filter((t) => t.remembered === undefined);
    const judged = new Map<string, PolicyViolationBeta1[]>(toJudge.map((t) => [t.templatePath, []]));
    if (toJudge.length > 0) {
      // cfn-guard judges each template on its own: a rule that applies to none of a template's resources
      // reports nothing there, so one run with the union of the rules answers each template as its own would.
      const union = [...new Set(toJudge.flatMap((t) => t.rules))];
      const guard = new CfnGuardValidator({
        controlTowerRulesEnabled: false,
        rules: union,
        // Node's 1 MB default is too small for cfn-guard's JSON once several templates fail.
        maxBuffer: 64 * 1024 * 1024,
      });
      const report = guard.validate({ ...context, templatePaths: toJudge.map((t) => t.templatePath) });
      const unplaced: PolicyViolationBeta1[] = [];
      for (const v of report.violations) (judged.get(v.violatingResources[0]?.templatePath ?? '') ?? unplaced).push(v);
      // Every violation CfnGuardValidator makes names its template; if one ever does not, keep it and remember nothing.
      if (unplaced.length > 0) return this.report([...report.violations]);
      for (const t of toJudge) if (t.entry) memo?.write(t.entry, t.templatePath, judged.get(t.templatePath)!);
    }
    return this.report(templates.flatMap((t) => t.remembered ?? judged.get(t.templatePath)!));
  }

  /** The rule files that can apply to a template: those naming one of its resource types, or none at all. */
  private rulesFor(templateBytes: Buffer): string[] {
    const present = new Set<string>();
    const template = JSON.parse(templateBytes.toString('utf8')) as { Resources?: Record<string, { Type?: string }> };
    for (const r of Object.values(template.Resources ?? {})) if (r.Type) present.add(r.Type);
    return [...controlTowerRules().values()]
      .filter((r) => this.props.allRules || r.resourceTypes.length === 0 || r.resourceTypes.some((t) => present.has(t)))
      .map((r) => r.file);
  }

  private report(found: PolicyViolationBeta1[]): PolicyValidationPluginReportBeta1 {
    const violations = found.map((v) => {
      const id = /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(v.description)?.[1];
      // cfn-guard reports some failed `some Statement[*]` checks a second time without a resource; that entry
      // duplicates the located one and, having no construct path, could never be acknowledged. Drop it
      // only when the violation also names real resources, so no finding is ever lost.
      const located = v.violatingResources.filter((r) => r.resourceLogicalId);
      // Severity explicit: CDK re-derives a report's success from its violations' severities once anything in
      // the app is acknowledged, and a violation without one (cfnguard sets none) would then not fail the synth.
      return { ...v, severity: 'error', ruleName: id ?? v.ruleName, violatingResources: located.length > 0 ? located : v.violatingResources };
    });
    return { success: violations.length === 0, violations };
  }
}

/**
 * Acknowledges Control Tower rule `ruleId` (e.g. `CT.S3.PR.9`) on `resource` and everything under it, with
 * `reason`. The reason travels with the acknowledgement (CDK records it in the construct metadata
 * `aws:cdk:acknowledged-rules` and prints it in the validation report), so it sits in code next to the
 * resource it excuses. One line per acknowledgement:
 *
 *   acknowledgeGuardRule(trailBucket, 'CT.S3.PR.9', 'CloudTrail log files are integrity-checked by digest files; Object Lock would block the lifecycle expiry');
 *
 * Throws on an unknown rule ID, a reason shorter than {@link MIN_REASON_LENGTH}, or a rule that does not
 * evaluate the resource's type (an acknowledgement that could never match anything).
 *
 * This acknowledges the synth-time check only: where an organization enforces the control as a Control
 * Tower hook, CloudFormation still refuses the resource. cfn-guard's own `Metadata.guard.SuppressedRules`
 * convention does nothing here: the Control Tower rules do not read it (checked with cfn-guard 3.1.1).
 */
export function acknowledgeGuardRule(resource: IConstruct, ruleId: string, reason: string): void {
  const rule = controlTowerRules().get(ruleId);
  if (!rule) {
    throw new Error(`acknowledgeGuardRule: unknown Control Tower rule ${JSON.stringify(ruleId)} on ${resource.node.path}; use an ID like CT.S3.PR.9 (see the validation report or docs/governance.md)`);
  }
  if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(`acknowledgeGuardRule: ${ruleId} on ${resource.node.path} needs a reason of at least ${MIN_REASON_LENGTH} characters saying why the control does not fit, got ${JSON.stringify(reason)}`);
  }
  const cfn = resource instanceof CfnResource ? resource : resource.node.defaultChild instanceof CfnResource ? resource.node.defaultChild : undefined;
  if (cfn && rule.resourceTypes.length > 0 && !rule.resourceTypes.includes(cfn.cfnResourceType)) {
    throw new Error(`acknowledgeGuardRule: ${ruleId} evaluates ${rule.resourceTypes.join(', ')}, not ${cfn.cfnResourceType} (${resource.node.path}); acknowledge it on the resource it reports`);
  }
  Validations.of(resource).acknowledge({ id: `${CONTROL_TOWER_PLUGIN_NAME}::${ruleId}`, reason });
}

/** One acknowledgement found in a construct tree. */
export interface GuardAcknowledgement {
  /** Construct path the acknowledgement covers (it and everything below). */
  readonly path: string;
  /** `CT.S3.PR.9`. */
  readonly ruleId: string;
  readonly reason: string;
}

/**
 * Every Control Tower acknowledgement under `root`, however it was made (the helper or a direct
 * `Validations.acknowledge`), read from the metadata CDK records.
 */
export function guardAcknowledgements(root: IConstruct): GuardAcknowledgement[] {
  const prefix = `${CONTROL_TOWER_PLUGIN_NAME}::`;
  const out: GuardAcknowledgement[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (id.startsWith(prefix)) out.push({ path: c.node.path, ruleId: id.slice(prefix.length), reason: String(reason ?? '') });
      }
    }
  }
  return out;
}
