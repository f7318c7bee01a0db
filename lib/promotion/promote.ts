/**
 * Promotion: move one image, by digest, one step along build -> dev -> staging -> prod, in the one
 * repository every environment pulls from. Promoting adds the immutable tag `<env>-<release tag>` to the
 * same digest (BatchGetImage + PutImage of the same manifest: tagging, not copying, see
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html). The tag records what was
 * promoted where and keeps the image inside the environment's lifecycle rollback window.
 */
import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageAlreadyExistsException,
  ImageDetail,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  PutImageCommand,
  RepositoryNotFoundException,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import { GateSeverity } from '../config/types';
import { tagMatchesPattern } from '../lifecycle/evaluate';
import { BUILD_SOURCE, PromotionSource, promotionTag, promotionTagProblem } from './chain';
import { formatCounts, ScanPage, scanGateProblem, summarizeScan } from './scan-gate';
import { RepositoryRef } from './poll';
import { requireSignature, SignatureRefused, SigningRequirement } from './signing-gate';

/** The image may not be promoted. The message says why and, where there is one, the fix. Exit code 1. */
export class PromotionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionRefused';
  }
}

/** The request itself is wrong (e.g. a --tag that is no release tag). Exit code 2. */
export class PromotionUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionUsageError';
  }
}

export interface PromotionTarget {
  readonly repositoryName: string;
  /** Registry (account) ID; unset: the caller's account. */
  readonly registryId?: string;
  /** Patterns a release tag matches (the registry's retention.releaseTagPatterns). */
  readonly releaseTagPatterns: readonly string[];
  /** The target environment's gate. */
  readonly failOnSeverity: GateSeverity;
  /**
   * The managed signature the image must carry (registry.settings.signing), unless the target environment
   * opted out (promotion.requireSignature: false).
   * @default - no signature required
   */
  readonly signing?: SigningRequirement;
}

export interface PromotionDeps {
  /** Waits between signing-status checks (tests pass one that returns at once). */
  readonly sleep?: (seconds: number) => Promise<void>;
}

export interface PromotionRequest {
  readonly from: PromotionSource;
  readonly to: string;
  /** The image's release tag. At least one of tag and digest; with both, the tag must name that digest. */
  readonly tag?: string;
  readonly digest?: string;
  /** Check everything against the real API and change nothing. */
  readonly dryRun: boolean;
}

export interface PromotionResult {
  readonly digest: string;
  readonly releaseTag: string;
  readonly promotionTag: string;
  /** `tagged`: PutImage added the tag; `already-promoted`: it was there; `dry-run`: every check passed, nothing changed. */
  readonly outcome: 'tagged' | 'already-promoted' | 'dry-run';
}

const isReleaseTag = (tag: string, patterns: readonly string[]) => patterns.some((p) => tagMatchesPattern(tag, p));

