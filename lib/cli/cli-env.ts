import { isAbsolute, resolve } from 'path';

/**
 * What the project's CLIs take from the process they run in: the directory the user typed the command in,
 * and the AWS SDK's Node.js version warning.
 */

/**
 * Resolves a path argument from the directory the user ran the command in. `npm run` starts scripts in the
 * package root and records the caller's directory in INIT_CWD
 * (https://docs.npmjs.com/cli/v10/commands/npm-run-script), so `npm run lifecycle -- ... --images mine.json`
 * from a subdirectory means that subdirectory's mine.json.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(env.INIT_CWD || cwd, path);
}

/**
 * The AWS SDK for JavaScript v3 prints a 7-line NodeVersionSupportWarning when a client is created on
 * Node.js below 22 (@aws-sdk/core emitWarningIfUnsupportedVersion), unless
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is "true" (the switch the SDK names,
 * https://github.com/aws/aws-sdk-js-v3/issues/7983). The project pins its SDK version in package-lock.json,
 * supports Node.js 20+ and says which versions CI tests (README): on every CLI run the warning is noise.
 * A value the user set is kept. Call before creating a client: the SDK checks when a client is constructed.
 */
export function quietSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
