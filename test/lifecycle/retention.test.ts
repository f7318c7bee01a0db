import { ENV_NAMES } from '../../lib/config/types';
import { loadEnvironment } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/validate';
import { lifecyclePolicyForEnv } from '../../lib/lifecycle/env-policy';
import { ImageDetail, evaluateLifecyclePolicy, tagMatchesPattern } from '../../lib/lifecycle/evaluate';
import { LifecyclePolicy, LifecyclePolicyError, LifecycleRule } from '../../lib/lifecycle/policy';
import {
  PROTECT_COUNT,
  RetentionError,
  RetentionIntent,
  lifecyclePolicyText,
  renderRetentionPolicy,
  validateRetentionPolicy,
} from '../../lib/lifecycle/retention';

const INTENT: RetentionIntent = {
  protectTagPatterns: ['keep-*'],
  releaseTagPatterns: ['v*', 'release-*'],
  keepReleaseImages: 20,
  expireUntaggedAfterDays: 7,
  maxImages: 300,
};

describe('renderRetentionPolicy', () => {
  test('renders protect, release, untagged and any rules in that priority order', () => {
    // GIVEN / WHEN
    const policy = renderRetentionPolicy(INTENT, { pinnedImageTags: ['v1.4.2-3f9c2ab'] });

    // THEN
    expect(policy.rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.tagPatternList, r.selection.countType, r.selection.countNumber])).toEqual([
      [1, 'tagged', ['v1.4.2-3f9c2ab'], 'imageCountMoreThan', PROTECT_COUNT],
      [2, 'tagged', ['keep-*'], 'imageCountMoreThan', PROTECT_COUNT],
      [3, 'tagged', ['v*'], 'imageCountMoreThan', 20],
      [4, 'tagged', ['release-*'], 'imageCountMoreThan', 20],
      [5, 'untagged', undefined, 'sinceImagePushed', 7],
      [6, 'any', undefined, 'imageCountMoreThan', 300],
    ]);
    expect(policy.rules[4].selection.countUnit).toBe('days');
    expect(policy.rules.every((r) => r.action.type === 'expire')).toBe(true);
  });

  test('the protecting count exceeds 10x the default 100,000 images-per-repository quota', () => {
    expect(PROTECT_COUNT).toBeGreaterThanOrEqual(10 * 100_000);
    expect(PROTECT_COUNT).toBeLessThan(2 ** 31);
  });

  test('a pinned tag that is already a protected pattern gets no second (duplicate) rule', () => {
    // GIVEN / WHEN
    const policy = renderRetentionPolicy({ ...INTENT, protectTagPatterns: ['keep-forever'] }, { pinnedImageTags: ['keep-forever'] });

    // THEN
    expect(policy.rules.filter((r) => r.selection.tagPatternList?.includes('keep-forever'))).toHaveLength(1);
  });

  test('the text is compact JSON and identical across renders (deterministic templates)', () => {
    const a = lifecyclePolicyText(renderRetentionPolicy(INTENT, { pinnedImageTags: ['v1.0.0'] }));
    const b = lifecyclePolicyText(renderRetentionPolicy({ ...INTENT }, { pinnedImageTags: ['v1.0.0'] }));
    expect(a).toBe(b);
    expect(a).not.toMatch(/\n|": /);
    expect(JSON.parse(a).rules).toHaveLength(6);
  });

  describe('rejects intent it cannot render', () => {
    test.each<[string, Partial<RetentionIntent>, string[] | undefined, RegExp]>([
      ['zero release images kept', { keepReleaseImages: 0 }, undefined, /retention\.keepReleaseImages must be an integer from 1 to 100,000, got 0/],
      ['fractional untagged days', { expireUntaggedAfterDays: 1.5 }, undefined, /retention\.expireUntaggedAfterDays must be an integer from 1 to 3,650, got 1\.5/],
      ['negative max images', { maxImages: -1 }, undefined, /retention\.maxImages must be an integer from 1 to 100,000, got -1/],
      ['a pattern with a space', { protectTagPatterns: ['keep me'] }, undefined, /protectTagPatterns\[0\] "keep me" is not a tag pattern/],
      ['a pattern with five wildcards', { releaseTagPatterns: ['*a*b*c*d*'] }, undefined, /releaseTagPatterns\[0\] "\*a\*b\*c\*d\*" has 5 '\*' wildcards; ECR allows at most 4/],
      ['a pattern listed twice', { protectTagPatterns: ['keep-*', 'keep-*'] }, undefined, /protectTagPatterns lists "keep-\*" twice/],
      ['a pattern both protected and released', { protectTagPatterns: ['v*'] }, undefined, /"v\*" is in both retention\.protectTagPatterns and retention\.releaseTagPatterns/],
      ['an invalid pinned tag', {}, ['-bad'], /pinned image tag \[0\] "-bad" is not an ECR image tag/],
      ['a pinned tag equal to a literal release pattern', { releaseTagPatterns: ['v1.0.0'] }, ['v1.0.0'], /pinned image tag "v1\.0\.0" is also a literal release pattern/],
    ])('%s', (_name, override, pinned, message) => {
      expect(() => renderRetentionPolicy({ ...INTENT, ...override }, { pinnedImageTags: pinned })).toThrow(RetentionError);
      expect(() => renderRetentionPolicy({ ...INTENT, ...override }, { pinnedImageTags: pinned })).toThrow(message);
    });

    test('more than 50 rules (ECR cap)', () => {
      const protectTagPatterns = Array.from({ length: 48 }, (_, i) => `keep${i}-*`);
      expect(() => renderRetentionPolicy({ ...INTENT, protectTagPatterns })).toThrow(/at most 50 rules/);
      // 48 protecting + 2 release + untagged + any = 52 rules fails; 46 + 4 = 50 is accepted.
      expect(renderRetentionPolicy({ ...INTENT, protectTagPatterns: protectTagPatterns.slice(0, 46) }).rules).toHaveLength(50);
    });
  });
});

