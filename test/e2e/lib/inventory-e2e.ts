/**
 * The registry inventory against moto: images go in through the ECR API (PutImage of a manifest; moto reports
 * imageSizeInBytes as the manifest's config.size), the REAL bundled handler (the esbuild output the stack
 * deploys) runs in a node process with the e2e's emulator environment, and its metrics are read back from
 * moto's CloudWatch (ListMetrics, GetMetricData). The CLI runs against the same repository.
 * Self-contained: run-e2e.ts calls {@link inventoryE2e} once, with its moto server and CLI environment.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { buildInventoryHandler } from '../../../lib/constructs/registry-inventory';
import { DEFAULT_INVENTORY_NAMESPACE, HANDLER_ENV, INVENTORY_METRICS, REPOSITORY_DIMENSION } from '../../../lib/inventory/metrics';
import { check, Steps } from './steps';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const REPOSITORY = 'bcb-e2e-inventory';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
function manifest(seed: string, configSize: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configSize, digest: digest(`config-${seed}`) },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1000, digest: digest(`layer-${seed}`) }],
  });
}

/** The images pushed, and what the inventory must report for them. */
const IMAGES = [
  { seed: 'release-1', tag: 'v1.0.0', size: 4000 },
  { seed: 'release-2', tag: 'v1.1.0', size: 5000 },
  { seed: 'untagged', tag: undefined, size: 700 },
];
const EXPECTED = {
  ImageCount: 3,
  TaggedImageCount: 2,
  UntaggedImageCount: 1,
  RepositorySizeBytes: 9700,
  LargestImageSizeBytes: 5000,
  NewestImageSizeBytes: 700,
  ReleaseSizeChangePercent: 25,
  StaleImageCount: 0,
};

export interface InventoryE2eContext {
  readonly steps: Steps;
  readonly moto: { readonly endpoint: string };
  /** The isolated CLI environment of the e2e (fake credentials, AWS_ENDPOINT_URL = moto). */
  readonly env: NodeJS.ProcessEnv;
}

