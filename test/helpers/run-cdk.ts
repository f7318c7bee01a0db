import { spawn } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './app';

export interface CdkRun {
  readonly code: number | null;
  /** stdout and stderr interleaved, as a person would see them. */
  readonly output: string;
}

/**
 * Runs the project's pinned CDK CLI (`cdk synth ...`) in the repository, exactly as a user would: cdk.json's
 * app command, cdk-nag on. CDK's WASM template validation is off (`npm run synth` in CI runs it).
 */
export function runCdk(args: readonly string[], timeoutMs = 150_000, env: Readonly<Record<string, string>> = {}): Promise<CdkRun> {
  const cdk = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
  return new Promise((resolve) => {
    const child = spawn(cdk, [...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', ...env },
      timeout: timeoutMs,
    });
    let output = '';
    child.stderr.on('data', (d) => (output += d));
    child.stdout.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}
