/**
 * Types and validation for Amazon ECR lifecycle policies, checked the way ECR checks them before it accepts
 * PutLifecyclePolicy / StartLifecyclePolicyPreview. Sources: the ECR user guide pages "Lifecycle policy
 * properties", "How lifecycle policies work" (evaluation rules) and "Examples of lifecycle policies".
 *
 * Validating locally matters because CDK's `aws-ecr` LifecycleRule does not check duplicate priorities,
 * counts <= 0, the 50-rule cap or the one-untagged-rule limit: a bad policy would otherwise only fail at
 * deploy time, in CloudFormation.
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
export type StorageClass = 'standard' | 'archive';
export type ActionType = 'expire' | 'transition';

export interface LifecycleSelection {
  tagStatus: TagStatus;
  /** Only with `tagged`; an image is selected only if EVERY prefix matches at least one of its tags. */
  tagPrefixList?: string[];
  /** Only with `tagged`; `*` matches any run of characters; EVERY pattern must match one of the tags. */
  tagPatternList?: string[];
  /** Which images the rule looks at; defaults to `standard`. `archive` only with sinceImageTransitioned. */
  storageClass?: StorageClass;
  countType: CountType;
  /** Required with the since* count types, forbidden with imageCountMoreThan. */
  countUnit?: 'days';
  countNumber: number;
}

export interface LifecycleAction {
  type: ActionType;
  /** Required (and only allowed) with `transition`. */
  targetStorageClass?: 'archive';
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: LifecycleSelection;
  action: LifecycleAction;
}

export interface LifecyclePolicy {
  rules: LifecycleRule[];
}

/** ECR quotas and documented limits. */
export const MAX_RULES_PER_POLICY = 50;
export const MAX_POLICY_TEXT_LENGTH = 30_720;
export const MAX_WILDCARDS_PER_PATTERN = 4;
/** "Images must be in archive storage for a minimum of 90 days before deletion." */
export const MIN_DAYS_IN_ARCHIVE_BEFORE_EXPIRY = 90;

const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly CountType[] = [
  'imageCountMoreThan',
  'sinceImagePushed',
  'sinceImagePulled',
  'sinceImageTransitioned',
];
const STORAGE_CLASSES: readonly StorageClass[] = ['standard', 'archive'];
const ACTION_TYPES: readonly ActionType[] = ['expire', 'transition'];

const POLICY_KEYS = ['rules'];
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = [
  'tagStatus',
  'tagPrefixList',
  'tagPatternList',
  'storageClass',
  'countType',
  'countUnit',
  'countNumber',
];
const ACTION_KEYS = ['type', 'targetStorageClass'];

const FAILURE_PREFIX = 'Lifecycle policy validation failure: ';

/**
 * Thrown for any policy ECR would reject. The message names the rule (its rulePriority and index), the
 * field and the offending value, and says how to fix it.
 */
export class LifecyclePolicyError extends Error {
  constructor(
    message: string,
    /** rulePriority of the offending rule, when it has a valid one. */
    readonly rulePriority?: number,
    /** Path of the offending field, e.g. `selection.countUnit`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LifecyclePolicyError';
  }
}

/** Where an error is: the whole policy, or one rule (by index, plus its priority once known). */
interface Location {
  readonly index?: number;
  readonly rulePriority?: number;
}

function describeLocation(loc: Location): string {
  if (loc.index === undefined) return 'policy';
  return loc.rulePriority === undefined
    ? `rules[${loc.index}]`
    : `rules[${loc.index}] (rulePriority ${loc.rulePriority})`;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(loc: Location, field: string, value: unknown, problem: string): never {
  throw new LifecyclePolicyError(
    `${FAILURE_PREFIX}${describeLocation(loc)}: ${field}=${show(value)}: ${problem}`,
    loc.rulePriority,
    field,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkObject(loc: Location, field: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value)) fail(loc, field, value, 'must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const path = field === 'policy' || field === 'rule' ? key : `${field}.${key}`;
      fail(loc, path, value[key], `unknown field "${key}"; allowed fields are ${allowed.join(', ')}`);
    }
  }
  return value;
}

function checkEnum<T extends string>(loc: Location, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(loc, field, value, `must be one of ${allowed.map((v) => `"${v}"`).join(', ')} (case-sensitive)`);
  }
  return value as T;
}

function checkPositiveInteger(loc: Location, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(loc, field, value, 'must be a positive integer (1 or more; 0 is not accepted)');
  }
  return value;
}

