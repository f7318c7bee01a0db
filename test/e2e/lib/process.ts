import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';

/** Options for {@link runCommand}. */
export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Kill the command (its whole process group) after this long.
   * @default 180_000
   */
  readonly timeoutMs?: number;
  /**
   * Also write the command line and its combined output to this file.
   * @default - output is kept in memory only
   */
  readonly logFile?: string;
}

/** What a finished command produced. A non-zero exit code is a result, not an exception. */
export interface RunResult {
  readonly command: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved in arrival order: what a user would have seen. */
  readonly output: string;
  readonly durationMs: number;
}

/** A command that could not run, timed out, or exited with a code the caller did not accept. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** Children still running, so a signal handler can end exactly these (by process group id) and nothing else. */
const running = new Set<ChildProcess>();

/** Ends every command this process started and that is still running (SIGTERM to each one's own group). */
export function killRunningCommands(): void {
  for (const child of running) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

/** Renders a command line for humans (diagnostics and logs). */
export function describeCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs a command to completion and captures its output.
 *
 * Each command gets its own process group (`detached`) because the CDK CLI starts the app as a grandchild
 * (`node -r ./bin/register.js bin/...`): on a timeout or Ctrl-C the whole group is ended, by its id.
 */
export function runCommand(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = describeCommand(cmd, args);
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 180_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let output = '';
    let timedOut = false;
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      output += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new CommandError(`could not start ${cmd}: ${e.message}`, command, output));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (options.logFile) fs.appendFileSync(options.logFile, `$ ${command}\n${output}\n[exit ${code ?? signal}]\n\n`);
      if (timedOut) {
        reject(new CommandError(`timed out after ${timeoutMs / 1000} s`, command, output));
        return;
      }
      resolve({ command, code: code ?? 128, stdout, stderr, output, durationMs: Date.now() - started });
    });
  });
}

/** The last `n` lines of a text, for diagnostics. */
export function tail(text: string, n = 40): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
