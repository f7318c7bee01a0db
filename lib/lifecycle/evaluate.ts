/**
 * An offline twin of ECR's lifecycle policy preview (StartLifecyclePolicyPreview + GetLifecyclePolicyPreview):
 * given a policy and the output of `aws ecr describe-images`, it says which images ECR would expire or
 * archive, and by which rule.
 *
 * Semantics follow the ECR user guide, "How lifecycle policies work" > "Lifecycle policy evaluation rules";
 * the sentences relied on are quoted where they are used. What the guide leaves open is decided here and
 * documented on the decision (tie order, the "older than" boundary, images being restored).
 */

import {
  CountType,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleSelection,
  StorageClass,
  ruleStorageClass,
  validateLifecyclePolicy,
} from './policy';

/** A timestamp as the AWS CLI prints it: ISO-8601 text (CLI v2) or epoch seconds (CLI v1, raw API). */
export type Timestamp = string | number;

export type ImageStatus = 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';

/** The fields of a `describe-images` `imageDetails` entry that lifecycle policies look at. */
export interface ImageDetail {
  imageDigest: string;
  imageTags?: string[];
  imagePushedAt: Timestamp;
  lastRecordedPullTime?: Timestamp;
  /** Absent in older CLI output; absent means ACTIVE (standard storage). */
  imageStatus?: ImageStatus;
  lastArchivedAt?: Timestamp;
  lastActivatedAt?: Timestamp;
  /**
   * Set on a referrer (a signature from ECR managed signing, an SBOM, an attestation): the digest of its
   * subject image. A referrer follows its subject (see {@link evaluateLifecyclePolicy}).
   */
  subjectManifestDigest?: string;
  /** The artifact type (`application/vnd.cncf.notary.signature` for a signature); informational. */
  artifactMediaType?: string;
}

export interface PreviewAction {
  type: 'EXPIRE' | 'TRANSITION';
  targetStorageClass?: 'ARCHIVE';
}

/** One entry of GetLifecyclePolicyPreview's `previewResults`. */
export interface LifecyclePolicyPreviewResult {
  imageDigest: string;
  /** `[]` for untagged images. */
  imageTags: string[];
  /** Echoed exactly as given in the input, so it reads like the describe-images output it came from. */
  imagePushedAt: Timestamp;
  action: PreviewAction;
  appliedRulePriority: number;
}

export interface TransitioningImageTotalCount {
  targetStorageClass: 'ARCHIVE';
  imageTotalCount: number;
}

export interface PreviewSummary {
  expiringImageTotalCount: number;
  /** Like the API: present only when at least one image would be transitioned. */
  transitioningImageTotalCounts?: TransitioningImageTotalCount[];
}

/** GetLifecyclePolicyPreview's `previewResults` + `summary`. */
export interface PreviewResult {
  previewResults: LifecyclePolicyPreviewResult[];
  summary: PreviewSummary;
}

/** Thrown when the images input is not a describe-images shape. The message names the image and field. */
export class ImageDetailsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDetailsError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
const IMAGE_STATUSES: readonly ImageStatus[] = ['ACTIVE', 'ARCHIVED', 'ACTIVATING'];
// ISO-8601 with a mandatory zone for date-times: a zone-less time would be read in the machine's local
// zone and make the preview depend on where it runs. The CLI always prints an offset.
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):?(\d{2})))?$/i;

/**
 * Epoch seconds from 1e11 on are the year 5138: a value that large is epoch *milliseconds* (what
 * JavaScript's Date.now() prints), which describe-images never writes. Read as seconds it would be an image
 * pushed millennia from now, silently changing which images expire.
 */
const EPOCH_MILLISECONDS_FROM = 1e11;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Parses an ISO-8601 timestamp (date only, or date-time with Z or an offset) to epoch milliseconds;
 * `undefined` if the text is not one. Calendar-impossible values (2026-02-30, 24:00, minute 60) are
 * refused: `Date.parse` would roll them over into the next day or month without a word.
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return undefined;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function timestampMs(value: unknown, where: string, field: string): number {
  const shown = JSON.stringify(value) ?? 'undefined';
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= EPOCH_MILLISECONDS_FROM) {
      throw new ImageDetailsError(
        `${where}: ${field}=${shown} looks like epoch milliseconds; describe-images prints epoch seconds (or ISO-8601): divide by 1000 or use the unmodified aws ecr describe-images output`,
      );
    }
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  } else if (typeof value === 'string') {
    const ms = parseIsoTimestamp(value);
    if (ms !== undefined) return ms;
    if (ISO_TIMESTAMP.test(value)) {
      throw new ImageDetailsError(`${where}: ${field}=${shown} is not a real calendar date or time (day, month, hour or minute out of range)`);
    }
  }
  throw new ImageDetailsError(
    `${where}: ${field}=${shown} is not a timestamp; use ISO-8601 with a zone (2024-05-01T10:20:30Z) or epoch seconds, as aws ecr describe-images prints`,
  );
}