function checkStringList(loc: Location, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(loc, field, value, 'must be a non-empty list of strings');
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0) {
      fail(loc, `${field}[${i}]`, item, 'must be a non-empty string');
    }
  });
  return [...(value as string[])];
}

function countWildcards(pattern: string): number {
  return pattern.split('*').length - 1;
}

function parseSelection(loc: Location, raw: unknown): LifecycleSelection {
  const obj = checkObject(loc, 'selection', raw, SELECTION_KEYS);
  const tagStatus = checkEnum(loc, 'selection.tagStatus', obj.tagStatus, TAG_STATUSES);
  const countType = checkEnum(loc, 'selection.countType', obj.countType, COUNT_TYPES);
  const countNumber = checkPositiveInteger(loc, 'selection.countNumber', obj.countNumber);
  const selection: LifecycleSelection = { tagStatus, countType, countNumber };

  const hasPrefixes = obj.tagPrefixList !== undefined;
  const hasPatterns = obj.tagPatternList !== undefined;
  // "A lifecycle policy rule may specify either tagPatternList or tagPrefixList, but not both."
  if (hasPrefixes && hasPatterns) {
    fail(loc, 'selection.tagPatternList', obj.tagPatternList,
      'tagPrefixList and tagPatternList cannot both be set in one rule; keep one of them');
  }
  // "The tagPatternList or tagPrefixList parameters may only used if the tagStatus is tagged."
  if (tagStatus !== 'tagged' && (hasPrefixes || hasPatterns)) {
    const field = hasPrefixes ? 'selection.tagPrefixList' : 'selection.tagPatternList';
    fail(loc, field, hasPrefixes ? obj.tagPrefixList : obj.tagPatternList,
      `only allowed with tagStatus "tagged" (this rule has "${tagStatus}"); remove it or use "tagged"`);
  }
  if (tagStatus === 'tagged' && !hasPrefixes && !hasPatterns) {
    fail(loc, 'selection.tagPatternList', undefined,
      'tagStatus "tagged" needs a non-empty tagPatternList or tagPrefixList (e.g. ["v*"])');
  }
  if (hasPrefixes) selection.tagPrefixList = checkStringList(loc, 'selection.tagPrefixList', obj.tagPrefixList);
  if (hasPatterns) {
    const patterns = checkStringList(loc, 'selection.tagPatternList', obj.tagPatternList);
    patterns.forEach((pattern, i) => {
      if (countWildcards(pattern) > MAX_WILDCARDS_PER_PATTERN) {
        fail(loc, `selection.tagPatternList[${i}]`, pattern,
          `has ${countWildcards(pattern)} wildcards (*); at most ${MAX_WILDCARDS_PER_PATTERN} are allowed per pattern`);
      }
    });
    selection.tagPatternList = patterns;
  }

  // "The countUnit parameter is only used if countType is sinceImagePushed, sinceImagePulled, or
  // sinceImageTransitioned" and "an error will occur if you specify a count unit when countType is any
  // other value".
  if (countType === 'imageCountMoreThan') {
    if (obj.countUnit !== undefined) {
      fail(loc, 'selection.countUnit', obj.countUnit, 'not allowed with countType "imageCountMoreThan"; remove countUnit');
    }
  } else {
    if (obj.countUnit === undefined) {
      fail(loc, 'selection.countUnit', undefined, `required with countType "${countType}"; add "countUnit": "days"`);
    }
    checkEnum(loc, 'selection.countUnit', obj.countUnit, ['days'] as const);
    selection.countUnit = 'days';
  }

  // "When using a countType of imageCountMoreThan, sinceImagePushed, or sinceImagePulled, the only supported
  // value is standard. When using a count type of sinceImageTransitioned, this is required, and the only
  // supported value is archive."
  if (obj.storageClass !== undefined) {
    selection.storageClass = checkEnum(loc, 'selection.storageClass', obj.storageClass, STORAGE_CLASSES);
  }
  if (countType === 'sinceImageTransitioned') {
    if (selection.storageClass !== 'archive') {
      fail(loc, 'selection.storageClass', obj.storageClass,
        'countType "sinceImageTransitioned" requires "storageClass": "archive"');
    }
    // "You cannot configure lifecycle policies that delete images that have been in archive for less than
    // 90 days."
    if (countNumber < MIN_DAYS_IN_ARCHIVE_BEFORE_EXPIRY) {
      fail(loc, 'selection.countNumber', countNumber,
        `archived images must stay in archive at least ${MIN_DAYS_IN_ARCHIVE_BEFORE_EXPIRY} days; use ${MIN_DAYS_IN_ARCHIVE_BEFORE_EXPIRY} or more`);
    }
  } else if (selection.storageClass === 'archive') {
    fail(loc, 'selection.storageClass', obj.storageClass,
      `"archive" is only supported with countType "sinceImageTransitioned"; use "standard" or omit storageClass`);
  }
  return selection;
}

