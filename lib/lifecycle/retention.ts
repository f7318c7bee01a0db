/**
 * Retention as intent ("keep the newest 30 release images", "protect keep-* forever") rendered into an ECR
 * lifecycle policy with correct priorities, then checked against everything ECR enforces.
 *
 * The rendering, lowest rulePriority (applied first) to highest:
 *   1. protecting rules: one per pinned image tag and per protected pattern, `tagged` + one pattern and an
 *      `imageCountMoreThan` of PROTECT_COUNT, a count no repository reaches. ECR gives every image to the
 *      highest-priority rule whose selection matches it ("an image that matches the tagging requirements of
 *      a rule cannot be expired by a rule with a lower priority"), so these images are claimed and no
 *      lower rule can expire them.
 *   2. one "keep the newest keepPromotedImages" rule per promotion pattern (`prod-*`, `staging-*`, `dev-*`, in
 *      that order: an image promoted to several environments carries all their tags and is claimed by the
 *      first, i.e. the furthest environment it reached; with one count for all and promotion in chain order,
 *      that keeps exactly the union of every environment's newest N: any image pushed after it that reached
 *      prod also carries staging-* and dev-* tags, so falling out of prod's window means falling out of the
 *      nearer ones too).
 *   3. one "keep the newest N" rule per release pattern.
 *   4. "expire untagged images D days after push".
 *   5. the `any` rule "keep the newest M images": ECR requires `any` to have the highest rulePriority. It
 *      only ever expires images that no rule above selects (dev-*, latest, feature tags, ...), but every
 *      image still takes one of its M places, newest first.
 *
 * ECR's "only one rule may select untagged images" does not count the `any` rule: the ECR user guide's
 * "Filtering on all images, Example B" is exactly tagged + untagged + any in one policy, and explains that
 * the `any` rule "can't mark images ... identified by higher priority rules". `validateLifecyclePolicy`
 * (policy.ts) counts only `tagStatus: untagged` rules, consistent with that example.
 *
 * Pure TypeScript (no synth): the CLI, the registry construct and the tests render the same policy.
 */

import { Token } from 'aws-cdk-lib';
import { ECR_MAX_IMAGES_PER_REPOSITORY, IMAGE_TAG_RE, MAX_LIFECYCLE_DAYS, TAG_FILTER_RE } from '../aws/formats';
import { LifecyclePolicy, LifecyclePolicyError, LifecycleRule, validateLifecyclePolicy } from './policy';

/**
 * `imageCountMoreThan` of the protecting rules. A repository holds at most 100,000 images by default (an
 * adjustable quota, "Images per repository"): a protecting rule could only expire an image once more than
 * PROTECT_COUNT images match its pattern, i.e. after a 10x quota increase AND that many matching images.
 * The image-count alarm (a fraction of the quota) fires long before. For the pinned tag the count is moot:
 * a tag names one image at a time, so at most one image ever matches that rule. One million is also far
 * inside any 32-bit integer ECR could parse the count into.
 */
export const PROTECT_COUNT = 1_000_000;


/** What to keep (also the shape of each environment's `retention` config). */
export interface RetentionIntent {
  /** Tag patterns (`*` matches any run of characters) whose images are never expired. */
  readonly protectTagPatterns: readonly string[];
  /** Release tag patterns, e.g. `v*`; each gets its own "keep the newest keepReleaseImages" rule. */
  readonly releaseTagPatterns: readonly string[];
  /** How many of the newest images to keep per release pattern (>= 1). */
  readonly keepReleaseImages: number;
  /**
   * Promotion tag patterns (one per environment, e.g. `prod-*`), furthest environment first; each gets a
   * "keep the newest keepPromotedImages" rule ahead of the release rules: the rollback window.
   * @default - none
   */
  readonly promotionTagPatterns?: readonly string[];
  /**
   * How many of the newest images to keep per promotion pattern (>= 1).
   * @default - required when promotionTagPatterns is not empty
   */
  readonly keepPromotedImages?: number;
  /** Untagged images expire this many days after push (>= 1). */
  readonly expireUntaggedAfterDays: number;
  /**
   * The newest `maxImages` images are safe from the final `any` rule; older images that no other rule
   * selects are expired. Protected, release and untagged images are bounded by their own rules instead.
   */
  readonly maxImages: number;
}

export interface RenderRetentionOptions {
  /**
   * Tags of the images task definitions run ("pinned"); each gets a protecting rule of its own.
   * @default - none
   */
  readonly pinnedImageTags?: readonly string[];
}

/** The retention intent itself cannot be rendered. The message names the field, the value and the fix. */
export class RetentionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetentionError';
  }
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const wildcards = (p: string): number => p.split('*').length - 1;

