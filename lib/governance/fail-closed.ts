import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/**
 * The report of a validation plugin that could not run: one `fatal` finding, which no acknowledgement can suppress,
 * so the synth fails and says why. A plugin must return this rather than throw: CDK (aws-cdk-lib 2.276,
 * core/lib/private/synthesis-validation.js) turns a plugin that throws into a failed report without violations, and
 * such a report prints nothing and fails nothing, so the synth would pass with no check at all (docs/governance.md).
 */
export function checksDidNotRun(ruleName: string, checks: string, error: unknown, templatePaths: readonly string[]): PolicyValidationPluginReportBeta1 {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    success: false,
    violations: [{
      ruleName,
      description: `${checks} could not run, so no template was judged: ${reason}`,
      fix: 'Fix the cause above and synthesize again; the checks never pass by default.',
      severity: 'fatal',
      // CDK prints a violation once per resource it names, and not at all without one: name the first template.
      violatingResources: templatePaths.slice(0, 1).map((templatePath) => ({ templatePath, resourceLogicalId: '', locations: [] })),
    }],
  };
}

/**
 * A validation plugin that fails closed: what `plugin` reports, or, if it throws, the fatal finding of
 * {@link checksDidNotRun} (rule `<name>ChecksDidNotRun`). For plugins this project does not own (cdk-nag).
 */
export class FailClosed implements IPolicyValidationPlugin {
  constructor(
    private readonly plugin: IPolicyValidationPlugin,
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
      return checksDidNotRun(`${this.plugin.name}ChecksDidNotRun`, this.checks, error, context.templatePaths);
    }
  }
}
