import {
  LifecyclePolicy,
  LifecyclePolicyError,
  MAX_POLICY_TEXT_LENGTH,
  parseLifecyclePolicy,
  validateLifecyclePolicy,
} from '../../lib/lifecycle/policy';

/** A valid rule; tests override parts of it (as plain JSON, since they feed ECR-style text). */
function rule(overrides: { rulePriority?: unknown; selection?: Record<string, unknown>; action?: Record<string, unknown>; [k: string]: unknown } = {}): Record<string, unknown> {
  const { selection, action, ...rest } = overrides;
  return {
    rulePriority: 1,
    selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
    action: { type: 'expire', ...action },
    ...rest,
  };
}

function policyText(...rules: unknown[]): string {
  return JSON.stringify({ rules });
}

/** Returns the error `parseLifecyclePolicy` throws, failing the test if it does not throw one. */
function rejection(input: unknown): LifecyclePolicyError {
  try {
    parseLifecyclePolicy(input);
  } catch (err) {
    if (err instanceof LifecyclePolicyError) return err;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseLifecyclePolicy: accepted policies', () => {
  it('accepts the policy template fields and normalises since* rules to countUnit "days"', () => {
    // GIVEN a policy using every selection field the template lists
    const text = policyText(
      rule({ rulePriority: 1, description: 'releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 } }),
    );

    // WHEN it is parsed
    const policy = parseLifecyclePolicy(text);

    // THEN it comes back typed and unchanged
    expect(policy).toEqual({
      rules: [
        { rulePriority: 1, description: 'releases', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'transition', targetStorageClass: 'archive' } },
        { rulePriority: 2, selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 }, action: { type: 'expire' } },
      ],
    });
  });

  it('accepts the wildcard examples the user guide calls valid', () => {
    // GIVEN the guide's valid example ["*test*1*2*3", "test*1*2*3*"] (4 wildcards each)
    const text = policyText(rule({ selection: { tagStatus: 'tagged', tagPatternList: ['*test*1*2*3', 'test*1*2*3*'] } }));

    // WHEN / THEN it parses
    expect(parseLifecyclePolicy(text).rules[0].selection.tagPatternList).toEqual(['*test*1*2*3', 'test*1*2*3*']);
  });

  it('accepts a parsed object as well as text, and validateLifecyclePolicy accepts the same policy', () => {
    // GIVEN a policy built in code
    const policy: LifecyclePolicy = {
      rules: [{ rulePriority: 5, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: { type: 'expire' } }],
    };

    // WHEN / THEN both entry points accept it
    expect(parseLifecyclePolicy(policy)).toEqual(policy);
    expect(() => validateLifecyclePolicy(policy)).not.toThrow();
  });

  it('accepts non-sequential priorities, rules listed out of order, and one untagged rule per storage class', () => {
    // GIVEN priorities 10 and 3 listed out of order; the any rule has the highest priority (10)
    const text = policyText(
      rule({ rulePriority: 10, selection: { tagStatus: 'any', countNumber: 50 } }),
      rule({ rulePriority: 3, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 } }),
    );

    // WHEN / THEN it parses
    expect(parseLifecyclePolicy(text).rules.map((r) => r.rulePriority)).toEqual([10, 3]);
  });
});

