import { MAX_SIGNATURE_VALIDITY_MONTHS, REGISTRY_SCAN_TYPES, SIGNING_PROFILE_NAME_RE } from '../aws/signing';
import { EnvConfig, RegistryConfig } from './types';

/**
 * Checks of `registry.settings` (scanning and signing, docs/registry.md) and of each environment's
 * `promotion.requireSignature`. They push one sentence per problem (field, value, fix) onto `p`; validate.ts
 * calls them and throws the ConfigError.
 */

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SETTINGS_EXAMPLE = "{ manage: true, scanType: 'BASIC', signing: { profileName: 'better_call_buffet', signatureValidityMonths: 135 } }";

/**
 * Problems with the settings block's shape that deserve a better sentence than the generic field check
 * (validate.ts runs this first): the removed `registry.alarms.scanType` names its replacement, and a missing
 * settings or signing block shows what to write.
 */
export function settingsShapeProblems(c: RegistryConfig): string[] {
  const p: string[] = [];
  if (isObject(c.alarms) && 'scanType' in c.alarms) {
    p.push(`registry.alarms.scanType ${show((c.alarms as Record<string, unknown>).scanType)} was removed: set registry.settings.scanType instead (one setting drives the registry scanning configuration and the scan alarms)`);
  }
  const s = c.settings as unknown;
  if (!isObject(s)) {
    p.push(`registry.settings is missing or not an object: add ${SETTINGS_EXAMPLE} (see docs/registry.md, "Registry settings")`);
  } else if (!isObject(s.signing)) {
    p.push(`registry.settings.signing must be an object like { profileName: 'better_call_buffet', signatureValidityMonths: 135 }, got ${show(s.signing)}`);
  }
  return p;
}

/**
 * `registry.settings`, plus the removed `registry.alarms.scanType` (its replacement is named). The repository
 * name needs no check as a filter: every valid ECR repository name is also a valid scanning and signing filter.
 */
export function validateRegistrySettings(c: RegistryConfig, p: string[]): void {
  const at = (field: string) => `registry.settings${field ? `.${field}` : ''}`;
  if (isObject(c.alarms) && 'scanType' in c.alarms) {
    p.push(`registry.alarms.scanType ${show((c.alarms as Record<string, unknown>).scanType)} was removed: set registry.settings.scanType instead (one setting drives the registry scanning configuration and the scan alarms)`);
  }
  const s = c.settings as unknown;
  if (!isObject(s)) {
    p.push(`${at('')} is missing or not an object: add ${SETTINGS_EXAMPLE} (see docs/registry.md, "Registry settings")`);
    return;
  }
  if (typeof s.manage !== 'boolean') {
    p.push(`${at('manage')} must be true (this app owns the account's scanning and signing configuration) or false (managed elsewhere, only checked), got ${show(s.manage)}`);
  }
  if (!(REGISTRY_SCAN_TYPES as readonly unknown[]).includes(s.scanType)) {
    p.push(`${at('scanType')} ${show(s.scanType)} is not a scan type; use 'BASIC' (ECR scan on push) or 'ENHANCED' (Amazon Inspector, continuous)`);
  }
  const signing = s.signing;
  if (!isObject(signing)) {
    p.push(`${at('signing')} must be an object like { profileName: 'better_call_buffet', signatureValidityMonths: 135 }, got ${show(signing)}`);
  } else {
    if (typeof signing.profileName !== 'string' || !SIGNING_PROFILE_NAME_RE.test(signing.profileName)) {
      p.push(`${at('signing.profileName')} ${show(signing.profileName)} is not a Signer profile name: 2-64 letters, digits and _ (no - or .), e.g. better_call_buffet`);
    }
    const months = signing.signatureValidityMonths;
    if (!(typeof months === 'number' && Number.isInteger(months) && months >= 1 && months <= MAX_SIGNATURE_VALIDITY_MONTHS)) {
      p.push(`${at('signing.signatureValidityMonths')} must be a whole number of months from 1 to ${MAX_SIGNATURE_VALIDITY_MONTHS} (Signer's maximum), got ${show(months)}`);
    }
  }
}

/** `<env>.promotion.requireSignature`: a boolean if set, and never false in prod. */
export function validatePromotionSignature(c: EnvConfig, p: string[]): void {
  const v = (c.promotion as { requireSignature?: unknown } | undefined)?.requireSignature;
  const at = `${c.envName}.promotion.requireSignature`;
  if (v !== undefined && typeof v !== 'boolean') {
    p.push(`${at} must be true or false (false: promote to ${c.envName} without a managed signature), got ${show(v)}`);
  } else if (v === false && c.envName === 'prod') {
    p.push(`${at} is false, but prod never runs an unsigned image: remove the setting (only dev and staging may opt out)`);
  }
}
