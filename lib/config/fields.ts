import type { AlarmsConfig, CiPushRoleConfig, EnvConfig, InventoryConfig, PromotionConfig, RegistryConfig, RegistrySettingsConfig, RetentionConfig, SecretRef, SigningSettingsConfig, TaskConfig } from './types';

/**
 * The shape of the configuration as data, so a misspelt field is refused at synth: `cdk synth` runs the
 * app transpile-only, so TypeScript's own check of `environments.ts` (`npm run build`) never runs for a
 * user who only synthesizes. Each shape is checked against its type with `satisfies`: a field added to a
 * type without being added here (or the other way round) fails `npm run build`.
 */
export type FieldShape =
  | { readonly kind: 'value'; readonly optional?: boolean }
  /** A map whose keys the user chooses (task.environment). */
  | { readonly kind: 'record'; readonly optional?: boolean }
  | { readonly kind: 'object'; readonly optional?: boolean; readonly fields: ObjectShape }
  /** A list; `items` when its entries are objects with known fields. */
  | { readonly kind: 'array'; readonly optional?: boolean; readonly items?: ObjectShape };
export type ObjectShape = Readonly<Record<string, FieldShape>>;

const value = { kind: 'value' } as const;
const optional = { kind: 'value', optional: true } as const;
const list = { kind: 'array' } as const;
const object = (fields: ObjectShape, isOptional = false): FieldShape => ({ kind: 'object', fields, optional: isOptional });

const CI_PUSH_ROLE_FIELDS = {
  githubRepository: optional,
  branches: list,
  environments: list,
  oidcProviderArn: optional,
  createOidcProvider: optional,
} as const satisfies Record<keyof CiPushRoleConfig, FieldShape>;

const RETENTION_FIELDS = {
  protectTagPatterns: list,
  releaseTagPatterns: list,
  keepReleaseImages: value,
  keepPromotedImages: value,
  expireUntaggedAfterDays: value,
  maxImages: value,
} as const satisfies Record<keyof RetentionConfig, FieldShape>;

const ALARM_FIELDS = {
  criticalFindings: value,
  alertOnHighFindings: value,
  scanFailures: value,
  imageCountQuotaFraction: value,
  apiUsageQuotaFraction: value,
  pullAnomalyBandWidth: value,
  pullAnomalyEvaluationPeriods: optional,
  expectSteadyPulls: optional,
  cloudTrail: optional,
  trailLogRetentionDays: optional,
  authFailureThreshold: optional,
  unexpectedPushes: optional,
  emails: list,
} as const satisfies Record<keyof AlarmsConfig, FieldShape>;

const INVENTORY_FIELDS = {
  schedule: value,
  sizeBudgetGiB: value,
  sizeRegressionPercent: value,
  stalePullDays: value,
  storagePricePerGbMonthUsd: value,
} as const satisfies Record<keyof InventoryConfig, FieldShape>;

const SIGNING_FIELDS = {
  profileName: value,
  signatureValidityMonths: value,
} as const satisfies Record<keyof SigningSettingsConfig, FieldShape>;

const SETTINGS_FIELDS = {
  manage: value,
  scanType: value,
  signing: object(SIGNING_FIELDS),
} as const satisfies Record<keyof RegistrySettingsConfig, FieldShape>;

/** The fields of `REGISTRY` in lib/config/environments.ts. */
export const REGISTRY_FIELDS = {
  account: optional,
  region: value,
  repositoryName: value,
  tagMutability: value,
  removalPolicy: value,
  terminationProtection: value,
  kmsEncryption: value,
  crossAccountPullAccounts: list,
  ciPushRole: object(CI_PUSH_ROLE_FIELDS, true),
  retention: object(RETENTION_FIELDS),
  alarms: object(ALARM_FIELDS),
  inventory: object(INVENTORY_FIELDS),
  settings: object(SETTINGS_FIELDS),
  replicaRegion: optional,
} as const satisfies Record<keyof RegistryConfig, FieldShape>;

const SECRET_FIELDS = {
  envVar: value,
  source: value,
  name: value,
  jsonKey: optional,
  arn: optional,
} as const satisfies Record<keyof SecretRef, FieldShape>;

