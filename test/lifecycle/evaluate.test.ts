import {
  evaluateLifecyclePolicy,
  ImageDetail,
  ImageDetailsError,
  parseImageDetails,
  PreviewResult,
  tagMatchesPattern,
} from '../../lib/lifecycle/evaluate';
import { LifecyclePolicy, LifecyclePolicyError, parseLifecyclePolicy } from '../../lib/lifecycle/policy';

// Every scenario is evaluated at this fixed instant; "pushed N days ago" is relative to it.
const NOW = new Date('2024-06-01T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * DAY_MS).toISOString();
}

/** Images are named A, B, C... as in the user guide; the digest carries the name so results read back. */
function image(name: string, tags: string[], pushedDaysAgo: number, extra: Partial<ImageDetail> = {}): ImageDetail {
  return { imageDigest: `sha256:image-${name}`, imageTags: tags, imagePushedAt: daysAgo(pushedDaysAgo), ...extra };
}

/** Names of the images acted on, in result order (newest push first). */
function names(result: PreviewResult): string[] {
  return result.previewResults.map((r) => r.imageDigest.replace('sha256:image-', ''));
}

/** image name -> "ACTION by priority N", for asserting who did what. */
function decisions(result: PreviewResult): Record<string, string> {
  return Object.fromEntries(
    result.previewResults.map((r) => [r.imageDigest.replace('sha256:image-', ''), `${r.action.type} by ${r.appliedRulePriority}`]),
  );
}

/** Policies are written as the JSON text the user guide prints, and parsed like ECR would. */
function policy(text: string): LifecyclePolicy {
  return parseLifecyclePolicy(text);
}