/** The bound of each retention count: images are capped by ECR's per-repository quota, days by MAX_LIFECYCLE_DAYS. */
export const RETENTION_COUNT_MAX: Readonly<Record<'keepReleaseImages' | 'keepPromotedImages' | 'expireUntaggedAfterDays' | 'maxImages', number>> = {
  keepReleaseImages: ECR_MAX_IMAGES_PER_REPOSITORY,
  keepPromotedImages: ECR_MAX_IMAGES_PER_REPOSITORY,
  expireUntaggedAfterDays: MAX_LIFECYCLE_DAYS,
  maxImages: ECR_MAX_IMAGES_PER_REPOSITORY,
};

/**
 * The one rule for retention counts (config validation and the renderer both use it): an integer from 1
 * (ECR rejects a countNumber of 0) to `max`. Returns what is wrong, or undefined.
 */
export function retentionCountProblem(v: unknown, max: number): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    return `must be an integer from 1 to ${max.toLocaleString('en-US')}, got ${show(v)}`;
  }
  return undefined;
}

function checkIntent(intent: RetentionIntent, pinned: readonly string[]): void {
  const positiveInt = (field: keyof RetentionIntent, max: number, fix: string) => {
    const v = intent[field];
    if (Token.isUnresolved(v)) {
      throw new RetentionError(`retention.${field} must be a literal number, not a CDK token: the rendered policy is checked against ECR's limits at synth`);
    }
    const problem = retentionCountProblem(v, max);
    if (problem) throw new RetentionError(`retention.${field} ${problem}; ${fix}`);
  };
  positiveInt('keepReleaseImages', RETENTION_COUNT_MAX.keepReleaseImages, 'to keep no release images, remove releaseTagPatterns instead');
  positiveInt('expireUntaggedAfterDays', RETENTION_COUNT_MAX.expireUntaggedAfterDays, 'use 1 to expire untagged images after a day');
  positiveInt('maxImages', RETENTION_COUNT_MAX.maxImages, 'set the number of images to keep overall');

  const patternList = (field: 'protectTagPatterns' | 'releaseTagPatterns' | 'promotionTagPatterns') => {
    const list = intent[field] ?? [];
    list.forEach((p, i) => {
      if (Token.isUnresolved(p)) {
        throw new RetentionError(`retention.${field}[${i}] must be a literal pattern, not a CDK token: the rendered policy is checked against ECR's limits at synth`);
      }
      if (typeof p !== 'string' || !TAG_FILTER_RE.test(p)) {
        throw new RetentionError(`retention.${field}[${i}] ${show(p)} is not a tag pattern: use 1-128 of a-z A-Z 0-9 . _ - and the wildcard *`);
      }
      if (wildcards(p) > 4) {
        throw new RetentionError(`retention.${field}[${i}] ${show(p)} has ${wildcards(p)} '*' wildcards; ECR allows at most 4 per pattern`);
      }
      if (list.indexOf(p) !== i) {
        throw new RetentionError(`retention.${field} lists ${show(p)} twice; ECR needs every rule's tag pattern set to be unique: remove one`);
      }
    });
  };
  patternList('protectTagPatterns');
  patternList('releaseTagPatterns');
  const promotion = intent.promotionTagPatterns ?? [];
  if (promotion.length > 0) {
    positiveInt('keepPromotedImages', RETENTION_COUNT_MAX.keepPromotedImages, 'it is the rollback window: how many images last promoted to each environment stay');
    patternList('promotionTagPatterns');
  }
  for (const p of promotion) {
    if (intent.protectTagPatterns.includes(p) || intent.releaseTagPatterns.includes(p)) {
      throw new RetentionError(`promotion tag pattern ${show(p)} is also a protected or release pattern; ECR needs every rule's tag pattern set to be unique: remove it from retention`);
    }
  }
  for (const p of intent.releaseTagPatterns) {
    if (intent.protectTagPatterns.includes(p)) {
      throw new RetentionError(`${show(p)} is in both retention.protectTagPatterns and retention.releaseTagPatterns; protected images are never expired, so remove it from releaseTagPatterns (or from protectTagPatterns to cap it)`);
    }
  }
  pinned.forEach((tag, i) => {
    // A pinned tag may come from a deploy-time parameter: it is rendered as-is and not checked here.
    if (Token.isUnresolved(tag)) return;
    if (typeof tag !== 'string' || !IMAGE_TAG_RE.test(tag)) {
      throw new RetentionError(`pinned image tag [${i}] ${show(tag)} is not an ECR image tag: start with a letter, digit or _, then up to 127 of letters, digits, . _ -`);
    }
    if (intent.releaseTagPatterns.includes(tag)) {
      throw new RetentionError(`pinned image tag ${show(tag)} is also a literal release pattern; a protecting rule and a release rule would select the same tag set, which ECR rejects: use a wildcard release pattern such as ${show(`${tag.charAt(0)}*`)}`);
    }
  });
}

