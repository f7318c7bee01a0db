/**
 * `npm run promote -- --from <source> --to <env> (--tag T | --digest D) [--dry-run]`
 *
 * Promotes one image, by digest, one step along build -> dev -> staging -> prod in the repository every
 * environment pulls from (see lib/promotion/promote.ts and docs/pipeline.md). AWS SDK v3: it needs AWS
 * credentials from the standard chain, or AWS_ENDPOINT_URL pointing at an emulator (the e2e's moto).
 *
 * Exit codes: 0 promoted (or already promoted, or a dry run that passed), 1 refused, 2 usage error,
 * 3 AWS error (the checks could not run: no credentials, endpoint unreachable, AccessDenied...).
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { IMAGE_DIGEST_RE } from '../aws/formats';
import { describeAwsError } from '../aws/sdk-errors';
import { loadConfig } from '../config/load';
import { ENV_NAMES, EnvName } from '../config/types';
import { ConfigError, isEnvName } from '../config/validate';
import { BUILD_SOURCE, PROMOTION_CHAIN, PromotionSource, previousInChain } from '../promotion/chain';
import { promoteImage, PromotionRefused, PromotionUsageError } from '../promotion/promote';
import { quietSdkNodeVersionWarning } from './cli-env';
import { replicaRegionToCheck, ReplicaNotReady, requireInReplica } from '../promotion/replica-check';
import { splitFlag } from './plain-args';

/** Default and bounds of --signature-wait (seconds an IN_PROGRESS signature is waited for). */
export const SIGNATURE_WAIT = { default: 300, max: 3600, poll: 10 } as const;
/** Default and bounds of --replica-wait (seconds the promoted image and tag are waited for in the replica region). */
export const REPLICA_WAIT = { default: 600, max: 3600, poll: 15 } as const;

export const USAGE = `Usage:
  npm run promote -- --from SOURCE --to ENV (--tag RELEASE_TAG | --digest sha256:...) [--dry-run] [--signature-wait SECONDS]
                     [--check-replica] [--replica-wait SECONDS]
  npm run promote -- --help

Promotes an image one step along ${PROMOTION_CHAIN.join(' -> ')} in the repository every environment
pulls from: checks it, then adds the immutable tag ENV-RELEASE_TAG to the same digest.

  --from SOURCE   where the image comes from: the step before --to (${BUILD_SOURCE} for dev: the CI build)
  --to ENV        the environment to promote to: ${ENV_NAMES.join(', ')}
  --tag TAG       the image's release tag (e.g. v1.4.2-3f9c2ab)
  --digest D      the image digest; with --tag too, the tag must name this digest
  --dry-run       run every check against the real API, change nothing
  --signature-wait SECONDS
                  how long to wait for an IN_PROGRESS signature, 0-${SIGNATURE_WAIT.max} (default ${SIGNATURE_WAIT.default})
  --check-replica also check the replica region (registry.replicaRegion); automatic when ENV's
                  imageRegion is the replica's
  --replica-wait SECONDS
                  how long to wait for the image and its promotion tag to reach the replica,
                  0-${REPLICA_WAIT.max} (default ${REPLICA_WAIT.default})

Refuses unless: the image exists and carries a release tag; it was promoted to --from (its tag
FROM-RELEASE_TAG exists), except from ${BUILD_SOURCE}; the repository's tags are immutable; it carries a
COMPLETE ECR managed signature from the Signer profile registry.settings.signing.profileName (unless
--to's promotion.requireSignature is false; never for prod); its scan is COMPLETE with no finding at or
above --to's promotion.failOnSeverity; and ENV-RELEASE_TAG does not already name another image.
Where ENV pulls from the replica (imageRegion), it then refuses (exit 1) until the digest and
ENV-RELEASE_TAG have been replicated there: the tag stays in place, run the same command again later.

Needs AWS credentials (AWS_PROFILE, environment, SSO, ...) for the registry's account, or AWS_ENDPOINT_URL
pointing at an emulator.
Exit codes: 0 promoted / already promoted / dry run passed, 1 refused, 2 usage error, 3 AWS error
(credentials, endpoint, permissions: the message says what to check).
`;

