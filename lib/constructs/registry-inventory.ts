import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from '../governance/control-tower';
import { newLogGroupKey } from '../governance/kms-key-policy';
import { TAG_FILTER_RE } from '../aws/formats';
import { SIGNING_PROFILE_ARN_RE } from '../aws/signing';
import {
  BYTES_PER_GB,
  DEFAULT_INVENTORY_NAMESPACE,
  DEFAULT_STALE_PULL_DAYS,
  DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD,
  HANDLER_ENV,
  INVENTORY_METRICS,
  InventoryMetricKey,
  REPOSITORY_DIMENSION,
  SIGNING_GRACE_MINUTES,
} from '../inventory/metrics';
import { MAX_SCHEDULE_MINUTES, MIN_SCHEDULE_MINUTES } from '../inventory/schedule';
import * as runbooks from './monitoring/runbooks';

/**
 * Memory and timeout, sized by `npm run bench:inventory` (numbers in docs/inventory.md): 100,000 images
 * (the per-repository quota) in 100 pages of 1,000 took 42 s of wall time at 300 ms simulated latency per
 * page, 4.4 s of CPU and 45 MB peak heap on a shared 2-core machine. Lambda gives 512 MB about 0.29 vCPU
 * (a full vCPU at 1,769 MB), so the CPU part becomes ~15 s: ~45-60 s in all. The 5-minute timeout leaves
 * ~5x headroom for slow pages and throttling retries, far below Lambda's 900-second maximum
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 */
export const INVENTORY_MEMORY_MIB = 512;
export const INVENTORY_TIMEOUT = Duration.minutes(5);
/** Consecutive intervals without a published inventory before the "stopped publishing" alarm fires. */
export const STALE_EVALUATION_PERIODS = 3;

/** Props for {@link RegistryInventory}. */
export interface RegistryInventoryProps {
  /** The repository to take stock of. */
  readonly repository: ecr.IRepository;
  /** Prefix of the function, rule and alarm names (`<app>-<env>`): alarms are `<prefix>-inventory-<what>`. */
  readonly namePrefix: string;
  /**
   * Topic notified on ALARM and OK of every alarm.
   * @default - alarms without actions (dashboard only)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Time between runs, 5 minutes to 1 day in whole minutes.
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;
  /**
   * CloudWatch namespace of the metrics; the function may publish to this namespace only.
   * @default DEFAULT_INVENTORY_NAMESPACE
   */
  readonly namespace?: string;
  /**
   * Alarm when the repository's total image size exceeds this many GiB.
   * @default - no size-budget alarm
   */
  readonly sizeBudgetGiB?: number;
  /**
   * Alarm when the newest release image is more than this many percent larger than the previous release.
   * @default - no size-regression alarm
   */
  readonly sizeRegressionPercent?: number;
  /**
   * Tag patterns (`*` wildcard, ECR lifecycle syntax) that mark release images for the size regression.
   * @default ['v*']
   */
  readonly releaseTagPatterns?: readonly string[];
  /**
   * An image not pulled (or, never pulled, not pushed) for more than this many days counts as stale.
   * @default DEFAULT_STALE_PULL_DAYS (90)
   */
  readonly stalePullDays?: number;
  /**
   * Storage price in USD per GB-month for the cost estimate.
   * @default DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD (0.10, us-east-1)
   */
  readonly storagePricePerGbMonthUsd?: number;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_YEAR (Control Tower CT.CLOUDWATCH.PR.2)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * The function's code.
   * @default - the handler in lib/inventory/handler.ts, bundled once per process with the local esbuild
   */
  readonly code?: lambda.Code;
  /**
   * The AWS Signer profile (ARN without version) ECR managed signing signs this repository's pushes with.
   * Each run then reads the signing status of the release images pushed since the run before last and
   * alarms when one is not signed by it (FAILED, missing, or still IN_PROGRESS after SIGNING_GRACE_MINUTES).
   * @default - no signing check
   */
  readonly signingProfileArn?: string;
}

/**
 * A scheduled inventory of one ECR repository, which ECR itself does not publish: total size, image counts
 * (tagged, untagged), largest and newest image, images not pulled for N days, estimated storage cost and
 * the size change between the last two releases, as CloudWatch metrics with alarms and dashboard rows.
 *
 * Owns its function (least privilege: `ecr:DescribeImages` on this repository, `cloudwatch:PutMetricData`
 * in its namespace only), log group, schedule rule and alarms. Add {@link dashboardRows} to a dashboard.
 */
