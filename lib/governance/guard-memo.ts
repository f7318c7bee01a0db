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
 * cfn-guard as if it were new. `CONTROL_TOWER_CACHE=off` runs cfn-guard on every template (`.ci/run` does so
 * for its validated synth). docs/quality-gates.md ("Control Tower answers") has the measurements.
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

/** `CONTROL_TOWER_CACHE=off` (or `false`, `0`) turns the memo off for this process. */
export function guardCacheEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CONTROL_TOWER_CACHE ?? '').trim().toLowerCase();
  return !['off', 'false', '0'].includes(v);
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

/** One template's answers, keyed by what decides them. */
export class GuardMemo<V extends ViolationLike> {
  private readonly prefix: string;

  constructor(
    private readonly cacheDir: string,
    inputs: { readonly guardBinary: string; readonly ruleFiles: readonly string[]; readonly pluginVersion: string },
  ) {
    const h = createHash('sha256').update(`format ${ENTRY_FORMAT}\0plugin ${inputs.pluginVersion}\0guard ${installedFileHash(inputs.guardBinary)}`);
    for (const rule of inputs.ruleFiles) h.update(`\0rule ${rule}\0${installedFileHash(rule)}`);
    this.prefix = h.digest('hex');
  }

  private entryFile(templateBytes: Buffer): string {
    return path.join(this.cacheDir, `${createHash('sha256').update(this.prefix).update(templateBytes).digest('hex')}.json`);
  }

  /** The violations cfn-guard found in `templatePath` from `judge`, or from an earlier `judge` of the same input. */
  violations(templatePath: string, judge: () => V[]): V[] {
    const file = this.entryFile(fs.readFileSync(templatePath));
    const stored = readEntry<V>(file);
    if (stored) return withTemplatePath(stored, TEMPLATE_PLACEHOLDER, templatePath);
    const fresh = judge();
    // Stored only when every located resource names this very template (then the placeholder round-trips).
    if (fresh.every((v) => v.violatingResources.every((r) => r.templatePath === undefined || r.templatePath === templatePath))) {
      writeEntry(file, withTemplatePath(fresh, templatePath, TEMPLATE_PLACEHOLDER));
    }
    return fresh;
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
