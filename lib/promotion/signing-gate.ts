/**
 * The signature gate of a promotion: the image must carry a COMPLETE ECR managed signature from the configured
 * AWS Signer profile. ECR signs each push itself and reports, per signing profile, IN_PROGRESS | COMPLETE |
 * FAILED (+ failureCode, failureReason) through DescribeImageSigningStatus
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageSigningStatus.html,
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageSigningStatus.html). IN_PROGRESS is waited
 * for, bounded; FAILED, no status, or a status from another profile only, is refused.
 */
import { DescribeImageSigningStatusCommand, ECRClient, ImageNotFoundException } from '@aws-sdk/client-ecr';
import { signingProfileArn, signingVerdict } from '../aws/signing';
import { pollUntil, RepositoryRef, WaitBounds, WaitIo } from './poll';

/** What the gate requires, from `registry.settings.signing` and the target environment's promotion config; it waits at most `maxWaitSeconds` for an IN_PROGRESS signature. */
export interface SigningRequirement extends WaitBounds {
  /** `registry.settings.signing.profileName`. */
  readonly profileName: string;
  /** The registry's region: the profile must be there (managed signing does not sign across regions). */
  readonly region: string;
}

/** Where the gate prints each wait and how it sleeps. */
export type SignatureCheckOptions = WaitIo;

/**
 * Reads the image's signing status and applies {@link signingVerdict}, waiting while it is IN_PROGRESS for
 * at most `maxWaitSeconds` (each wait printed). Resolves with the signing profile ARN when signed; throws
 * {@link SignatureRefused} with the reason otherwise.
 */
export async function requireSignature(client: ECRClient, repo: RepositoryRef, digest: string, req: SigningRequirement, options: SignatureCheckOptions): Promise<string> {
  return pollUntil(async () => {
    let answer;
    try {
      answer = await client.send(new DescribeImageSigningStatusCommand({ ...repo, imageId: { imageDigest: digest } }));
    } catch (e) {
      if (e instanceof ImageNotFoundException) throw new SignatureRefused(`image ${digest} is gone from ${repo.repositoryName} (ImageNotFoundException)`);
      throw e;
    }
    // The registry's account: configured, else the one ECR answered for (managed signing signs in the registry's account).
    const account = repo.registryId ?? answer.registryId;
    if (account === undefined) throw new SignatureRefused('cannot tell the registry account (set registry.account): the expected signing profile ARN names it');
    const expected = signingProfileArn(req.region, account, req.profileName);
    const verdict = signingVerdict(answer.signingStatuses ?? [], expected);
    if (verdict.kind === 'signed') return { ready: true, value: verdict.profileArn };
    if (verdict.kind === 'refused') throw new SignatureRefused(verdict.reason);
    return { ready: false, pending: expected };
  }, {
    log: options.log,
    sleep: options.sleep,
    maxWaitSeconds: req.maxWaitSeconds,
    pollSeconds: req.pollSeconds,
    waitingFor: (expected) => `signature IN_PROGRESS by ${expected}`,
    timedOut: (expected, waited) => new SignatureRefused(`its managed signature by ${expected} is still IN_PROGRESS after waiting ${waited} s (limit ${req.maxWaitSeconds} s): run the promotion again in a few minutes; if it stays IN_PROGRESS, check the AWS Signer profile and the ECR console`),
  });
}

/** The signature requirement is not met; the message says why and what to do. */
export class SignatureRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureRefused';
  }
}
