import {
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageDetail,
  ImageNotFoundException,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mockClient } from 'aws-sdk-client-mock';
import { runPromoteCli } from '../../lib/cli/promote';
import { replicaRegionToCheck, ReplicaNotReady, requireInReplica } from '../../lib/promotion/replica-check';

/**
 * The replica check of `npm run promote` (lib/promotion/replica-check.ts) against a mocked ECR API: one mock
 * for every client, told apart by the region the CLI created each client for. The source region (us-east-1)
 * holds the image; what the replica (us-west-2) holds is set per test, as a sequence of looks.
 */
const ecr = mockClient(ECRClient);
const REPO = 'better-call-buffet';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const RELEASE = 'v1.4.2-3f9c2ab';
const MEDIA = 'application/vnd.docker.distribution.manifest.v2+json';
const PROFILE_ARN = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/better_call_buffet';

/** What the replica answers to DescribeImages, one entry per look (the last repeated). */
type Look = 'no-repository' | 'no-image' | readonly string[];

const regionOf = new Map<unknown, string>();
let replicaLooks: Look[] = [];
let replicaCalls = 0;
let waits: number[] = [];

function given(sourceTags: string[], looks: Look[]): void {
  const image: ImageDetail = { imageDigest: DIGEST, imageTags: [...sourceTags], imageManifestMediaType: MEDIA, repositoryName: REPO };
  replicaLooks = looks;
  ecr.reset();
  ecr.on(DescribeImagesCommand).callsFake((input: { imageIds: Array<{ imageTag?: string; imageDigest?: string }> }, getClient: () => unknown) => {
    const id = input.imageIds[0];
    if (regionOf.get(getClient()) === 'us-west-2') {
      const look = replicaLooks[Math.min(replicaCalls++, replicaLooks.length - 1)];
      if (look === 'no-repository') throw new RepositoryNotFoundException({ message: 'no repository', $metadata: {} });
      if (look === 'no-image' || id.imageDigest !== DIGEST) throw new ImageNotFoundException({ message: 'no image', $metadata: {} });
      return { imageDetails: [{ imageDigest: DIGEST, imageTags: [...look] }] };
    }
    if (id.imageDigest === DIGEST || (id.imageTag !== undefined && image.imageTags?.includes(id.imageTag))) return { imageDetails: [image] };
    throw new ImageNotFoundException({ message: 'not found', $metadata: {} });
  });
  ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: REPO, imageTagMutability: 'IMMUTABLE' }] });
  ecr.on(DescribeImageScanFindingsCommand).resolves({ imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: {} } });
  ecr.on(DescribeImageSigningStatusCommand).resolves({ registryId: '123456789012', signingStatuses: [{ signingProfileArn: PROFILE_ARN, status: 'COMPLETE' }] });
  ecr.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageDigest: DIGEST }, imageManifest: '{}', imageManifestMediaType: MEDIA }] });
  ecr.on(PutImageCommand).callsFake((input: { imageTag: string }) => {
    image.imageTags?.push(input.imageTag);
    return { image: { imageId: { imageDigest: DIGEST, imageTag: input.imageTag } } };
  });
}

