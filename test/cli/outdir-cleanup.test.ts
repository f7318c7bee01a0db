import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processStartMs, removeOutdirCreatedForThisRun } from '../../lib/cli/outdir-cleanup';

/**
 * On a configuration error the app removes the output directory the CLI created for this run (empty but
 * for the CLI's synth.lock). test/integration/cdk-synth-bad-input.test.ts checks it through the real CLI.
 */
describe('removeOutdirCreatedForThisRun', () => {
  let parent: string;
  beforeEach(() => (parent = fs.mkdtempSync(path.join(os.tmpdir(), 'outdir-cleanup-'))));
  afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

  /** An output directory as the CLI leaves it while the app runs: its lock, holding `pid`. */
  const cliOutdir = (pid = 4242, extra: string[] = []) => {
    const dir = path.join(parent, 'cdk.out');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'synth.lock'), `${pid}`);
    for (const f of extra) fs.writeFileSync(path.join(dir, f), '{}');
    return dir;
  };
  const startedBefore = () => Date.now() - 60_000;
  const startedAfter = () => Date.now() + 60_000;

  test('removes a directory holding only the lock of a CLI that started before it was created', () => {
    const dir = cliOutdir();
    expect(removeOutdirCreatedForThisRun(dir, { processStart: startedBefore })).toBe(true);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('keeps a directory that existed before the CLI started', () => {
    const dir = cliOutdir();
    expect(removeOutdirCreatedForThisRun(dir, { processStart: startedAfter })).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['synth.lock']);
  });

  test('keeps a directory with anything else in it', () => {
    const dir = cliOutdir(4242, ['manifest.json']);
    expect(removeOutdirCreatedForThisRun(dir, { processStart: startedBefore })).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['manifest.json', 'synth.lock']);
  });

  test('keeps a directory without the CLI lock, or when the CLI start time is unknown', () => {
    const noLock = path.join(parent, 'empty');
    fs.mkdirSync(noLock);
    expect(removeOutdirCreatedForThisRun(noLock, { processStart: startedBefore })).toBe(false);
    const unknown = cliOutdir();
    expect(removeOutdirCreatedForThisRun(unknown, { processStart: () => undefined })).toBe(false);
    expect(fs.existsSync(noLock) && fs.existsSync(unknown)).toBe(true);
  });

  test('does nothing without an outdir or for a missing one', () => {
    expect(removeOutdirCreatedForThisRun(undefined)).toBe(false);
    expect(removeOutdirCreatedForThisRun(path.join(parent, 'nope'))).toBe(false);
  });

  const onLinux = process.platform === 'linux' ? test : test.skip;
  onLinux('processStartMs reads a real process start time from /proc (this process)', () => {
    const expected = Date.now() - process.uptime() * 1000;
    expect(Math.abs((processStartMs(process.pid) as number) - expected)).toBeLessThan(1000);
    expect(processStartMs(2 ** 30)).toBeUndefined();
  });
});