describe('user guide "Examples of lifecycle policies"', () => {
  it('Filtering on image age: expires images tagged prod* older than 14 days', () => {
    // GIVEN the example policy and a repository around it
    const p = policy(`{
      "rules": [
        {
          "rulePriority": 1,
          "description": "Expire images older than 14 days",
          "selection": {
            "tagStatus": "tagged",
            "tagPatternList": ["prod*"],
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 14
          },
          "action": { "type": "expire" }
        }
      ]
    }`);
    const images = [
      image('A', ['prod'], 30),
      image('B', ['prod1', 'latest'], 15),
      image('C', ['prod2'], 13), // too young
      image('D', ['dev-1'], 40), // not prod*
      image('E', [], 60), // untagged
      image('F', ['preprod'], 20), // the pattern matches whole tags, from the start
      image('G', ['production-team1'], 20), // the guide's own example of a prod* match
    ];

    // WHEN the policy is previewed
    const result = evaluateLifecyclePolicy(p, images, NOW);

    // THEN A, B and G expire, newest first
    expect(names(result)).toEqual(['B', 'G', 'A']);
    expect(result.summary).toEqual({ expiringImageTotalCount: 3 });
  });

  it('Filtering on image age (earlier revision of the page): expires untagged images older than 14 days', () => {
    // GIVEN the example as the page printed it before tagPatternList existed
    const p = policy(`{
      "rules": [
        {
          "rulePriority": 1,
          "description": "Expire images older than 14 days",
          "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14 },
          "action": { "type": "expire" }
        }
      ]
    }`);
    const images = [image('A', [], 20), image('B', [], 10), image('C', ['v1'], 30)];

    // WHEN previewed / THEN only the old untagged image expires
    expect(names(evaluateLifecyclePolicy(p, images, NOW))).toEqual(['A']);
  });

  it('Filtering on last pulled time: archives images not pulled in 90 days, falling back to push time', () => {
    // GIVEN the example policy
    const p = policy(`{
      "rules": [
        {
          "rulePriority": 1,
          "description": "Archive images not pulled in 90 days",
          "selection": { "tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90 },
          "action": { "type": "transition", "targetStorageClass": "archive" }
        }
      ]
    }`);
    const images = [
      image('A', ['v1'], 200, { lastRecordedPullTime: daysAgo(100) }), // pulled, but long ago
      image('B', ['v2'], 200, { lastRecordedPullTime: daysAgo(10) }), // old push, recent pull
      image('C', [], 120), // never pulled: push time counts
      image('D', ['v3'], 30), // never pulled, pushed recently
      image('E', ['v0'], 300, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(50) }), // already archived
    ];

    // WHEN previewed
    const result = evaluateLifecyclePolicy(p, images, NOW);

    // THEN A and C are transitioned to archive, nothing is expired
    expect(result).toEqual({
      previewResults: [
        { imageDigest: 'sha256:image-C', imageTags: [], imagePushedAt: daysAgo(120), action: { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, appliedRulePriority: 1 },
        { imageDigest: 'sha256:image-A', imageTags: ['v1'], imagePushedAt: daysAgo(200), action: { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, appliedRulePriority: 1 },
      ],
      summary: { expiringImageTotalCount: 0, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 2 }] },
    });
  });

  it('Filtering on archive transition time: expires images archived for more than 365 days', () => {
    // GIVEN the example policy
    const p = policy(`{
      "rules": [
        {
          "rulePriority": 1,
          "description": "Expire images archived for more than 365 days",
          "selection": {
            "tagStatus": "any",
            "storageClass": "archive",
            "countType": "sinceImageTransitioned",
            "countUnit": "days",
            "countNumber": 365
          },
          "action": { "type": "expire" }
        }
      ]
    }`);
    const images = [
      image('A', ['v1'], 500, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(400) }),
      image('B', ['v2'], 500, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(200) }),
      image('C', ['v3'], 1000), // standard storage: the rule only looks at archived images
    ];

    // WHEN previewed / THEN only A, archived 400 days ago, expires
    expect(decisions(evaluateLifecyclePolicy(p, images, NOW))).toEqual({ A: 'EXPIRE by 1' });
  });

  it('Filtering on image count: keeps only one untagged image and expires all others', () => {
    // GIVEN the example policy
    const p = policy(`{
      "rules": [
        {
          "rulePriority": 1,
          "description": "Keep only one untagged image, expire all others",
          "selection": { "tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1 },
          "action": { "type": "expire" }
        }
      ]
    }`);
    const images = [image('A', [], 3), image('B', [], 2), image('C', [], 1), image('D', ['v1'], 10)];

    // WHEN previewed / THEN the two older untagged images expire
    expect(names(evaluateLifecyclePolicy(p, images, NOW))).toEqual(['B', 'A']);
  });

  describe('Filtering on multiple rules', () => {
    // Repository contents shared by Example A and Example B.
    const repository = [
      image('A', ['beta-1', 'prod-1'], 10),
      image('B', ['beta-2', 'prod-2'], 9),
      image('C', ['beta-3'], 8),
    ];
    const twoRules = (first: string, second: string, list: 'tagPatternList' | 'tagPrefixList'): LifecyclePolicy =>
      policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": { "tagStatus": "tagged", "${list}": ["${first}"], "countType": "imageCountMoreThan", "countNumber": 1 },
            "action": { "type": "expire" }
          },
          {
            "rulePriority": 2,
            "description": "Rule 2",
            "selection": { "tagStatus": "tagged", "${list}": ["${second}"], "countType": "imageCountMoreThan", "countNumber": 1 },
            "action": { "type": "expire" }
          }
        ]
      }`);

    it('Example A: Rule 1 (prod*) expires A; Rule 2 (beta*) may not touch B, which Rule 1 selected', () => {
      // GIVEN prod* at priority 1 and beta* at priority 2
      const p = twoRules('prod*', 'beta*', 'tagPatternList');
      // WHEN previewed
      const result = evaluateLifecyclePolicy(p, repository, NOW);
      // THEN "Result: Image A is expired."
      expect(decisions(result)).toEqual({ A: 'EXPIRE by 1' });
    });

    it('Example B: with the priorities swapped, Rule 1 (beta*) expires A and B', () => {
      // GIVEN beta* at priority 1 and prod* at priority 2
      const p = twoRules('beta*', 'prod*', 'tagPatternList');
      // WHEN previewed
      const result = evaluateLifecyclePolicy(p, repository, NOW);
      // THEN "Result: Images A and B are expired."
      expect(decisions(result)).toEqual({ A: 'EXPIRE by 1', B: 'EXPIRE by 1' });
    });

    it('Example A and B (earlier revision, tagPrefixList): same outcomes with prefixes prod and beta', () => {
      // GIVEN the same examples written with tagPrefixList, as the page used to print them
      // WHEN previewed / THEN the outcomes are unchanged
      expect(decisions(evaluateLifecyclePolicy(twoRules('prod', 'beta', 'tagPrefixList'), repository, NOW))).toEqual({ A: 'EXPIRE by 1' });
      expect(decisions(evaluateLifecyclePolicy(twoRules('beta', 'prod', 'tagPrefixList'), repository, NOW))).toEqual({ A: 'EXPIRE by 1', B: 'EXPIRE by 1' });
    });
  });

  describe('Filtering on multiple tags in a single rule', () => {
    const oneRule = (list: string, countType: string): LifecyclePolicy =>
      policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": { "tagStatus": "tagged", ${list}, ${countType} },
            "action": { "type": "expire" }
          }
        ]
      }`);

    const exampleA = [
      image('A', ['alpha-1'], 12),
      image('B', ['beta-1'], 11),
      image('C', ['alpha-2', 'beta-2'], 10),
      image('D', ['alpha-3'], 4),
      image('E', ['beta-3'], 3),
      image('F', ['alpha-4', 'beta-4'], 2),
    ];
    const exampleB = [
      image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10),
      image('B', ['alpha-2', 'beta-2'], 9),
      image('C', ['alpha-3', 'beta-3', 'gamma-2'], 8),
    ];

    it('Example A: images must match all listed patterns; of C and F only C is older than five days', () => {
      // GIVEN patterns alpha* and beta*, sinceImagePushed 5 days
      const p = oneRule('"tagPatternList": ["alpha*", "beta*"]', '"countType": "sinceImagePushed", "countNumber": 5, "countUnit": "days"');
      // WHEN previewed / THEN "Result: Image C is expired."
      expect(names(evaluateLifecyclePolicy(p, exampleA, NOW))).toEqual(['C']);
    });

    it('Example B: tags are not exclusive; of A, B and C the two older ones expire', () => {
      // GIVEN patterns alpha* and beta*, keep 1
      const p = oneRule('"tagPatternList": ["alpha*", "beta*"]', '"countType": "imageCountMoreThan", "countNumber": 1');
      // WHEN previewed / THEN "Result: Images A and B are expired."
      expect(names(evaluateLifecyclePolicy(p, exampleB, NOW))).toEqual(['B', 'A']);
    });

    it('Example A and B (earlier revision, tagPrefixList): same outcomes with prefixes alpha and beta', () => {
      // GIVEN the same examples written with tagPrefixList
      const a = oneRule('"tagPrefixList": ["alpha", "beta"]', '"countType": "sinceImagePushed", "countNumber": 5, "countUnit": "days"');
      const b = oneRule('"tagPrefixList": ["alpha", "beta"]', '"countType": "imageCountMoreThan", "countNumber": 1');
      // WHEN previewed / THEN the outcomes are unchanged
      expect(names(evaluateLifecyclePolicy(a, exampleA, NOW))).toEqual(['C']);
      expect(names(evaluateLifecyclePolicy(b, exampleB, NOW))).toEqual(['B', 'A']);
    });
  });

  describe('Filtering on all images', () => {
    it('Example A: tagStatus any keeps only the newest image', () => {
      // GIVEN the example policy and repository
      const p = policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1 },
            "action": { "type": "expire" }
          }
        ]
      }`);
      const images = [image('A', ['alpha-1'], 4), image('B', ['beta-1'], 3), image('C', [], 2), image('D', ['alpha-2'], 1)];

      // WHEN previewed / THEN "Result: Images A, B, and C are expired."
      expect(names(evaluateLifecyclePolicy(p, images, NOW))).toEqual(['C', 'B', 'A']);
    });

    it('Example B: all rule types combined; Rule 3 may only mark D', () => {
      // GIVEN the example policy
      const p = policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": { "tagStatus": "tagged", "tagPatternList": ["alpha*"], "countType": "imageCountMoreThan", "countNumber": 1 },
            "action": { "type": "expire" }
          },
          {
            "rulePriority": 2,
            "description": "Rule 2",
            "selection": { "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 1 },
            "action": { "type": "expire" }
          },
          {
            "rulePriority": 3,
            "description": "Rule 3",
            "selection": { "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1 },
            "action": { "type": "expire" }
          }
        ]
      }`);
      // AND the repository; D and E are both "1 day ago" on the page, listed D then E as pushed. E is
      // pushed exactly one day ago (not *older* than one day, so Rule 2 keeps it) and D an hour before.
      const images = [
        image('A', ['alpha-1', 'beta-1'], 4),
        image('B', [], 3),
        image('C', ['alpha-2'], 2),
        image('D', ['git hash'], 1 + 1 / 24),
        image('E', [], 1),
      ];

      // WHEN previewed
      const result = evaluateLifecyclePolicy(p, images, NOW);

      // THEN "Result: Images A, B, and D are expired." - by Rules 1, 2 and 3 respectively
      expect(decisions(result)).toEqual({ A: 'EXPIRE by 1', B: 'EXPIRE by 2', D: 'EXPIRE by 3' });
      expect(names(result)).toEqual(['D', 'B', 'A']);
    });

    it('Example B (earlier revision, tagPrefixList alpha): same outcome', () => {
      // GIVEN Rule 1 written with tagPrefixList ["alpha"]
      const p = policy(JSON.stringify({
        rules: [
          { rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['alpha'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
          { rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } },
          { rulePriority: 3, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
        ],
      }));
      const images = [image('A', ['alpha-1', 'beta-1'], 4), image('B', [], 3), image('C', ['alpha-2'], 2), image('D', ['git hash'], 1 + 1 / 24), image('E', [], 1)];
      // WHEN previewed / THEN A, B and D expire
      expect(decisions(evaluateLifecyclePolicy(p, images, NOW))).toEqual({ A: 'EXPIRE by 1', B: 'EXPIRE by 2', D: 'EXPIRE by 3' });
    });
  });

  describe('Archive examples', () => {
    it('Archiving images older than a specified number of days: prod* images older than 30 days', () => {
      // GIVEN the example policy
      const p = policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Archive production images older than 30 days",
            "selection": { "tagStatus": "tagged", "tagPatternList": ["prod*"], "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30 },
            "action": { "type": "transition", "targetStorageClass": "archive" }
          }
        ]
      }`);
      const images = [image('A', ['prod-1'], 40), image('B', ['prod-2'], 10), image('C', ['dev'], 40)];

      // WHEN previewed / THEN only A is transitioned
      const result = evaluateLifecyclePolicy(p, images, NOW);
      expect(decisions(result)).toEqual({ A: 'TRANSITION by 1' });
      expect(result.summary).toEqual({ expiringImageTotalCount: 0, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 1 }] });
    });

    it('Archiving images not pulled in a specified number of days: 90 days since the last pull', () => {
      // GIVEN the example policy
      const p = policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Archive images not pulled in 90 days",
            "selection": { "tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90 },
            "action": { "type": "transition", "targetStorageClass": "archive" }
          }
        ]
      }`);
      const images = [image('A', ['v1'], 365, { lastRecordedPullTime: daysAgo(91) }), image('B', ['v2'], 365, { lastRecordedPullTime: daysAgo(89) })];

      // WHEN previewed / THEN A (last pulled 91 days ago) is transitioned, B is not
      expect(decisions(evaluateLifecyclePolicy(p, images, NOW))).toEqual({ A: 'TRANSITION by 1' });
    });

    it('Combining archive and expire rules: archive after 30 days, expire after 365 days in archive', () => {
      // GIVEN the example policy (two "any" rules, one per storage class)
      const p = policy(`{
        "rules": [
          {
            "rulePriority": 1,
            "description": "Archive images older than 30 days",
            "selection": { "tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30 },
            "action": { "type": "transition", "targetStorageClass": "archive" }
          },
          {
            "rulePriority": 2,
            "description": "Expire images archived for more than 365 days",
            "selection": { "tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365 },
            "action": { "type": "expire" }
          }
        ]
      }`);
      const images = [
        image('A', ['v4'], 40),
        image('B', ['v5'], 5),
        image('C', ['v1'], 900, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(400) }),
        image('D', ['v2'], 900, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(100) }),
      ];

      // WHEN previewed
      const result = evaluateLifecyclePolicy(p, images, NOW);

      // THEN A is archived by rule 1 and C (archived 400 days ago) expires by rule 2
      expect(decisions(result)).toEqual({ A: 'TRANSITION by 1', C: 'EXPIRE by 2' });
      expect(result.summary).toEqual({ expiringImageTotalCount: 1, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 1 }] });
    });
  });
});