/** Checks the gate and, unless dry-run, tags the image. `log` receives one line per step, for people and CI logs. */
export async function promoteImage(client: ECRClient, target: PromotionTarget, req: PromotionRequest, log: (line: string) => void, deps: PromotionDeps = {}): Promise<PromotionResult> {
  const repo = { repositoryName: target.repositoryName, ...(target.registryId ? { registryId: target.registryId } : {}) };
  if (req.tag !== undefined && !isReleaseTag(req.tag, target.releaseTagPatterns)) {
    throw new PromotionUsageError(`--tag ${JSON.stringify(req.tag)} is not a release tag (${target.releaseTagPatterns.join(', ')}): promote by the release tag the build pushed, e.g. v1.4.2-3f9c2ab, or by --digest`);
  }

  // 1. The image, by tag or digest. DescribeImages gives its digest, all its tags and its manifest media type.
  const image = await describeImage(client, repo, req.tag !== undefined ? { imageTag: req.tag } : { imageDigest: req.digest });
  const digest = image.imageDigest as string;
  const tags = image.imageTags ?? [];
  if (req.tag !== undefined && req.digest !== undefined && req.digest !== digest) {
    throw new PromotionRefused(`${target.repositoryName}:${req.tag} is ${digest}, not ${req.digest}: the tag and the digest name different images`);
  }
  log(`image ${target.repositoryName}@${digest} (tags: ${tags.join(', ') || 'none'})`);

  // 2. Its release tag: only CI builds (which always carry one) enter the chain.
  const releaseTags = tags.filter((t) => isReleaseTag(t, target.releaseTagPatterns));
  let releaseTag = req.tag;
  if (releaseTag === undefined) {
    if (releaseTags.length === 0) {
      throw new PromotionRefused(`image ${digest} carries no release tag (${target.releaseTagPatterns.join(', ')}): only images the CI build pushed with a release tag are promoted`);
    }
    if (releaseTags.length > 1) {
      throw new PromotionUsageError(`image ${digest} carries several release tags (${releaseTags.join(', ')}): name the one to promote with --tag`);
    }
    releaseTag = releaseTags[0];
  }
  const tagProblem = promotionTagProblem(req.to, releaseTag);
  if (tagProblem) throw new PromotionRefused(tagProblem);
  const newTag = promotionTag(req.to, releaseTag);

  // 3. It must have reached --from: builds enter at dev; every later step needs the previous promotion tag.
  if (req.from !== BUILD_SOURCE) {
    const fromTag = promotionTag(req.from, releaseTag);
    if (!tags.includes(fromTag)) {
      throw new PromotionRefused(`image ${digest} was never promoted to ${req.from} (it has no tag ${fromTag}): promote it to ${req.from} first, one environment at a time`);
    }
    log(`source: promoted to ${req.from} as ${fromTag}`);
  } else {
    log(`source: the CI build (release tag ${releaseTag})`);
  }

  // 4. The promotion tag must be immutable, or it would prove nothing.
  await checkTagImmutable(client, repo, newTag);

  // 5. The signature: a COMPLETE managed signature from the configured Signer profile, which only a push by
  // a principal allowed to sign with it (the CI push role) produces.
  if (target.signing) {
    try {
      log(`signature COMPLETE by ${await requireSignature(client, repo, digest, target.signing, { log, sleep: deps.sleep })}`);
    } catch (e) {
      if (e instanceof SignatureRefused) throw new PromotionRefused(`${digest} cannot be promoted to ${req.to}: ${e.message}`);
      throw e;
    }
  } else {
    log(`signature: not required for ${req.to} (promotion.requireSignature: false)`);
  }

  // 6. The scan gate.
  const scan = summarizeScan(await scanPages(client, repo, digest));
  log(`scan ${scan.status}: ${formatCounts(scan.counts)}; ${req.to} refuses findings at or above ${target.failOnSeverity}`);
  const scanProblem = scanGateProblem(scan, target.failOnSeverity);
  if (scanProblem) throw new PromotionRefused(`${digest} cannot be promoted to ${req.to}: ${scanProblem}`);

  // 7. The promotion tag: already on this digest (idempotent), on another one (refuse), or free.
  const result = (outcome: PromotionResult['outcome']): PromotionResult => ({ digest, releaseTag: releaseTag as string, promotionTag: newTag, outcome });
  if (tags.includes(newTag)) {
    log(`already promoted: ${newTag} names ${digest}; nothing to do`);
    return result('already-promoted');
  }
  const holder = await findImage(client, repo, { imageTag: newTag });
  if (holder) {
    throw new PromotionRefused(`tag ${newTag} already names another image (${holder.imageDigest}), not ${digest}: a release tag was reused for a different build; build a new release`);
  }
  if (req.dryRun) {
    log(`dry run: would tag ${digest} as ${newTag}; nothing changed`);
    return result('dry-run');
  }

  // 8. Tag it: put the same manifest again under the new tag (no layers move; same digest by construction).
  const got = await client.send(new BatchGetImageCommand({
    ...repo,
    imageIds: [{ imageDigest: digest }],
    ...(image.imageManifestMediaType ? { acceptedMediaTypes: [image.imageManifestMediaType] } : {}),
  }));
  const manifest = got.images?.[0];
  if (!manifest?.imageManifest) {
    const failure = got.failures?.[0];
    throw new Error(`BatchGetImage returned no manifest for ${digest}${failure ? `: ${failure.failureCode} ${failure.failureReason}` : ''}`);
  }
  try {
    await client.send(new PutImageCommand({
      ...repo,
      imageTag: newTag,
      imageDigest: digest,
      imageManifest: manifest.imageManifest,
      ...(manifest.imageManifestMediaType ? { imageManifestMediaType: manifest.imageManifestMediaType } : {}),
    }));
  } catch (e) {
    if (e instanceof ImageTagAlreadyExistsException) {
      throw new PromotionRefused(`tag ${newTag} was taken by another image while promoting (${e.message}): check aws ecr describe-images --image-ids imageTag=${newTag}`);
    }
    // "The specified image has already been pushed": the tag already names this manifest (a concurrent run).
    if (!(e instanceof ImageAlreadyExistsException)) throw e;
  }
  // Read it back: whatever PutImage answered, the tag must now name this digest.
  const after = await findImage(client, repo, { imageTag: newTag });
  if (after?.imageDigest !== digest) {
    throw new PromotionRefused(`after tagging, ${newTag} names ${after?.imageDigest ?? 'no image'}, not ${digest}`);
  }
  log(`tagged ${digest} as ${newTag}`);
  return result('tagged');
}


