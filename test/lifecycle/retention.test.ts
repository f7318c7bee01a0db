import { loadConfig } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/validate';
import { lifecyclePolicyForRegistry, lifecyclePolicyForRepository } from '../../lib/stacks/registry-lifecycle';
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

describe('lifecyclePolicyForRegistry', () => {
  test('protects every environment\'s configured image tag and renders the registry retention with each promotion window', () => {
    // GIVEN
    const { registry, environments } = loadConfig({ getContext: () => undefined });

    // WHEN
    const policy = lifecyclePolicyForRegistry();

    // THEN
    expect(policy.rules[0].selection.tagPatternList).toEqual([...new Set(environments.map((e) => e.imageTag))]);
    expect(policy).toEqual(renderRetentionPolicy(
      { ...registry.retention, promotionTagPatterns: ['prod-*', 'staging-*', 'dev-*'] },
      { pinnedImageTags: [...new Set(environments.map((e) => e.imageTag))] },
    ));
  });

  test('deploy-time context never changes it (a service deploy cannot change the registry)', () => {
    const withContext = lifecyclePolicyForRegistry((k) => ({ env: 'prod', imageTag: 'v9.9.9-abcdef0', imageDigest: `sha256:${'a'.repeat(64)}` } as Record<string, string>)[k]);
    expect(withContext).toEqual(lifecyclePolicyForRegistry());
  });

  test('another repository name is a ConfigError', () => {
    expect(() => lifecyclePolicyForRepository('better-call-buffet-prod')).toThrow(ConfigError);
    expect(lifecyclePolicyForRepository('better-call-buffet')).toEqual(lifecyclePolicyForRegistry());
  });
});

/**
 * What the registry policy keeps, evaluated against a repository of ~1,200 images spread over three years,
 * where the pinned image is the OLDEST image of all and releases are promoted along dev -> staging -> prod.
 */