function optionalTimestampMs(value: unknown, where: string, field: string): number | undefined {
  return value === undefined || value === null ? undefined : timestampMs(value, where, field);
}

/**
 * Accepts what `aws ecr describe-images --output json` prints (`{"imageDetails": [...]}`) or a bare array
 * of image details. `imageSizeInBytes`, when present, must be a real size; other fields the preview does not
 * use (registryId, scan status, ...) are ignored.
 * @throws ImageDetailsError naming the image and field at fault.
 */
export function parseImageDetails(json: unknown): ImageDetail[] {
  const list = Array.isArray(json)
    ? json
    : typeof json === 'object' && json !== null && Array.isArray((json as { imageDetails?: unknown }).imageDetails)
      ? (json as { imageDetails: unknown[] }).imageDetails
      : undefined;
  if (list === undefined) {
    throw new ImageDetailsError(
      'images: expected the output of aws ecr describe-images ({"imageDetails": [...]}) or a JSON array of image details',
    );
  }
  // DescribeImages pages its results: the API returns `nextToken` while more pages remain, the AWS CLI
  // prints `NextToken` when --max-items stopped it early
  // (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html,
  // https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-pagination.html). A preview of one page
  // would miss images that count toward "keep the newest N" and expire the wrong ones.
  if (!Array.isArray(json)) {
    const token = (json as Record<string, unknown>).nextToken ?? (json as Record<string, unknown>).NextToken;
    if (token !== undefined && token !== null && token !== '') {
      throw new ImageDetailsError(
        'images: the listing is partial (it carries a next-page token); save every page: run aws ecr describe-images --repository-name REPO --output json without --max-items / --max-results / --no-paginate',
      );
    }
  }
  return list.map((raw, i) => {
    const where = `imageDetails[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ImageDetailsError(`${where}: expected an object with imageDigest and imagePushedAt`);
    }
    const entry = raw as Record<string, unknown>;
    const image: ImageDetail = {
      imageDigest: entry.imageDigest as string,
      imagePushedAt: entry.imagePushedAt as Timestamp,
    };
    if (entry.imageTags !== undefined) image.imageTags = entry.imageTags as string[];
    for (const field of ['lastRecordedPullTime', 'lastArchivedAt', 'lastActivatedAt'] as const) {
      if (entry[field] !== undefined && entry[field] !== null) image[field] = entry[field] as Timestamp;
    }
    if (entry.imageStatus !== undefined) image.imageStatus = entry.imageStatus as ImageStatus;
    for (const field of ['subjectManifestDigest', 'artifactMediaType'] as const) {
      if (entry[field] !== undefined && entry[field] !== null) image[field] = entry[field] as string;
    }
    normalise(image, i); // type-checks every field; throws on the first bad one
    checkImageSize(entry.imageSizeInBytes, `${where} (${image.imageDigest})`);
    return image;
  });
}

/**
 * The preview does not use sizes, but a size no registry reports (negative, fractional, or beyond what a
 * number holds: JSON's 1e400 parses as Infinity) means the file is not describe-images output, and a
 * preview of a doctored listing would be trusted for the wrong images. DescribeImages returns
 * imageSizeInBytes as a Long (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html).
 */
function checkImageSize(value: unknown, named: string): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
  const shown = typeof value === 'number' && !Number.isFinite(value) ? `${value} (a number too large to represent, e.g. 1e400)` : JSON.stringify(value);
  throw new ImageDetailsError(`${named}: imageSizeInBytes=${shown} is not a size in bytes (a whole number from 0); use the unmodified aws ecr describe-images output`);
}

/** An image with its timestamps resolved, as the evaluator needs it. */
interface Candidate {
  readonly image: ImageDetail;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedMs: number;
  /** undefined while ACTIVATING: the image is between storage classes. */
  readonly storageClass: StorageClass | undefined;
  readonly lastRecordedPullMs?: number;
  readonly lastArchivedMs?: number;
  readonly lastActivatedMs?: number;
}

function normalise(image: ImageDetail, index: number): Candidate {
  const where = `imageDetails[${index}]`;
  if (typeof image.imageDigest !== 'string' || image.imageDigest.length === 0) {
    throw new ImageDetailsError(`${where}: imageDigest=${JSON.stringify(image.imageDigest) ?? 'undefined'} must be a non-empty string (e.g. "sha256:...")`);
  }
  const named = `${where} (${image.imageDigest})`;
  const tags = image.imageTags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
    throw new ImageDetailsError(`${named}: imageTags=${JSON.stringify(image.imageTags)} must be a list of strings`);
  }
  for (const field of ['subjectManifestDigest', 'artifactMediaType'] as const) {
    if (image[field] !== undefined && (typeof image[field] !== 'string' || image[field] === '')) {
      throw new ImageDetailsError(`${named}: ${field}=${JSON.stringify(image[field])} must be a non-empty string`);
    }
  }
  const status = image.imageStatus ?? 'ACTIVE';
  if (!IMAGE_STATUSES.includes(status)) {
    throw new ImageDetailsError(`${named}: imageStatus=${JSON.stringify(image.imageStatus)} must be one of ${IMAGE_STATUSES.join(', ')}`);
  }
  const lastArchivedMs = optionalTimestampMs(image.lastArchivedAt, named, 'lastArchivedAt');
  if (status === 'ARCHIVED' && lastArchivedMs === undefined) {
    throw new ImageDetailsError(`${named}: imageStatus is ARCHIVED but lastArchivedAt is missing; use the full describe-images output`);
  }
  return {
    image,
    digest: image.imageDigest,
    tags,
    pushedMs: timestampMs(image.imagePushedAt, named, 'imagePushedAt'),
    // ACTIVATING images are neither standard nor archive yet; no rule selects them (a decision: the guide
    // is silent, and acting on an image someone is restoring would be the surprising outcome).
    storageClass: status === 'ACTIVE' ? 'standard' : status === 'ARCHIVED' ? 'archive' : undefined,
    lastRecordedPullMs: optionalTimestampMs(image.lastRecordedPullTime, named, 'lastRecordedPullTime'),
    lastArchivedMs,
    lastActivatedMs: optionalTimestampMs(image.lastActivatedAt, named, 'lastActivatedAt'),
  };
}

/**
 * ECR tag patterns: `*` matches any run of characters, including none; everything else is literal and the
 * pattern must match the whole tag ("prod*" matches "prod" and "production-team1", not "preprod").
 */
export function tagMatchesPattern(tag: string, pattern: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(tag);
}

function selects(selection: LifecycleSelection, storageClass: StorageClass, c: Candidate): boolean {
  if (c.storageClass !== storageClass) return false;
  switch (selection.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return c.tags.length === 0;
    case 'tagged':
      if (c.tags.length === 0) return false;
      // "An image is successfully matched if all of the tags in the tagPatternList or tagPrefixList value
      // are matched against any of the image's tags": every filter must match at least one tag.
      if (selection.tagPatternList) {
        return selection.tagPatternList.every((p) => c.tags.some((tag) => tagMatchesPattern(tag, p)));
      }
      return (selection.tagPrefixList ?? []).every((p) => c.tags.some((tag) => tag.startsWith(p)));
  }
}

/**
 * The time that stands for "pushed" when ordering and ageing standard images: "If an image was archived
 * and then restored at any point in the past, the image's last_activated_at is used instead of
 * pushed_at_time."
 */
function effectivePushMs(c: Candidate): number {
  return c.lastActivatedMs ?? c.pushedMs;
}

/**
 * "With countType = sinceImagePulled, all images whose last_recorded_pulltime is older than the specified
 * number of days ... If an image was never pulled, the image's pushed_at_time is used instead of the
 * last_recorded_pulltime. If an image was archived and then restored at any point in the past, but never
 * pulled since the image was restored, the image's last_activated_at is used".
 */
function lastPullMs(c: Candidate): number {
  if (c.lastActivatedMs !== undefined && (c.lastRecordedPullMs === undefined || c.lastRecordedPullMs < c.lastActivatedMs)) {
    return c.lastActivatedMs;
  }
  return c.lastRecordedPullMs ?? c.pushedMs;
}

/**
 * Newest first. Equal times are ordered by imageDigest ascending (plain code-unit order), so among images
 * pushed in the same instant the one with the smaller digest counts as newer. ECR does not document its
 * tie order; this one is at least stable across runs and machines.
 */
function newestFirst(time: (c: Candidate) => number): (a: Candidate, b: Candidate) => number {
  return (a, b) => time(b) - time(a) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}

function ageReferenceMs(countType: Exclude<CountType, 'imageCountMoreThan'>, c: Candidate): number {
  switch (countType) {
    case 'sinceImagePushed':
      return effectivePushMs(c);
    case 'sinceImagePulled':
      return lastPullMs(c);
    case 'sinceImageTransitioned':
      // "all archived images whose last_archived_at is older than ..."; archived images always have one.
      return c.lastArchivedMs ?? c.pushedMs;
  }
}

/** The images a rule's count criterion marks, among the images it selects. */
function marked(rule: LifecycleRule, selected: readonly Candidate[], nowMs: number): Candidate[] {
  const { countType, countNumber } = rule.selection;
  if (countType === 'imageCountMoreThan') {
    // "images are sorted from youngest to oldest based on pushed_at_time and then all images greater than
    // the specified count are expired or archived."
    return [...selected].sort(newestFirst(effectivePushMs)).slice(countNumber);
  }
  // "older than the specified number of days": strictly more than countNumber x 24 h before `now`, so an
  // image exactly N days old is kept (matches the guide's example where an untagged image pushed
  // "1 day ago" survives a 1-day rule).
  const limitMs = countNumber * DAY_MS;
  return selected.filter((c) => nowMs - ageReferenceMs(countType, c) > limitMs);
}

/**
 * Evaluates `policy` against `images` as ECR's lifecycle policy preview would at instant `now`.
 *
 * Results are ordered by imagePushedAt, newest first; equal push times by imageDigest ascending.
 * @throws LifecyclePolicyError if the policy is invalid, ImageDetailsError if an image is malformed.
 */
export function evaluateLifecyclePolicy(policy: LifecyclePolicy, images: readonly ImageDetail[], now: Date): PreviewResult {
  validateLifecyclePolicy(policy);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new ImageDetailsError(`now: ${String(now)} is not a valid Date`);
  }
  const nowMs = now.getTime();
  const candidates = images.map(normalise);
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.digest)) {
      throw new ImageDetailsError(`images: imageDigest ${c.digest} appears more than once; list each image once`);
    }
    seen.add(c.digest);
  }

  // Referrers (signatures from ECR managed signing, SBOMs, attestations) go with their subject: "When reference
  // artifacts are present in a repository, Amazon ECR lifecycle policies automatically expire or archive those
  // artifacts within 24 hours of the deletion or archival of the subject image" (ECR user guide, "Lifecycle
  // policy evaluation rules"). Whether a rule also selects or counts a referrer on its own (an untagged rule
  // matching a signature of a kept image) is not documented; aws/containers-roadmap#2613 reports count rules
  // counting signatures. This preview takes the documented reading: rules see subjects only, and a referrer
  // gets its subject's action (docs/review-tools.md; confirm with aws ecr start-lifecycle-policy-preview).
  const referrers = candidates.filter((c) => c.image.subjectManifestDigest !== undefined);
  const subjects = candidates.filter((c) => c.image.subjectManifestDigest === undefined);

  // "All rules are evaluated at the same time, regardless of rule priority. After all rules are evaluated,
  // they are then applied based on rule priority." Each rule selects and counts against the full
  // repository snapshot; nothing one rule does changes what another rule sees.
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);

  // "An image is expired or archived by exactly one or zero rules." / "An image that matches the tagging
  // requirements of a rule cannot be expired or archived by a rule with a lower priority." / "Rules can
  // never mark images that are marked by higher priority rules, but can still identify them as if they
  // haven't been expired or archived."
  // So an image belongs to the highest-priority rule whose selection matches it (it is "claimed"), and is
  // acted on only if THAT rule's count marks it. Lower rules still see claimed images, so they still take
  // places among the newest N of a lower imageCountMoreThan rule.
  const claimed = new Set<string>();
  const decisions = new Map<string, LifecycleRule>();
  for (const rule of rules) {
    const storageClass = ruleStorageClass(rule);
    const selected = subjects.filter((c) => selects(rule.selection, storageClass, c));
    for (const c of marked(rule, selected, nowMs)) {
      if (!claimed.has(c.digest)) decisions.set(c.digest, rule);
    }
    for (const c of selected) claimed.add(c.digest);
  }

  for (const r of referrers) {
    const subjectRule = decisions.get(r.image.subjectManifestDigest as string);
    if (subjectRule) decisions.set(r.digest, subjectRule);
  }

  const acted = candidates.filter((c) => decisions.has(c.digest)).sort(newestFirst((c) => c.pushedMs));
  const previewResults = acted.map((c): LifecyclePolicyPreviewResult => {
    const rule = decisions.get(c.digest) as LifecycleRule;
    return {
      imageDigest: c.digest,
      imageTags: [...c.tags],
      imagePushedAt: c.image.imagePushedAt,
      action: rule.action.type === 'transition' ? { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' } : { type: 'EXPIRE' },
      appliedRulePriority: rule.rulePriority,
    };
  });
  const transitioning = previewResults.filter((r) => r.action.type === 'TRANSITION').length;
  const summary: PreviewSummary = { expiringImageTotalCount: previewResults.length - transitioning };
  if (transitioning > 0) {
    summary.transitioningImageTotalCounts = [{ targetStorageClass: 'ARCHIVE', imageTotalCount: transitioning }];
  }
  return { previewResults, summary };
}
