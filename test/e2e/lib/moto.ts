import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import { tail } from './process';

/** moto's single-account default: every resource it creates lives in this account. */
export const MOTO_ACCOUNT = '123456789012';

const LOOPBACK = '127.0.0.1';

/** Asks the kernel for a free TCP port on the loopback interface (bind to port 0, read it, release it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port of ${JSON.stringify(address)}`));
      });
    });
  });
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One `moto_server` process on the loopback interface, owned by this run: it is only ever stopped by its
 * own PID. It is deliberately NOT started in its own process group, so a Ctrl-C in the terminal reaches it
 * too; `stop()` and the exit hook cover every other way this run can end.
 */
export class MotoServer {
  /** Starts moto_server on a free loopback port and waits until it answers HTTP. */
  static async start(logFile: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<MotoServer> {
    const port = await freeLoopbackPort();
    const log = fs.openSync(logFile, 'a');
    const child = spawn('moto_server', ['-H', LOOPBACK, '-p', String(port)], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    if (child.pid === undefined) {
      const reason = await new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
      throw new Error(`could not start moto_server (${reason}); it comes with the machine image (pip package moto[server]) and must be on PATH`);
    }
    const server = new MotoServer(child, port, logFile);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (server.exited) {
        throw new Error(`moto_server (PID ${child.pid}) exited with ${server.exitStatus} before answering on port ${port}; log:\n${tail(fs.readFileSync(logFile, 'utf8'))}`);
      }
      // The dashboard path answers as soon as the WSGI app is up, without touching any service backend.
      if (await answers(`${server.endpoint}/moto-api/`)) return server;
      await sleep(200);
    }
    server.stopSync();
    throw new Error(`moto_server (PID ${child.pid}) did not answer on ${server.endpoint} within ${timeoutMs / 1000} s`);
  }

  readonly endpoint: string;
  readonly pid: number;
  private exited = false;
  private exitStatus = '';
  private readonly exitHook = () => this.stopSync();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    if (child.pid === undefined) throw new Error('moto_server could not be started (is it on PATH?)');
    this.pid = child.pid;
    this.endpoint = `http://${LOOPBACK}:${port}`;
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitStatus = signal ?? `exit code ${code}`;
    });
    // Last line of defence: whatever ends this Node process, the emulator goes with it.
    process.on('exit', this.exitHook);
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Sends SIGTERM to exactly this PID, waits for it to exit, then SIGKILL if it has not. */
  async stop(graceMs = 5000): Promise<void> {
    process.removeListener('exit', this.exitHook);
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!this.exited && Date.now() < deadline) await Promise.race([gone, sleep(100)]);
    if (!this.exited) {
      this.signal('SIGKILL');
      await Promise.race([gone, sleep(2000)]);
    }
    if (!this.exited) throw new Error(`moto_server PID ${this.pid} did not exit after SIGKILL`);
  }

  /** For `process.on('exit')`, where nothing asynchronous runs any more. */
  stopSync(): void {
    if (!this.exited) this.signal('SIGKILL');
  }

  /** moto's log, from a byte offset (steps read only what they caused). */
  readLog(fromByte = 0): string {
    const buf = fs.readFileSync(this.logFile);
    return buf.subarray(Math.min(fromByte, buf.length)).toString('utf8');
  }

  /**
   * Whether moto's log, from a byte offset, shows `pattern`, waiting up to `waitMs` for it: moto writes a traceback
   * after it has answered HTTP 500, so right after the response the log may not show it yet (seen under load).
   */
  async logShows(pattern: RegExp, fromByte: number, waitMs = 3000): Promise<boolean> {
    for (let waited = 0; ; waited += 100) {
      if (pattern.test(this.readLog(fromByte))) return true;
      if (waited >= waitMs) return false;
      await sleep(100);
    }
  }

  logSize(): number {
    return fs.statSync(this.logFile).size;
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }
}
