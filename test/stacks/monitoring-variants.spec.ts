import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { LoadedConfig } from '../../lib/config/load';
import { AlarmsConfig, RegistrySettingsConfig } from '../../lib/config/types';
import { validateEnvConfig, validateRegistryConfig } from '../../lib/config/validate';
import { synthesized } from '../helpers/synth';

/**
 * The monitoring settings an environment can choose (scan type, where CloudTrail events come from, steady
 * pulls) through the real app with cdk-nag on: `app.synth()` throws on any unacknowledged AwsSolutions error.
 * The shipped configuration itself is synthesized the same way by test/app.spec.ts.
 */
const variant = (alarms: Partial<AlarmsConfig>, scanType: RegistrySettingsConfig['scanType']): LoadedConfig => {
  const registry = validateRegistryConfig({ ...REGISTRY, alarms: { ...REGISTRY.alarms, ...alarms }, settings: { ...REGISTRY.settings, scanType } });
  const environments = Object.values(ENVIRONMENTS).map((c) => validateEnvConfig(c, registry));
  return { registry, environments, selected: environments };
};

describe.each<[string, Partial<AlarmsConfig>, RegistrySettingsConfig['scanType']]>([
  ['enhanced scanning and an existing trail', { cloudTrail: 'existing-trail' }, 'ENHANCED'],
  ['a created trail in every environment, steady pulls everywhere', { cloudTrail: 'create-trail', trailLogRetentionDays: 30, expectSteadyPulls: true }, 'BASIC'],
  ['no CloudTrail anywhere', { cloudTrail: 'none' }, 'BASIC'],
])('with %s', (_name, alarms, scanType) => {
  test('every stack synthesizes with cdk-nag on', () => {
    // GIVEN
    const app = synthesized({}, { config: variant(alarms, scanType) });
    // WHEN / THEN
    expect(() => app.assembly).not.toThrow();
    {
      const template = app.template(app.stacks.registry.stackName);
      template.resourceCountIs('AWS::CloudTrail::Trail', alarms.cloudTrail === 'create-trail' ? 1 : 0);
      const states = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.State);
      expect(states.includes('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')).toBe(alarms.cloudTrail !== 'none');
      // registry.settings.scanType drives the scan alarms: Amazon Inspector events with ENHANCED, ECR's with BASIC.
      const sources = Object.values(template.findResources('AWS::Events::Rule', { Properties: { Name: 'better-call-buffet-registry-scan-findings' } }))
        .map((r) => r.Properties.EventPattern.source[0]);
      expect(sources).toEqual([scanType === 'ENHANCED' ? 'aws.inspector2' : 'aws.ecr']);
    }
  });
});