async function findImage(client: ECRClient, repo: RepositoryRef, imageId: { imageTag?: string; imageDigest?: string }): Promise<ImageDetail | undefined> {
  try {
    const r = await client.send(new DescribeImagesCommand({ ...repo, imageIds: [imageId] }));
    return r.imageDetails?.[0];
  } catch (e) {
    if (e instanceof ImageNotFoundException) return undefined;
    if (e instanceof RepositoryNotFoundException) {
      throw new PromotionRefused(`repository ${repo.repositoryName} does not exist${repo.registryId ? ` in registry ${repo.registryId}` : ''}: deploy BetterCallBuffet-Registry first, or check the credentials' account and region`);
    }
    throw e;
  }
}

async function describeImage(client: ECRClient, repo: RepositoryRef, imageId: { imageTag?: string; imageDigest?: string }): Promise<ImageDetail> {
  const image = await findImage(client, repo, imageId);
  if (!image?.imageDigest) {
    const what = imageId.imageTag !== undefined ? `tagged ${imageId.imageTag}` : `with digest ${imageId.imageDigest}`;
    throw new PromotionRefused(`no image ${what} in ${repo.repositoryName}: check the tag or digest the build reported`);
  }
  return image;
}

async function checkTagImmutable(client: ECRClient, repo: RepositoryRef, newTag: string): Promise<void> {
  const r = await client.send(new DescribeRepositoriesCommand({ ...(repo.registryId ? { registryId: repo.registryId } : {}), repositoryNames: [repo.repositoryName] }));
  const found = r.repositories?.[0];
  const mode = found?.imageTagMutability ?? 'MUTABLE';
  const exclusions = (found?.imageTagMutabilityExclusionFilters ?? []).map((f) => f.filter ?? '');
  const immutable = mode === 'IMMUTABLE'
    || (mode === 'IMMUTABLE_WITH_EXCLUSION' && !exclusions.some((f) => tagMatchesPattern(newTag, f)))
    || (mode === 'MUTABLE_WITH_EXCLUSION' && exclusions.some((f) => tagMatchesPattern(newTag, f)));
  if (!immutable) {
    throw new PromotionRefused(`repository ${repo.repositoryName} lets tag ${newTag} move (imageTagMutability ${mode}${exclusions.length ? `, exclusions ${exclusions.join(', ')}` : ''}): a promotion tag must name one image forever; make the repository IMMUTABLE (registry.tagMutability)`);
  }
}

async function scanPages(client: ECRClient, repo: RepositoryRef, digest: string): Promise<ScanPage[]> {
  const pages: ScanPage[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await client.send(new DescribeImageScanFindingsCommand({ ...repo, imageId: { imageDigest: digest }, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
      pages.push(page);
      nextToken = page.nextToken;
    } catch (e) {
      if (e instanceof ScanNotFoundException) {
        throw new PromotionRefused(`${digest} has no scan (ScanNotFoundException): an image without a completed scan is never promoted; scan on push scans new pushes, or run aws ecr start-image-scan`);
      }
      throw e;
    }
  } while (nextToken);
  return pages;
}
