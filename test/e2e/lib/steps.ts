import { CommandError, RunOptions, RunResult, runCommand, tail } from './process';

/** A check on the emulator's state that did not hold. */
export class CheckFailed extends Error {}

/** Throws {@link CheckFailed} unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

/** Everything needed to explain a failed step without re-running it. */
export class StepFailure extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
    readonly command: string | undefined,
    readonly output: string | undefined,
    readonly motoLogOffset: number,
  ) {
    super(`${step}: ${reason}`);
  }
}

/** Runs commands for one step and remembers the last one, so a failed check can show what it looked at. */
export class StepContext {
  lastCommand?: string;
  lastOutput?: string;

  constructor(
    readonly name: string,
    private readonly defaults: Omit<RunOptions, 'cwd'> & { readonly cwd: string },
  ) {}

  async run(cmd: string, args: readonly string[], options: Partial<RunOptions> = {}): Promise<RunResult> {
    const r = await runCommand(cmd, args, { ...this.defaults, ...options });
    this.lastCommand = r.command;
    this.lastOutput = r.output;
    return r;
  }

  /**
   * Runs a command through `exec` (something other than a spawn, such as the warm AWS CLI) with this step's
   * options, remembered like {@link run}.
   */
  async runWith(exec: (options: RunOptions) => Promise<RunResult>, options: Partial<RunOptions> = {}): Promise<RunResult> {
    const r = await exec({ ...this.defaults, ...options });
    this.lastCommand = r.command;
    this.lastOutput = r.output;
    return r;
  }

  /** Like {@link run}, but any exit code other than `expectCode` fails the step. */
  async runOk(cmd: string, args: readonly string[], options: Partial<RunOptions> = {}, expectCode = 0): Promise<RunResult> {
    const r = await this.run(cmd, args, options);
    if (r.code !== expectCode) throw new CommandError(`exit code ${r.code}, expected ${expectCode}`, r.command, r.output);
    return r;
  }
}

interface StepRecord {
  readonly name: string;
  readonly ms: number;
  readonly ok: boolean;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs named steps, times them, collects "not verified" notes, and turns any error into a {@link StepFailure}. */
export class Steps {
  private readonly records: StepRecord[] = [];
  private readonly gaps = new Map<string, string>();

  constructor(
    private readonly contextFor: (name: string) => StepContext,
    private readonly motoLogSize: () => number,
  ) {}

  async step<T>(name: string, fn: (ctx: StepContext) => Promise<T>): Promise<T> {
    const ctx = this.contextFor(name);
    const logOffset = this.motoLogSize();
    const started = Date.now();
    console.log(`▶ ${name}`);
    try {
      const result = await fn(ctx);
      this.records.push({ name, ms: Date.now() - started, ok: true });
      console.log(`✔ ${name} (${fmt(Date.now() - started)})`);
      return result;
    } catch (e) {
      this.records.push({ name, ms: Date.now() - started, ok: false });
      console.log(`✘ ${name} (${fmt(Date.now() - started)})`);
      if (e instanceof StepFailure) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      // A CommandError carries its own command; a failed check points at the last command the step ran.
      const command = e instanceof CommandError ? e.command : ctx.lastCommand;
      const output = e instanceof CommandError ? e.output : ctx.lastOutput;
      throw new StepFailure(name, reason, command, output, logOffset);
    }
  }

  /** Prints what was checked in passing (not a step of its own). */
  info(message: string): void {
    console.log(`    ${message}`);
  }

  /** Records and prints something the emulator cannot prove; printed once, and again in the summary. */
  notVerified(what: string, why: string): void {
    const line = `NOT VERIFIED BY E2E (moto gap): ${what} — ${why}`;
    if (this.gaps.has(what)) return;
    this.gaps.set(what, line);
    console.log(`    ${line}`);
  }

  summary(totalMs: number): string {
    const width = Math.max(...this.records.map((r) => r.name.length), 10);
    const rows = this.records.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(width)} ${fmt(r.ms).padStart(8)}`);
    const gaps = [...this.gaps.values()];
    return [
      'Step timings:',
      ...rows,
      `  total ${''.padEnd(width)} ${fmt(totalMs).padStart(8)}`,
      ...(gaps.length > 0 ? ['', `Not verified against moto (${gaps.length}):`, ...gaps.map((g) => `  ${g}`)] : []),
    ].join('\n');
  }
}

/** The diagnostic block printed when a step fails. */
export function renderFailure(f: StepFailure, motoLog: string, motoLogFile: string): string {
  // moto logs every request; the HTTP 2xx access lines drown the tracebacks that explain a failure.
  const motoLines = motoLog
    .split('\n')
    .filter((l) => !/" 2\d\d -?\s*$/.test(l))
    .join('\n');
  return [
    '',
    `E2E FAILED in step: ${f.step}`,
    `  reason:  ${f.reason}`,
    `  command: ${f.command ?? '(none: the step failed before running a command)'}`,
    '',
    '--- last 40 lines of the command output ---',
    f.output !== undefined ? tail(f.output) : '(no output)',
    '',
    `--- last 40 lines of moto's log since the step started (HTTP 2xx access lines omitted; full log: ${motoLogFile}) ---`,
    tail(motoLines) || '(nothing)',
    '',
  ].join('\n');
}