const TASK_FIELDS = {
  cpu: value,
  memoryMiB: value,
  cpuArchitecture: value,
  ephemeralStorageGiB: value,
  containerPort: value,
  healthCheckPath: value,
  stopTimeoutSeconds: value,
  user: value,
  logRetentionDays: value,
  environment: { kind: 'record' },
  secrets: { kind: 'array', items: SECRET_FIELDS },
} as const satisfies Record<keyof TaskConfig, FieldShape>;

const PROMOTION_FIELDS = { failOnSeverity: value, requireSignature: optional } as const satisfies Record<keyof PromotionConfig, FieldShape>;

/** The fields of each environment in lib/config/environments.ts (`network` has its own check, validateNetwork). */
export const ENV_FIELDS = {
  envName: value,
  account: optional,
  region: value,
  removalPolicy: value,
  terminationProtection: value,
  task: object(TASK_FIELDS),
  imageTag: value,
  imageDigest: optional,
  imageRegion: optional,
  network: optional,
  promotion: object(PROMOTION_FIELDS),
} as const satisfies Record<keyof EnvConfig, FieldShape>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Refuses what a typo or a missing line produces: a field the shape does not know (naming the nearest known
 * one), a required field that is absent, and an object or list that is something else. Returns one sentence
 * per problem; `path` prefixes every field (`registry`, `prod`).
 */
export function shapeProblems(config: unknown, shape: ObjectShape, path: string): string[] {
  const problems: string[] = [];
  const visit = (v: unknown, fields: ObjectShape, at: string): void => {
    if (!isObject(v)) {
      problems.push(`${at} must be an object with the fields ${Object.keys(fields).join(', ')}, got ${describeValue(v)}`);
      return;
    }
    const known = Object.keys(fields);
    for (const key of Object.keys(v)) {
      if (fields[key] !== undefined) continue;
      const near = nearestNames(key, known);
      problems.push(`${at}.${key} is not a field of ${at}${near.length > 0 ? `: did you mean ${near.join(' or ')}?` : ''} (fields: ${known.join(', ')})`);
    }
    for (const [key, field] of Object.entries(fields)) {
      const child = v[key];
      const childAt = `${at}.${key}`;
      if (child === undefined) {
        if (!field.optional) problems.push(`${childAt} is missing: add it (see docs/configuration.md)`);
        continue;
      }
      if (field.kind === 'object') visit(child, field.fields, childAt);
      else if (field.kind === 'record' && !isObject(child)) problems.push(`${childAt} must be an object of names to values, got ${describeValue(child)}`);
      else if (field.kind === 'array') {
        if (!Array.isArray(child)) {
          problems.push(`${childAt} must be a list [...], got ${describeValue(child)}`);
        } else if (field.items !== undefined) {
          const items = field.items;
          child.forEach((item, i) => visit(item, items, `${childAt}[${i}]`));
        }
      }
    }
  };
  visit(config, shape, path);
  return problems;
}

/**
 * A value as a person reads it in an error message: JSON where JSON says what it is, and `NaN`, `Infinity`,
 * `undefined`, functions... as JavaScript prints them (JSON.stringify would print `null` or nothing).
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions, so `regoin` is one edit from
 * `region`), case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_r, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 0; j <= t.length; j++) d[0][j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/**
 * The known names nearest to `name` (all of them on a tie), or none when nothing is close (more edits than
 * half the longer name). A camelCase key is also compared by its trailing words, one edit per dropped word,
 * so `imageRegoin` suggests `region` rather than `imageTag`.
 */
export function nearestNames(name: string, known: readonly string[]): string[] {
  const words = name.split(/(?=[A-Z])|[-_.]/).filter((w) => w.length > 0);
  const tails = words.map((_w, i) => ({ text: words.slice(i).join(''), dropped: i }));
  const scored = known.map((k) => ({
    k,
    d: Math.min(editDistance(name, k), ...tails.map((t) => editDistance(t.text, k) + t.dropped)),
  }));
  const best = Math.min(...scored.map((s) => s.d));
  return scored.filter((s) => s.d === best && s.d <= Math.ceil(Math.max(name.length, s.k.length) / 2)).map((s) => s.k);
}