describe('parseLifecyclePolicy: one rejection per ECR validation rule', () => {
  it('rejects a rulePriority that is not a positive integer', () => {
    // GIVEN / WHEN / THEN 0, 1.5 and "1" are all rejected, naming the field and the value
    expect(() => parseLifecyclePolicy(policyText(rule({ rulePriority: 0 })))).toThrow(/rules\[0\]: rulePriority=0: must be a positive integer/);
    expect(() => parseLifecyclePolicy(policyText(rule({ rulePriority: 1.5 })))).toThrow(/rulePriority=1\.5: must be a positive integer/);
    expect(() => parseLifecyclePolicy(policyText(rule({ rulePriority: '1' })))).toThrow(/rulePriority="1": must be a positive integer/);
  });

  it('rejects duplicate rulePriority values', () => {
    // GIVEN two rules with priority 2
    const text = policyText(
      rule({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['a'] } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['b'] } }),
    );
    // WHEN / THEN the second one is named
    expect(() => parseLifecyclePolicy(text)).toThrow(/rules\[1\] \(rulePriority 2\): rulePriority=2: already used by rules\[0\]/);
  });

  it('rejects a countNumber that is not a positive integer', () => {
    // GIVEN / WHEN / THEN 0 ("0 is not an accepted value"), negatives and fractions are rejected
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { countNumber: 0 } })))).toThrow(/\(rulePriority 1\): selection\.countNumber=0: must be a positive integer/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { countNumber: -3 } })))).toThrow(/selection\.countNumber=-3/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { countNumber: 2.5 } })))).toThrow(/selection\.countNumber=2\.5/);
  });

  it('requires countUnit with the since* count types', () => {
    // GIVEN a sinceImagePushed rule without countUnit
    const text = policyText(rule({ selection: { countType: 'sinceImagePushed', countNumber: 14 } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/\(rulePriority 1\): selection\.countUnit=\(missing\): required with countType "sinceImagePushed"; add "countUnit": "days"/);
  });

  it('rejects countUnit with imageCountMoreThan', () => {
    // GIVEN an imageCountMoreThan rule with countUnit days
    const text = policyText(rule({ selection: { countType: 'imageCountMoreThan', countUnit: 'days' } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/selection\.countUnit="days": not allowed with countType "imageCountMoreThan"; remove countUnit/);
  });

  it('rejects a countUnit other than days', () => {
    // GIVEN countUnit "hours"
    const text = policyText(rule({ selection: { countType: 'sinceImagePushed', countUnit: 'hours', countNumber: 3 } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/selection\.countUnit="hours": must be one of "days"/);
  });

  it('rejects tag lists on untagged and any rules', () => {
    // GIVEN tag filters on rules that are not "tagged"
    const untagged = policyText(rule({ selection: { tagStatus: 'untagged', tagPrefixList: ['prod'] } }));
    const any = policyText(rule({ selection: { tagStatus: 'any', tagPatternList: ['prod*'] } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(untagged)).toThrow(/selection\.tagPrefixList=\["prod"\]: only allowed with tagStatus "tagged" \(this rule has "untagged"\)/);
    expect(() => parseLifecyclePolicy(any)).toThrow(/selection\.tagPatternList=\["prod\*"\]: only allowed with tagStatus "tagged" \(this rule has "any"\)/);
  });

  it('rejects a rule with both tagPrefixList and tagPatternList', () => {
    // GIVEN both lists in one rule
    const text = policyText(rule({ selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], tagPatternList: ['prod*'] } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/tagPrefixList and tagPatternList cannot both be set in one rule/);
  });

  it('requires a non-empty tag list on tagged rules', () => {
    // GIVEN tagged rules without a list, with an empty list, and with an empty string
    const none = policyText(rule({ selection: { tagStatus: 'tagged' } }));
    const empty = policyText(rule({ selection: { tagStatus: 'tagged', tagPatternList: [] } }));
    const blank = policyText(rule({ selection: { tagStatus: 'tagged', tagPrefixList: [''] } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(none)).toThrow(/tagStatus "tagged" needs a non-empty tagPatternList or tagPrefixList/);
    expect(() => parseLifecyclePolicy(empty)).toThrow(/selection\.tagPatternList=\[\]: must be a non-empty list of strings/);
    expect(() => parseLifecyclePolicy(blank)).toThrow(/selection\.tagPrefixList\[0\]="": must be a non-empty string/);
  });

  it('rejects a tag pattern with more than four wildcards', () => {
    // GIVEN the guide's invalid example "test*1*2*3*4*5*6"
    const text = policyText(rule({ selection: { tagStatus: 'tagged', tagPatternList: ['ok*', 'test*1*2*3*4*5*6'] } }));
    // WHEN / THEN the offending pattern is named with its index
    expect(() => parseLifecyclePolicy(text)).toThrow(/selection\.tagPatternList\[1\]="test\*1\*2\*3\*4\*5\*6": has 6 wildcards \(\*\); at most 4/);
  });

  it('requires a tagStatus any rule to have the highest rulePriority among rules for its storage class', () => {
    // GIVEN an any rule at priority 1 and a tagged rule at priority 2, both on standard storage
    const text = policyText(
      rule({ rulePriority: 1, selection: { tagStatus: 'any' } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPatternList: ['v*'] } }),
    );
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/rules\[0\] \(rulePriority 1\): selection\.tagStatus="any": rules\[1\] \(rulePriority 2\) also selects standard images with a higher rulePriority/);
  });

  it('allows only one rule per storage class to select untagged images', () => {
    // GIVEN two untagged rules on standard storage
    const text = policyText(
      rule({ rulePriority: 1, selection: { tagStatus: 'untagged', countNumber: 5 } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 } }),
    );
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/rules\[1\] \(rulePriority 2\): selection\.tagStatus="untagged": rules\[0\] \(rulePriority 1\) already selects untagged standard images/);
  });

  it('requires a unique set of tag filters per storage class (a prefix p equals the pattern p*)', () => {
    // GIVEN two rules with the same patterns in another order, and a prefix equal to an earlier pattern
    const samePatterns = policyText(
      rule({ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['a*', 'b*'] } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPatternList: ['b*', 'a*'], countNumber: 5 } }),
    );
    const prefixAsPattern = policyText(
      rule({ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['prod*'] } }),
      rule({ rulePriority: 2, selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 9 } }),
    );
    // WHEN / THEN the later rule is named along with the earlier one
    expect(() => parseLifecyclePolicy(samePatterns)).toThrow(/rules\[1\] \(rulePriority 2\): selection\.tagPatternList=\["b\*","a\*"\]: rulePriority 1 already selects the same tag set \(\["a\*","b\*"\]\) among standard images/);
    expect(() => parseLifecyclePolicy(prefixAsPattern)).toThrow(/selection\.tagPrefixList=\["prod"\]: rulePriority 1 already selects the same tag set/);
  });

  it('rejects more than 50 rules', () => {
    // GIVEN 51 distinct tagged rules
    const rules = Array.from({ length: 51 }, (_, i) => rule({ rulePriority: i + 1, selection: { tagStatus: 'tagged', tagPrefixList: [`p${i}`] } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(policyText(...rules))).toThrow(/policy: rules="51 rules": a lifecycle policy can hold at most 50 rules/);
  });

  it('rejects policy text longer than 30,720 characters', () => {
    // GIVEN a valid policy padded with whitespace to one character over the limit
    const base = policyText(rule());
    const text = base + ' '.repeat(MAX_POLICY_TEXT_LENGTH + 1 - base.length);
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/LifecyclePolicyText="30721 characters": the policy text is limited to 30720 characters/);
    expect(() => parseLifecyclePolicy(text.slice(0, -1))).not.toThrow();
  });

  it('requires targetStorageClass archive on transition actions and forbids it on expire', () => {
    // GIVEN transitions without a target or with another target, and an expire with a target
    const missing = policyText(rule({ action: { type: 'transition' } }));
    const wrong = policyText(rule({ action: { type: 'transition', targetStorageClass: 'glacier' } }));
    const onExpire = policyText(rule({ action: { type: 'expire', targetStorageClass: 'archive' } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(missing)).toThrow(/action\.targetStorageClass=\(missing\): required with action type "transition"/);
    expect(() => parseLifecyclePolicy(wrong)).toThrow(/action\.targetStorageClass="glacier": must be one of "archive"/);
    expect(() => parseLifecyclePolicy(onExpire)).toThrow(/action\.targetStorageClass="archive": only allowed with action type "transition"/);
  });

  it('rejects unknown fields at every level', () => {
    // GIVEN a stray field in the policy, a rule, a selection and an action
    expect(() => parseLifecyclePolicy(JSON.stringify({ rules: [rule()], version: 1 }))).toThrow(/policy: version=1: unknown field "version"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ priority: 1 })))).toThrow(/\(rulePriority 1\): priority=1: unknown field "priority"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { tagPrefix: 'x' } })))).toThrow(/selection\.tagPrefix="x": unknown field "tagPrefix"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ action: { days: 3 } })))).toThrow(/action\.days=3: unknown field "days"/);
  });

  it('rejects values outside the documented enums (they are case-sensitive)', () => {
    // GIVEN misspelt enum values
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { tagStatus: 'TAGGED' } })))).toThrow(/selection\.tagStatus="TAGGED": must be one of "tagged", "untagged", "any"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { countType: 'imageCount' } })))).toThrow(/selection\.countType="imageCount"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ action: { type: 'delete' } })))).toThrow(/action\.type="delete": must be one of "expire", "transition"/);
  });

  it('only pairs sinceImagePulled with transition', () => {
    // GIVEN sinceImagePulled with expire ("It cannot be used with the expire action")
    const text = policyText(rule({ selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/action\.type="expire": countType "sinceImagePulled" only works with action "transition"/);
  });

  it('only pairs sinceImageTransitioned with archive storage, expire, and at least 90 days', () => {
    const since = { tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 };
    // GIVEN sinceImageTransitioned without archive storage, with a transition, and below the 90-day minimum
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: since })))).toThrow(/selection\.storageClass=\(missing\): countType "sinceImageTransitioned" requires "storageClass": "archive"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { ...since, storageClass: 'archive' }, action: { type: 'transition', targetStorageClass: 'archive' } })))).toThrow(/action\.type="transition": countType "sinceImageTransitioned" only works with action "expire"/);
    expect(() => parseLifecyclePolicy(policyText(rule({ selection: { ...since, storageClass: 'archive', countNumber: 30 } })))).toThrow(/selection\.countNumber=30: archived images must stay in archive at least 90 days/);
  });

  it('rejects archive storage with the standard-only count types', () => {
    // GIVEN an imageCountMoreThan rule on archived images
    const text = policyText(rule({ selection: { storageClass: 'archive' } }));
    // WHEN / THEN
    expect(() => parseLifecyclePolicy(text)).toThrow(/selection\.storageClass="archive": "archive" is only supported with countType "sinceImageTransitioned"/);
  });

  it('rejects a malformed policy document', () => {
    // GIVEN text that is not JSON, an empty rule list, a missing selection and a non-string description
    expect(() => parseLifecyclePolicy('{"rules": [')).toThrow(/LifecyclePolicyText=.*is not valid JSON/);
    expect(() => parseLifecyclePolicy('{"rules": []}')).toThrow(/policy: rules=\[\]: must be a non-empty list of rules/);
    expect(() => parseLifecyclePolicy(policyText({ rulePriority: 1, action: { type: 'expire' } }))).toThrow(/\(rulePriority 1\): selection=\(missing\): must be a JSON object/);
    expect(() => parseLifecyclePolicy(policyText(rule({ description: 7 })))).toThrow(/description=7: must be a string/);
  });

  it('exposes the rule priority and field on the error', () => {
    // GIVEN a bad countNumber on the rule with priority 4
    const err = rejection(policyText(rule({ rulePriority: 4, selection: { countNumber: 0 } })));
    // THEN the error carries them for programmatic use
    expect(err).toMatchObject({ name: 'LifecyclePolicyError', rulePriority: 4, field: 'selection.countNumber' });
    expect(err.message).toMatch(/^Lifecycle policy validation failure: /);
  });

  it('validateLifecyclePolicy rejects what TypeScript types cannot stop', () => {
    // GIVEN a policy built in code with an extra property slipped in at run time
    const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, maxAge: 3 }, action: { type: 'expire' } }] };
    // WHEN / THEN
    expect(() => validateLifecyclePolicy(policy as unknown as LifecyclePolicy)).toThrow(/selection\.maxAge=3: unknown field "maxAge"/);
  });
});
