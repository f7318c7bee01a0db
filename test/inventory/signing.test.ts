import { DescribeImageSigningStatusCommand, ECRClient, ImageNotFoundException, ImageSigningStatus } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { handlerConfig } from '../../lib/inventory/handler';
import { checkReleaseSignatures } from '../../lib/inventory/signing';
import { RecentRelease } from '../../lib/inventory/summary';

const NOW = new Date('2026-06-01T12:00:00Z');
const PROFILE = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/better_call_buffet';
const ecr = mockClient(ECRClient);
const release = (n: number, minutesAgo: number): RecentRelease => ({ digest: `sha256:${String(n).padStart(64, '0')}`, tag: `v1.0.${n}`, pushedAt: new Date(NOW.getTime() - minutesAgo * 60_000) });

/** DescribeImageSigningStatus answers `byImage[n]` for image n (or throws it). */
function given(byImage: Record<number, ImageSigningStatus[] | Error>): void {
  ecr.reset();
  ecr.on(DescribeImageSigningStatusCommand).callsFake((input: { imageId: { imageDigest: string } }) => {
    const answer = byImage[Number(input.imageId.imageDigest.slice('sha256:'.length))];
    if (answer instanceof Error) throw answer;
    return { signingStatuses: answer };
  });
}

const check = (images: RecentRelease[]) => checkReleaseSignatures(new ECRClient({ region: 'us-east-1' }), images, { repositoryName: 'better-call-buffet', profileArn: PROFILE, now: NOW });

describe('checkReleaseSignatures', () => {
  test('COMPLETE by the configured profile is signed; FAILED, another profile, or nothing after the grace period is not', async () => {
    given({
      1: [{ signingProfileArn: PROFILE, status: 'COMPLETE' }],
      2: [{ signingProfileArn: PROFILE, status: 'FAILED', failureCode: 'SignerProfileCanceled', failureReason: 'profile canceled' }],
      3: [{ signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/other', status: 'COMPLETE' }],
      4: [],
      5: [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }],
    });
    const r = await check([release(1, 90), release(2, 90), release(3, 90), release(4, 90), release(5, 90)]);
    expect(r).toMatchObject({ profileArn: PROFILE, checked: 5, pending: 0 });
    expect(r.unsigned.map((u) => [u.tag, u.reason])).toEqual([
      ['v1.0.2', expect.stringMatching(/FAILED \(SignerProfileCanceled: profile canceled\)/)],
      ['v1.0.3', expect.stringMatching(/not signed by the configured profile .* only by .*\/signing-profiles\/other \(COMPLETE\)/)],
      ['v1.0.4', expect.stringMatching(/has no managed signature/)],
      ['v1.0.5', `its signature by ${PROFILE} is still IN_PROGRESS 90 minutes after the push`],
    ]);
  });

  test('within the grace period, IN_PROGRESS and no status yet are pending; FAILED and another profile are final at once', async () => {
    given({
      1: [{ signingProfileArn: PROFILE, status: 'IN_PROGRESS' }],
      2: [],
      3: [{ signingProfileArn: PROFILE, status: 'FAILED', failureCode: 'AccessDenied', failureReason: 'denied' }],
      4: [{ signingProfileArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/other', status: 'COMPLETE' }],
    });
    const r = await check([release(1, 5), release(2, 5), release(3, 5), release(4, 5)]);
    expect(r.pending).toBe(2);
    expect(r.unsigned.map((u) => u.tag)).toEqual(['v1.0.3', 'v1.0.4']);
  });

  test('an image deleted since the listing is skipped; any other error fails the run', async () => {
    given({ 1: new ImageNotFoundException({ message: 'gone', $metadata: {} }), 2: [{ signingProfileArn: PROFILE, status: 'COMPLETE' }] });
    expect(await check([release(1, 90), release(2, 90)])).toMatchObject({ checked: 1, unsigned: [] });
    given({ 1: Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }) });
    await expect(check([release(1, 90)])).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('handlerConfig: the signing check is configured by SIGNING_PROFILE_ARN', () => {
  const base = { REPOSITORY_NAME: 'repo', METRIC_NAMESPACE: 'NS', STALE_PULL_DAYS: '90', STORAGE_PRICE_PER_GB_MONTH_USD: '0.1', RELEASE_TAG_PATTERNS: '["v*"]' };

  test('set: the profile and the lookback minutes; unset: no signing check', () => {
    expect(handlerConfig({ ...base, SIGNING_PROFILE_ARN: PROFILE, SIGNING_LOOKBACK_MINUTES: '150' }).signing).toEqual({ profileArn: PROFILE, lookbackMinutes: 150 });
    expect(handlerConfig(base).signing).toBeUndefined();
  });

  test('a malformed profile ARN or a missing lookback fails loudly instead of checking nothing', () => {
    expect(() => handlerConfig({ ...base, SIGNING_PROFILE_ARN: 'better_call_buffet', SIGNING_LOOKBACK_MINUTES: '150' })).toThrow(/SIGNING_PROFILE_ARN must be a Signer profile ARN without version, got "better_call_buffet"/);
    expect(() => handlerConfig({ ...base, SIGNING_PROFILE_ARN: PROFILE })).toThrow(/environment variable SIGNING_LOOKBACK_MINUTES is not set/);
  });
});