describe('evaluation edge cases', () => {
  const keepNewest = (count: number, tagStatus = 'any'): LifecyclePolicy =>
    policy(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus, countType: 'imageCountMoreThan', countNumber: count }, action: { type: 'expire' } }] }));

  it('breaks ties on push time by digest: the smaller digest counts as newer and is listed first', () => {
    // GIVEN three images pushed in the same second
    const pushedAt = '2024-05-01T00:00:00Z';
    const images: ImageDetail[] = ['sha256:ccc', 'sha256:aaa', 'sha256:bbb'].map((d) => ({ imageDigest: d, imageTags: ['x'], imagePushedAt: pushedAt }));

    // WHEN keeping only the newest one
    const result = evaluateLifecyclePolicy(keepNewest(1), images, NOW);

    // THEN sha256:aaa is kept and the others are listed in digest order, whatever the input order
    expect(result.previewResults.map((r) => r.imageDigest)).toEqual(['sha256:bbb', 'sha256:ccc']);
    expect(evaluateLifecyclePolicy(keepNewest(1), [...images].reverse(), NOW)).toEqual(result);
  });

  it('selects an image with several tags when each pattern matches one of them', () => {
    // GIVEN an image tagged both "latest" and "v1.2.3"
    const images = [image('A', ['latest', 'v1.2.3'], 10), image('B', ['v1.2.4'], 9)];
    const rule = (patterns: string[]): LifecyclePolicy =>
      policy(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: patterns, countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }] }));

    // WHEN / THEN "v*" selects both; "v*" + "latest" only A; "v*" + "rc*" neither; untagged rules skip A
    expect(names(evaluateLifecyclePolicy(rule(['v*']), images, NOW))).toEqual(['B', 'A']);
    expect(names(evaluateLifecyclePolicy(rule(['v*', 'latest']), images, NOW))).toEqual(['A']);
    expect(names(evaluateLifecyclePolicy(rule(['v*', 'rc*']), images, NOW))).toEqual([]);
    expect(names(evaluateLifecyclePolicy(keepNewest(1, 'untagged'), [...images, image('C', [], 50), image('D', [], 40)], NOW))).toEqual(['C']);
  });

  it('returns an empty preview for an empty repository', () => {
    // GIVEN no images / WHEN previewed / THEN nothing happens
    expect(evaluateLifecyclePolicy(keepNewest(1), [], NOW)).toEqual({ previewResults: [], summary: { expiringImageTotalCount: 0 } });
  });

  it('acts on an image matching several rules only through the highest-priority rule that selects it', () => {
    // GIVEN rule 1 keeps v* images for 100 days and rule 2 expires anything older than 10 days
    const p = policy(JSON.stringify({
      rules: [
        { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 100 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 10 }, action: { type: 'expire' } },
      ],
    }));
    const images = [image('A', ['v1'], 150), image('B', ['v2'], 50), image('C', ['dev'], 50)];

    // WHEN previewed
    const result = evaluateLifecyclePolicy(p, images, NOW);

    // THEN A expires by rule 1 (not 2), B is protected by rule 1 although rule 2 would expire it, C expires by rule 2
    expect(decisions(result)).toEqual({ A: 'EXPIRE by 1', C: 'EXPIRE by 2' });
  });

  it('counts images claimed by a higher-priority rule toward a lower rule\'s imageCountMoreThan', () => {
    // GIVEN rule 1 protects every release (a count no one reaches) and rule 2 keeps the newest 3 images
    const p = policy(JSON.stringify({
      rules: [
        { rulePriority: 1, description: 'protect releases', selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 9999 }, action: { type: 'expire' } },
        { rulePriority: 2, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
      ],
    }));
    // AND the three newest images are releases
    const images = [
      image('A', ['feature-x'], 9),
      image('B', [], 8),
      image('C', ['release-1'], 3),
      image('D', ['release-2'], 2),
      image('E', ['release-3'], 1),
    ];

    // WHEN previewed
    const result = evaluateLifecyclePolicy(p, images, NOW);

    // THEN the releases fill rule 2's three places, so both non-release images expire
    expect(decisions(result)).toEqual({ A: 'EXPIRE by 2', B: 'EXPIRE by 2' });
  });

  it('ages sinceImagePulled from the last pull, else from push, else from the restore if not pulled since', () => {
    // GIVEN a 30-day sinceImagePulled transition rule
    const p = policy(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } }] }));
    const images = [
      image('A', ['a'], 60, { lastRecordedPullTime: daysAgo(5) }), // recent pull keeps it
      image('B', ['b'], 60), // never pulled: pushed 60 days ago
      image('C', ['c'], 20), // never pulled: pushed 20 days ago
      image('D', ['d'], 120, { lastRecordedPullTime: daysAgo(90), lastActivatedAt: daysAgo(60) }), // restored, not pulled since
      image('E', ['e'], 120, { lastRecordedPullTime: daysAgo(90), lastActivatedAt: daysAgo(10) }), // restored recently
    ];

    // WHEN previewed / THEN B (push time) and D (restore time) are transitioned
    expect(decisions(evaluateLifecyclePolicy(p, images, NOW))).toEqual({ B: 'TRANSITION by 1', D: 'TRANSITION by 1' });
  });

  it('treats "older than N days" strictly: an image exactly N days old is kept', () => {
    // GIVEN a 7-day rule and images exactly 7 days old and 7 days and a second old
    const p = policy(JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }] }));
    const images = [image('A', [], 7), { ...image('B', [], 7), imagePushedAt: new Date(NOW.getTime() - 7 * DAY_MS - 1000).toISOString() }];

    // WHEN previewed / THEN only B expires
    expect(names(evaluateLifecyclePolicy(p, images, NOW))).toEqual(['B']);
  });

  it('orders restored images by their restore time for imageCountMoreThan', () => {
    // GIVEN an old image restored from archive yesterday and a newer image never archived
    const images = [image('A', ['v1'], 300, { lastActivatedAt: daysAgo(1) }), image('B', ['v2'], 5)];

    // WHEN keeping the newest one / THEN the restored image counts as the newest ("last_activated_at is
    // used instead of pushed_at_time") and B expires
    expect(names(evaluateLifecyclePolicy(keepNewest(1), images, NOW))).toEqual(['B']);
  });

  it('leaves images that are being restored (ACTIVATING) alone and does not count them', () => {
    // GIVEN a newest image mid-restore
    const images = [image('A', ['v1'], 10), image('B', ['v2'], 1, { imageStatus: 'ACTIVATING', lastArchivedAt: daysAgo(100) })];

    // WHEN keeping the newest one / THEN A is kept (B is not counted) and B is not touched
    expect(names(evaluateLifecyclePolicy(keepNewest(1), images, NOW))).toEqual([]);
  });

  it('echoes imagePushedAt as given (ISO text or epoch seconds) and orders by the actual instant', () => {
    // GIVEN one image with an ISO timestamp and one with epoch seconds, as CLI v2 and v1 print them
    const images: ImageDetail[] = [
      { imageDigest: 'sha256:iso', imagePushedAt: '2024-05-02T00:00:00.000000+02:00' },
      { imageDigest: 'sha256:epoch', imagePushedAt: Date.parse('2024-05-01T23:00:00Z') / 1000 },
      { imageDigest: 'sha256:newest', imagePushedAt: '2024-05-03T00:00:00Z' },
    ];

    // WHEN keeping the newest one
    const result = evaluateLifecyclePolicy(keepNewest(1), images, NOW);

    // THEN the epoch image (23:00Z) is newer than the ISO one (22:00Z) and values are echoed verbatim
    expect(result.previewResults.map((r) => [r.imageDigest, r.imagePushedAt])).toEqual([
      ['sha256:epoch', Date.parse('2024-05-01T23:00:00Z') / 1000],
      ['sha256:iso', '2024-05-02T00:00:00.000000+02:00'],
    ]);
    expect(result.previewResults[0].imageTags).toEqual([]);
  });

  it('rejects an invalid policy, duplicate digests and bad timestamps', () => {
    // GIVEN / WHEN / THEN
    const invalid = { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] } as LifecyclePolicy;
    expect(() => evaluateLifecyclePolicy(invalid, [], NOW)).toThrow(LifecyclePolicyError);
    expect(() => evaluateLifecyclePolicy(keepNewest(1), [image('A', [], 1), image('A', [], 2)], NOW)).toThrow(/imageDigest sha256:image-A appears more than once/);
    expect(() => evaluateLifecyclePolicy(keepNewest(1), [{ imageDigest: 'sha256:x', imagePushedAt: 'yesterday' }], NOW)).toThrow(/imageDetails\[0\] \(sha256:x\): imagePushedAt="yesterday" is not a timestamp/);
    expect(() => evaluateLifecyclePolicy(keepNewest(1), [], new Date('nope'))).toThrow(/now: Invalid Date is not a valid Date/);
  });
});

