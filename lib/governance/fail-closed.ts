import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';

/**
 * A validation plugin that fails closed: what `plugin` reports, or, if it throws, one `fatal` finding
 * `<name>ChecksDidNotRun` with the reason, which no acknowledgement can suppress, so the synth fails and says why.
 * lib/app.ts registers cdk-nag and the Control Tower checks in it.
 *
 * Needed because through the CDK CLI (aws-cdk-lib 2.276, CLI 2.1148) a plugin that throws becomes a failed report
 * without violations, which prints nothing and fails nothing: the synth would pass with no check at all
 * (docs/governance.md).
 */
export class FailClosed implements IPolicyValidationPlugin {
  constructor(
    private readonly plugin: IPolicyValidationPlugin,
    /** What the finding calls the checks, e.g. "The Control Tower checks". */
    private readonly checks: string,
  ) {}

  get name(): string {
    return this.plugin.name;
  }

  get version(): string | undefined {
    return this.plugin.version;
  }

  get ruleIds(): string[] | undefined {
    return this.plugin.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    try {
      return this.plugin.validate(context);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        success: false,
        violations: [{
          ruleName: `${this.plugin.name}ChecksDidNotRun`,
          description: `${this.checks} could not run, so no template was judged: ${reason}`,
          fix: 'Fix the cause above and synthesize again; the checks never pass by default.',
          severity: 'fatal',
          // CDK prints a violation once per resource it names, and not at all without one: name the first template.
          violatingResources: context.templatePaths.slice(0, 1).map((templatePath) => ({ templatePath, resourceLogicalId: '', locations: [] })),
        }],
      };
    }
  }
}
