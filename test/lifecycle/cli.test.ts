import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runLifecycleCli, USAGE } from '../../lib/cli/lifecycle';

const REPO_ROOT = resolve(__dirname, '../..');

// The user guide's "Filtering on multiple rules" Example A, and its repository as describe-images prints it
// (CLI v2 ISO timestamps for two images, CLI v1 epoch seconds for the third).
const POLICY = {
  rules: [
    { rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
    { rulePriority: 2, description: 'Rule 2', selection: { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
  ],
};
const IMAGES = {
  imageDetails: [
    { registryId: '123456789012', repositoryName: 'app', imageDigest: 'sha256:aaa', imageTags: ['beta-1', 'prod-1'], imageSizeInBytes: 1000, imagePushedAt: '2024-05-22T12:00:00+00:00' },
    { registryId: '123456789012', repositoryName: 'app', imageDigest: 'sha256:bbb', imageTags: ['beta-2', 'prod-2'], imageSizeInBytes: 1000, imagePushedAt: 1716465600 },
    { registryId: '123456789012', repositoryName: 'app', imageDigest: 'sha256:ccc', imageTags: ['beta-3'], imageSizeInBytes: 1000, imagePushedAt: '2024-05-24T12:00:00+00:00' },
  ],
};

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifecycle-cli-'));
  writeFileSync(file('policy.json'), JSON.stringify(POLICY, null, 2));
  writeFileSync(file('images.json'), JSON.stringify(IMAGES, null, 2));
  writeFileSync(file('bad-policy.json'), JSON.stringify({ rules: [{ ...POLICY.rules[0], selection: { ...POLICY.rules[0].selection, countNumber: 0 } }] }));
  writeFileSync(file('not-json.json'), '{"imageDetails": [');
  writeFileSync(file('wrong-shape.json'), JSON.stringify({ images: [] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI as a separate process, exactly as `npm run --silent lifecycle -- ...` does. */
function spawnCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['-r', './bin/register.js', 'lib/cli/lifecycle.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the CLI in-process (fast), capturing its output. */
function runCli(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runLifecycleCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

describe('lifecycle CLI as a process', () => {
  it('previews a policy against describe-images output as of --now', () => {
    // GIVEN the guide's Example A policy and repository files
    // WHEN previewed as of a fixed instant
    const run = spawnCli('preview', '--policy', file('policy.json'), '--images', file('images.json'), '--now', '2024-06-01T00:00:00Z');

    // THEN stdout is GetLifecyclePolicyPreview JSON (2-space indent) in which only image A expires
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${JSON.stringify({
      previewResults: [
        { imageDigest: 'sha256:aaa', imageTags: ['beta-1', 'prod-1'], imagePushedAt: '2024-05-22T12:00:00+00:00', action: { type: 'EXPIRE' }, appliedRulePriority: 1 },
      ],
      summary: { expiringImageTotalCount: 1 },
    }, null, 2)}\n`);
  });

  it('exits 2 with one line naming a missing file, and prints nothing on stdout', () => {
    // GIVEN a policy path that does not exist / WHEN previewed
    const run = spawnCli('preview', '--policy', file('missing.json'), '--images', file('images.json'));

    // THEN
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`lifecycle: cannot read --policy file "${file('missing.json')}": no such file; check the path (see --help)\n`);
  });

  it('exits 2 with the validation failure for an invalid policy', () => {
    // GIVEN a policy whose rule 1 has countNumber 0 / WHEN explained
    const run = spawnCli('explain', '--policy', file('bad-policy.json'));

    // THEN the one-line error names the file, the rule, the field, the value and the fix
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lifecycle: --policy file ".*bad-policy\.json" is not a valid ECR lifecycle policy: Lifecycle policy validation failure: rules\[0\] \(rulePriority 1\): selection\.countNumber=0: must be a positive integer .*\n$/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('explains a policy one line per rule', () => {
    // GIVEN the guide's Example A policy / WHEN explained
    const run = spawnCli('explain', '--policy', file('policy.json'));

    // THEN
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'Priority 1 ("Rule 1"): keep the newest 1 of the images with a tag matching "prod*" (by push time) and expire the rest; every image it selects is protected from lower-priority rules, even the ones it keeps.',
      'Priority 2 ("Rule 2"): keep the newest 1 of the images with a tag matching "beta*" (by push time) and expire the rest, skipping images selected by priority 1 (they still count toward the 1 kept).',
      '',
    ]);
  });
});

describe('lifecycle CLI argument and input errors', () => {
  it('prints usage for --help on stdout and exits 0', () => {
    // GIVEN / WHEN / THEN
    expect(runCli('--help')).toEqual({ status: 0, stdout: USAGE, stderr: '' });
    expect(runCli('preview', '--help')).toEqual({ status: 0, stdout: USAGE, stderr: '' });
  });

  it.each([
    [[], 'lifecycle: missing subcommand: use preview or explain (see --help)\n'],
    [['prune'], 'lifecycle: unknown subcommand "prune": use preview or explain (see --help)\n'],
    [['explain', '--images', 'x.json'], 'lifecycle: unknown flag "--images" for explain; flags are --policy, --repository (see --help)\n'],
    [['preview', '--policy'], 'lifecycle: flag --policy needs a value, e.g. --policy FILE (see --help)\n'],
    [['explain', 'policy.json'], 'lifecycle: unexpected argument "policy.json" for explain; flags are --policy, --repository (see --help)\n'],
    [['explain', '--policy=a.json', '--policy', 'b.json'], 'lifecycle: flag --policy given twice ("a.json" and "b.json"); give it once (see --help)\n'],
    [['explain', '--policy', 'a.json', '--repository', 'better-call-buffet'], 'lifecycle: give either --policy FILE or --repository NAME, not both (see --help)\n'],
    [['explain', '--env', 'dev'], 'lifecycle: --env was removed: every environment pulls from one repository; use --repository better-call-buffet (see --help)\n'],
    [['explain'], 'lifecycle: missing policy: add --policy FILE or --repository NAME (see --help)\n'],
    [['preview', '--policy', 'a.json'], 'lifecycle: missing --images FILE: save aws ecr describe-images --repository-name REPO --output json to a file (see --help)\n'],
    [['preview', '--policy', 'a.json', '--images', 'i.json', '--now', '2024-06-01T00:00'], 'lifecycle: --now "2024-06-01T00:00" is not a real ISO-8601 date or date-time with a time zone; use e.g. 2024-05-01T00:00:00Z (see --help)\n'],
    [['preview', '--policy', 'a.json', '--images', 'i.json', '--now', 'tomorrow'], 'lifecycle: --now "tomorrow" is not a real ISO-8601 date or date-time with a time zone; use e.g. 2024-05-01T00:00:00Z (see --help)\n'],
  ])('rejects %j with exit 2 and a one-line message', (args, message) => {
    // GIVEN bad arguments / WHEN run / THEN exit 2, the message on stderr, nothing on stdout
    expect(runCli(...args)).toEqual({ status: 2, stdout: '', stderr: message });
  });

  it('rejects an images file that is not JSON or not describe-images output', () => {
    // GIVEN a valid policy and broken images files / WHEN previewed
    const notJson = runCli('preview', '--policy', file('policy.json'), '--images', file('not-json.json'));
    const wrongShape = runCli('preview', '--policy', file('policy.json'), '--images', file('wrong-shape.json'));

    // THEN each exits 2 naming the file and the expected input
    expect(notJson).toMatchObject({ status: 2, stdout: '' });
    expect(notJson.stderr).toMatch(/^lifecycle: --images file ".*not-json\.json" is not valid JSON \(.*\); pass the output of aws ecr describe-images --output json \(see --help\)\n$/);
    expect(wrongShape).toMatchObject({ status: 2, stdout: '' });
    expect(wrongShape.stderr).toMatch(/^lifecycle: --images file ".*wrong-shape\.json": images: expected the output of aws ecr describe-images/);
  });

  it('previews in-process with the same output as the process', () => {
    // GIVEN the same inputs as the spawned preview / WHEN run in-process
    const run = runCli('preview', '--policy', file('policy.json'), `--images=${file('images.json')}`, '--now=2024-06-01T00:00:00Z');

    // THEN image A expires by rule 1
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      previewResults: [expect.objectContaining({ imageDigest: 'sha256:aaa', appliedRulePriority: 1 })],
      summary: { expiringImageTotalCount: 1 },
    });
  });
});

// These exercise the app's own policy module (lib/stacks/registry-lifecycle.ts), so they assert the CLI contract
// (exit codes, output shape), not the environments' retention numbers.
describe('lifecycle CLI with --repository', () => {
  it('explains the policy the app deploys for the shared repository', () => {
    // GIVEN the app's repository / WHEN explained
    const run = runCli('explain', '--repository', 'better-call-buffet');

    // THEN one line per rule, nothing on stderr
    expect(run).toMatchObject({ status: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^Priority \d+/);
  });

  it('previews the repository\'s policy against describe-images output', () => {
    // GIVEN the app's repository policy and a small repository / WHEN previewed
    const run = runCli('preview', '--repository', 'better-call-buffet', '--images', file('images.json'), '--now', '2024-06-01T00:00:00Z');

    // THEN the output is a GetLifecyclePolicyPreview document
    expect(run).toMatchObject({ status: 0, stderr: '' });
    const preview = JSON.parse(run.stdout) as {
      previewResults: unknown[];
      summary: { expiringImageTotalCount: number; transitioningImageTotalCounts?: { imageTotalCount: number }[] };
    };
    const transitioning = (preview.summary.transitioningImageTotalCounts ?? []).reduce((sum, t) => sum + t.imageTotalCount, 0);
    expect(preview.summary.expiringImageTotalCount + transitioning).toBe(preview.previewResults.length);
  });

  it('exits 2 naming a repository the app does not deploy', () => {
    // GIVEN a repository name the app does not deploy / WHEN explained
    const run = runCli('explain', '--repository', 'nosuch');

    // THEN one line on stderr that names it
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toMatch(/^lifecycle: --repository "nosuch": this app deploys one repository, "better-call-buffet", not "nosuch" \(see --help\)\n$/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('lifecycle preview refuses input it would misread', () => {
  const image = (imagePushedAt: unknown) => ({ imageDigest: 'sha256:ddd', imageTags: ['beta-4'], imagePushedAt });
  const preview = (images: unknown, name: string, now = '2026-06-01T00:00:00Z') => {
    writeFileSync(file(name), typeof images === 'string' ? images : JSON.stringify(images));
    return runCli('preview', '--policy', file('policy.json'), '--images', file(name), '--now', now);
  };

  it.each([
    ['30 February', '2026-02-30T12:00:00Z'],
    ['29 February of a common year', '2025-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['hour 24', '2026-05-01T24:00:00Z'],
    ['minute 60', '2026-05-01T10:60:00Z'],
  ])('an impossible calendar date (%s) instead of rolling it over', (_what, pushedAt) => {
    // GIVEN describe-images output with an image pushed at an impossible instant / WHEN previewed
    const run = preview({ imageDetails: [...IMAGES.imageDetails, image(pushedAt)] }, 'impossible-date.json');
    // THEN exit 2, naming the image, field and value
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toContain(`imageDetails[3] (sha256:ddd): imagePushedAt="${pushedAt}" is not a real calendar date or time`);
  });

  it('accepts 29 February of a leap year and 23:59:59', () => {
    // GIVEN two real but edge-of-range instants / WHEN previewed / THEN accepted
    expect(preview({ imageDetails: [...IMAGES.imageDetails, image('2024-02-29T23:59:59Z')] }, 'leap-day.json').status).toBe(0);
  });

  it('an impossible --now', () => {
    // GIVEN / WHEN / THEN
    expect(runCli('preview', '--policy', file('policy.json'), '--images', file('images.json'), '--now', '2026-02-30T12:00:00Z')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'lifecycle: --now "2026-02-30T12:00:00Z" is not a real ISO-8601 date or date-time with a time zone; use e.g. 2024-05-01T00:00:00Z (see --help)\n',
    });
  });

  it('epoch milliseconds, which would be read as seconds millennia from now', () => {
    // GIVEN imagePushedAt as JavaScript's Date.now() prints it / WHEN previewed
    const run = preview({ imageDetails: [...IMAGES.imageDetails, image(1716465600000)] }, 'epoch-ms.json');
    // THEN exit 2 with the fix
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toContain('imageDetails[3] (sha256:ddd): imagePushedAt=1716465600000 looks like epoch milliseconds; describe-images prints epoch seconds');
  });

  it.each([
    ['the API\'s nextToken', { ...IMAGES, nextToken: 'eyJwYWdlIjoyfQ==' }],
    ['the AWS CLI\'s NextToken (--max-items)', { ...IMAGES, NextToken: 'eyJwYWdlIjoyfQ==' }],
  ])('a partial listing carrying %s', (_what, listing) => {
    // GIVEN one page of a paginated describe-images / WHEN previewed
    const run = preview(listing, 'partial.json');
    // THEN exit 2: a preview of one page could expire the wrong images
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toMatch(/^lifecycle: --images file ".*partial\.json": images: the listing is partial \(it carries a next-page token\); save every page/);
  });

  it.each([
    ['-5', '-5', '-5'],
    ['1e400 (Infinity once parsed)', '1e400', 'Infinity \\(a number too large to represent, e\\.g\\. 1e400\\)'],
    ['1.5', '1.5', '1\\.5'],
    ['a string', '"1000"', '"1000"'],
  ])('an imageSizeInBytes of %s, which no registry reports', (_what, size, shown) => {
    // GIVEN describe-images output whose last image has an impossible size (written as raw JSON text)
    const text = JSON.stringify({ imageDetails: [...IMAGES.imageDetails, image('2024-05-25T00:00:00Z')] }).replace(/\}\]\}$/, `,"imageSizeInBytes":${size}}]}`);
    // WHEN previewed
    const run = preview(text, 'bad-size.json');
    // THEN exit 2, naming the image, the field and the value as read
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toMatch(new RegExp(`^lifecycle: --images file ".*bad-size\\.json": imageDetails\\[3\\] \\(sha256:ddd\\): imageSizeInBytes=${shown} is not a size in bytes \\(a whole number from 0\\); use the unmodified aws ecr describe-images output`));
  });

  it('accepts a size of 0 and the largest sizes describe-images prints', () => {
    const sized = (imageSizeInBytes: number) => ({ imageDetails: [...IMAGES.imageDetails, { ...image('2024-05-25T00:00:00Z'), imageSizeInBytes }] });
    expect(preview(sized(0), 'zero-size.json').status).toBe(0);
    expect(preview(sized(Number.MAX_SAFE_INTEGER), 'huge-size.json').status).toBe(0);
  });

  it('resolves a relative --images path from the directory the user ran npm in (INIT_CWD), not the package root', () => {
    // GIVEN images.json in a directory that is not the package root, named relatively, as npm records it
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = dir;
    try {
      // WHEN previewed with a relative path
      const run = runCli('preview', '--policy', 'policy.json', '--images', 'images.json', '--now', '2024-06-01T00:00:00Z');
      // THEN the files in INIT_CWD are read; a missing one is named as given and as resolved
      expect(run).toEqual(runCli('preview', '--policy', file('policy.json'), '--images', file('images.json'), '--now', '2024-06-01T00:00:00Z'));
      expect(runCli('preview', '--policy', 'policy.json', '--images', 'nope.json').stderr)
        .toBe(`lifecycle: cannot read --images file "nope.json" (${file('nope.json')}): no such file; check the path (see --help)\n`);
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });

  it('accepts files that start with a UTF-8 byte-order mark, with the same result', () => {
    // GIVEN the policy and images files with a BOM, as Windows editors and PowerShell write them
    writeFileSync(file('bom-policy.json'), `\uFEFF${JSON.stringify(POLICY)}`);
    writeFileSync(file('bom-images.json'), `\uFEFF${JSON.stringify(IMAGES)}`);
    // WHEN previewed
    const withBom = runCli('preview', '--policy', file('bom-policy.json'), '--images', file('bom-images.json'), '--now', '2024-06-01T00:00:00Z');
    const without = runCli('preview', '--policy', file('policy.json'), '--images', file('images.json'), '--now', '2024-06-01T00:00:00Z');
    // THEN both succeed with identical output
    expect(withBom).toEqual({ status: 0, stdout: without.stdout, stderr: '' });
  });
});