describe('signatures and other referrers follow their subject image', () => {
  const SIGNATURE = 'application/vnd.cncf.notary.signature';
  /** The managed signature of image `subject`, pushed with it. */
  const signatureOf = (subject: string, pushedDaysAgo: number) =>
    image(`${subject}-sig`, [], pushedDaysAgo, { subjectManifestDigest: `sha256:image-${subject}`, artifactMediaType: SIGNATURE });
  const policyText = (rules: unknown[]) => policy(JSON.stringify({ rules }));
  const untaggedAfter = (days: number, priority = 2) => ({ rulePriority: priority, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days }, action: { type: 'expire' } });

  test('the untagged rule does not expire the signature of a kept image, although the signature is untagged', () => {
    const r = evaluateLifecyclePolicy(policyText([untaggedAfter(14, 1)]), [image('A', ['v1'], 30), signatureOf('A', 30), image('U', [], 30)], NOW);
    expect(decisions(r)).toEqual({ U: 'EXPIRE by 1' });
  });

  test('an expired image takes its signature with it, under the same rule, and both are counted', () => {
    const rules = [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }];
    const r = evaluateLifecyclePolicy(policyText(rules), [image('A', ['v1'], 3), signatureOf('A', 3), image('B', ['v2'], 1), signatureOf('B', 1)], NOW);
    expect(decisions(r)).toEqual({ 'A': 'EXPIRE by 1', 'A-sig': 'EXPIRE by 1' });
    expect(r.summary).toEqual({ expiringImageTotalCount: 2 });
  });

  test('signatures take no place among the newest N of a count rule', () => {
    // GIVEN three tagged images, each signed, and "keep the newest 3 of any kind"
    const rules = [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } }];
    const images = ['A', 'B', 'C'].flatMap((n, i) => [image(n, [`v${i}`], 3 - i), signatureOf(n, 3 - i)]);
    // THEN nothing expires: six artifacts, three images
    expect(evaluateLifecyclePolicy(policyText(rules), images, NOW).previewResults).toEqual([]);
  });

  test('an archived image takes its signature to the archive', () => {
    const rules = [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } }];
    const r = evaluateLifecyclePolicy(policyText(rules), [image('A', ['v1'], 40), signatureOf('A', 40)], NOW);
    expect(decisions(r)).toEqual({ 'A': 'TRANSITION by 1', 'A-sig': 'TRANSITION by 1' });
    expect(r.summary).toEqual({ expiringImageTotalCount: 0, transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: 2 }] });
  });

  test('describe-images output carries subjectManifestDigest and artifactMediaType through; a bad value names the image', () => {
    const parsed = parseImageDetails({ imageDetails: [{ imageDigest: 'sha256:s', imagePushedAt: 1, subjectManifestDigest: 'sha256:a', artifactMediaType: SIGNATURE }] });
    expect(parsed[0]).toMatchObject({ subjectManifestDigest: 'sha256:a', artifactMediaType: SIGNATURE });
    expect(() => parseImageDetails({ imageDetails: [{ imageDigest: 'sha256:s', imagePushedAt: 1, subjectManifestDigest: 7 }] }))
      .toThrow(/imageDetails\[0\] \(sha256:s\): subjectManifestDigest=7 must be a non-empty string/);
  });
});

