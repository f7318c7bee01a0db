import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { EnvConfig, RegistryConfig } from '../../lib/config/types';
import { ConfigError, validateEnvConfig, validateRegistryConfig } from '../../lib/config/validate';

/** The shipped registry with `settings` (or another top-level field) replaced. */
const registryWith = (patch: Record<string, unknown>): RegistryConfig => ({ ...REGISTRY, ...patch }) as RegistryConfig;
const settingsWith = (patch: Record<string, unknown>) => registryWith({ settings: { ...REGISTRY.settings, ...patch } });
const signingWith = (patch: Record<string, unknown>) => settingsWith({ signing: { ...REGISTRY.settings.signing, ...patch } });
const envWith = (env: EnvConfig, promotion: Record<string, unknown>): EnvConfig => ({ ...env, promotion: { ...env.promotion, ...promotion } as EnvConfig['promotion'] });

describe('registry.settings', () => {
  test('the shipped settings own scanning and signing: BASIC scan on push, signed with better_call_buffet', () => {
    expect(validateRegistryConfig(REGISTRY).settings).toEqual({
      manage: true,
      scanType: 'BASIC',
      signing: { profileName: 'better_call_buffet', signatureValidityMonths: 135 },
    });
  });

  test.each<[string, RegistryConfig, RegExp]>([
    ['a missing block', registryWith({ settings: undefined }), /^registry\.settings is missing or not an object: add \{ manage: true, scanType: 'BASIC'/],
    ['manage as a string', settingsWith({ manage: 'yes' }), /^registry\.settings\.manage must be true .* or false .*got "yes"/],
    ['an unknown scan type', settingsWith({ scanType: 'INSPECTOR' }), /^registry\.settings\.scanType "INSPECTOR" is not a scan type; use 'BASIC' .* or 'ENHANCED'/],
    ['no signing block', settingsWith({ signing: null }), /^registry\.settings\.signing must be an object like \{ profileName: .*got null/],
    ['a profile name with a dash (Signer allows letters, digits and _)', signingWith({ profileName: 'better-call-buffet' }), /^registry\.settings\.signing\.profileName "better-call-buffet" is not a Signer profile name: 2-64 letters, digits and _/],
    ['a one-character profile name', signingWith({ profileName: 'b' }), /profileName "b" is not a Signer profile name/],
    ['a validity above Signer\'s 135 months', signingWith({ signatureValidityMonths: 136 }), /^registry\.settings\.signing\.signatureValidityMonths must be a whole number of months from 1 to 135 .*got 136/],
    ['a fractional validity', signingWith({ signatureValidityMonths: 1.5 }), /signatureValidityMonths must be a whole number .*got 1\.5/],
    ['the removed alarms.scanType', registryWith({ alarms: { ...REGISTRY.alarms, scanType: 'BASIC' } }), /^registry\.alarms\.scanType "BASIC" was removed: set registry\.settings\.scanType instead/],
  ])('refuses %s, naming the field and the fix', (_name, config, message) => {
    expect(() => validateRegistryConfig(config)).toThrow(ConfigError);
    expect(() => validateRegistryConfig(config)).toThrow(message);
  });

  test('manage: false (settings owned elsewhere) is valid and keeps the signing profile to check against', () => {
    expect(validateRegistryConfig(settingsWith({ manage: false })).settings.signing.profileName).toBe('better_call_buffet');
  });
});

describe('promotion.requireSignature', () => {
  test('defaults to required: no shipped environment opts out', () => {
    for (const env of Object.values(ENVIRONMENTS)) expect(env.promotion.requireSignature ?? true).toBe(true);
  });

  test('dev and staging may opt out explicitly', () => {
    expect(() => validateEnvConfig(envWith(ENVIRONMENTS.dev, { requireSignature: false }), REGISTRY)).not.toThrow();
    expect(() => validateEnvConfig(envWith(ENVIRONMENTS.staging, { requireSignature: false }), REGISTRY)).not.toThrow();
  });

  test('prod cannot opt out', () => {
    const bad = () => validateEnvConfig(envWith(ENVIRONMENTS.prod, { requireSignature: false }), REGISTRY);
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/^prod\.promotion\.requireSignature is false, but prod never runs an unsigned image: remove the setting \(only dev and staging may opt out\)$/);
  });

  test('a non-boolean is refused', () => {
    expect(() => validateEnvConfig(envWith(ENVIRONMENTS.dev, { requireSignature: 'no' }), REGISTRY)).toThrow(/^dev\.promotion\.requireSignature must be true or false .*got "no"/);
  });
});
