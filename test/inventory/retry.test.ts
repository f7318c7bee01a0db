import * as http from 'http';
import { AddressInfo } from 'net';
import { inventoryClients } from '../../lib/inventory/clients';
import { collectInventory } from '../../lib/inventory/collect';
import { describeInventoryError } from '../../lib/inventory/errors';

/**
 * The real SDK client (no mocks: aws-sdk-client-mock replaces `send` and would skip the retry middleware)
 * against a local HTTP server speaking ECR's JSON protocol, to prove throttling is retried with the SDK's
 * adaptive retry and that a persistent throttle ends with a clear message after maxAttempts.
 */
function ecrServer(throttleFirst: number) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (requests <= throttleFirst) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      res.end(JSON.stringify({ imageDetails: [{ imageDigest: 'sha256:a', imageTags: ['v1'], imageSizeInBytes: 42, imagePushedAt: 1_700_000_000 }] }));
    });
  });
  return {
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    requests: () => requests,
  };
}

const OPTIONS = { repositoryName: 'repo', stalePullDays: 90, storagePricePerGbMonthUsd: 0.1, releaseTagPatterns: ['v*'], now: new Date('2026-01-01T00:00:00Z') };
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The same retry configuration as the CLI and the handler, pointed at the local server. */
const client = (endpoint: string, maxAttempts: number) => inventoryClients({ region: 'us-east-1', maxAttempts, endpoint, credentials }).ecr;

/**
 * Settles `work` with the SDK's back-off sleeps (setTimeout, Date) on jest's fake clock, advanced whenever the
 * process is otherwise idle: the retries and their delays are the SDK's own, the test does not wait them out
 * in real time (4-6 s). setImmediate stays real, so the sockets' I/O runs between two advances.
 */
async function onFakeClock<T>(work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    let settled = false;
    const promise = work().finally(() => (settled = true));
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      await jest.advanceTimersByTimeAsync(50);
    }
    return await promise;
  } finally {
    jest.useRealTimers();
  }
}

describe('throttling (real SDK retry, local server)', () => {
  test('two throttled responses are retried and the inventory completes', async () => {
    const server = ecrServer(2);
    const endpoint = await server.start();
    try {
      const s = await onFakeClock(() => collectInventory(client(endpoint, 3), OPTIONS));
      expect(s.totalSizeBytes).toBe(42);
      expect(server.requests()).toBe(3);
    } finally {
      await server.stop();
    }
  }, 20_000);

  test('a throttle that outlasts maxAttempts fails with a message naming the attempts', async () => {
    const server = ecrServer(100);
    const endpoint = await server.start();
    try {
      const error = await onFakeClock(() => collectInventory(client(endpoint, 2), OPTIONS).catch((e: unknown) => e));
      expect(server.requests()).toBe(2);
      expect(describeInventoryError(error, 'repo', 'us-east-1')).toMatch(/AWS throttled the requests and 2 attempts failed \(ThrottlingException: Rate exceeded\): retry later/);
    } finally {
      await server.stop();
    }
  }, 20_000);
});
