import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS, REGISTRY } from '../../lib/config/environments';
import { loadConfig, loadEnvironments } from '../../lib/config/load';
import { applyConfigOverlay } from '../../lib/config/overlay';
import { ConfigError } from '../../lib/config/validate';

/**
 * `-c testConfigOverlay=FILE` lets the integration tests run the real `cdk synth` on configurations the
 * shipped file does not contain; the merged result is validated like any configuration.
 */
describe('testConfigOverlay', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overlay-test-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const overlayFile = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const load = (file: string, env = 'dev') => loadEnvironments({ getContext: (k) => ({ env, testConfigOverlay: file })[k] });

  test('merges objects field by field and validates the result', () => {
    // GIVEN an overlay that adds plain variables to dev (a file with a BOM, as Windows editors write it)
    const file = overlayFile('plain.json', `\uFEFF${JSON.stringify({ dev: { task: { environment: { LOG_LEVEL: 'info' } } } })}`);
    // WHEN loaded as `cdk synth -c env=dev -c testConfigOverlay=FILE` does
    const [dev] = load(file);
    // THEN only that field changed
    expect(dev.task).toEqual({ ...ENVIRONMENTS.dev.task, environment: { LOG_LEVEL: 'info' } });
    expect({ ...dev, task: undefined }).toEqual({ ...ENVIRONMENTS.dev, task: undefined });
  });

  test('arrays replace, they do not append', () => {
    const file = overlayFile('arrays.json', { registry: { retention: { protectTagPatterns: ['hold-*'] } } });
    expect(loadConfig({ getContext: (k) => (k === 'testConfigOverlay' ? file : undefined) }).registry.retention.protectTagPatterns).toEqual(['hold-*']);
  });

  test('the merged configuration is validated like the shipped one', () => {
    const file = overlayFile('credential.json', { dev: { task: { environment: { DB_PASSWORD: 'x' } } } });
    expect(() => load(file)).toThrow(/dev\.task\.environment\.DB_PASSWORD looks like a credential/);
  });

  test('a misspelt field is merged, then refused by validation naming the field it resembles', () => {
    const file = overlayFile('typo.json', { dev: { task: { enviroment: { A: 'b' } } } });
    expect(() => load(file)).toThrow(/^dev\.task\.enviroment is not a field of dev\.task: did you mean environment\?/);
  });

  test.each([
    ['a missing file', () => path.join(dir, 'missing.json'), /context testConfigOverlay=".*missing\.json": cannot read the file \(ENOENT\)/],
    ['invalid JSON', () => overlayFile('broken.json', '{"dev": '), /context testConfigOverlay=".*broken\.json": not valid JSON/],
    ['a JSON array', () => overlayFile('array.json', []), /must be a JSON object keyed by "registry" or an environment name/],
    ['an unknown environment', () => overlayFile('qa.json', { qa: {} }), /unknown environment "qa"; valid keys: registry, dev, staging, prod/],
    ['a registry that is not an object', () => overlayFile('registry.json', { registry: 5 }), /registry must be an object of fields to change, got 5/],
    ['a renamed environment', () => overlayFile('rename.json', { dev: { envName: 'prod' } }), /dev\.envName cannot be changed by an overlay/],
  ])('refuses %s with a ConfigError', (_what, file, message) => {
    const f = file();
    expect(() => applyConfigOverlay(ENVIRONMENTS, REGISTRY, f)).toThrow(ConfigError);
    expect(() => applyConfigOverlay(ENVIRONMENTS, REGISTRY, f)).toThrow(message);
  });
});
