import { readdirSync, readFileSync, rmSync, statSync } from 'fs';
import * as path from 'path';

/**
 * `cdk synth` creates its output directory (and a `synth.lock` holding its PID) before it runs the app,
 * so an app that stops on a configuration error would leave an empty `cdk.out/` behind. The app calls this
 * on such an error: it removes the directory only when it is empty apart from the CLI's lock and was
 * created by this run, i.e. born after the CLI holding the lock started. A directory that existed
 * before is never touched, nor is one with anything else in it.
 */

/** The CLI writes its PID into this file in the output directory while it synthesizes (toolkit-lib RWLock). */
const SYNTH_LOCK_FILE = 'synth.lock';

export interface OutdirCleanupOptions {
  /** Start time of a process in epoch ms, or undefined when unknown. @default processStartMs */
  readonly processStart?: (pid: number) => number | undefined;
}

/**
 * Start time of process `pid` in epoch ms, from Linux's /proc (`starttime` in clock ticks since boot,
 * against `/proc/uptime`); undefined elsewhere or when the process is gone. The kernel reports ticks in
 * USER_HZ, which is 100 on every architecture Node.js runs on. Resolution: 10 ms.
 */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 overall
    const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(uptimeSeconds)) return undefined;
    return Date.now() - (uptimeSeconds - startTicks / 100) * 1000;
  } catch {
    return undefined;
  }
}

/** Removes `outdir` if this run's CLI created it and nothing but its lock is in it. Returns whether it did. */
export function removeOutdirCreatedForThisRun(outdir: string | undefined, options: OutdirCleanupOptions = {}): boolean {
  if (!outdir) return false;
  try {
    const entries = readdirSync(outdir);
    if (entries.length !== 1 || entries[0] !== SYNTH_LOCK_FILE) return false;
    const pid = Number.parseInt(readFileSync(path.join(outdir, SYNTH_LOCK_FILE), 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    const cliStart = (options.processStart ?? processStartMs)(pid);
    const born = statSync(outdir).birthtimeMs;
    // birthtimeMs is 0 where the file system does not record it: then "created by this run" is unknowable.
    if (cliStart === undefined || !(born > 0) || born < cliStart) return false;
    rmSync(outdir, { recursive: true, force: true });
    return true;
  } catch {
    // Best effort: a directory we cannot inspect is left alone, and the configuration error still stands.
    return false;
  }
}