export interface PromoteIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface PromoteDeps {
  readonly io?: PromoteIo;
  /** Builds the ECR client for the registry's region (tests pass a mocked one). */
  readonly client?: (region: string) => ECRClient;
  /** Reads context-like overrides for the config (the app's loader; tests may pass their own). */
  readonly getContext?: (key: string) => unknown;
  /** Waits between signing-status checks (tests pass one that returns at once). */
  readonly sleep?: (seconds: number) => Promise<void>;
}

interface Args {
  readonly help: boolean;
  readonly from?: PromotionSource;
  readonly to?: EnvName;
  readonly tag?: string;
  readonly digest?: string;
  readonly dryRun: boolean;
  readonly signatureWait: number;
  readonly checkReplica: boolean;
  readonly replicaWait: number;
}

const VALUE_FLAGS = ['--from', '--to', '--tag', '--digest', '--signature-wait', '--replica-wait'] as const;

function parseArgs(argv: readonly string[]): Args {
  const values = new Map<string, string>();
  let dryRun = false;
  let help = false;
  let checkReplica = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const { name, inline } = splitFlag(arg);
    if (name === '--help' || name === '-h' || name === '--dry-run' || name === '--check-replica') {
      // `--dry-run=false` must not be read either way: a promotion writes, a dry run does not.
      if (inline !== undefined) {
        throw new PromotionUsageError(`${name} takes no value, got "${arg}": ${name === '--dry-run' ? 'give --dry-run for a dry run, leave it out to promote' : `give ${name} alone`}`);
      }
      if (name === '--dry-run') dryRun = true;
      else if (name === '--check-replica') checkReplica = true;
      else help = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new PromotionUsageError(arg.startsWith('-') ? `unknown flag "${name}"; flags are ${VALUE_FLAGS.join(', ')}, --dry-run, --check-replica, --help` : `unexpected argument "${arg}"`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) throw new PromotionUsageError(`${name} needs a value`);
    if (values.has(name)) throw new PromotionUsageError(`${name} given twice ("${values.get(name)}" and "${value}")`);
    values.set(name, value);
  }
  if (help) return { help, dryRun, signatureWait: SIGNATURE_WAIT.default, checkReplica, replicaWait: REPLICA_WAIT.default };
  const from = values.get('--from');
  const to = values.get('--to');
  const tag = values.get('--tag');
  const digest = values.get('--digest');
  if (to === undefined) throw new PromotionUsageError(`--to is required: one of ${ENV_NAMES.join(', ')}`);
  if (!isEnvName(to)) throw new PromotionUsageError(`--to "${to}" is not an environment: use one of ${ENV_NAMES.join(', ')}`);
  const expected = previousInChain(to);
  if (from === undefined) throw new PromotionUsageError(`--from is required: promotion to ${to} comes from ${expected}`);
  if (from !== expected) {
    throw new PromotionUsageError(`--from ${from} --to ${to}: images move one step at a time along ${PROMOTION_CHAIN.join(' -> ')}, so ${to} takes images from ${expected} (--from ${expected})`);
  }
  if (tag === undefined && digest === undefined) throw new PromotionUsageError('name the image with --tag RELEASE_TAG or --digest sha256:...');
  if (digest !== undefined && !IMAGE_DIGEST_RE.test(digest)) throw new PromotionUsageError(`--digest "${digest}" is not an image digest: sha256: followed by 64 lowercase hex characters`);
  const wait = values.get('--signature-wait');
  if (wait !== undefined && !(/^\d+$/.test(wait) && Number(wait) <= SIGNATURE_WAIT.max)) {
    throw new PromotionUsageError(`--signature-wait "${wait}" must be a whole number of seconds from 0 to ${SIGNATURE_WAIT.max}`);
  }
  const replicaWait = values.get('--replica-wait');
  if (replicaWait !== undefined && !(/^\d+$/.test(replicaWait) && Number(replicaWait) <= REPLICA_WAIT.max)) {
    throw new PromotionUsageError(`--replica-wait "${replicaWait}" must be a whole number of seconds from 0 to ${REPLICA_WAIT.max}`);
  }
  return {
    help, from, to, tag, digest, dryRun, signatureWait: wait === undefined ? SIGNATURE_WAIT.default : Number(wait),
    checkReplica, replicaWait: replicaWait === undefined ? REPLICA_WAIT.default : Number(replicaWait),
  };
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Runs the CLI; resolves to the exit code. */
export async function runPromoteCli(argv: readonly string[], deps: PromoteDeps = {}): Promise<number> {
  const io = deps.io ?? { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  const out = (line: string) => io.stdout(`promote: ${line}\n`);
  let args: Args;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseArgs(argv);
    if (args.help) {
      io.stdout(USAGE);
      return 0;
    }
    config = loadConfig({ getContext: deps.getContext ?? (() => undefined) });
  } catch (e) {
    if (e instanceof PromotionUsageError || e instanceof ConfigError) {
      io.stderr(`promote: ${oneLine(e.message)} (see --help)\n`);
      return 2;
    }
    throw e;
  }
  const { registry } = config;
  const to = args.to as EnvName;
  const env = config.environments.find((e) => e.envName === to);
  if (!env) throw new Error(`no configuration for environment ${to}`);
  let replicaRegion: string | undefined;
  try {
    replicaRegion = replicaRegionToCheck(registry, env, args.checkReplica);
  } catch (e) {
    io.stderr(`promote: ${(e as Error).message} (see --help)\n`);
    return 2;
  }
  const clientFor = deps.client ?? ((region) => new ECRClient({ region }));
  const client = clientFor(registry.region);
  out(`${args.dryRun ? 'DRY RUN: ' : ''}${args.from} -> ${to} in repository ${registry.repositoryName} (${registry.account ? `registry ${registry.account}, ` : ''}${registry.region})`);
  try {
    const r = await promoteImage(client, {
      repositoryName: registry.repositoryName,
      registryId: registry.account,
      releaseTagPatterns: registry.retention.releaseTagPatterns,
      failOnSeverity: env.promotion.failOnSeverity,
      // Every environment requires the signature unless it opted out explicitly (validation refuses that for prod).
      signing: env.promotion.requireSignature === false ? undefined : {
        profileName: registry.settings.signing.profileName,
        region: registry.region,
        maxWaitSeconds: args.signatureWait,
        pollSeconds: SIGNATURE_WAIT.poll,
      },
    }, { from: args.from as PromotionSource, to, tag: args.tag, digest: args.digest, dryRun: args.dryRun }, out, { sleep: deps.sleep });
    if (replicaRegion !== undefined) {
      // The tag was added in the registry's region; replication copies it. A dry run added none: the digest only, once.
      const tag = r.outcome === 'dry-run' ? undefined : r.promotionTag;
      const wait = r.outcome === 'dry-run' ? 0 : args.replicaWait;
      await requireInReplica(clientFor(replicaRegion), { repositoryName: registry.repositoryName, registryId: registry.account }, r.digest, tag,
        { region: replicaRegion, sourceRegion: registry.region, maxWaitSeconds: wait, pollSeconds: REPLICA_WAIT.poll }, { log: out, sleep: deps.sleep });
      out(`replica ${replicaRegion}: ${r.digest}${tag ? ` and ${tag}` : ''} present (${to} pulls from ${env.imageRegion ?? registry.region})`);
    }
    const what = { 'tagged': 'promoted', 'already-promoted': 'already promoted', 'dry-run': 'would promote (dry run)' }[r.outcome];
    out(`${what} ${r.digest} to ${to} as ${r.promotionTag}`);
    io.stdout(`digest=${r.digest}\nrelease_tag=${r.releaseTag}\npromotion_tag=${r.promotionTag}\n`);
    return 0;
  } catch (e) {
    if (e instanceof PromotionRefused || e instanceof ReplicaNotReady) {
      io.stderr(`promote: REFUSED: ${oneLine(e.message)}\n`);
      return 1;
    }
    if (e instanceof PromotionUsageError) {
      io.stderr(`promote: ${oneLine(e.message)} (see --help)\n`);
      return 2;
    }
    const permissions = `ecr:DescribeImages, ecr:DescribeRepositories, ecr:DescribeImageScanFindings, ecr:DescribeImageSigningStatus${args.dryRun ? '' : ', ecr:BatchGetImage and ecr:PutImage'} on ${registry.repositoryName}`;
    io.stderr(`promote: AWS error, nothing was promoted: ${describeAwsError(e, { region: registry.region, permissions })}\n`);
    return 3;
  }
}

if (require.main === module) {
  quietSdkNodeVersionWarning();
  runPromoteCli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.stderr.write(`promote: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 3;
    },
  );
}
