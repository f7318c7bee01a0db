/**
 * `npm run bench:inventory [-- --images N] [-- --page-latency-ms MS]`: time and memory of one inventory run
 * over a generated repository listing, through the real SDK client (HTTP, JSON parsing, paginator, retry
 * middleware) against a fake ECR endpoint in a child process, so this process holds exactly what the Lambda
 * function holds. Pages of 1,000 images (DescribeImages' maximum), each delayed by the simulated latency.
 * Prints numbers; asserts nothing. See docs/inventory.md for the latency chosen and the timeout it sets.
 */
import { fork } from 'child_process';
import * as http from 'http';
import { AddressInfo } from 'net';
import { inventoryClients } from '../../lib/inventory/clients';
import { collectInventory } from '../../lib/inventory/collect';
import { DESCRIBE_IMAGES_PAGE_SIZE } from '../../lib/inventory/metrics';

const USAGE = `Usage: npm run bench:inventory [-- --images N] [-- --page-latency-ms MS]
  --images           images in the generated repository (default 100000, the per-repository quota)
  --page-latency-ms  simulated service latency per DescribeImages page (default 300)
`;

function parse(argv: readonly string[]): { images: number; latencyMs: number } {
  const out = { images: 100_000, latencyMs: 300 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const n = Number(value);
    if (flag === '--images' && Number.isInteger(n) && n >= 0) out.images = n;
    else if (flag === '--page-latency-ms' && Number.isFinite(n) && n >= 0) out.latencyMs = n;
    else {
      process.stderr.write(`inventory bench: ${flag === '--images' || flag === '--page-latency-ms' ? `${flag} needs a non-negative number, got ${value}` : `unknown argument "${flag}"`}\n${USAGE}`);
      process.exit(2);
    }
    i++;
  }
  return out;
}

/** One DescribeImages page as ECR's JSON protocol returns it, generated on demand (realistic field mix). */
function page(index: number, total: number): string {
  const start = index * DESCRIBE_IMAGES_PAGE_SIZE;
  const end = Math.min(total, start + DESCRIBE_IMAGES_PAGE_SIZE);
  const base = 1_700_000_000;
  const imageDetails = [];
  for (let i = start; i < end; i++) {
    const tagged = i % 5 !== 0;
    imageDetails.push({
      registryId: '123456789012',
      repositoryName: 'bench-repo',
      imageDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
      ...(tagged ? { imageTags: [`v1.${Math.floor(i / 100)}.${i % 100}-${i.toString(16).padStart(7, '0')}`] } : {}),
      imageSizeInBytes: 50_000_000 + ((i * 7919) % 200_000_000),
      imagePushedAt: base + i * 60,
      ...(i % 3 === 0 ? { lastRecordedPullTime: base + i * 60 + 3600 } : {}),
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactMediaType: 'application/vnd.oci.image.config.v1+json',
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindingsSummary: { imageScanCompletedAt: base + i * 60 + 30, vulnerabilitySourceUpdatedAt: base, findingSeverityCounts: { HIGH: i % 4, MEDIUM: i % 7 } },
    });
  }
  return JSON.stringify({ imageDetails, ...(end < total ? { nextToken: `page-${index + 1}` } : {}) });
}

function serve(total: number, latencyMs: number): void {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const token = (JSON.parse(body) as { nextToken?: string }).nextToken;
      const text = page(token ? Number(token.slice('page-'.length)) : 0, total);
      setTimeout(() => {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(text);
      }, latencyMs);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

async function measure(total: number, latencyMs: number): Promise<void> {
  const child = fork(__filename, [], { env: { ...process.env, BENCH_INVENTORY_ROLE: 'server', BENCH_IMAGES: String(total), BENCH_LATENCY: String(latencyMs) } });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const { ecr } = inventoryClients({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const summary = await collectInventory(ecr, { repositoryName: 'bench-repo', stalePullDays: 90, storagePricePerGbMonthUsd: 0.1, releaseTagPatterns: ['v*'], now: new Date() });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  child.disconnect();
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  const pages = Math.ceil(total / DESCRIBE_IMAGES_PAGE_SIZE);
  console.log(`node ${process.version}; ${total} images in ${pages} pages of ${DESCRIBE_IMAGES_PAGE_SIZE}, ${latencyMs} ms simulated latency per page`);
  console.log(`  counted           ${summary.imageCount} images, ${summary.totalSizeBytes} bytes (check: ${summary.imageCount === total ? 'ok' : 'MISMATCH'})`);
  console.log(`  wall time         ${wallMs.toFixed(0)} ms (of which simulated latency ${pages * latencyMs} ms)`);
  console.log(`  CPU time          ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)})`);
  console.log(`  peak RSS          ${mb(peakRss)} MB (at start ${mb(before.rss)} MB)`);
  console.log(`  peak heap used    ${mb(peakHeap)} MB (at start ${mb(before.heapUsed)} MB)`);
}

if (process.env.BENCH_INVENTORY_ROLE === 'server') {
  serve(Number(process.env.BENCH_IMAGES), Number(process.env.BENCH_LATENCY));
} else {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const { images, latencyMs } = parse(argv);
  measure(images, latencyMs).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