/** Runs the CLI; `overlay` changes the configuration (e.g. prod pulling from the replica). */
async function promote(overlay: Record<string, unknown> | undefined, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-replica-'));
  const file = path.join(dir, 'overlay.json');
  if (overlay) fs.writeFileSync(file, JSON.stringify(overlay));
  try {
    const code = await runPromoteCli(argv, {
      io: { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } },
      client: (region) => {
        const client = new ECRClient({ region });
        regionOf.set(client, region);
        return client;
      },
      getContext: (k) => (k === 'testConfigOverlay' && overlay ? file : undefined),
      sleep: async (seconds) => { waits.push(seconds); },
    });
    return { code, stdout, stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PROD_ON_REPLICA = { prod: { imageRegion: 'us-west-2' } };
const toProd = ['--from', 'staging', '--to', 'prod', '--tag', RELEASE];
const replicaLooksMade = () => replicaCalls;

beforeEach(() => {
  waits = [];
  replicaCalls = 0;
});

describe('promote to an environment that pulls from the replica', () => {
  test('waits (each wait printed) until the digest and the new promotion tag have been replicated, then exits 0', async () => {
    // GIVEN an image promoted to staging; the replica has it, but the prod tag arrives on the third look
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], ['no-image', [RELEASE, `staging-${RELEASE}`], [RELEASE, `staging-${RELEASE}`, `prod-${RELEASE}`]]);
    // WHEN
    const r = await promote(PROD_ON_REPLICA, ...toProd);
    // THEN
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(`promote: replica: ${DIGEST} is not in us-west-2 yet: waiting 15 s (waited 0 s of at most 600 s)`);
    expect(r.stdout).toMatch(`its tag prod-${RELEASE} is not yet (tags there: ${RELEASE}, staging-${RELEASE}): waiting 15 s (waited 15 s`);
    expect(r.stdout).toMatch(`promote: replica us-west-2: ${DIGEST} and prod-${RELEASE} present (prod pulls from us-west-2)`);
    expect(r.stdout).toMatch(`promotion_tag=prod-${RELEASE}`);
    expect(waits).toEqual([15, 15]);
    // AND the tag was added in the registry's region, never in the replica's
    const puts = ecr.commandCalls(PutImageCommand);
    expect(puts.map((c) => regionOf.get(c.thisValue))).toEqual(['us-east-1']);
  });

  test('refuses (exit 1) when the tag has not arrived within --replica-wait, saying the tag stays and how to go on', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], [[RELEASE, `staging-${RELEASE}`]]);
    const r = await promote(PROD_ON_REPLICA, ...toProd, '--replica-wait', '30');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`REFUSED: ${DIGEST} is in us-west-2 but its tag prod-${RELEASE} is not yet .* after waiting 30 s \\(limit 30 s\\)\\. A task pulling from us-west-2 would not find it, so do not deploy there yet\\. .*run the same promotion again later \\(it is idempotent`));
    expect(r.stdout).not.toMatch(/promotion_tag=/);
    expect(waits).toEqual([15, 15]);
  });

  test('an image never replicated: refused with the pointer to images older than the replication', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], ['no-image']);
    const r = await promote(PROD_ON_REPLICA, ...toProd, '--replica-wait', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not in us-west-2 yet after waiting 0 s .*describe-image-replication-status --region us-east-1; an image pushed before replication was configured is never copied on its own/);
    expect(waits).toEqual([]);
  });

  test('no replica repository at all: refused at once, naming the stack to deploy', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], ['no-repository']);
    const r = await promote(PROD_ON_REPLICA, ...toProd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/REFUSED: repository better-call-buffet does not exist in us-west-2: deploy BetterCallBuffet-RegistryReplica/);
    expect(waits).toEqual([]);
  });

  test('--dry-run looks once for the digest only (no tag was added) and changes nothing', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], [[RELEASE, `staging-${RELEASE}`]]);
    const r = await promote(PROD_ON_REPLICA, ...toProd, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(`promote: replica us-west-2: ${DIGEST} present (prod pulls from us-west-2)`);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(replicaLooksMade()).toBe(1);
  });
});

describe('environments that pull from the registry\'s region', () => {
  test('are not checked in the replica unless asked', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], ['no-image']);
    const r = await promote(undefined, ...toProd);
    expect(r.code).toBe(0);
    expect(replicaLooksMade()).toBe(0);
    expect(r.stdout).not.toMatch(/replica/);
  });

  test('--check-replica checks them too (before switching them to the replica)', async () => {
    given([RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`], [[RELEASE, `dev-${RELEASE}`, `staging-${RELEASE}`, `prod-${RELEASE}`]]);
    const r = await promote(undefined, ...toProd, '--check-replica');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(`promote: replica us-west-2: ${DIGEST} and prod-${RELEASE} present (prod pulls from us-east-1)`);
  });

  test('a bad --replica-wait is a usage error (exit 2, no AWS call)', async () => {
    given([RELEASE], ['no-image']);
    const bad = await promote(undefined, ...toProd, '--replica-wait', '1h');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--replica-wait "1h" must be a whole number of seconds from 0 to 3600/);
    expect(ecr.calls()).toHaveLength(0);
  });
});

describe('requireInReplica and replicaRegionToCheck', () => {
  test('AWS errors other than "not there" are not swallowed', async () => {
    ecr.reset();
    ecr.on(DescribeImagesCommand).rejects(new Error('AccessDeniedException: not allowed'));
    const client = new ECRClient({ region: 'us-west-2' });
    await expect(requireInReplica(client, { repositoryName: REPO }, DIGEST, undefined, { region: 'us-west-2', sourceRegion: 'us-east-1', maxWaitSeconds: 0, pollSeconds: 1 }, { log: () => undefined }))
      .rejects.toThrow(/AccessDeniedException/);
    await expect(requireInReplica(client, { repositoryName: REPO }, DIGEST, undefined, { region: 'us-west-2', sourceRegion: 'us-east-1', maxWaitSeconds: 0, pollSeconds: 1 }, { log: () => undefined }))
      .rejects.not.toBeInstanceOf(ReplicaNotReady);
  });

  test('checks where the environment pulls from the replica, or when asked', () => {
    const registry = { replicaRegion: 'us-west-2' };
    expect(replicaRegionToCheck(registry, { envName: 'prod', imageRegion: 'us-west-2' }, false)).toBe('us-west-2');
    expect(replicaRegionToCheck(registry, { envName: 'prod', imageRegion: 'us-east-1' }, false)).toBeUndefined();
    expect(replicaRegionToCheck(registry, { envName: 'prod', imageRegion: undefined }, true)).toBe('us-west-2');
    expect(replicaRegionToCheck({ replicaRegion: undefined }, { envName: 'prod', imageRegion: undefined }, false)).toBeUndefined();
  });

  test('--check-replica without a replica is refused with the fix (the CLI prints it and exits 2)', () => {
    expect(() => replicaRegionToCheck({ replicaRegion: undefined }, { envName: 'prod', imageRegion: undefined }, true))
      .toThrow('--check-replica: registry.replicaRegion is not set, so there is no replica to check; remove the flag or configure a replica');
  });
});
