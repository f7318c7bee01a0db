import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RegistrySettings, RegistrySettingsProps } from '../../lib/constructs/registry-settings';

function build(props: Partial<RegistrySettingsProps> = {}): Template {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'us-east-1' } });
  new RegistrySettings(stack, 'Settings', { repositoryNames: ['better-call-buffet'], signingProfileName: 'better_call_buffet', ...props });
  return Template.fromStack(stack);
}

describe('registry scanning configuration', () => {
  test('BASIC (the default): scan on push, filtered to the repository', () => {
    // GIVEN / WHEN
    const template = build();
    // THEN
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 1);
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', Match.objectEquals({
      ScanType: 'BASIC',
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: 'better-call-buffet', FilterType: 'WILDCARD' }] }],
    }));
  });

  test('ENHANCED: one continuous-scanning rule (ECR enforces the continuous filter over a scan-on-push one)', () => {
    const template = build({ scanType: 'ENHANCED' });
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', Match.objectEquals({
      ScanType: 'ENHANCED',
      Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: 'better-call-buffet', FilterType: 'WILDCARD' }] }],
    }));
  });
});

describe('managed signing', () => {
  test('a Signer profile for container images (Notation OCI), 135-month signatures by default', () => {
    const template = build();
    template.hasResourceProperties('AWS::Signer::SigningProfile', Match.objectEquals({
      PlatformId: 'Notation-OCI-SHA384-ECDSA',
      ProfileName: 'better_call_buffet',
      SignatureValidityPeriod: { Type: 'MONTHS', Value: 135 },
    }));
  });

  test('the signing configuration signs pushes to the repository with that profile (its unversioned ARN)', () => {
    const template = build();
    const [profileId] = Object.keys(template.findResources('AWS::Signer::SigningProfile'));
    template.hasResourceProperties('AWS::ECR::SigningConfiguration', Match.objectEquals({
      Rules: [{
        SigningProfileArn: { 'Fn::GetAtt': [profileId, 'Arn'] },
        RepositoryFilters: [{ Filter: 'better-call-buffet', FilterType: 'WILDCARD_MATCH' }],
      }],
    }));
  });

  test('a shorter signature validity is passed through', () => {
    build({ signatureValidityMonths: 12 }).hasResourceProperties('AWS::Signer::SigningProfile', { SignatureValidityPeriod: { Type: 'MONTHS', Value: 12 } });
  });
});

test('all three resources are retained on delete and on replacement: deleting the stack never turns scanning or signing off', () => {
  const template = build();
  for (const type of ['AWS::ECR::RegistryScanningConfiguration', 'AWS::Signer::SigningProfile', 'AWS::ECR::SigningConfiguration']) {
    template.hasResource(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  }
});

test('several repositories get one filter each, in both configurations', () => {
  const template = build({ repositoryNames: ['better-call-buffet', 'team/other'] });
  const filters = (type: string) => JSON.stringify(Object.values(template.findResources(type))[0].Properties.Rules[0].RepositoryFilters.map((f: { Filter: string }) => f.Filter));
  expect(filters('AWS::ECR::RegistryScanningConfiguration')).toBe('["better-call-buffet","team/other"]');
  expect(filters('AWS::ECR::SigningConfiguration')).toBe('["better-call-buffet","team/other"]');
});

describe('refuses, naming the value', () => {
  test.each<[string, Partial<RegistrySettingsProps>, RegExp]>([
    ['no repository', { repositoryNames: [] }, /repositoryNames must list 1-100 repositories .*got 0/],
    ['a repository twice', { repositoryNames: ['a1', 'a1'] }, /lists a repository twice/],
    ['an upper-case repository name', { repositoryNames: ['Better'] }, /repository name "Better" is not a valid scanning and signing filter/],
    ['an unknown scan type', { scanType: 'FULL' as never }, /scanType must be 'BASIC' or 'ENHANCED', got "FULL"/],
    ['a profile name with a dash', { signingProfileName: 'better-call' }, /signingProfileName "better-call" must be 2-64 letters, digits and _/],
    ['a validity of 0 months', { signatureValidityMonths: 0 }, /signatureValidityMonths must be a whole number from 1 to 135, got 0/],
  ])('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
