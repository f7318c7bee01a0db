/**
 * Plain-English reading of a lifecycle policy, one line per rule in the order ECR applies them (lowest
 * rulePriority first). The lines spell out the two interactions people get wrong: a rule protects every
 * image it selects from lower-priority rules (even the ones it keeps), and images selected by a
 * higher-priority rule still take places in a lower rule's "keep the newest N".
 */

import { LifecyclePolicy, LifecycleRule, LifecycleSelection, ruleStorageClass, validateLifecyclePolicy } from './policy';

/** ECR's default (adjustable) limit on images per repository. */
const DEFAULT_IMAGES_PER_REPOSITORY_QUOTA = 100_000;

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function quoted(item: string): string {
  return JSON.stringify(item);
}

/** The images a selection picks, as a noun phrase ("untagged images", "images with a tag matching ..."). */
function scope(selection: LifecycleSelection, mentionStandard: boolean): string {
  const images = selection.storageClass === 'archive' ? 'archived images' : mentionStandard ? 'standard-storage images' : 'images';
  switch (selection.tagStatus) {
    case 'any':
      return images;
    case 'untagged':
      return `untagged ${images}`;
    case 'tagged': {
      // Each filter must match one of the image's tags (not every tag must match a filter).
      const filters = selection.tagPatternList
        ? selection.tagPatternList.map((p) => `a tag matching ${quoted(p)}`)
        : (selection.tagPrefixList ?? []).map((p) => `a tag starting with ${quoted(p)}`);
      return filters.length === 1 ? `${images} with ${filters[0]}` : `${images} that have ${joinAnd(filters)},`;
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
    case 'imageCountMoreThan': {
      const among = selection.tagStatus === 'any' ? `all ${images}` : `the ${images.replace(/,$/, '')}`;
      // The usual way to protect images: a count the repository cannot reach.
      if (n >= DEFAULT_IMAGES_PER_REPOSITORY_QUOTA) {
        return `keep ${among} forever (its count, ${n}, is at least ECR's default quota of 100,000 images per repository, so it never ${verb}s any)`;
      }
      return `keep the newest ${n} of ${among} (by push time) and ${verb} the rest`;
    }
    case 'sinceImagePushed':
      return `${verb} ${images} pushed more than ${days(n)} ago`;
    case 'sinceImagePulled':
      return `${verb} ${images} not pulled for more than ${days(n)} (never-pulled images count from their push)`;
    case 'sinceImageTransitioned':
      return `${verb} ${images} that have been in archive for more than ${days(n)}`;
  }
}

function priorities(rules: readonly LifecycleRule[]): string {
  const list = rules.map((r) => String(r.rulePriority));
  return `${list.length === 1 ? 'priority' : 'priorities'} ${joinAnd(list)}`;
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
    // Rules interact only if they can select the same image: same storage class, and not one rule for
    // tagged images and the other for untagged ones.
    const tagged = (r: LifecycleRule): boolean | undefined => (r.selection.tagStatus === 'any' ? undefined : r.selection.tagStatus === 'tagged');
    const overlaps = (other: LifecycleRule): boolean =>
      ruleStorageClass(other) === storageClass &&
      (tagged(other) === undefined || tagged(rule) === undefined || tagged(other) === tagged(rule));
    const higher = rules.slice(0, i).filter(overlaps);
    const lower = rules.slice(i + 1).filter(overlaps);
    const label = rule.description ? `Priority ${rule.rulePriority} (${quoted(rule.description)})` : `Priority ${rule.rulePriority}`;

    let line = `${label}: ${whatItDoes(rule, mentionStandard)}`;
    if (higher.length > 0) {
      line += `, skipping images selected by ${priorities(higher)}`;
      if (rule.selection.countType === 'imageCountMoreThan' && rule.selection.countNumber < DEFAULT_IMAGES_PER_REPOSITORY_QUOTA) {
        line += ` (they still count toward the ${rule.selection.countNumber} kept)`;
      }
    }
    if (lower.length > 0) {
      line += '; every image it selects is protected from lower-priority rules, even the ones it keeps';
    }
    return `${line}.`;
  });
}
