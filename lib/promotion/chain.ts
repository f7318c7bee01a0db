import { IMAGE_TAG_RE } from '../aws/formats';
import { ENV_NAMES, EnvName } from '../config/types';

/**
 * The promotion chain. Images enter from the CI build (`build`, not an environment: nothing runs there) and
 * move one step at a time: build -> dev -> staging -> prod. Each step adds the tag `<env>-<release tag>` to
 * the same digest in the same repository.
 */
export const BUILD_SOURCE = 'build';
export type PromotionSource = typeof BUILD_SOURCE | EnvName;
export const PROMOTION_CHAIN: readonly PromotionSource[] = [BUILD_SOURCE, ...ENV_NAMES];

/** The source an image must come from to be promoted to `target` (the step before it in the chain). */
export function previousInChain(target: EnvName): PromotionSource {
  return PROMOTION_CHAIN[PROMOTION_CHAIN.indexOf(target) - 1];
}

/** The immutable tag that records "this digest was promoted to `envName`", e.g. `prod-v1.4.2-3f9c2ab`. */
export function promotionTag(envName: string, releaseTag: string): string {
  return `${envName}-${releaseTag}`;
}

/** The lifecycle tag pattern that selects every image promoted to `envName`. */
export function promotionTagPattern(envName: string): string {
  return `${envName}-*`;
}

/** Why `promotionTag(envName, releaseTag)` cannot be an ECR tag (too long), or undefined. */
export function promotionTagProblem(envName: string, releaseTag: string): string | undefined {
  const tag = promotionTag(envName, releaseTag);
  return IMAGE_TAG_RE.test(tag) ? undefined : `promotion tag ${JSON.stringify(tag)} is not a valid ECR tag (at most 128 characters of letters, digits, . _ -): shorten the release tag`;
}
