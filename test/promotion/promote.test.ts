import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImageScanFindingsCommandOutput,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageAlreadyExistsException,
  ImageDetail,
  ImageNotFoundException,
  ImageSigningStatus,
  PutImageCommand,
  RepositoryNotFoundException,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mockClient } from 'aws-sdk-client-mock';
import { runPromoteCli } from '../../lib/cli/promote';
import { promoteImage } from '../../lib/promotion/promote';
import { summarizeScan } from '../../lib/promotion/scan-gate';
import { signingVerdict } from '../../lib/aws/signing';

/**
 * `npm run promote` against a mocked ECR API (aws-sdk-client-mock): every refusal and success path, with the
 * exit code and the message a pipeline log shows. The real API path runs in the e2e against moto.
 */
const ecr = mockClient(ECRClient);
const REPO = 'better-call-buffet';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const RELEASE = 'v1.4.2-3f9c2ab';
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}';
const MEDIA = 'application/vnd.docker.distribution.manifest.v2+json';

/** The account ECR answers for (registry.account is unset in the shipped config) and the configured profile there. */
const ACCOUNT = '123456789012';
const PROFILE_ARN = `arn:aws:signer:us-east-1:${ACCOUNT}:/signing-profiles/better_call_buffet`;
const signed: ImageSigningStatus[] = [{ signingProfileArn: PROFILE_ARN, status: 'COMPLETE' }];

type ScanOutput = Partial<DescribeImageScanFindingsCommandOutput>;
const clean: ScanOutput = { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { LOW: 3 } } };

/**
 * The repository holds one image with `tags`; `taken` maps other tags to other digests. `signing`: what
 * DescribeImageSigningStatus answers (one list per call, the last repeated), or the error it throws.
 */
function givenImage(tags: string[], scan: ScanOutput | Error = clean, options: { mutability?: string; taken?: Record<string, string>; signing?: ImageSigningStatus[][] | Error } = {}) {
  const image: ImageDetail = { imageDigest: DIGEST, imageTags: [...tags], imageManifestMediaType: MEDIA, repositoryName: REPO };
  ecr.reset();
  ecr.on(DescribeImagesCommand).callsFake((input: { imageIds: Array<{ imageTag?: string; imageDigest?: string }> }) => {
    const id = input.imageIds[0];
    if (id.imageDigest === DIGEST || (id.imageTag !== undefined && image.imageTags?.includes(id.imageTag))) return { imageDetails: [image] };
    const other = id.imageTag !== undefined ? options.taken?.[id.imageTag] : undefined;
    if (other) return { imageDetails: [{ imageDigest: other, imageTags: [id.imageTag] }] };
    throw new ImageNotFoundException({ message: `image ${JSON.stringify(id)} not found`, $metadata: {} });
  });
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: REPO, imageTagMutability: (options.mutability ?? 'IMMUTABLE') as never }] });
  if (scan instanceof Error) ecr.on(DescribeImageScanFindingsCommand).rejects(scan);
  else ecr.on(DescribeImageScanFindingsCommand).resolves(scan);
  const signing = options.signing ?? [signed];
  if (signing instanceof Error) {
    ecr.on(DescribeImageSigningStatusCommand).rejects(signing);
  } else {
    let call = 0;
    ecr.on(DescribeImageSigningStatusCommand).callsFake((input: { registryId?: string; imageId: { imageDigest?: string } }) => ({
      registryId: input.registryId ?? ACCOUNT,
      repositoryName: REPO,
      imageId: input.imageId,
      signingStatuses: signing[Math.min(call++, signing.length - 1)],
    }));
  }
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageDigest: DIGEST }, imageManifest: MANIFEST, imageManifestMediaType: MEDIA }] });
  ecr.on(PutImageCommand).callsFake((input: { imageTag: string }) => {
    image.imageTags?.push(input.imageTag);
    return { image: { imageId: { imageDigest: DIGEST, imageTag: input.imageTag } } };
  });
  return image;
}

