/**
 * `inventory` CLI: how big is the repository now, from a laptop, with the same code the scheduled
 * function runs.
 *
 *   npm run --silent inventory -- --repository NAME [--region R] [--publish] [...]
 *
 * Needs AWS credentials (the standard chain) or AWS_ENDPOINT_URL pointing at an emulator.
 *
 * Exit codes: 0 success, 2 bad input (one line on stderr, nothing on stdout), 3 AWS error (one line on stderr
 * saying what to check), 1 unexpected error.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { REPOSITORY_NAME_RE } from '../aws/formats';
import { inventoryClients } from '../inventory/clients';
import { collectInventory, publishInventory } from '../inventory/collect';
import { describeInventoryError } from '../inventory/errors';
import { DEFAULT_INVENTORY_NAMESPACE, DEFAULT_STALE_PULL_DAYS, DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD } from '../inventory/metrics';
import { quietSdkNodeVersionWarning } from './cli-env';
import { splitFlag } from './plain-args';

export const USAGE = `Usage:
  inventory --repository NAME [--region REGION] [--publish] [--namespace NS]
            [--stale-days N] [--price USD] [--release-pattern PATTERN ...] [--max-attempts N]
  inventory --help

Lists every image of an ECR repository (DescribeImages, 1,000 per page) and prints one JSON object:
repositoryName, imageCount, taggedImageCount, untaggedImageCount, totalSizeBytes, largestImageSizeBytes,
newestImageSizeBytes, staleImageCount, staleImageSizeBytes, estimatedMonthlyStorageCostUsd,
releaseSizeChangePercent, ...

--repository       ECR repository name (required)
--region           AWS region (default: AWS_REGION / your profile's region)
--publish          also publish the numbers as CloudWatch metrics (needs cloudwatch:PutMetricData)
--namespace        CloudWatch namespace for --publish (default: ${DEFAULT_INVENTORY_NAMESPACE})
--stale-days       an image not pulled for more than N days is stale (default: ${DEFAULT_STALE_PULL_DAYS})
--price            storage price in USD per GB-month (default: ${DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD})
--release-pattern  tag pattern of release images, '*' wildcard, repeatable (default: v*)
--max-attempts     attempts per AWS call, with adaptive retry and backoff (default: 8)

Needs AWS credentials from the standard chain (AWS_PROFILE, environment, SSO, ...), or AWS_ENDPOINT_URL
pointing at an emulator.
Exit codes: 0 ok, 2 invalid input, 3 AWS error (credentials, endpoint, permissions, no such repository),
1 unexpected error; messages on stderr.
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliDeps {
  /** Builds the AWS clients; tests pass mocked ones. */
  readonly clients?: (o: { region?: string; maxAttempts: number }) => { ecr: ECRClient; cloudwatch: CloudWatchClient };
  readonly now?: () => Date;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

class CliInputError extends Error {}

interface Args {
  repository: string;
  region?: string;
  publish: boolean;
  namespace: string;
  staleDays: number;
  price: number;
  releasePatterns: string[];
  maxAttempts: number;
}

const VALUE_FLAGS = ['--repository', '--region', '--namespace', '--stale-days', '--price', '--release-pattern', '--max-attempts'];

function parseArgs(argv: readonly string[]): Args {
  const values = new Map<string, string[]>();
  let publish = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const { name, inline } = splitFlag(arg);
    if (name === '--publish') {
      if (inline !== undefined) throw new CliInputError(`--publish takes no value, got "${arg}": give --publish to publish the metrics, leave it out not to`);
      publish = true;
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) {
      throw new CliInputError(arg.startsWith('-') ? `unknown flag "${name}"; see --help` : `unexpected argument "${arg}"; see --help`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) throw new CliInputError(`flag ${name} needs a value; see --help`);
    if (name !== '--release-pattern' && values.has(name)) throw new CliInputError(`flag ${name} given twice; give it once`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (flag: string) => values.get(flag)?.[0];
  const repository = one('--repository');
  if (repository === undefined) throw new CliInputError('--repository NAME is required; see --help');
  if (!REPOSITORY_NAME_RE.test(repository)) {
    throw new CliInputError(`--repository "${repository}" is not a valid ECR repository name: 2-256 lowercase letters, digits and . _ - separators, optional '/' namespaces`);
  }
  const region = one('--region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new CliInputError(`--region "${region}" is not an AWS region name like us-east-1`);
  const number = (flag: string, fallback: number, ok: (n: number) => boolean, what: string): number => {
    const text = one(flag);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!ok(n)) throw new CliInputError(`${flag} "${text}" must be ${what}`);
    return n;
  };
  const namespace = one('--namespace') ?? DEFAULT_INVENTORY_NAMESPACE;
  if (namespace.startsWith('AWS/') || namespace.length > 255) throw new CliInputError(`--namespace "${namespace}" must not start with AWS/ (reserved) and be at most 255 characters`);
  return {
    repository,
    region,
    publish,
    namespace,
    staleDays: number('--stale-days', DEFAULT_STALE_PULL_DAYS, (n) => Number.isInteger(n) && n >= 1, 'a positive whole number of days'),
    price: number('--price', DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD, (n) => Number.isFinite(n) && n >= 0, 'a non-negative price in USD per GB-month, e.g. 0.10'),
    releasePatterns: values.get('--release-pattern') ?? ['v*'],
    maxAttempts: number('--max-attempts', 8, (n) => Number.isInteger(n) && n >= 1 && n <= 20, 'a whole number from 1 to 20'),
  };
}

/** Runs the CLI; returns the exit code. */
export async function runInventoryCli(argv: readonly string[], io: CliIo = processIo, deps: CliDeps = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof CliInputError)) throw e;
    io.stderr(`inventory: ${e.message}\n`);
    return 2;
  }
  const { ecr, cloudwatch } = (deps.clients ?? inventoryClients)({ region: args.region, maxAttempts: args.maxAttempts });
  try {
    const summary = await collectInventory(ecr, {
      repositoryName: args.repository,
      stalePullDays: args.staleDays,
      storagePricePerGbMonthUsd: args.price,
      releaseTagPatterns: args.releasePatterns,
      now: (deps.now ?? (() => new Date()))(),
    });
    const published = args.publish ? await publishInventory(cloudwatch, args.namespace, summary) : 0;
    io.stdout(`${JSON.stringify(args.publish ? { ...summary, published: { namespace: args.namespace, metrics: published } } : summary, null, 2)}\n`);
    return 0;
  } catch (e) {
    const region = args.region ?? (await ecr.config.region().catch(() => undefined));
    io.stderr(`inventory: ${describeInventoryError(e, args.repository, region)}\n`);
    return 3;
  } finally {
    ecr.destroy();
    cloudwatch.destroy();
  }
}

if (require.main === module) {
  quietSdkNodeVersionWarning();
  runInventoryCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`inventory: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