describe('the registry policy keeps pinned images and every environment\'s promotion window', () => {
  const NOW = new Date('2026-11-01T00:00:00Z');
  const DAY = 24 * 60 * 60 * 1000;
  const PINNED_DIGEST = `sha256:${'f'.repeat(64)}`;
  const { registry, environments } = loadConfig({ getContext: () => undefined });
  const r = registry.retention;
  const pinnedTag = environments[0].imageTag;

  interface Repo {
    readonly images: ImageDetail[];
  }

  function realisticRepository(): Repo {
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
    // 600 releases (semver + commit), one every ~1.8 days for three years; every 2nd promoted to dev, every
    // 4th on to staging, every 8th on to prod (promotion tags <env>-<release tag>, chain order).
    for (let i = 0; i < 600; i++) {
      const release = `v2.${i}.0-${(0xabc000 + i).toString(16)}`;
      const reached = i % 8 === 0 ? ['dev', 'staging', 'prod'] : i % 4 === 0 ? ['dev', 'staging'] : i % 2 === 0 ? ['dev'] : [];
      push([release, ...reached.map((e) => `${e}-${release}`)], 1090 - i * 1.8);
    }
    // 300 images with other tags (feature branches), interleaved over the same period.
    for (let i = 0; i < 300; i++) push([`feature-${i}`], 1095 - i * 3.6);
    // 300 untagged images (failed pushes), every ~3.6 days.
    for (let i = 0; i < 300; i++) push([], 1093 - i * 3.6);
    // Hand-protected images and a one-off tag.
    for (let i = 0; i < 3; i++) push([`keep-incident-${i}`], 1000 - i * 300);
    push(['latest'], 0.5);
    return { images };
  }

  /**
   * What the retention intent says should be expired, computed from the intent alone (not from the rules):
   * a promoted image is kept while it is among the newest keepPromotedImages of ANY environment it reached
   * (the union of the rollback windows); other releases beyond the newest N (counting every release image);
   * untagged images older than D days; other unprotected images outside the newest M overall.
   */
  function expectedExpired(repo: Repo): Set<string> {
    const newestFirst = [...repo.images].sort((a, b) => Date.parse(b.imagePushedAt as string) - Date.parse(a.imagePushedAt as string));
    const tags = (i: ImageDetail) => i.imageTags ?? [];
    const protectedImage = (i: ImageDetail) => tags(i).some((t) => environments.some((e) => e.imageTag === t) || r.protectTagPatterns.some((p) => tagMatchesPattern(t, p)));
    const promotedTo = (i: ImageDetail) => environments.filter((e) => tags(i).some((t) => t.startsWith(`${e.envName}-`))).map((e) => e.envName);
    const releaseOf = (i: ImageDetail) => r.releaseTagPatterns.find((p) => tags(i).some((t) => tagMatchesPattern(t, p)));
    const window = new Set<string>();
    for (const e of environments) newestFirst.filter((i) => promotedTo(i).includes(e.envName)).slice(0, r.keepPromotedImages).forEach((i) => window.add(i.imageDigest));
    const out = new Set<string>();
    for (const i of newestFirst) if (!protectedImage(i) && promotedTo(i).length > 0 && !window.has(i.imageDigest)) out.add(i.imageDigest);
    for (const pattern of r.releaseTagPatterns) {
      newestFirst.filter((i) => releaseOf(i) === pattern).slice(r.keepReleaseImages)
        .filter((i) => !protectedImage(i) && promotedTo(i).length === 0).forEach((i) => out.add(i.imageDigest));
    }
    newestFirst.forEach((i, rank) => {
      if (protectedImage(i) || releaseOf(i) !== undefined) return;
      const ageDays = (NOW.getTime() - Date.parse(i.imagePushedAt as string)) / DAY;
      if (tags(i).length === 0 ? ageDays > r.expireUntaggedAfterDays : rank >= r.maxImages) out.add(i.imageDigest);
    });
    return out;
  }

  test('the pinned image and every rollback window survive while hundreds of others expire, exactly as the intent says', () => {
    // GIVEN the deployed policy and a repository where the pinned image is the oldest
    const policy = lifecyclePolicyForRegistry();
    const repo = realisticRepository();

    // WHEN
    const preview = evaluateLifecyclePolicy(policy, repo.images, NOW);

    // THEN the pinned image is not expired ...
    const expired = new Set(preview.previewResults.map((x) => x.imageDigest));
    expect(expired.has(PINNED_DIGEST)).toBe(false);
    // ... nor any hand-protected image ...
    for (const img of repo.images.filter((i) => (i.imageTags ?? []).some((t) => r.protectTagPatterns.some((p) => tagMatchesPattern(t, p))))) {
      expect(expired.has(img.imageDigest)).toBe(false);
    }
    // ... nor the newest keepPromotedImages promoted to each environment ...
    for (const e of environments) {
      const promoted = repo.images.filter((i) => (i.imageTags ?? []).some((t) => t.startsWith(`${e.envName}-`)))
        .sort((a, b) => Date.parse(b.imagePushedAt as string) - Date.parse(a.imagePushedAt as string));
      expect(promoted.length).toBeGreaterThan(r.keepPromotedImages);
      for (const img of promoted.slice(0, r.keepPromotedImages)) expect(expired.has(img.imageDigest)).toBe(false);
    }
    // ... while old promotions, old releases, old untagged and old feature images expire, as the intent says.
    expect(expired).toEqual(expectedExpired(repo));
    const byTag = (prefix: string) => preview.previewResults.filter((x) => x.imageTags.some((t) => t.startsWith(prefix))).length;
    expect(byTag('prod-')).toBe(75 - r.keepPromotedImages);
    expect(byTag('feature-')).toBeGreaterThan(0);
    expect(preview.previewResults.filter((x) => x.imageTags.length === 0).length).toBeGreaterThan(250);
  });

  test('control: without its protecting rule the same repository WOULD expire the pinned image', () => {
    // GIVEN the policy minus the rule that protects the pinned tag
    const policy = lifecyclePolicyForRegistry();
    const unprotected: LifecyclePolicy = { rules: policy.rules.filter((x) => !x.selection.tagPatternList?.includes(pinnedTag)) };
    expect(unprotected.rules).toHaveLength(policy.rules.length - 1);

    // WHEN
    const preview = evaluateLifecyclePolicy(unprotected, realisticRepository().images, NOW);

    // THEN
    expect(preview.previewResults.map((x) => x.imageDigest)).toContain(PINNED_DIGEST);
  });

  test('control: with the promotion rules in chain order (dev first), an image promoted to prod can fall out early', () => {
    // GIVEN the promotion rules reversed: dev-* claims prod images and keeps only the newest 20 dev promotions
    const { registry: reg } = loadConfig({ getContext: () => undefined });
    const reversed = renderRetentionPolicy({ ...reg.retention, promotionTagPatterns: ['dev-*', 'staging-*', 'prod-*'] }, { pinnedImageTags: [pinnedTag] });
    const repo = realisticRepository();
    // WHEN
    const expired = new Set(evaluateLifecyclePolicy(reversed, repo.images, NOW).previewResults.map((x) => x.imageDigest));
    // THEN one of the newest 20 prod promotions is expired: the order in the deployed policy matters
    const prodWindow = repo.images.filter((i) => (i.imageTags ?? []).some((t) => t.startsWith('prod-')))
      .sort((a, b) => Date.parse(b.imagePushedAt as string) - Date.parse(a.imagePushedAt as string)).slice(0, reg.retention.keepPromotedImages);
    expect(prodWindow.some((i) => expired.has(i.imageDigest))).toBe(true);
  });
});