function parseAction(loc: Location, raw: unknown): LifecycleAction {
  const obj = checkObject(loc, 'action', raw, ACTION_KEYS);
  const type = checkEnum(loc, 'action.type', obj.type, ACTION_TYPES);
  if (type === 'transition') {
    if (obj.targetStorageClass === undefined) {
      fail(loc, 'action.targetStorageClass', undefined, 'required with action type "transition"; add "targetStorageClass": "archive"');
    }
    checkEnum(loc, 'action.targetStorageClass', obj.targetStorageClass, ['archive'] as const);
    return { type, targetStorageClass: 'archive' };
  }
  if (obj.targetStorageClass !== undefined) {
    fail(loc, 'action.targetStorageClass', obj.targetStorageClass, 'only allowed with action type "transition"; remove it');
  }
  return { type };
}

function parseRule(index: number, raw: unknown): LifecycleRule {
  if (!isPlainObject(raw)) fail({ index }, 'rule', raw, 'must be a JSON object');
  const rulePriority = checkPositiveInteger({ index }, 'rulePriority', raw.rulePriority);
  // From here on, errors name the rule by its priority too.
  const loc: Location = { index, rulePriority };
  const obj = checkObject(loc, 'rule', raw, RULE_KEYS);
  if (obj.description !== undefined && typeof obj.description !== 'string') {
    fail(loc, 'description', obj.description, 'must be a string');
  }
  const selection = parseSelection(loc, obj.selection);
  const action = parseAction(loc, obj.action);

  // The documented pairings: "The sinceImagePulled count type must be used with the transition action" and
  // "The sinceImageTransitioned count type must be used with the expire action and the archive storage class."
  if (selection.countType === 'sinceImagePulled' && action.type !== 'transition') {
    fail(loc, 'action.type', action.type,
      'countType "sinceImagePulled" only works with action "transition" (archive first, then expire with sinceImageTransitioned)');
  }
  if (selection.countType === 'sinceImageTransitioned' && action.type !== 'expire') {
    fail(loc, 'action.type', action.type, 'countType "sinceImageTransitioned" only works with action "expire"');
  }

  const rule: LifecycleRule = { rulePriority, selection, action };
  if (obj.description !== undefined) rule.description = obj.description as string;
  return rule;
}

/** The storage class whose images a rule looks at (ECR's default is `standard`). */
export function ruleStorageClass(rule: LifecycleRule): StorageClass {
  return rule.selection.storageClass ?? 'standard';
}

/** A tagged rule's filters as a canonical set of patterns; undefined for untagged/any rules. */
function tagSetKey(rule: LifecycleRule): string | undefined {
  const { tagPatternList, tagPrefixList } = rule.selection;
  const patterns = tagPatternList ?? tagPrefixList?.map((prefix) => `${prefix}*`);
  return patterns === undefined ? undefined : JSON.stringify([...new Set(patterns)].sort());
}