export class RegistryInventory extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly rule: events.Rule;
  readonly namespace: string;
  /** Every alarm created. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Dashboard rows (each an array of widgets laid out left to right): size, cost, counts, staleness. */
  readonly dashboardRows: cloudwatch.IWidget[][];

  private readonly repositoryName: string;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, props: RegistryInventoryProps) {
    super(scope, id);
    validateProps(props);
    this.namespace = props.namespace ?? DEFAULT_INVENTORY_NAMESPACE;
    this.period = props.schedule ?? Duration.hours(1);
    this.repositoryName = props.repository.repositoryName;
    const prefix = props.namePrefix;
    const stalePullDays = props.stalePullDays ?? DEFAULT_STALE_PULL_DAYS;
    const price = props.storagePricePerGbMonthUsd ?? DEFAULT_STORAGE_PRICE_PER_GB_MONTH_USD;
    const releaseTagPatterns = props.releaseTagPatterns ?? ['v*'];

    const functionName = `${prefix}-inventory`;
    const logGroupName = `/aws/lambda/${functionName}`;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      // Control Tower CT.CLOUDWATCH.PR.3: a customer-managed key for this log group only.
      encryptionKey: newLogGroupKey(this, 'LogKey', logGroupName, logRemovalPolicy),
      removalPolicy: logRemovalPolicy,
    });

    // A role of its own with inline statements only: no AWSLambdaBasicExecutionRole (logs on every group).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${prefix} registry inventory: lists ${this.repositoryName}, publishes ${this.namespace} metrics`,
    });
    const policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ListThisRepository',
          actions: ['ecr:DescribeImages'],
          resources: [props.repository.repositoryArn],
        }),
        ...(props.signingProfileArn !== undefined ? [new iam.PolicyStatement({
          sid: 'ReadSigningStatusInThisRepository',
          actions: ['ecr:DescribeImageSigningStatus'],
          resources: [props.repository.repositoryArn],
        })] : []),
        // PutMetricData has no resource-level permissions; the cloudwatch:namespace condition key limits it
        // to one namespace (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
        new iam.PolicyStatement({
          sid: 'PublishOwnNamespaceOnly',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': this.namespace } },
        }),
      ],
    });
    policy.attachToRole(role);
    // The log group's Arn attribute ends in `:*` (its streams), which cdk-nag accepts; PutMetricData is the one wildcard.
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData supports no resource ARNs; the cloudwatch:namespace condition limits it to the inventory namespace',
    });

    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: `Publishes size, count, staleness and cost metrics of ECR repository ${this.repositoryName}`,
      // cdk-nag AwsSolutions-L1: the latest Node.js runtime.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code ?? lambda.Code.fromAsset(inventoryHandlerBundleDir()),
      memorySize: INVENTORY_MEMORY_MIB,
      timeout: INVENTORY_TIMEOUT,
      role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // The next scheduled run is the retry; async retries would only multiply Errors.
      retryAttempts: 0,
      environment: {
        [HANDLER_ENV.repositoryName]: this.repositoryName,
        [HANDLER_ENV.namespace]: this.namespace,
        [HANDLER_ENV.stalePullDays]: String(stalePullDays),
        [HANDLER_ENV.storagePricePerGbMonthUsd]: String(price),
        [HANDLER_ENV.releaseTagPatterns]: JSON.stringify(releaseTagPatterns),
        ...(props.signingProfileArn !== undefined ? {
          [HANDLER_ENV.signingProfileArn]: props.signingProfileArn,
          // Two intervals plus the grace period: every release is looked at by at least two runs after its grace.
          [HANDLER_ENV.signingLookbackMinutes]: String(signingLookbackMinutes(this.period)),
        } : {}),
      },
    });
    // An exception Control Tower allows for an architecture this stack does not have (docs/governance.md).
    acknowledgeGuardRule(this.function, 'CT.LAMBDA.PR.3',
      'The inventory function only calls the ECR and CloudWatch APIs; this stack owns no VPC, and a VPC would add NAT or endpoints for no isolation gain');
    // The function must not start before its policy exists, or the first run fails with AccessDenied.
    this.function.node.addDependency(policy);
    // lambda.Function also adds DependsOn on its role, which the Role GetAtt already implies: cfn-lint W3005 (a
    // warning about a redundant dependency, harmless to CloudFormation). Silence that one check here only.
    const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
    cfnFunction.cfnOptions.metadata = { ...cfnFunction.cfnOptions.metadata, 'cfn-lint': { config: { ignore_checks: ['W3005'] } } };

    // Named like the function it runs.
    const ruleName = `${prefix}-inventory`;
    this.rule = new events.Rule(this, 'Schedule', {
      ruleName,
      description: `Runs the registry inventory of ${this.repositoryName} every ${this.period.toMinutes()} minutes`,
      schedule: events.Schedule.rate(this.period),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(Math.min(this.period.toMinutes(), 60)) })],
    });

    const action = props.alarmTopic ? new cwActions.SnsAction(props.alarmTopic) : undefined;
    const addAlarm = (alarm: cloudwatch.Alarm) => {
      if (action) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
      this.alarms.push(alarm);
    };
    const minutes = this.period.toMinutes();

    // Alarms on the inventory's own figures. Missing data is not breaching: no figure means no run (the
    // stopped-publishing alarm below covers that) or, for the release size change, fewer than two releases.
    const figureAlarm = (id: string, what: string, alarmDescription: string, key: InventoryMetricKey, threshold: number) =>
      addAlarm(new cloudwatch.Alarm(this, id, {
        alarmName: `${prefix}-inventory-${what}`,
        alarmDescription,
        metric: this.metric(key, cloudwatch.Stats.MAXIMUM),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    if (props.sizeBudgetGiB !== undefined) {
      figureAlarm('SizeBudgetAlarm', 'size-budget',
        runbooks.sizeBudgetAlarmDescription({ repositoryName: this.repositoryName, budgetGiB: props.sizeBudgetGiB }),
        'totalSizeBytes', props.sizeBudgetGiB * BYTES_PER_GB);
    }
    if (props.sizeRegressionPercent !== undefined) {
      figureAlarm('SizeRegressionAlarm', 'release-size-regression',
        runbooks.sizeRegressionAlarmDescription({ repositoryName: this.repositoryName, releaseTagPatterns, percentLarger: props.sizeRegressionPercent }),
        'releaseSizeChangePercent', props.sizeRegressionPercent);
    }

    // Release images ECR managed signing did not sign: there is no ECR event for signing, so the inventory
    // reads the signing status and this alarm notifies the topic (lib/inventory/signing.ts).
    if (props.signingProfileArn !== undefined) {
      figureAlarm('UnsignedReleasesAlarm', 'unsigned-releases',
        runbooks.unsignedReleasesAlarmDescription({ repositoryName: this.repositoryName, functionName, logGroupName, graceMinutes: SIGNING_GRACE_MINUTES }),
        'unsignedReleaseImageCount', 0);
    }

    // Errors counts exceptions and runtime failures, timeouts included
    // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
    addAlarm(new cloudwatch.Alarm(this, 'FailuresAlarm', {
      alarmName: `${prefix}-inventory-failures`,
      alarmDescription: runbooks.inventoryFailuresAlarmDescription({ functionName }),
      metric: this.function.metricErrors({ period: this.period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));

    // A run that never happens (rule disabled, function deleted, throttled account) produces no Errors: only the
    // absence of the inventory's own data shows it. Missing data is left "missing": when every data point of the
    // evaluation range is missing, CloudWatch moves the alarm to INSUFFICIENT_DATA
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html), and that
    // transition is what notifies. A new alarm starts in INSUFFICIENT_DATA and actions run only on a change of
    // state (https://docs.aws.amazon.com/autoscaling/application/userguide/cloudwatch-alarm-notifications.html),
    // so the first deploy notifies nobody; the first run moves it to OK. ("breaching" would have put it in ALARM
    // on creation, before the first scheduled run.) A present data point always has SampleCount >= 1, so the
    // ALARM action (CT.CLOUDWATCH.PR.1 wants one) never fires; INSUFFICIENT_DATA is this alarm's page.
    const stopped = new cloudwatch.Alarm(this, 'StoppedAlarm', {
      alarmName: `${prefix}-inventory-stopped`,
      alarmDescription: runbooks.inventoryStoppedAlarmDescription({
        repositoryName: this.repositoryName,
        periods: STALE_EVALUATION_PERIODS,
        minutes,
        ruleName,
      }),
      metric: this.metric('imageCount', cloudwatch.Stats.SAMPLE_COUNT),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: STALE_EVALUATION_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    addAlarm(stopped);
    if (action) stopped.addInsufficientDataAction(action);

    this.dashboardRows = this.widgets(props, stalePullDays);
  }

  /** One of the inventory's metrics for this repository, over the schedule interval. */
  metric(key: InventoryMetricKey, statistic: string = cloudwatch.Stats.MAXIMUM, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: INVENTORY_METRICS[key].name,
      dimensionsMap: { [REPOSITORY_DIMENSION]: this.repositoryName },
      statistic,
      period: this.period,
      label,
    });
  }

  private widgets(props: RegistryInventoryProps, stalePullDays: number): cloudwatch.IWidget[][] {
    const half = { width: 12, height: 6 };
    const gib = (key: InventoryMetricKey, label: string, id: string) =>
      new cloudwatch.MathExpression({ expression: `${id} / ${BYTES_PER_GB}`, usingMetrics: { [id]: this.metric(key) }, label, period: this.period });
    const sizeAnnotations: cloudwatch.HorizontalAnnotation[] = props.sizeBudgetGiB !== undefined
      ? [{ value: props.sizeBudgetGiB, label: 'Budget (alarm)', color: cloudwatch.Color.RED }]
      : [];
    const regressionAnnotations: cloudwatch.HorizontalAnnotation[] = props.sizeRegressionPercent !== undefined
      ? [{ value: props.sizeRegressionPercent, label: 'Alarm', color: cloudwatch.Color.ORANGE }]
      : [];
    return [
      [new cloudwatch.TextWidget({
        width: 24,
        height: 2,
        markdown:
          `## Inventory of \`${this.repositoryName}\` (every ${this.period.toMinutes()} minutes)\n` +
          `Custom metrics in \`${this.namespace}\` from the ${props.namePrefix}-inventory function. Sizes are ` +
          'compressed image sizes from DescribeImages; shared layers count once per image, so the cost is an upper estimate.',
      })],
      [
        new cloudwatch.GraphWidget({ ...half, title: 'Repository size (GiB)', left: [gib('totalSizeBytes', 'Total', 'total')], leftAnnotations: sizeAnnotations, leftYAxis: { min: 0 } }),
        new cloudwatch.GraphWidget({
          ...half,
          title: 'Estimated storage cost (USD per month)',
          left: [this.metric('estimatedMonthlyStorageCostUsd', cloudwatch.Stats.MAXIMUM, 'USD / month')],
          leftYAxis: { min: 0 },
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          ...half,
          title: 'Images',
          left: [
            this.metric('imageCount', cloudwatch.Stats.MAXIMUM, 'All'),
            this.metric('taggedImageCount', cloudwatch.Stats.MAXIMUM, 'Tagged'),
            this.metric('untaggedImageCount', cloudwatch.Stats.MAXIMUM, 'Untagged'),
            this.metric('signatureCount', cloudwatch.Stats.MAXIMUM, 'Signatures'),
          ],
          ...(props.signingProfileArn !== undefined ? { right: [this.metric('unsignedReleaseImageCount', cloudwatch.Stats.MAXIMUM, 'Unsigned recent releases (alarm)')] } : {}),
          leftYAxis: { min: 0 },
        }),
        new cloudwatch.GraphWidget({
          ...half,
          title: `Stale: not pulled for ${stalePullDays} days`,
          left: [this.metric('staleImageCount', cloudwatch.Stats.MAXIMUM, 'Images')],
          right: [gib('staleImageSizeBytes', 'GiB', 'stale')],
          leftYAxis: { min: 0 },
          rightYAxis: { min: 0 },
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          ...half,
          title: 'Image sizes (GiB) and release size change (%)',
          left: [gib('largestImageSizeBytes', 'Largest image', 'largest'), gib('newestImageSizeBytes', 'Newest image', 'newest')],
          right: [this.metric('releaseSizeChangePercent', cloudwatch.Stats.MAXIMUM, 'Newest vs previous release %')],
          rightAnnotations: regressionAnnotations,
          leftYAxis: { min: 0 },
        }),
        new cloudwatch.AlarmStatusWidget({ ...half, title: 'Inventory alarms', alarms: this.alarms }),
      ],
    ];
  }
}

/** Minutes back from each run that pushed release images get their signature checked: two intervals plus the grace period. */
export function signingLookbackMinutes(period: Duration): number {
  return 2 * period.toMinutes() + SIGNING_GRACE_MINUTES;
}

/** The repository root: esbuild resolves the entry and node_modules from here, and writes relative paths only. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const HANDLER_ENTRY = 'lib/inventory/handler.ts';

/**
 * The handler's esbuild options. The AWS SDK v3 is left out: every Lambda Node.js runtime from nodejs18.x on
 * ships it (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-package.html), and bundling it would cost
 * ~1.2 s of every synth for a 550 kB bundle instead of a few kB.
 */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  external: ['@aws-sdk/*'],
  outfile: 'index.js',
  logLevel: 'silent',
} as const;

/** What to bundle: `entry`, relative to `root`; bundles and their index go to `cacheDir`. */
export interface BundleSource {
  readonly root: string;
  readonly entry: string;
  /** @default os.tmpdir() */
  readonly cacheDir?: string;
}

function esbuildBundle(source: BundleSource): { code: Uint8Array; inputs: string[] } {
  // Loaded on first use: only synths that bundle pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({ ...BUILD_OPTIONS, external: [...BUILD_OPTIONS.external], absWorkingDir: source.root, entryPoints: [source.entry], write: false, metafile: true });
  return { code: result.outputFiles[0].contents, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * Bundles the handler with the locally installed esbuild (no Docker) and returns the bundle's bytes.
 * Deterministic: the same sources give the same bytes on every machine (paths are relative to the
 * project root, no source map, no timestamps).
 */
export function buildInventoryHandler(): Uint8Array {
  return esbuildBundle({ root: PROJECT_ROOT, entry: HANDLER_ENTRY }).code;
}

/**
 * Everything a bundle depends on: esbuild's version and options, the bytes of every file esbuild read (its
 * metafile's inputs), the file names in each of their directories (a new `dep.tsx` beside `dep.ts` changes
 * what `./dep` resolves to) and the project's tsconfig.json and package.json (esbuild reads both).
 */
function fingerprint(source: BundleSource, inputs: readonly string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuildVersion = (require('esbuild/package.json') as { version: string }).version;
  const hash = createHash('sha256').update(JSON.stringify({ esbuildVersion, BUILD_OPTIONS, entry: source.entry }));
  for (const file of [...new Set([...inputs, 'tsconfig.json', 'package.json'])].sort()) {
    const full = path.join(source.root, file);
    hash.update(`\0${file}\0`).update(fs.existsSync(full) ? fs.readFileSync(full) : '\0absent');
  }
  for (const dir of [...new Set(inputs.map((i) => path.dirname(i)))].sort()) {
    hash.update(`\0${dir}/\0${fs.readdirSync(path.join(source.root, dir)).sort().join('\0')}`);
  }
  return hash.digest('hex');
}

/** Write then rename: a concurrent synth never sees a half-written file. */
function writeAtomically(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const bundleDirName = (code: Uint8Array) => `bcb-registry-inventory-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`;

/**
 * A directory holding the bundle of `source` as `index.js`, named after the bundle's hash. esbuild runs only
 * when the sources changed since the last bundle on this machine: an index file next to the bundles records
 * which files that bundle read and their {@link fingerprint}; when every one of them is unchanged (and the
 * bundle still has the bytes its name says), that bundle is the answer, byte for byte what esbuild would write.
 */
export function cachedBundleDir(source: BundleSource): string {
  const cacheDir = source.cacheDir ?? os.tmpdir();
  const indexFile = path.join(cacheDir, `bcb-bundle-index-${createHash('sha256').update(`${source.root}\0${source.entry}`).digest('hex').slice(0, 16)}.json`);
  try {
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { inputs: string[]; fingerprint: string; bundle: string };
    const dir = path.join(cacheDir, index.bundle);
    if (fingerprint(source, index.inputs) === index.fingerprint && bundleDirName(fs.readFileSync(path.join(dir, 'index.js'))) === index.bundle) return dir;
  } catch {
    // no index yet, or a file it names is gone: bundle again
  }
  let built = esbuildBundle(source);
  for (let attempt = 0; attempt < 3; attempt++) {
    // esbuild read the sources before they are fingerprinted here: a file saved in between would pair new
    // sources with an old bundle. So bundle once more and keep the pair only if nothing moved meanwhile.
    const print = fingerprint(source, built.inputs);
    const again = esbuildBundle(source);
    if (Buffer.from(again.code).equals(built.code) && again.inputs.join('\0') === built.inputs.join('\0')) {
      const bundle = bundleDirName(built.code);
      writeAtomically(path.join(cacheDir, bundle, 'index.js'), built.code);
      writeAtomically(indexFile, JSON.stringify({ inputs: built.inputs, fingerprint: print, bundle }));
      return path.join(cacheDir, bundle);
    }
    built = again;
  }
  // The sources kept changing while being bundled: use the latest bundle and remember nothing.
  const dir = path.join(cacheDir, bundleDirName(built.code));
  writeAtomically(path.join(dir, 'index.js'), built.code);
  return dir;
}

let bundleDir: string | undefined;

/**
 * A directory holding the bundled handler as `index.js`, under the OS temp dir: looked up once per process,
 * bundled only when the handler's sources changed ({@link cachedBundleDir}); nothing needs cleaning up.
 */
export function inventoryHandlerBundleDir(): string {
  bundleDir ??= cachedBundleDir({ root: PROJECT_ROOT, entry: HANDLER_ENTRY });
  return bundleDir;
}

const NAME_PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Lambda function names are at most 64 characters; the longest suffix here is `-inventory`. */
const MAX_PREFIX_LENGTH = 64 - '-inventory'.length;

function validateProps(props: RegistryInventoryProps): void {
  const fail = (msg: string): never => {
    throw new Error(`RegistryInventory: ${msg}`);
  };
  const p = props.namePrefix;
  if (!Token.isUnresolved(p) && (!NAME_PREFIX_RE.test(p) || p.length > MAX_PREFIX_LENGTH)) {
    fail(`namePrefix ${JSON.stringify(p)} must be 1-${MAX_PREFIX_LENGTH} letters, digits and . _ - (it names the function, rule and alarms)`);
  }
  if (props.schedule !== undefined) {
    const minutes = props.schedule.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < MIN_SCHEDULE_MINUTES || minutes > MAX_SCHEDULE_MINUTES) {
      fail(`schedule must be whole minutes from ${MIN_SCHEDULE_MINUTES} minutes to 1 day, got ${props.schedule.toHumanString()}`);
    }
  }
  const ns = props.namespace;
  if (ns !== undefined && (ns.length < 1 || ns.length > 255 || ns.startsWith('AWS/') || !/^[A-Za-z0-9._/#:-]+$/.test(ns))) {
    fail(`namespace ${JSON.stringify(ns)} must be 1-255 of letters, digits and . _ / # : - and must not start with AWS/ (reserved for AWS)`);
  }
  const positive = (field: string, v: number | undefined) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(`${field} must be a positive number, got ${JSON.stringify(v)}`);
  };
  positive('sizeBudgetGiB', props.sizeBudgetGiB);
  positive('sizeRegressionPercent', props.sizeRegressionPercent);
  positive('storagePricePerGbMonthUsd', props.storagePricePerGbMonthUsd);
  const days = props.stalePullDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1)) fail(`stalePullDays must be a positive whole number of days, got ${JSON.stringify(days)}`);
  if (props.signingProfileArn !== undefined && !Token.isUnresolved(props.signingProfileArn) && !SIGNING_PROFILE_ARN_RE.test(props.signingProfileArn)) {
    fail(`signingProfileArn must be a Signer profile ARN without version (arn:aws:signer:<region>:<account>:/signing-profiles/<name>), got ${JSON.stringify(props.signingProfileArn)}`);
  }
  const patterns = props.releaseTagPatterns;
  if (patterns !== undefined) {
    if (patterns.length === 0) fail('releaseTagPatterns is empty; list at least one pattern such as v*');
    for (const t of patterns) if (!TAG_FILTER_RE.test(t)) fail(`releaseTagPatterns: ${JSON.stringify(t)} is not a tag pattern (1-128 of a-z A-Z 0-9 . _ - and *)`);
  }
}