export async function inventoryE2e({ steps, moto, env }: InventoryE2eContext): Promise<void> {
  const config = { region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts: 1 };
  const ecr = new ECRClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bcb-e2e-inventory-'));
  try {
    await steps.step('[inventory] push images with PutImage (two releases, one untagged)', async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
      for (const image of IMAGES) {
        const text = manifest(image.seed, image.size);
        await ecr.send(new PutImageCommand({
          repositoryName: REPOSITORY,
          imageManifest: text,
          imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          imageDigest: digest(text),
          ...(image.tag ? { imageTag: image.tag } : {}),
        }));
        // Distinct push times: the release order decides the size-change figure.
        await new Promise((r) => setTimeout(r, 1100));
      }
      steps.info(`${REPOSITORY}: ${IMAGES.map((i) => `${i.tag ?? '<untagged>'} (${i.size} bytes)`).join(', ')}`);
    });

    await steps.step('[inventory] run the bundled handler against moto, read its metrics back from CloudWatch', async (ctx) => {
      const bundle = path.join(tmp, 'index.js');
      fs.writeFileSync(bundle, buildInventoryHandler());
      const r = await ctx.runOk('node', ['-e', `require(${JSON.stringify(bundle)}).handler().then((s) => process.stdout.write('SUMMARY ' + JSON.stringify(s)))`], {
        cwd: tmp,
        env: {
          ...env,
          // The Lambda runtime provides the AWS SDK v3; here the project's copy stands in for it.
          NODE_PATH: path.join(ROOT, 'node_modules'),
          [HANDLER_ENV.repositoryName]: REPOSITORY,
          [HANDLER_ENV.namespace]: DEFAULT_INVENTORY_NAMESPACE,
          [HANDLER_ENV.stalePullDays]: '30',
          [HANDLER_ENV.storagePricePerGbMonthUsd]: '0.1',
          [HANDLER_ENV.releaseTagPatterns]: '["v*"]',
        },
        timeoutMs: 60_000,
      });
      const printed = /SUMMARY (\{.*\})/.exec(r.stdout);
      check(printed, `the handler printed no summary:\n${r.output}`);
      const summary = JSON.parse(printed[1]) as Record<string, unknown>;
      check(summary.totalSizeBytes === EXPECTED.RepositorySizeBytes, `handler summary totalSizeBytes ${summary.totalSizeBytes}, expected ${EXPECTED.RepositorySizeBytes}`);

      const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: DEFAULT_INVENTORY_NAMESPACE, Dimensions: [{ Name: REPOSITORY_DIMENSION, Value: REPOSITORY }] }));
      const names = new Set((listed.Metrics ?? []).map((m) => m.MetricName));
      // UnsignedReleaseImageCount is published only by the signing check, which needs SIGNING_PROFILE_ARN (below).
      const missing = Object.values(INVENTORY_METRICS).map((m) => m.name).filter((n) => n !== INVENTORY_METRICS.unsignedReleaseImageCount.name && !names.has(n));
      check(missing.length === 0, `metrics missing from CloudWatch ListMetrics: ${missing.join(', ')}`);

      const end = new Date(Date.now() + 5 * 60_000);
      const start = new Date(Date.now() - 60 * 60_000);
      const queries = Object.keys(EXPECTED).map((name, i) => ({
        Id: `m${i}`,
        MetricStat: { Metric: { Namespace: DEFAULT_INVENTORY_NAMESPACE, MetricName: name, Dimensions: [{ Name: REPOSITORY_DIMENSION, Value: REPOSITORY }] }, Period: 3600, Stat: 'Maximum' },
      }));
      const data = await cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end }));
      const got: Record<string, number | undefined> = {};
      queries.forEach((q, i) => (got[q.MetricStat.Metric.MetricName] = data.MetricDataResults?.find((d) => d.Id === `m${i}`)?.Values?.[0]));
      const wrong = Object.entries(EXPECTED).filter(([name, value]) => got[name] === undefined || Math.abs((got[name] as number) - value) > 1e-6);
      check(wrong.length === 0, `CloudWatch values differ: ${wrong.map(([n, v]) => `${n}=${got[n]} (expected ${v})`).join(', ')}`);
      steps.info(`handler published ${names.size} metrics to ${DEFAULT_INVENTORY_NAMESPACE}; GetMetricData: ${Object.entries(got).map(([n, v]) => `${n}=${v}`).join(', ')}`);
    });

    await steps.step('[inventory] npm run inventory -- --repository (the laptop path) against moto', async (ctx) => {
      const r = await ctx.runOk('npm', ['run', '--silent', 'inventory', '--', '--repository', REPOSITORY, '--max-attempts', '1'], { cwd: ROOT, env: { ...env, NODE_NO_WARNINGS: '1' }, timeoutMs: 60_000 });
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      const expected = { repositoryName: REPOSITORY, imageCount: 3, taggedImageCount: 2, untaggedImageCount: 1, totalSizeBytes: 9700, largestImageSizeBytes: 5000, releaseSizeChangePercent: 25 };
      const wrong = Object.entries(expected).filter(([k, v]) => out[k] !== v);
      check(wrong.length === 0, `inventory CLI printed ${wrong.map(([k]) => `${k}=${JSON.stringify(out[k])}`).join(', ')}; expected ${JSON.stringify(expected)}`);
      check(typeof out.estimatedMonthlyStorageCostUsd === 'number', 'estimatedMonthlyStorageCostUsd is not a number');
      const missing = await ctx.run('npm', ['run', '--silent', 'inventory', '--', '--repository', 'bcb-e2e-no-such-repo', '--max-attempts', '1'], { cwd: ROOT, env: { ...env, NODE_NO_WARNINGS: '1' } });
      check(missing.code === 3 && /does not exist/.test(missing.stderr), `inventory of a missing repository: exit ${missing.code}, stderr ${missing.stderr}`);
      steps.info('CLI prints the same figures; a missing repository exits 3 (an AWS answer) naming it');
    });

    steps.notVerified(
      'the inventory schedule, its Lambda invocation and IAM least privilege',
      'moto runs no scheduled rules and invokes no Lambda without Docker, and does not enforce IAM; the handler bundle ran as a node process instead, and the rule, role policy (DescribeImages on the repository, PutMetricData with the cloudwatch:namespace condition) and function settings are checked on the template by test/constructs/registry-inventory.spec.ts',
    );
    steps.notVerified(
      'the inventory alarms (size budget, release size regression, failures, stopped publishing)',
      'moto skips AWS::CloudWatch::Alarm; thresholds, periods and missing-data handling are checked on the template',
    );
    steps.notVerified(
      'the inventory\'s signing check (UnsignedReleaseImageCount and its alarm)',
      'moto implements no DescribeImageSigningStatus; the check is unit-tested with aws-sdk-client-mock (test/inventory/signing.test.ts, test/inventory/collect.test.ts) and the alarm on the template',
    );
    steps.notVerified('staleness from lastRecordedPullTime', 'moto records no pulls (no lastRecordedPullTime); the pull-time and push-time fallback are unit-tested in test/inventory/summary.test.ts');
  } finally {
    ecr.destroy();
    cloudwatch.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