/** A rule ECR would accept on its own, for building policies that break one cross-rule limit. */
const tagged = (rulePriority: number, tags: Partial<Pick<LifecycleRule['selection'], 'tagPatternList' | 'tagPrefixList'>>, countNumber = 5): LifecycleRule => ({
  rulePriority,
  selection: { tagStatus: 'tagged', ...tags, countType: 'imageCountMoreThan', countNumber },
  action: { type: 'expire' },
});
const untagged = (rulePriority: number): LifecycleRule => ({
  rulePriority,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
  action: { type: 'expire' },
});
const any = (rulePriority: number): LifecycleRule => ({
  rulePriority,
  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
  action: { type: 'expire' },
});

describe('validateRetentionPolicy: one error per ECR rule', () => {
  test('accepts tagged + untagged + any (the user guide\'s "Filtering on all images", Example B)', () => {
    expect(() => validateRetentionPolicy({ rules: [tagged(1, { tagPatternList: ['alpha*'] }), untagged(2), any(3)] })).not.toThrow();
  });

  test.each<[string, LifecyclePolicy, RegExp]>([
    ['duplicate priorities', { rules: [tagged(1, { tagPatternList: ['a*'] }), tagged(1, { tagPatternList: ['b*'] })] }, /rulePriority=1: already used by rules\[0\]/],
    ['a count of 0', { rules: [tagged(1, { tagPatternList: ['a*'] }, 0)] }, /countNumber=0: must be a positive integer/],
    ['more than 50 rules', { rules: Array.from({ length: 51 }, (_, i) => tagged(i + 1, { tagPatternList: [`t${i}*`] })) }, /at most 50 rules/],
    [
      'policy text over 30,720 characters',
      { rules: Array.from({ length: 40 }, (_, i) => ({ ...tagged(i + 1, { tagPatternList: [`t${i}*`] }), description: 'x'.repeat(800) })) },
      /limited to 30720 characters/,
    ],
    ['two rules selecting untagged images', { rules: [untagged(1), untagged(2)] }, /only one rule per storage class may select untagged images/],
    ['an any rule that is not last', { rules: [any(1), tagged(2, { tagPatternList: ['a*'] })] }, /tagStatus "any" rule must have the highest rulePriority/],
    ['five wildcards in a pattern', { rules: [tagged(1, { tagPatternList: ['*a*b*c*d*'] })] }, /at most 4 are allowed per pattern/],
    ['two rules with the same pattern set', { rules: [tagged(1, { tagPatternList: ['a*', 'b*'] }), tagged(2, { tagPatternList: ['b*', 'a*'] })] }, /rulePriority 1 already selects the same tag set/],
    ['a prefix set equal to an earlier pattern set', { rules: [tagged(1, { tagPatternList: ['prod*'] }), tagged(2, { tagPrefixList: ['prod'] })] }, /rulePriority 1 already selects the same tag set/],
  ])('%s', (_name, policy, message) => {
    expect(() => validateRetentionPolicy(policy)).toThrow(LifecyclePolicyError);
    expect(() => validateRetentionPolicy(policy)).toThrow(message);
  });
});

