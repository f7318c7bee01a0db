import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Remembers what cfn-guard answered for a template, so the Control Tower checks of a template that did not
 * change since the last synth on this machine cost a file read instead of a cfn-guard run (~2 s for the
 * registry template: cfn-guard's allocator maps and unmaps memory ~20,000 times per run, slow on small VMs).
 *
 * Every template is still judged on every synth, by the same rules, and CDK still applies the
 * acknowledgements and fails the synth on what is left; only the cfn-guard process is not started again for
 * input it has already judged. That is sound because cfn-guard is a pure function of its input: it judges each
 * `--data` file on its own (its answer is one result per file), and that result depends only on the cfn-guard
 * binary, the rule files and the template's bytes. The key is the SHA-256 of exactly those, plus the
 * versions of the plugin and of this entry format. The template's path is the one part of a violation that
 * names the input; it is stored as a placeholder and put back.
 *
 * Entries live in `node_modules/.cache/control-tower-results/` (one small JSON file each, written atomically;
 * gone with `npm ci`). A cache that cannot be read or written is no cache: the template is judged by
 * cfn-guard as if it were new. `CONTROL_TOWER_CACHE=off` runs cfn-guard on every template and remembers nothing;
 * `CONTROL_TOWER_CACHE=refresh` runs cfn-guard on every template and remembers its answers (`.ci/run`'s validated
 * synth: the shipped templates judged afresh, and the steps after it reuse those answers). docs/quality-gates.md
 * ("Control Tower answers") has the measurements.
 */

/** Bump when the stored entry's shape changes: old entries then simply stop matching. */
const ENTRY_FORMAT = 1;
const TEMPLATE_PLACEHOLDER = '<template>';

/** Where the answers live: `node_modules/.cache/control-tower-results` of the installed plugin. */
export function defaultGuardCacheDir(): string {
  const pkg = require.resolve('@cdklabs/cdk-validator-cfnguard/package.json');
  // .../node_modules/@cdklabs/cdk-validator-cfnguard/package.json -> .../node_modules
  return path.join(path.dirname(pkg), '..', '..', '.cache', 'control-tower-results');
}

/**
 * What `CONTROL_TOWER_CACHE` asks of the memo in this process: `on` (unset, empty, `on`, `true`, `1`) reads and
 * writes answers; `off` (`off`, `false`, `0`) neither reads nor writes; `refresh` judges every template afresh and
 * writes the answers. Any other value is an error: a misspelt `off` must not silently reuse answers.
 */
export type GuardCacheMode = 'on' | 'off' | 'refresh';
export function guardCacheMode(env: NodeJS.ProcessEnv = process.env): GuardCacheMode {
  const raw = env.CONTROL_TOWER_CACHE ?? '';
  const v = raw.trim().toLowerCase();
  if (['', 'on', 'true', '1'].includes(v)) return 'on';
  if (['off', 'false', '0'].includes(v)) return 'off';
  if (v === 'refresh') return 'refresh';
  throw new Error(`CONTROL_TOWER_CACHE=${JSON.stringify(raw)} is not a setting of the Control Tower answers memo: use on, off or refresh (or leave it unset for on)`);
}

const fileHashes = new Map<string, string>();
/** SHA-256 of a file that does not change while the process runs (the cfn-guard binary, a rule file). */
function installedFileHash(file: string): string {
  let h = fileHashes.get(file);
  if (!h) {
    h = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    fileHashes.set(file, h);
  }
  return h;
}

/** What a violating resource looks like in a plugin report (only `templatePath` is touched here). */
interface WithTemplatePath {
  templatePath?: string;
}
interface ViolationLike {
  violatingResources: WithTemplatePath[];
}

/** Remembered answers, one per template and the rules it was judged by. */
export class GuardMemo<V extends ViolationLike> {
  private readonly prefix: string;

  constructor(
    private readonly cacheDir: string,
    inputs: { readonly guardBinary: string; readonly pluginVersion: string },
  ) {
    this.prefix = `format ${ENTRY_FORMAT}\0plugin ${inputs.pluginVersion}\0guard ${installedFileHash(inputs.guardBinary)}`;
  }

  /** The entry of a template's bytes judged by `ruleFiles` (the key is computed once per template and synth). */
  entryFile(templateBytes: Buffer, ruleFiles: readonly string[]): string {
    const h = createHash('sha256').update(this.prefix);
    for (const rule of ruleFiles) h.update(`\0rule ${rule}\0${installedFileHash(rule)}`);
    h.update('\0template\0').update(templateBytes);
    return path.join(this.cacheDir, `${h.digest('hex')}.json`);
  }

  /** What cfn-guard found when it last judged the input of `entryFile`, reported for `templatePath`, if remembered. */
  read(entryFile: string, templatePath: string): V[] | undefined {
    const stored = readEntry<V>(entryFile);
    return stored && withTemplatePath(stored, TEMPLATE_PLACEHOLDER, templatePath);
  }

  /**
   * Remembers what cfn-guard found in `templatePath` (the input of `entryFile`). Only violations located in that
   * very template are stored (the placeholder must round-trip); anything else is not remembered at all.
   */
  write(entryFile: string, templatePath: string, violations: V[]): void {
    if (!violations.every((v) => v.violatingResources.length > 0 && v.violatingResources.every((r) => r.templatePath === templatePath))) return;
    writeEntry(entryFile, withTemplatePath(violations, templatePath, TEMPLATE_PLACEHOLDER));
  }
}

function withTemplatePath<V extends ViolationLike>(violations: V[], from: string, to: string): V[] {
  return violations.map((v) => ({
    ...v,
    violatingResources: v.violatingResources.map((r) => (r.templatePath === from ? { ...r, templatePath: to } : r)),
  }));
}

function readEntry<V>(file: string): V[] | undefined {
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: number; violations?: unknown };
    return entry.format === ENTRY_FORMAT && Array.isArray(entry.violations) ? (entry.violations as V[]) : undefined;
  } catch {
    return undefined; // missing or unreadable: judged again
  }
}

function writeEntry(file: string, violations: unknown[]): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: ENTRY_FORMAT, violations }));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only node_modules or a full disk: no memo, same answers.
  }
}
