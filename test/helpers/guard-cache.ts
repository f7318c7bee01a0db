import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Unit tests only (installed by test/setup-guard-cache.js): remembers what the cfn-guard binary answered for each
 * template, so the Control Tower checks (lib/governance/control-tower.ts) cost their ~3 s once per distinct
 * template instead of once per synth. The app's plugin still runs on every synth that has it on: it selects
 * the rules, CfnGuardValidator parses cfn-guard's answer, CDK applies the acknowledgements and fails the
 * synth; only the cfn-guard process is skipped when it would be given the very same bytes again.
 *
 * Sound because cfn-guard is a pure function of its inputs: it judges each `--data` file on its own (one
 * result per file, in `--data` order; two runs over four templates equal four runs over one, byte for
 * byte), and the answer for a file depends only on the rule files and the file's bytes. The key is the
 * SHA-256 of the cfn-guard binary, every rule file's path and bytes in order, and the template's bytes.
 * The one thing in an answer that names the file, its `name`, is stored without and put back.
 *
 * Entries live in node_modules/.cache/cfn-guard-results (one small JSON file each, written atomically),
 * so they survive between runs and disappear with `npm ci`. The integration suite and `cdk synth` never
 * use this: they run cfn-guard every time.
 */
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'cfn-guard-results');

type Exec = (commandLine: string[], options?: { json?: boolean; maxBuffer?: number; [k: string]: unknown }) => unknown;
interface GuardResult {
  name: string;
  [field: string]: unknown;
}

const fileHashes = new Map<string, string>();
/** SHA-256 of a file that does not change during a test run (the binary, the rule files). */
function stableFileHash(file: string): string {
  let h = fileHashes.get(file);
  if (!h) {
    h = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    fileHashes.set(file, h);
  }
  return h;
}

/** `validate --rules R... --data D... --output-format json --show-summary none --structured`, or undefined. */
function parseValidate(args: readonly string[]): { rules: string[]; data: string[]; rest: string[] } | undefined {
  if (args[0] !== 'validate') return undefined;
  const rules: string[] = [];
  const data: string[] = [];
  const rest: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--rules' || flag === '--data') {
      const value = args[++i];
      if (value === undefined) return undefined;
      (flag === '--rules' ? rules : data).push(value);
    } else if ((flag === '--output-format' && args[i + 1] === 'json') || (flag === '--show-summary' && args[i + 1] === 'none')) {
      rest.push(flag, args[++i]);
    } else if (flag === '--structured') {
      rest.push(flag);
    } else {
      return undefined; // anything else: not the call this cache understands, so run cfn-guard
    }
  }
  return rules.length > 0 && data.length > 0 ? { rules, data, rest } : undefined;
}

function readEntry(file: string): Omit<GuardResult, 'name'> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<GuardResult, 'name'>;
  } catch {
    return undefined; // missing (or unreadable: then it is simply computed again)
  }
}

function writeEntry(file: string, entry: Omit<GuardResult, 'name'>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(entry));
  fs.renameSync(tmp, file);
}

/**
 * Wraps `exec` of @cdklabs/cdk-validator-cfnguard (what its CfnGuardValidator spawns cfn-guard with). Any call
 * other than the `validate` with JSON output that CfnGuardValidator makes goes straight to `exec`.
 */
export function memoizeGuard(exec: Exec, cacheDir: string = CACHE_DIR): Exec {
  return (commandLine, options = {}) => {
    const call = parseValidate(commandLine.slice(1));
    if (!call || !options.json) return exec(commandLine, options);
    const prefix = createHash('sha256').update(stableFileHash(commandLine[0]));
    for (const rule of call.rules) prefix.update(`\0${rule}\0${stableFileHash(rule)}`);
    const ruleKey = prefix.digest('hex');
    const entries = call.data.map((d) => path.join(cacheDir, `${createHash('sha256').update(ruleKey).update(fs.readFileSync(d)).digest('hex')}.json`));
    const cached = entries.map(readEntry);
    const missing = call.data.filter((_d, i) => cached[i] === undefined);
    if (missing.length > 0) {
      const fresh = exec([commandLine[0], 'validate', ...call.rules.flatMap((r) => ['--rules', r]), ...missing.flatMap((d) => ['--data', d]), ...call.rest], options);
      if (!Array.isArray(fresh) || fresh.length !== missing.length) {
        throw new Error(`guard-cache: cfn-guard answered ${JSON.stringify(fresh).slice(0, 200)} for ${missing.length} templates; expected one result per --data file`);
      }
      for (const result of fresh as GuardResult[]) {
        const i = call.data.indexOf(result.name);
        if (i < 0) throw new Error(`guard-cache: cfn-guard named a result ${JSON.stringify(result.name)} that is none of the --data files`);
        const entry: Omit<GuardResult, 'name'> = { ...result };
        delete entry.name;
        cached[i] = entry;
        writeEntry(entries[i], entry);
      }
    }
    return call.data.map((name, i) => {
      if (cached[i] === undefined) throw new Error(`guard-cache: no cfn-guard result for ${name}`);
      return { name, ...cached[i] };
    });
  };
}

/** Installs the memo into @cdklabs/cdk-validator-cfnguard's module instance of this test file. */
export function installGuardCache(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const utils = require('@cdklabs/cdk-validator-cfnguard/lib/utils') as { exec: Exec };
  if (typeof utils.exec !== 'function') {
    throw new Error('guard-cache: @cdklabs/cdk-validator-cfnguard/lib/utils no longer exports exec; update test/helpers/guard-cache.ts');
  }
  utils.exec = memoizeGuard(utils.exec);
}
