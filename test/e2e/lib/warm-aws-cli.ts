import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { CommandError, describeCommand, RunOptions, RunResult } from './process';

/**
 * The AWS CLI, kept warm (test/e2e/lib/aws-cli-server.py): each call runs the CLI's own entry point in a forked
 * child of one Python process that imported the CLI once, instead of a new `aws` process that spends ~0.8 s of CPU
 * starting. Same arguments, same environment, same stdout, stderr and exit code as `aws ARGS`; `output` is stdout
 * followed by stderr (not interleaved). `start()` returns undefined when this machine's `python3` cannot import
 * the AWS CLI (then the e2e spawns `aws` for each call, as before).
 */
export class WarmAwsCli {
  private nextId = 0;
  private readonly pending = new Map<string, (code: number) => void>();
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcb-aws-cli-'));

  private constructor(
    private readonly server: ChildProcess,
    /** The environment the server built its driver with: every call must use the same. */
    private readonly env: NodeJS.ProcessEnv,
  ) {
    readline.createInterface({ input: server.stdout! }).on('line', (line) => {
      const [id, code] = line.split(' ');
      this.pending.get(id)?.(Number(code));
      this.pending.delete(id);
    });
    server.on('exit', () => {
      for (const resolve of this.pending.values()) resolve(255);
      this.pending.clear();
    });
  }

  /** Starts the server with `env` (the e2e's isolated CLI environment); undefined if the CLI cannot be imported. */
  static async start(env: NodeJS.ProcessEnv, cwd: string): Promise<WarmAwsCli | undefined> {
    // The server imports the CLI before it says "ready": a python3 without it prints why and exits instead.
    const server = spawn('python3', [path.join(__dirname, 'aws-cli-server.py')], { env, cwd, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    const ready = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.once('exit', () => resolve(false));
      server.stdout!.once('data', (d: Buffer) => resolve(d.toString().startsWith('ready')));
    });
    if (!ready) return undefined;
    return new WarmAwsCli(server, env);
  }

  /** `aws ARGS` with `options.env` and `options.cwd`, logged to `options.logFile` like any other command. */
  run(args: readonly string[], options: RunOptions): Promise<RunResult> {
    const command = describeCommand('aws', args);
    if (!sameEnv(options.env, this.env)) {
      return Promise.reject(new CommandError('the warm AWS CLI only runs calls with the environment it started with', command, ''));
    }
    const id = String(this.nextId++);
    const stdoutFile = path.join(this.dir, `${id}.out`);
    const stderrFile = path.join(this.dir, `${id}.err`);
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 180_000;
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError(`timed out after ${timeoutMs / 1000} s`, command, ''));
      }, timeoutMs);
      this.pending.set(id, (code) => {
        clearTimeout(timer);
        const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
        const stdout = read(stdoutFile);
        const stderr = read(stderrFile);
        fs.rmSync(stdoutFile, { force: true });
        fs.rmSync(stderrFile, { force: true });
        const output = stdout + stderr;
        if (options.logFile) fs.appendFileSync(options.logFile, `$ ${command}\n${output}\n[exit ${code}]\n\n`);
        resolve({ command, code, stdout, stderr, output, durationMs: Date.now() - started });
      });
      this.server.stdin!.write(`${JSON.stringify({ id, args, cwd: options.cwd, env: options.env, stdout: stdoutFile, stderr: stderrFile })}\n`);
    });
  }

  /** Ends the server and any call still running (its process group), and removes its files. */
  stop(): void {
    if (this.server.pid !== undefined && this.server.exitCode === null) {
      try {
        process.kill(-this.server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function sameEnv(a: NodeJS.ProcessEnv | undefined, b: NodeJS.ProcessEnv): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b[k]);
}