function checkAcrossRules(rules: LifecycleRule[]): void {
  const at = (i: number): Location => ({ index: i, rulePriority: rules[i].rulePriority });

  const firstIndexByPriority = new Map<number, number>();
  rules.forEach((rule, i) => {
    const earlier = firstIndexByPriority.get(rule.rulePriority);
    if (earlier !== undefined) {
      fail(at(i), 'rulePriority', rule.rulePriority,
        `already used by rules[${earlier}]; every rule needs a unique rulePriority`);
    }
    firstIndexByPriority.set(rule.rulePriority, i);
  });

  // Both limits are scoped per storage class: "Only one rule selecting a specific storage class is allowed
  // to select untagged images", and the guide's own "Combining archive and expire rules" example has a
  // `tagStatus: any` rule for standard images at priority 1 and another for archived images at priority 2,
  // so "a rule with a tagStatus value of any must have the highest value for rulePriority" can only hold
  // among the rules that select the same storage class.
  for (const storageClass of STORAGE_CLASSES) {
    const indexes = rules.map((_, i) => i).filter((i) => ruleStorageClass(rules[i]) === storageClass);
    const untagged = indexes.filter((i) => rules[i].selection.tagStatus === 'untagged');
    if (untagged.length > 1) {
      fail(at(untagged[1]), 'selection.tagStatus', 'untagged',
        `rules[${untagged[0]}] (rulePriority ${rules[untagged[0]].rulePriority}) already selects untagged ${storageClass} images; only one rule per storage class may select untagged images`);
    }
    // "The set of all rules selecting a specific storage class must contain a unique set of prefixes."
    // Compared as sets, with a prefix written as the pattern that selects the same tags (`prod` = `prod*`).
    const byTagSet = new Map<string, number>();
    for (const i of indexes) {
      const key = tagSetKey(rules[i]);
      if (key === undefined) continue;
      const earlier = byTagSet.get(key);
      if (earlier !== undefined) {
        const field = rules[i].selection.tagPatternList ? 'selection.tagPatternList' : 'selection.tagPrefixList';
        fail(at(i), field, rules[i].selection.tagPatternList ?? rules[i].selection.tagPrefixList,
          `rulePriority ${rules[earlier].rulePriority} already selects the same tag set (${key}) among ${storageClass} images; every rule needs a unique set of tag patterns/prefixes: merge the two rules`);
      }
      byTagSet.set(key, i);
    }
    const highest = indexes.reduce<number | undefined>(
      (best, i) => (best === undefined || rules[i].rulePriority > rules[best].rulePriority ? i : best),
      undefined,
    );
    for (const i of indexes) {
      if (rules[i].selection.tagStatus === 'any' && i !== highest && highest !== undefined) {
        fail(at(i), 'selection.tagStatus', 'any',
          `rules[${highest}] (rulePriority ${rules[highest].rulePriority}) also selects ${storageClass} images with a higher rulePriority; a tagStatus "any" rule must have the highest rulePriority (evaluated last)`);
      }
    }
  }
}

/**
 * Parses and validates a lifecycle policy. `input` is either the policy text (as passed to
 * `aws ecr put-lifecycle-policy --lifecycle-policy-text`) or an already-parsed value; for a parsed value
 * the 30,720-character limit applies to its compact JSON, which is what CDK sends.
 *
 * Returns a normalised copy (a since* rule always carries `countUnit: "days"`).
 * @throws LifecyclePolicyError for anything ECR would reject.
 */
export function parseLifecyclePolicy(input: unknown): LifecyclePolicy {
  const root: Location = {};
  let value: unknown = input;
  const text = typeof input === 'string' ? input : JSON.stringify(input) ?? '';
  if (text.length > MAX_POLICY_TEXT_LENGTH) {
    fail(root, 'LifecyclePolicyText', `${text.length} characters`,
      `the policy text is limited to ${MAX_POLICY_TEXT_LENGTH} characters; merge or remove rules`);
  }
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      fail(root, 'LifecyclePolicyText', input, `is not valid JSON (${(err as Error).message})`);
    }
  }
  const obj = checkObject(root, 'policy', value, POLICY_KEYS);
  if (!Array.isArray(obj.rules) || obj.rules.length === 0) {
    fail(root, 'rules', obj.rules, 'must be a non-empty list of rules');
  }
  if (obj.rules.length > MAX_RULES_PER_POLICY) {
    fail(root, 'rules', `${obj.rules.length} rules`,
      `a lifecycle policy can hold at most ${MAX_RULES_PER_POLICY} rules; merge or remove rules`);
  }
  const rules = obj.rules.map((raw: unknown, i: number) => parseRule(i, raw));
  checkAcrossRules(rules);
  return { rules };
}

/**
 * Validates a policy built in code (e.g. the app's per-environment policy). Same checks as
 * `parseLifecyclePolicy`, including unknown fields, since TypeScript types do not stop extra properties.
 * @throws LifecyclePolicyError for anything ECR would reject.
 */
export function validateLifecyclePolicy(policy: LifecyclePolicy): void {
  parseLifecyclePolicy(policy);
}