/**
 * Renders retention intent into an ECR lifecycle policy (rulePriority 1, 2, 3, ... in the order described
 * at the top of this file) and validates it with {@link validateRetentionPolicy}.
 * @throws RetentionError for intent that cannot be rendered, LifecyclePolicyError if ECR would reject the result.
 */
export function renderRetentionPolicy(intent: RetentionIntent, options: RenderRetentionOptions = {}): LifecyclePolicy {
  const pinnedTags = [...new Set(options.pinnedImageTags ?? [])];
  checkIntent(intent, pinnedTags);

  const rules: LifecycleRule[] = [];
  const add = (description: string, selection: LifecycleRule['selection']) => {
    rules.push({ rulePriority: rules.length + 1, description, selection, action: { type: 'expire' } });
  };
  for (const tag of pinnedTags) {
    // A pinned tag that is also a protected pattern verbatim is already protected by that rule; a second
    // rule with the same one-element tag set would be rejected as a duplicate.
    if (intent.protectTagPatterns.includes(tag)) continue;
    add(`Protect ${tag}: an image a task definition runs is never expired`, {
      tagStatus: 'tagged',
      tagPatternList: [tag],
      countType: 'imageCountMoreThan',
      countNumber: PROTECT_COUNT,
    });
  }
  for (const pattern of intent.protectTagPatterns) {
    add(`Protect ${pattern}: never expired`, {
      tagStatus: 'tagged',
      tagPatternList: [pattern],
      countType: 'imageCountMoreThan',
      countNumber: PROTECT_COUNT,
    });
  }
  for (const pattern of intent.promotionTagPatterns ?? []) {
    add(`Keep the newest ${intent.keepPromotedImages} images tagged ${pattern} (promoted there: the rollback window)`, {
      tagStatus: 'tagged',
      tagPatternList: [pattern],
      countType: 'imageCountMoreThan',
      countNumber: intent.keepPromotedImages as number,
    });
  }
  for (const pattern of intent.releaseTagPatterns) {
    add(`Keep the newest ${intent.keepReleaseImages} images tagged ${pattern}`, {
      tagStatus: 'tagged',
      tagPatternList: [pattern],
      countType: 'imageCountMoreThan',
      countNumber: intent.keepReleaseImages,
    });
  }
  add(`Expire untagged images ${intent.expireUntaggedAfterDays} day${intent.expireUntaggedAfterDays === 1 ? '' : 's'} after push`, {
    tagStatus: 'untagged',
    countType: 'sinceImagePushed',
    countUnit: 'days',
    countNumber: intent.expireUntaggedAfterDays,
  });
  add(`Keep the newest ${intent.maxImages} images; expire older ones no rule above selects`, {
    tagStatus: 'any',
    countType: 'imageCountMoreThan',
    countNumber: intent.maxImages,
  });

  const policy: LifecyclePolicy = { rules };
  validateRetentionPolicy(policy);
  return policy;
}

/** A rule's tag filters as a set, prefixes written as the equivalent pattern (`prod` -> `prod*`). */
function tagSetKey(rule: LifecycleRule): string | undefined {
  const s = rule.selection;
  const patterns = s.tagPatternList ?? s.tagPrefixList?.map((p) => `${p}*`);
  return patterns === undefined ? undefined : JSON.stringify([...new Set(patterns)].sort());
}

/**
 * Everything ECR checks on PutLifecyclePolicy, for a policy built in code: `validateLifecyclePolicy`
 * (unique priorities, counts >= 1, <= 50 rules, <= 30,720 characters, one untagged rule per storage class,
 * `any` last, <= 4 wildcards per pattern, field pairings) plus the one check it lacks: "the set of rules
 * must contain a unique set of tag prefixes", i.e. no two rules may select the same tag filter set.
 * @throws LifecyclePolicyError naming the rule, field and value.
 */
export function validateRetentionPolicy(policy: LifecyclePolicy): void {
  validateLifecyclePolicy(policy);
  const seen = new Map<string, LifecycleRule>();
  policy.rules.forEach((rule, i) => {
    const key = tagSetKey(rule);
    if (key === undefined) return;
    const earlier = seen.get(key);
    if (earlier) {
      throw new LifecyclePolicyError(
        `Lifecycle policy validation failure: rules[${i}] (rulePriority ${rule.rulePriority}): selection tags=${key}: ` +
          `rulePriority ${earlier.rulePriority} already selects the same tag set; every rule needs a unique set of tag patterns/prefixes: merge the two rules`,
        rule.rulePriority,
        'selection.tagPatternList',
      );
    }
    seen.set(key, rule);
  });
}

/** The policy text exactly as deployed: compact JSON, keys in a fixed order, so templates are deterministic. */
export function lifecyclePolicyText(policy: LifecyclePolicy): string {
  return JSON.stringify(policy);
}
