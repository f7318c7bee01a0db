/**
 * Plain-English reading of a lifecycle policy, one line per rule in the order ECR applies them (lowest
 * rulePriority first). The lines spell out the two interactions people get wrong: a rule protects every
 * image it selects from lower-priority rules (even the ones it keeps), and images selected by a
 * higher-priority rule still take places in a lower rule's "keep the newest N".
 */

import { LifecyclePolicy, LifecycleRule, LifecycleSelection, ruleStorageClass, validateLifecyclePolicy } from './policy';

function quoteList(items: readonly string[]): string {
  const quoted = items.map((item) => `"${item}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** The images a selection picks, as a noun phrase ("untagged images", "images with a tag matching ..."). */
function scope(selection: LifecycleSelection, mentionStandard: boolean): string {
  const archived = selection.storageClass === 'archive';
  const images = archived ? 'archived images' : mentionStandard ? 'standard-storage images' : 'images';
  switch (selection.tagStatus) {
    case 'any':
      return archived || mentionStandard ? `all ${images}` : 'all images';
    case 'untagged':
      return `untagged ${images}`;
    case 'tagged': {
      if (selection.tagPatternList) {
        const patterns = selection.tagPatternList;
        return patterns.length === 1
          ? `${images} with a tag matching ${quoteList(patterns)}`
          : `${images} that have a matching tag for each of ${quoteList(patterns)}`;
      }
      const prefixes = selection.tagPrefixList ?? [];
      return prefixes.length === 1
        ? `${images} with a tag starting with ${quoteList(prefixes)}`
        : `${images} that have tags starting with each of ${quoteList(prefixes)}`;
    }
  }
}

function days(count: number): string {
  return count === 1 ? '1 day' : `${count} days`;
}

function whatItDoes(rule: LifecycleRule, mentionStandard: boolean): string {
  const { selection } = rule;
  const verb = rule.action.type === 'transition' ? 'archive' : 'expire';
  const images = scope(selection, mentionStandard);
  const n = selection.countNumber;
  switch (selection.countType) {
    case 'imageCountMoreThan':
      return `keep the newest ${n} of ${images.startsWith('all ') ? images : `the ${images}`} (by push time) and ${verb} the rest`;
    case 'sinceImagePushed':
      return `${verb} ${images} pushed more than ${days(n)} ago`;
    case 'sinceImagePulled':
      return `${verb} ${images} not pulled for more than ${days(n)} (never-pulled images count from their push)`;
    case 'sinceImageTransitioned':
      return `${verb} ${images} archived more than ${days(n)} ago`;
  }
}

/**
 * One line per rule, in application order, e.g.
 * `Priority 1 ("Rule 1"): keep the newest 1 of the images with a tag matching "prod*" (by push time) and
 * expire the rest; every image it selects is protected from lower-priority rules, even the ones it keeps.`
 * @throws LifecyclePolicyError if the policy is invalid (explaining an unacceptable policy would mislead).
 */
export function explainLifecyclePolicy(policy: LifecyclePolicy): string[] {
  validateLifecyclePolicy(policy);
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const mentionStandard = rules.some((r) => ruleStorageClass(r) === 'archive' || r.action.type === 'transition');

  return rules.map((rule, i) => {
    const storageClass = ruleStorageClass(rule);
    const sameStorage = (other: LifecycleRule): boolean => ruleStorageClass(other) === storageClass;
    const higher = rules.slice(0, i).filter(sameStorage);
    const lower = rules.slice(i + 1).filter(sameStorage);
    const label = rule.description ? `Priority ${rule.rulePriority} (${JSON.stringify(rule.description)})` : `Priority ${rule.rulePriority}`;

    let line = `${label}: ${whatItDoes(rule, mentionStandard)}`;
    if (higher.length > 0) {
      line += `, skipping images selected by priority ${higher.map((r) => r.rulePriority).join(', ')}`;
      if (rule.selection.countType === 'imageCountMoreThan') {
        line += ` (they still count toward the ${rule.selection.countNumber} kept)`;
      }
    }
    if (lower.length > 0) {
      line += '; every image it selects is protected from lower-priority rules, even the ones it keeps';
    }
    return `${line}.`;
  });
}