/** Seconds each wait for an IN_PROGRESS signature would have slept (the fake sleep returns at once). */
let waits: number[] = [];

async function promoteWith(overlay: Record<string, unknown> | undefined, argv: string[]) {
  let stdout = '';
  let stderr = '';
  let overlayFile: string | undefined;
  if (overlay) {
    overlayFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'promote-overlay-')), 'overlay.json');
    fs.writeFileSync(overlayFile, JSON.stringify(overlay));
  }
  try {
    const code = await runPromoteCli(argv, {
      io: { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } },
      client: () => new ECRClient({ region: 'us-east-1' }),
      getContext: (k) => (k === 'testConfigOverlay' ? overlayFile : undefined),
      sleep: async (seconds) => { waits.push(seconds); },
    });
    return { code, stdout, stderr };
  } finally {
    if (overlayFile) fs.rmSync(path.dirname(overlayFile), { recursive: true, force: true });
  }
}

const promote = (...argv: string[]) => promoteWith(undefined, argv);

const putImageCalls = () => ecr.commandCalls(PutImageCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ecr.reset();
  waits = [];
});

describe('promote: success', () => {
  test('build -> dev: a release-tagged image with a clean scan gets dev-<release>, on the same manifest and digest', async () => {
    // GIVEN a fresh CI build
    givenImage([RELEASE]);
    // WHEN
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    // THEN
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(putImageCalls()).toEqual([{ repositoryName: REPO, imageTag: `dev-${RELEASE}`, imageDigest: DIGEST, imageManifest: MANIFEST, imageManifestMediaType: MEDIA }]);
    expect(r.stdout).toContain(`promote: promoted ${DIGEST} to dev as dev-${RELEASE}`);
    expect(r.stdout).toContain(`digest=${DIGEST}\n`);
    expect(r.stdout).toContain('scan COMPLETE: CRITICAL=0 HIGH=0 MEDIUM=0 LOW=3 INFORMATIONAL=0; dev refuses findings at or above CRITICAL');
  });

  test('staging -> prod by digest: the release tag is found on the image, the staging tag proves the previous step', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`]);
    const r = await promote('--from', 'staging', '--to', 'prod', '--digest', DIGEST);
    expect(r.code).toBe(0);
    expect(putImageCalls().map((c) => c.imageTag)).toEqual([`prod-${RELEASE}`]);
    expect(r.stdout).toContain(`source: promoted to staging as staging-${RELEASE}`);
  });

  test('--tag and --digest together must name the same image', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`]);
    expect((await promote('--from', 'dev', '--to', 'staging', '--tag', RELEASE, '--digest', DIGEST)).code).toBe(0);
    givenImage([RELEASE, `dev-${RELEASE}`]);
    const r = await promote('--from', 'dev', '--to', 'staging', '--tag', RELEASE, '--digest', OTHER);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/REFUSED: better-call-buffet:v1\.4\.2-3f9c2ab is sha256:a+, not sha256:b+: the tag and the digest name different images/);
  });

  test('already promoted: exit 0, nothing written (idempotent re-runs)', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`]);
    const r = await promote('--from', 'dev', '--to', 'staging', '--tag', RELEASE);
    expect(r.code).toBe(0);
    expect(putImageCalls()).toEqual([]);
    expect(r.stdout).toContain(`already promoted ${DIGEST} to staging as staging-${RELEASE}`);
  });

  test('ImageAlreadyExistsException from PutImage (a concurrent run tagged it) is success when the tag names this digest', async () => {
    const image = givenImage([RELEASE]);
    ecr.on(PutImageCommand).callsFake(() => {
      image.imageTags?.push(`dev-${RELEASE}`);
      throw new ImageAlreadyExistsException({ message: 'The specified image has already been pushed', $metadata: {} });
    });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tagged ${DIGEST} as dev-${RELEASE}`);
  });

  test('--dry-run runs every check against the API and writes nothing', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`]);
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE, '--dry-run');
    expect(r.code).toBe(0);
    expect(putImageCalls()).toEqual([]);
    expect(ecr.commandCalls(BatchGetImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(1);
    expect(ecr.commandCalls(DescribeRepositoriesCommand)).toHaveLength(1);
    expect(r.stdout).toContain(`would promote (dry run) ${DIGEST} to prod as prod-${RELEASE}`);
  });

  test('enhanced scanning: ACTIVE with a completed scan and only MEDIUM findings passes prod', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], {
      imageScanStatus: { status: 'ACTIVE' },
      imageScanFindings: { imageScanCompletedAt: new Date('2026-11-01T00:00:00Z'), enhancedFindings: [{ severity: 'MEDIUM' }, { severity: 'LOW' }] },
    });
    expect((await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE)).code).toBe(0);
  });
});

describe('promote: refusals (exit 1, nothing written)', () => {
  test.each<[string, string[], ScanOutput | Error, RegExp, Record<string, string>?]>([
    ['CRITICAL findings (basic scanning counts)', [RELEASE], { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { CRITICAL: 2, MEDIUM: 1 } } },
      /REFUSED: sha256:a+ cannot be promoted to dev: the image has findings at or above CRITICAL: CRITICAL=2 \(all: CRITICAL=2 HIGH=0 MEDIUM=1 LOW=0 INFORMATIONAL=0\)/],
    ['no scan at all (ScanNotFoundException)', [RELEASE], new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} }),
      /REFUSED: sha256:a+ has no scan \(ScanNotFoundException\): an image without a completed scan is never promoted/],
    ['a scan still IN_PROGRESS', [RELEASE], { imageScanStatus: { status: 'IN_PROGRESS' } },
      /REFUSED: .*the image's scan is IN_PROGRESS, not COMPLETE: an image without a completed scan is never promoted/],
    ['a FAILED scan', [RELEASE], { imageScanStatus: { status: 'FAILED', description: 'UnsupportedImageError' } },
      /the image's scan is FAILED \(UnsupportedImageError\), not COMPLETE/],
    ['enhanced scanning ACTIVE without a completed scan', [RELEASE], { imageScanStatus: { status: 'ACTIVE' } }, /the image's scan is ACTIVE, not COMPLETE/],
    // Fail closed: clean counts and a completion time, but no status, is no proof the scan finished.
    ['a response without imageScanStatus', [RELEASE], { imageScanFindings: { imageScanCompletedAt: new Date('2026-11-01T00:00:00Z'), findingSeverityCounts: { LOW: 1 } } },
      /REFUSED: sha256:a+ cannot be promoted to dev: the image's scan is UNKNOWN \(ECR returned no imageScanStatus\), not COMPLETE: an image without a completed scan is never promoted/],
    ['an image without a release tag', ['feature-x'], clean, /REFUSED: image sha256:a+ carries no release tag \(v\*\): only images the CI build pushed with a release tag are promoted/],
  ])('build -> dev: %s', async (_what, tags, scan, message) => {
    givenImage(tags, scan);
    const r = await promote('--from', 'build', '--to', 'dev', '--digest', DIGEST);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(putImageCalls()).toEqual([]);
  });

  test('prod refuses HIGH findings that dev accepts (per-environment thresholds)', async () => {
    const high: ScanOutput = { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { HIGH: 1 } } };
    givenImage([RELEASE], high);
    expect((await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE)).code).toBe(0);
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], high);
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot be promoted to prod: the image has findings at or above HIGH: HIGH=1/);
  });

  test('enhanced findings are counted across pages (nextToken)', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`]);
    ecr.on(DescribeImageScanFindingsCommand)
      .resolvesOnce({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { enhancedFindings: [{ severity: 'LOW' }] }, nextToken: 'page-2' })
      .resolvesOnce({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { enhancedFindings: [{ severity: 'CRITICAL' }, { severity: 'CRITICAL' }] } });
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/CRITICAL=2/);
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'page-2']);
  });

  test('not promoted to --from yet', async () => {
    givenImage([RELEASE, `dev-${RELEASE}`]);
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`was never promoted to staging \\(it has no tag staging-${RELEASE.replace(/\./g, '\\.')}\\): promote it to staging first`));
  });

  test('a repository whose tags can move', async () => {
    givenImage([RELEASE], clean, { mutability: 'MUTABLE' });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/repository better-call-buffet lets tag dev-v1\.4\.2-3f9c2ab move \(imageTagMutability MUTABLE\)/);
  });

  test('the promotion tag already names another digest', async () => {
    givenImage([RELEASE], clean, { taken: { [`dev-${RELEASE}`]: OTHER } });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tag dev-v1\.4\.2-3f9c2ab already names another image \(sha256:b+\), not sha256:a+/);
    expect(putImageCalls()).toEqual([]);
  });

  test('no such image', async () => {
    givenImage([RELEASE]);
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', 'v9.9.9');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/REFUSED: no image tagged v9\.9\.9 in better-call-buffet/);
  });

  test('no such repository', async () => {
    ecr.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: 'no repo', $metadata: {} }));
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/repository better-call-buffet does not exist: deploy BetterCallBuffet-Registry first/);
  });
});

