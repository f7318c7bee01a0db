/**
 * The replica check of a promotion: before an environment that pulls from the replica region (its
 * `imageRegion` is `registry.replicaRegion`) deploys, the promoted digest and its promotion tag must be in the
 * replica. Promotion tags are added in the registry's region; ECR replication copies each push (a new image or
 * a new tag) to the replica asynchronously ("The majority of images replicate in less than 30 minutes, but in rare
 * cases the replication might take longer"), so the check waits, bounded, with each wait printed. ECR copies only
 * what is pushed after replication is configured ("Any preexisting content in a repository isn't replicated",
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html): an older image never arrives on its
 * own, and the refusal says how to bring it.
 */
import { DescribeImagesCommand, ECRClient, ImageNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { EnvConfig, RegistryConfig } from '../config/types';
import { pollUntil, RepositoryRef, WaitBounds, WaitIo } from './poll';

/** Where and how long to look (at most `maxWaitSeconds` for the image or tag to arrive). */
export interface ReplicaRequirement extends WaitBounds {
  /** `registry.replicaRegion` (the client passed in must be for this region). */
  readonly region: string;
  /** The registry's own region, named in messages. */
  readonly sourceRegion: string;
}

/** Where the check prints each wait and how it sleeps. */
export type ReplicaCheckOptions = WaitIo;

/** What the replica holds of the image right now. */
type ReplicaState =
  | { readonly kind: 'ready'; readonly tags: readonly string[] }
  | { readonly kind: 'no-repository' | 'no-image' }
  | { readonly kind: 'no-tag'; readonly tags: readonly string[] };

async function lookInReplica(client: ECRClient, repo: RepositoryRef, digest: string, tag: string | undefined): Promise<ReplicaState> {
  try {
    const r = await client.send(new DescribeImagesCommand({ ...repo, imageIds: [{ imageDigest: digest }] }));
    const tags = r.imageDetails?.[0]?.imageTags ?? [];
    if (r.imageDetails?.[0] === undefined) return { kind: 'no-image' };
    return tag === undefined || tags.includes(tag) ? { kind: 'ready', tags } : { kind: 'no-tag', tags };
  } catch (e) {
    if (e instanceof RepositoryNotFoundException) return { kind: 'no-repository' };
    if (e instanceof ImageNotFoundException) return { kind: 'no-image' };
    throw e;
  }
}

function describeState(state: ReplicaState, repo: RepositoryRef, req: ReplicaRequirement, digest: string, tag: string | undefined): string {
  switch (state.kind) {
    case 'no-repository': return `repository ${repo.repositoryName} does not exist in ${req.region}`;
    case 'no-image': return `${digest} is not in ${req.region} yet`;
    case 'no-tag': return `${digest} is in ${req.region} but its tag ${tag} is not yet (tags there: ${state.tags.join(', ') || 'none'})`;
    case 'ready': return `${digest} is in ${req.region}${tag ? ` with ${tag}` : ''}`;
  }
}

/**
 * Looks for `digest` (and `tag`, when given) in the replica, waiting while it has not arrived for at most
 * `maxWaitSeconds`. Resolves with the image's tags there; throws {@link ReplicaNotReady} with what is missing,
 * what that means for the deploy, and what to do.
 */
export async function requireInReplica(client: ECRClient, repo: RepositoryRef, digest: string, tag: string | undefined, req: ReplicaRequirement, options: ReplicaCheckOptions): Promise<readonly string[]> {
  return pollUntil(async () => {
    const state = await lookInReplica(client, repo, digest, tag);
    if (state.kind === 'ready') return { ready: true, value: state.tags };
    const what = describeState(state, repo, req, digest, tag);
    if (state.kind === 'no-repository') {
      throw new ReplicaNotReady(`${what}: deploy BetterCallBuffet-RegistryReplica (npx cdk deploy 'BetterCallBuffet-Registry*' --exclusively) before anything pulls from ${req.region}`);
    }
    return { ready: false, pending: what };
  }, {
    log: options.log,
    sleep: options.sleep,
    maxWaitSeconds: req.maxWaitSeconds,
    pollSeconds: req.pollSeconds,
    waitingFor: (what) => `replica: ${what}`,
    timedOut: (what, waited) => new ReplicaNotReady(`${what} after waiting ${waited} s (limit ${req.maxWaitSeconds} s). ` +
      `A task pulling from ${req.region} would not find it, so do not deploy there yet. "The majority of images replicate in less than 30 minutes" (ECR user guide) from ${req.sourceRegion}: ` +
      `run the same promotion again later (it is idempotent and only checks again). If it never arrives, check the replication-failures ` +
      `notification and aws ecr describe-image-replication-status --region ${req.sourceRegion}; an image pushed before replication was ` +
      `configured is never copied on its own (docs/runbook-region-outage.md, "Images older than the replication")`),
  });
}

/**
 * The replica region to check before `env` deploys: automatically where the environment pulls from the replica
 * (`imageRegion` is `registry.replicaRegion`), or on request (`--check-replica`, e.g. before switching it there).
 * Undefined: no check. Throws when a check is requested but the registry has no replica.
 */
export function replicaRegionToCheck(registry: Pick<RegistryConfig, 'replicaRegion'>, env: Pick<EnvConfig, 'envName' | 'imageRegion'>, requested: boolean): string | undefined {
  const replica = registry.replicaRegion;
  if (requested && replica === undefined) {
    throw new Error('--check-replica: registry.replicaRegion is not set, so there is no replica to check; remove the flag or configure a replica');
  }
  return requested || (replica !== undefined && env.imageRegion === replica) ? replica : undefined;
}

/** The replica does not (yet) hold what the environment will pull; the message says why and what to do. */
export class ReplicaNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaNotReady';
  }
}
