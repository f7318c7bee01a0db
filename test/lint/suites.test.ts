import * as fs from 'fs';
import * as path from 'path';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { scopedMockClient } from '../helpers/aws-mock';
import { allSpecs, specsOf, SUITES, TEST_ROOT } from '../helpers/specs';

/**
 * The CDK specs run in the suites of test/helpers/specs.ts. A spec no suite runs would never run at all, and one
 * two suites run would run twice: every spec belongs to exactly one suite, and every suite has its jest file.
 */
describe('the CDK spec suites', () => {
  const specs = allSpecs();

  test('find the specs of this repository', () => {
    expect(specs).toEqual(expect.arrayContaining(['app.spec.ts', 'constructs/registry-monitoring.spec.ts', 'stacks/registry-stack.spec.ts']));
    expect(specs.every((s) => s.endsWith('.spec.ts') && !s.startsWith('integration/') && !s.startsWith('e2e/'))).toBe(true);
  });

  test('run every spec exactly once', () => {
    const runs = SUITES.flatMap((s) => specsOf(s.name, specs));
    expect([...runs].sort()).toEqual(specs);
  });

  test('take the specs of their folders, and the last suite every other spec, a new folder included', () => {
    const made = ['constructs/a.spec.ts', 'stacks/b.spec.ts', 'c.spec.ts', 'newfolder/d.spec.ts', 'constructsx/e.spec.ts'];
    expect(specsOf('constructs', made)).toEqual(['constructs/a.spec.ts', 'stacks/b.spec.ts']);
    expect(specsOf('app', made)).toEqual(['c.spec.ts', 'newfolder/d.spec.ts', 'constructsx/e.spec.ts']);
  });

  test('each have one jest file that runs them, and no jest file names a suite that does not exist', () => {
    const files = fs.readdirSync(path.join(TEST_ROOT, 'suites')).filter((f) => f.endsWith('.test.ts')).sort();
    expect(files).toEqual(SUITES.map((s) => `${s.name}.test.ts`).sort());
    for (const s of SUITES) {
      expect(fs.readFileSync(path.join(TEST_ROOT, 'suites', `${s.name}.test.ts`), 'utf8')).toContain(`runSuite('${s.name}');`);
    }
  });

  test('an unknown suite is an error that names the suites', () => {
    expect(() => specsOf('nope', specs)).toThrow('no suite "nope"; the suites are constructs, app (test/helpers/specs.ts)');
  });
});

describe('an AWS client mock of a spec (scopedMockClient) leaves the client to the specs after it', () => {
  const realSend = ECRClient.prototype.send;
  const client = new ECRClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' } });

  describe('while its describe runs', () => {
    const ecr = scopedMockClient(ECRClient);
    // While the tests register, nothing is installed yet, and the handle refuses to be used.
    const atRegistration = { real: ECRClient.prototype.send === realSend, error: '' };
    try {
      ecr.reset();
    } catch (error) {
      atRegistration.error = (error as Error).message;
    }

    test('it is not installed while the tests register, and using it then is an error', () => {
      expect(atRegistration).toEqual({ real: true, error: 'the reset of a scoped AWS client mock is used outside the tests of its describe' });
    });

    test('it answers as mockClient does', async () => {
      expect(ECRClient.prototype.send).not.toBe(realSend);
      ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'mocked' }] });
      await expect(client.send(new DescribeRepositoriesCommand({}))).resolves.toEqual({ repositories: [{ repositoryName: 'mocked' }] });
      expect(ecr.calls()).toHaveLength(1);
    });
  });

  test('after it, the real client is back', () => {
    expect(ECRClient.prototype.send).toBe(realSend);
  });
});
