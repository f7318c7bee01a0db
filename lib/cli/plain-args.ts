/**
 * Argument handling shared by the project's commands.
 */

/**
 * One command-line argument as a flag: `--name=value` gives the name and the inline value (possibly empty);
 * anything else is all name, and a flag that takes a value reads it from the next argument.
 */
export function splitFlag(arg: string): { readonly name: string; readonly inline?: string } {
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  return eq === -1 ? { name: arg } : { name: arg.slice(0, eq), inline: arg.slice(eq + 1) };
}

/**
 * For the project's commands that take no flags (`npm run baselines:update`,
 * `npm run e2e`): `--help`/`-h` prints the usage on stdout (exit 0) before anything runs; anything else
 * is refused with exit 2, so a mistyped flag never starts a long or file-rewriting run.
 *
 * @returns the exit code to stop with, or undefined to go on.
 */
export function helpOrRefuseArgs(
  name: string,
  argv: readonly string[],
  usage: string,
  io: { stdout(text: string): void; stderr(text: string): void } = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
): number | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(usage);
    return 0;
  }
  if (argv.length > 0) {
    const arg = argv[0];
    io.stderr(`${name}: ${arg.startsWith('-') ? `unknown flag "${arg}"` : `unexpected argument "${arg}"`}; it takes no arguments (see --help)\n`);
    return 2;
  }
  return undefined;
}