describe('promote: the signature gate (ECR managed signing, DescribeImageSigningStatus)', () => {
  const PROD_READY = [RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`];
  const signingCalls = () => ecr.commandCalls(DescribeImageSigningStatusCommand).map((c) => c.args[0].input);

  test('a COMPLETE signature from the configured profile passes, checked for the promoted digest', async () => {
    givenImage(PROD_READY);
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`promote: signature COMPLETE by ${PROFILE_ARN}\n`);
    expect(signingCalls()).toEqual([{ repositoryName: REPO, imageId: { imageDigest: DIGEST } }]);
    expect(waits).toEqual([]);
  });

  test('IN_PROGRESS is waited for, each wait printed, then the COMPLETE signature passes', async () => {
    const inProgress: ImageSigningStatus[] = [{ signingProfileArn: PROFILE_ARN, status: 'IN_PROGRESS' }];
    givenImage([RELEASE], clean, { signing: [inProgress, inProgress, signed] });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(0);
    expect(waits).toEqual([10, 10]);
    expect(r.stdout).toContain(`signature IN_PROGRESS by ${PROFILE_ARN}: waiting 10 s (waited 0 s of at most 300 s)`);
    expect(r.stdout).toContain(`signature IN_PROGRESS by ${PROFILE_ARN}: waiting 10 s (waited 10 s of at most 300 s)`);
    expect(putImageCalls().map((c) => c.imageTag)).toEqual([`dev-${RELEASE}`]);
  });

  test('IN_PROGRESS beyond --signature-wait is refused after a bounded wait (exit 1, nothing tagged)', async () => {
    givenImage([RELEASE], clean, { signing: [[{ signingProfileArn: PROFILE_ARN, status: 'IN_PROGRESS' }]] });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE, '--signature-wait', '25');
    expect(r.code).toBe(1);
    expect(waits).toEqual([10, 10, 5]);
    expect(r.stderr).toMatch(/REFUSED: sha256:a+ cannot be promoted to dev: its managed signature by arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/better_call_buffet is still IN_PROGRESS after waiting 25 s \(limit 25 s\): run the promotion again/);
    expect(putImageCalls()).toEqual([]);
  });

  test('--signature-wait 0 does not wait at all', async () => {
    givenImage([RELEASE], clean, { signing: [[{ signingProfileArn: PROFILE_ARN, status: 'IN_PROGRESS' }]] });
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE, '--signature-wait=0');
    expect(r.code).toBe(1);
    expect(waits).toEqual([]);
    expect(r.stderr).toMatch(/still IN_PROGRESS after waiting 0 s \(limit 0 s\)/);
  });

  test.each<[string, ImageSigningStatus[], RegExp]>([
    ['a FAILED signature, with ECR\'s failure code and reason', [{ signingProfileArn: PROFILE_ARN, status: 'FAILED', failureCode: 'AccessDenied', failureReason: 'not authorized to perform signer:SignPayload' }],
      /REFUSED: sha256:a+ cannot be promoted to prod: its managed signature by arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/better_call_buffet FAILED \(AccessDenied: not authorized to perform signer:SignPayload\); fix the cause/],
    ['no signature at all (pushed before signing, or outside the signing rules)', [],
      /REFUSED: .*cannot be promoted to prod: it has no managed signature \(no signing status for arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/better_call_buffet\)/],
    ['a COMPLETE signature from another profile only (not this pipeline\'s)', [{ signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/someone_else', status: 'COMPLETE' }],
      /REFUSED: .*it is not signed by the configured profile arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/better_call_buffet, only by arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/someone_else \(COMPLETE\)/],
    ['a profile of the same name in another account', [{ signingProfileArn: 'arn:aws:signer:us-east-1:999999999999:/signing-profiles/better_call_buffet', status: 'COMPLETE' }],
      /it is not signed by the configured profile arn:aws:signer:us-east-1:123456789012:\/signing-profiles\/better_call_buffet, only by arn:aws:signer:us-east-1:999999999999/],
    ['a profile of the same name in another region', [{ signingProfileArn: 'arn:aws:signer:eu-west-1:123456789012:/signing-profiles/better_call_buffet', status: 'COMPLETE' }],
      /it is not signed by the configured profile .*only by arn:aws:signer:eu-west-1:/],
  ])('refuses %s: exit 1, nothing tagged', async (_what, statuses, message) => {
    givenImage(PROD_READY, clean, { signing: [statuses] });
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(putImageCalls()).toEqual([]);
    expect(waits).toEqual([]);
  });

  test('the signature is checked before the scan: an unsigned image is refused whatever its scan says', async () => {
    givenImage([RELEASE], clean, { signing: [[]] });
    expect((await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE)).code).toBe(1);
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(0);
  });

  test('--dry-run shows the signature check and changes nothing', async () => {
    givenImage(PROD_READY);
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`signature COMPLETE by ${PROFILE_ARN}`);
    expect(r.stdout).toContain(`would promote (dry run) ${DIGEST} to prod as prod-${RELEASE}`);
    expect(putImageCalls()).toEqual([]);
  });

  test('--dry-run refuses an unsigned image like a real run (exit 1)', async () => {
    givenImage(PROD_READY, clean, { signing: [[]] });
    const r = await promote('--from', 'staging', '--to', 'prod', '--tag', RELEASE, '--dry-run');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/REFUSED: .*it has no managed signature/);
  });

  test('an environment that opted out (promotion.requireSignature: false) skips the check, visibly', async () => {
    givenImage([RELEASE], clean, { signing: [[]] });
    const r = await promoteWith({ dev: { promotion: { requireSignature: false } } }, ['--from', 'build', '--to', 'dev', '--tag', RELEASE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signature: not required for dev (promotion.requireSignature: false)');
    expect(signingCalls()).toEqual([]);
  });

  test('a configured registry account is the account the profile must be in, and the registry asked', async () => {
    const account = '111122223333';
    givenImage([RELEASE], clean, { signing: [[{ signingProfileArn: `arn:aws:signer:us-east-1:${account}:/signing-profiles/better_call_buffet`, status: 'COMPLETE' }]] });
    // registry.account set: the CLI passes it as registryId (the shipped config leaves it unset, so the gate is driven directly).
    const lines: string[] = [];
    const target = { repositoryName: REPO, registryId: account, releaseTagPatterns: ['v*'], failOnSeverity: 'CRITICAL' as const, signing: { profileName: 'better_call_buffet', region: 'us-east-1', maxWaitSeconds: 0, pollSeconds: 10 } };
    const r = await promoteImage(new ECRClient({ region: 'us-east-1' }), target, { from: 'build', to: 'dev', tag: RELEASE, dryRun: true }, (l) => lines.push(l));
    expect(r.outcome).toBe('dry-run');
    expect(lines).toContain(`signature COMPLETE by arn:aws:signer:us-east-1:${account}:/signing-profiles/better_call_buffet`);
    expect(signingCalls()).toEqual([{ registryId: account, repositoryName: REPO, imageId: { imageDigest: DIGEST } }]);
  });

  test('the image vanishing between checks is a refusal; AccessDenied on the signing status is an AWS error (exit 3)', async () => {
    givenImage([RELEASE], clean, { signing: new ImageNotFoundException({ message: 'gone', $metadata: {} }) });
    const gone = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/REFUSED: .*image sha256:a+ is gone from better-call-buffet \(ImageNotFoundException\)/);
    givenImage([RELEASE], clean, { signing: Object.assign(new Error('User is not authorized to perform ecr:DescribeImageSigningStatus'), { name: 'AccessDeniedException' }) });
    const denied = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/AWS error, nothing was promoted: access denied \(AccessDeniedException: User is not authorized to perform ecr:DescribeImageSigningStatus\): the caller needs ecr:DescribeImages, ecr:DescribeRepositories, ecr:DescribeImageScanFindings, ecr:DescribeImageSigningStatus, /);
    expect(putImageCalls()).toEqual([]);
  });

  test('signingVerdict: a FAILED status of the profile wins over a COMPLETE one of the same profile', () => {
    expect(signingVerdict([{ signingProfileArn: PROFILE_ARN, status: 'COMPLETE' }, { signingProfileArn: PROFILE_ARN, status: 'FAILED' }], PROFILE_ARN).kind).toBe('refused');
    expect(signingVerdict([{ signingProfileArn: PROFILE_ARN, status: 'COMPLETE' }], PROFILE_ARN)).toEqual({ kind: 'signed', profileArn: PROFILE_ARN });
  });
});

describe('promote: usage and AWS errors', () => {
  test.each<[string, string[], RegExp]>([
    ['skipping an environment', ['--from', 'dev', '--to', 'prod', '--tag', RELEASE], /--from dev --to prod: images move one step at a time along build -> dev -> staging -> prod, so prod takes images from staging/],
    ['going backwards', ['--from', 'prod', '--to', 'staging', '--tag', RELEASE], /staging takes images from dev/],
    ['an unknown target', ['--from', 'staging', '--to', 'qa', '--tag', RELEASE], /--to "qa" is not an environment: use one of dev, staging, prod/],
    ['no image', ['--from', 'build', '--to', 'dev'], /name the image with --tag RELEASE_TAG or --digest sha256:/],
    ['a malformed digest', ['--from', 'build', '--to', 'dev', '--digest', 'sha256:abc'], /--digest "sha256:abc" is not an image digest/],
    ['a moving tag', ['--from', 'build', '--to', 'dev', '--tag', 'latest'], /--tag "latest" is not a release tag \(v\*\)/],
    ['an unknown flag', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--force'], /unknown flag "--force"/],
    ['a missing --to', ['--from', 'build', '--tag', RELEASE], /--to is required/],
    // The CI build enters the chain at dev only.
    ['a build straight to staging', ['--from', 'build', '--to', 'staging', '--tag', RELEASE], /^promote: --from build --to staging: images move one step at a time along build -> dev -> staging -> prod, so staging takes images from dev \(--from dev\)/],
    ['a build straight to prod', ['--from', 'build', '--to', 'prod', '--tag', RELEASE], /^promote: --from build --to prod: .* so prod takes images from staging \(--from staging\)/],
    ['--dry-run=false (read neither way)', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--dry-run=false'], /^promote: --dry-run takes no value, got "--dry-run=false": give --dry-run for a dry run, leave it out to promote \(see --help\)\n$/],
    ['--dry-run=true', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--dry-run=true'], /^promote: --dry-run takes no value/],
    ['a negative --signature-wait', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--signature-wait', '-5'], /--signature-wait needs a value|--signature-wait "-5" must be a whole number of seconds from 0 to 3600/],
    ['a --signature-wait above an hour', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--signature-wait', '3601'], /--signature-wait "3601" must be a whole number of seconds from 0 to 3600/],
    ['a --signature-wait in minutes', ['--from', 'build', '--to', 'dev', '--tag', RELEASE, '--signature-wait=5m'], /--signature-wait "5m" must be a whole number of seconds/],
  ])('%s exits 2', async (_what, argv, message) => {
    givenImage([RELEASE]);
    const r = await promote(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(putImageCalls()).toEqual([]);
  });

  test('an image with two release tags needs --tag (exit 2)', async () => {
    givenImage([RELEASE, 'v1.4.2']);
    const r = await promote('--from', 'build', '--to', 'dev', '--digest', DIGEST);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/carries several release tags \(v1\.4\.2-3f9c2ab, v1\.4\.2\): name the one to promote with --tag/);
  });

  test('--help prints the usage and exits 0', async () => {
    const r = await promote('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}npm run promote -- --from SOURCE --to ENV/);
    expect(ecr.calls()).toHaveLength(0);
  });

  test('an AWS error (AccessDenied) exits 3 and promotes nothing', async () => {
    givenImage([RELEASE]);
    const denied = Object.assign(new Error('User is not authorized to perform ecr:DescribeRepositories'), { name: 'AccessDeniedException' });
    ecr.on(DescribeRepositoriesCommand).rejects(denied);
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^promote: AWS error, nothing was promoted: access denied \(AccessDeniedException: User is not authorized to perform ecr:DescribeRepositories\): the caller needs ecr:DescribeImages, ecr:DescribeRepositories, ecr:DescribeImageScanFindings, ecr:DescribeImageSigningStatus, ecr:BatchGetImage and ecr:PutImage on better-call-buffet; check which identity runs this \(aws sts get-caller-identity\) and the region \(region us-east-1, /);
    expect(putImageCalls()).toEqual([]);
  });

  test.each<[string, Error, RegExp]>([
    ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^promote: AWS error, nothing was promoted: no AWS credentials found: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for a local emulator set AWS_ENDPOINT_URL/],
    ['an unreachable endpoint', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }),
      /^promote: AWS error, nothing was promoted: cannot reach the AWS endpoint \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:9\): check AWS_ENDPOINT_URL \(unset it to use AWS itself\), the region and your network/],
    ['rejected credentials', Object.assign(new Error('The security token included in the request is invalid.'), { name: 'UnrecognizedClientException', $metadata: {} }),
      /^promote: AWS error, nothing was promoted: AWS rejected the credentials \(UnrecognizedClientException: .*\): refresh them \(aws sso login\)/],
  ])('%s exits 3 and says what to check, not the raw SDK error', async (_what, error, message) => {
    givenImage([RELEASE]);
    ecr.on(DescribeImagesCommand).rejects(error);
    const r = await promote('--from', 'build', '--to', 'dev', '--tag', RELEASE);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('summarizeScan', () => {
  test('takes the highest count per severity across the totals map, basic findings and enhanced findings', () => {
    const s = summarizeScan([
      { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: { HIGH: 3 }, findings: [{ severity: 'HIGH' }], enhancedFindings: [{ severity: 'UNTRIAGED' }] } },
      { imageScanFindings: { findings: [{ severity: 'CRITICAL' }] } },
    ]);
    expect(s).toEqual({ status: 'COMPLETE', description: undefined, completedAt: undefined, counts: { HIGH: 3, CRITICAL: 1, UNTRIAGED: 1 } });
  });
});
