/**
 * Runs `fn` with process.stdout/stderr captured instead of printed, for code that writes diagnostics
 * before it throws (a green test run is quiet). Returns what `fn` threw (undefined if nothing) and the
 * captured text, so a test can put both into its failure message.
 */
export function captureOutput(fn: () => void): { error: unknown; output: string } {
  let output = '';
  const capture = (chunk: string | Uint8Array): boolean => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    fn();
    return { error: undefined, output };
  } catch (error) {
    return { error, output };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
