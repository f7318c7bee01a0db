import { explainLifecyclePolicy } from '../../lib/lifecycle/explain';
import { LifecyclePolicy, LifecyclePolicyError, parseLifecyclePolicy } from '../../lib/lifecycle/policy';

describe('explainLifecyclePolicy', () => {
  it('explains the user guide\'s "Filtering on all images" Example B, one line per rule in priority order', () => {
    // GIVEN the guide's policy combining all rule types, listed out of order
    const policy = parseLifecyclePolicy(JSON.stringify({
      rules: [
        { rulePriority: 3, description: 'Rule 3', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
        { rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPatternList: ['alpha*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'Rule 2', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } },
      ],
    }));

    // WHEN explained
    const lines = explainLifecyclePolicy(policy);

    // THEN each rule gets one line; protection and counting interactions are spelt out, and the untagged
    // rule is not said to skip images of the tagged rule (they can never overlap)
    expect(lines).toEqual([
      'Priority 1 ("Rule 1"): keep the newest 1 of the images with a tag matching "alpha*" (by push time) and expire the rest; every image it selects is protected from lower-priority rules, even the ones it keeps.',
      'Priority 2 ("Rule 2"): expire untagged images pushed more than 1 day ago; every image it selects is protected from lower-priority rules, even the ones it keeps.',
      'Priority 3 ("Rule 3"): keep the newest 1 of all images (by push time) and expire the rest, skipping images selected by priorities 1 and 2 (they still count toward the 1 kept).',
    ]);
  });

  it('says that several prefixes must each match a tag', () => {
    // GIVEN the guide's "multiple tags in a single rule" selection with prefixes
    const policy: LifecyclePolicy = {
      rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }, action: { type: 'expire' } }],
    };

    // WHEN / THEN
    expect(explainLifecyclePolicy(policy)).toEqual([
      'Priority 1: expire images that have a tag starting with "alpha" and a tag starting with "beta", pushed more than 5 days ago.',
    ]);
  });

  it('names storage classes once a policy archives, and keeps the two storage classes apart', () => {
    // GIVEN the guide's "Combining archive and expire rules" policy
    const policy: LifecyclePolicy = {
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 2, selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 }, action: { type: 'expire' } },
      ],
    };

    // WHEN / THEN rule 1 is not said to protect archived images from rule 2
    expect(explainLifecyclePolicy(policy)).toEqual([
      'Priority 1: archive standard-storage images not pulled for more than 90 days (never-pulled images count from their push).',
      'Priority 2: expire archived images that have been in archive for more than 365 days.',
    ]);
  });

  it('reads a count no repository can reach as "keep forever"', () => {
    // GIVEN the usual protection idiom: a huge imageCountMoreThan ahead of a catch-all rule
    const policy: LifecyclePolicy = {
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 1_000_000 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 }, action: { type: 'expire' } },
      ],
    };

    // WHEN / THEN
    expect(explainLifecyclePolicy(policy)).toEqual([
      'Priority 1: keep the images with a tag matching "release-*" forever (its count, 1000000, is at least ECR\'s default quota of 100,000 images per repository, so it never expires any); every image it selects is protected from lower-priority rules, even the ones it keeps.',
      'Priority 2: keep the newest 50 of all images (by push time) and expire the rest, skipping images selected by priority 1 (they still count toward the 50 kept).',
    ]);
  });

  it('refuses to explain an invalid policy', () => {
    // GIVEN a tagStatus any rule that is not last
    const policy: LifecyclePolicy = {
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
      ],
    };

    // WHEN / THEN
    expect(() => explainLifecyclePolicy(policy)).toThrow(LifecyclePolicyError);
    expect(() => explainLifecyclePolicy(policy)).toThrow(/a tagStatus "any" rule must have the highest rulePriority/);
  });
});