describe('lifecyclePolicyForEnv', () => {
  test.each(ENV_NAMES)('%s: protects the configured image tag and renders the configured retention', (envName) => {
    // GIVEN
    const config = loadEnvironment(envName);

    // WHEN
    const policy = lifecyclePolicyForEnv(envName);

    // THEN
    expect(policy.rules[0].selection.tagPatternList).toEqual([config.imageTag]);
    expect(policy).toEqual(renderRetentionPolicy(config.retention, { pinnedImageTags: [config.imageTag] }));
  });

  test('applies a -c imageTag override like cdk synth does', () => {
    const policy = lifecyclePolicyForEnv('prod', (k) => (k === 'imageTag' ? 'v9.9.9-abcdef0' : undefined));
    expect(policy.rules[0].selection.tagPatternList).toEqual(['v9.9.9-abcdef0']);
  });

  test('an unknown environment is a ConfigError', () => {
    expect(() => lifecyclePolicyForEnv('qa')).toThrow(ConfigError);
  });
});

/**
 * The pinned image is never expired: each environment's real policy evaluated against a repository of
 * ~1,200 images spread over three years, where the pinned image is the OLDEST image of all.
 */
describe('the pinned image is never expired', () => {
  const NOW = new Date('2026-11-01T00:00:00Z');
  const DAY = 24 * 60 * 60 * 1000;
  const PINNED_DIGEST = `sha256:${'f'.repeat(64)}`;

  interface Repo {
    readonly images: ImageDetail[];
  }

  function realisticRepository(pinnedTag: string): Repo {
    let n = 0;
    const images: ImageDetail[] = [];
    const push = (tags: string[], daysAgo: number) => {
      n += 1;
      images.push({
        imageDigest: `sha256:${n.toString(16).padStart(64, '0')}`,
        imageTags: tags,
        imagePushedAt: new Date(NOW.getTime() - daysAgo * DAY - n * 1000).toISOString(),
      });
    };
    // The pinned image: pushed before everything else.
    images.push({ imageDigest: PINNED_DIGEST, imageTags: [pinnedTag], imagePushedAt: new Date(NOW.getTime() - 1200 * DAY).toISOString() });
    // 600 releases (semver + commit), one every ~1.8 days for three years.
    for (let i = 0; i < 600; i++) push([`v2.${i}.0-${(0xabc000 + i).toString(16)}`], 1090 - i * 1.8);
    // 300 developer images (dev-* tags), interleaved over the same period.
    for (let i = 0; i < 300; i++) push([`dev-feature-${i}`], 1095 - i * 3.6);
    // 300 untagged images (moved mutable tags, failed pushes), every ~3.6 days.
    for (let i = 0; i < 300; i++) push([], 1093 - i * 3.6);
    // Hand-protected images and a moving tag.
    for (let i = 0; i < 3; i++) push([`keep-incident-${i}`], 1000 - i * 300);
    push(['latest'], 0.5);
    return { images };
  }

  /**
   * What the environment's retention intent says should be expired, computed from the intent alone
   * (not from the rules): releases beyond the newest N per pattern, untagged images older than D days, and
   * other unprotected images outside the newest M overall.
   */
  function expectedExpired(envName: (typeof ENV_NAMES)[number], repo: Repo): Set<string> {
    const { retention: r, imageTag } = loadEnvironment(envName);
    const newestFirst = [...repo.images].sort((a, b) => Date.parse(b.imagePushedAt as string) - Date.parse(a.imagePushedAt as string));
    const tags = (i: ImageDetail) => i.imageTags ?? [];
    const protectedImage = (i: ImageDetail) => tags(i).some((t) => t === imageTag || r.protectTagPatterns.some((p) => tagMatchesPattern(t, p)));
    const releaseOf = (i: ImageDetail) => r.releaseTagPatterns.find((p) => tags(i).some((t) => tagMatchesPattern(t, p)));
    const out = new Set<string>();
    for (const pattern of r.releaseTagPatterns) {
      newestFirst.filter((i) => releaseOf(i) === pattern).slice(r.keepReleaseImages)
        .filter((i) => !protectedImage(i)).forEach((i) => out.add(i.imageDigest));
    }
    newestFirst.forEach((i, rank) => {
      if (protectedImage(i) || releaseOf(i) !== undefined) return;
      const ageDays = (NOW.getTime() - Date.parse(i.imagePushedAt as string)) / DAY;
      if (tags(i).length === 0 ? ageDays > r.expireUntaggedAfterDays : rank >= r.maxImages) out.add(i.imageDigest);
    });
    return out;
  }

  test.each(ENV_NAMES)('%s: the pinned image survives while hundreds of others expire, exactly as the intent says', (envName) => {
    // GIVEN the environment's deployed policy and a repository where the pinned image is the oldest
    const config = loadEnvironment(envName);
    const policy = lifecyclePolicyForEnv(envName);
    const repo = realisticRepository(config.imageTag);

    // WHEN
    const preview = evaluateLifecyclePolicy(policy, repo.images, NOW);

    // THEN the pinned image is not expired ...
    const expired = new Set(preview.previewResults.map((r) => r.imageDigest));
    expect(expired.has(PINNED_DIGEST)).toBe(false);
    // ... nor any hand-protected image (prod protects keep-*) ...
    for (const img of repo.images.filter((i) => (i.imageTags ?? []).some((t) => config.retention.protectTagPatterns.some((p) => tagMatchesPattern(t, p))))) {
      expect(expired.has(img.imageDigest)).toBe(false);
    }
    // ... while releases beyond the kept count, old untagged and old dev-* images are expired.
    expect(expired).toEqual(expectedExpired(envName, repo));
    const byTag = (prefix: string) => preview.previewResults.filter((r) => r.imageTags.some((t) => t.startsWith(prefix))).length;
    expect(byTag('v2.')).toBe(600 - config.retention.keepReleaseImages);
    expect(byTag('dev-feature-')).toBeGreaterThan(0);
    expect(preview.previewResults.filter((r) => r.imageTags.length === 0).length).toBeGreaterThan(250);
  });

  test.each(ENV_NAMES)('%s: control: without its protecting rule the same repository WOULD expire the pinned image', (envName) => {
    // GIVEN the policy minus the rule that protects the pinned tag
    const config = loadEnvironment(envName);
    const policy = lifecyclePolicyForEnv(envName);
    const unprotected: LifecyclePolicy = { rules: policy.rules.filter((r) => !r.selection.tagPatternList?.includes(config.imageTag)) };
    expect(unprotected.rules).toHaveLength(policy.rules.length - 1);

    // WHEN
    const preview = evaluateLifecyclePolicy(unprotected, realisticRepository(config.imageTag).images, NOW);

    // THEN
    expect(preview.previewResults.map((r) => r.imageDigest)).toContain(PINNED_DIGEST);
  });
});