describe('tagMatchesPattern', () => {
  it.each([
    ['prod', 'prod*', true],
    ['production-team1', 'prod*', true],
    ['preprod', 'prod*', false],
    ['repo-production', '*prod*', true],
    ['prod-team', '*prod*', true],
    ['anything', '*', true],
    ['', '*', true],
    ['v1x2', 'v1.*', false],
    ['v1.2', 'v1.*', true],
    ['app-sha-abc123', '*-sha-*', true],
    ['prod', 'prod', true],
    ['prod1', 'prod', false],
    ['a(b)+c', 'a(b)+*', true],
    ['prod-1-final', 'prod*final', true],
    ['a.b', 'a?b', false],
  ])('tag %j against pattern %j -> %s', (tag, pattern, expected) => {
    // GIVEN a tag and an ECR pattern / WHEN matched / THEN * is the only wildcard and the whole tag must match
    expect(tagMatchesPattern(tag, pattern)).toBe(expected);
  });
});

describe('parseImageDetails', () => {
  it('accepts describe-images output and a bare array, ignoring unrelated fields', () => {
    // GIVEN describe-images output with extra fields
    const detail = { registryId: '123456789012', repositoryName: 'r', imageDigest: 'sha256:a', imageTags: ['v1'], imageSizeInBytes: 10, imagePushedAt: 1714521600.0, lastRecordedPullTime: null };

    // WHEN parsed / THEN only the lifecycle fields are kept
    expect(parseImageDetails({ imageDetails: [detail] })).toEqual([{ imageDigest: 'sha256:a', imageTags: ['v1'], imagePushedAt: 1714521600.0 }]);
    expect(parseImageDetails([detail])).toEqual(parseImageDetails({ imageDetails: [detail] }));
  });

  it('rejects other shapes, naming the entry and field', () => {
    // GIVEN / WHEN / THEN
    expect(() => parseImageDetails({ images: [] })).toThrow(ImageDetailsError);
    expect(() => parseImageDetails({ images: [] })).toThrow(/expected the output of aws ecr describe-images/);
    expect(() => parseImageDetails([42])).toThrow(/imageDetails\[0\]: expected an object/);
    expect(() => parseImageDetails([{ imagePushedAt: 1 }])).toThrow(/imageDetails\[0\]: imageDigest=undefined must be a non-empty string/);
    expect(() => parseImageDetails([{ imageDigest: 'sha256:a', imagePushedAt: '2024-05-01T10:00:00' }])).toThrow(/imagePushedAt="2024-05-01T10:00:00" is not a timestamp; use ISO-8601 with a zone/);
    expect(() => parseImageDetails([{ imageDigest: 'sha256:a', imagePushedAt: 1, imageTags: 'v1' }])).toThrow(/imageTags="v1" must be a list of strings/);
    expect(() => parseImageDetails([{ imageDigest: 'sha256:a', imagePushedAt: 1, imageStatus: 'GONE' }])).toThrow(/imageStatus="GONE" must be one of ACTIVE, ARCHIVED, ACTIVATING/);
    expect(() => parseImageDetails([{ imageDigest: 'sha256:a', imagePushedAt: 1, imageStatus: 'ARCHIVED' }])).toThrow(/imageStatus is ARCHIVED but lastArchivedAt is missing/);
  });
});
