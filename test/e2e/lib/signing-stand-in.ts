import * as http from 'http';

/** The X-Amz-Target of ECR's DescribeImageSigningStatus (AWS JSON 1.1 protocol, service AmazonEC2ContainerRegistry_V20150921). */
export const DESCRIBE_IMAGE_SIGNING_STATUS_TARGET = 'AmazonEC2ContainerRegistry_V20150921.DescribeImageSigningStatus';

/** One ImageSigningStatus as the API returns it (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageSigningStatus.html). */
export interface SigningStatus {
  readonly signingProfileArn: string;
  readonly status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  readonly failureCode?: string;
  readonly failureReason?: string;
}

/**
 * moto 5.2.1 implements no ECR managed signing: no signing configuration, no DescribeImageSigningStatus. This
 * stand-in sits in front of moto on the loopback interface: it answers DescribeImageSigningStatus from the
 * statuses the e2e registered per image digest (no registration: an empty list, as for an unsigned image) and
 * forwards every other request to moto unchanged. The promotion CLI pointed at it runs its real SDK path.
 * It is stopped by the e2e with close(); it listens on 127.0.0.1 only.
 */
export class SigningStandIn {
  private readonly statuses = new Map<string, readonly SigningStatus[]>();
  /** Requests answered by the stand-in itself (the rest went to moto). */
  answered = 0;

  private constructor(private readonly server: http.Server, readonly endpoint: string) {}

  static start(motoEndpoint: string, registryId: string): Promise<SigningStandIn> {
    const target = new URL(motoEndpoint);
    let standIn: SigningStandIn | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.headers['x-amz-target'] === DESCRIBE_IMAGE_SIGNING_STATUS_TARGET && standIn) {
          standIn.answered += 1;
          const input = JSON.parse(body.toString('utf8')) as { repositoryName: string; imageId: { imageDigest?: string }; registryId?: string };
          const answer = {
            repositoryName: input.repositoryName,
            imageId: input.imageId,
            registryId: input.registryId ?? registryId,
            signingStatuses: standIn.statuses.get(input.imageId.imageDigest ?? '') ?? [],
          };
          res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(answer));
          return;
        }
        const forward = http.request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        forward.on('error', (e) => {
          res.writeHead(502);
          res.end(`signing stand-in could not reach moto: ${e.message}`);
        });
        forward.end(body);
      });
    });
    return new Promise((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address !== 'object') {
          reject(new Error('the signing stand-in has no address'));
          return;
        }
        standIn = new SigningStandIn(server, `http://127.0.0.1:${address.port}`);
        resolve(standIn);
      });
    });
  }

  /** What DescribeImageSigningStatus reports for `digest` from now on. */
  register(digest: string, statuses: readonly SigningStatus[]): void {
    this.statuses.set(digest, statuses);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
