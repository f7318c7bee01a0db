import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REGISTRY } from '../../lib/config/environments';
import { loadEnvironment } from '../../lib/config/load';
import { ENV_NAMES } from '../../lib/config/types';
import { ServiceStack } from '../../lib/stacks/service-stack';
import { cdkJsonContext, REPO_ROOT } from '../helpers/app';

/**
 * The example image (examples/service-image) against the synthesized task definition of every
 * environment: the user it runs as, the port, the writable paths (owned by that user, then declared as
 * VOLUME, which is what makes a Fargate bind mount writable for a non-root user), and the health check
 * (its tool is installed, its path is answered by the server). docker is not needed: the Dockerfile is
 * parsed, and server.js is run with node.
 */
const IMAGE_DIR = path.join(REPO_ROOT, 'examples', 'service-image');

interface Instruction {
  readonly cmd: string;
  readonly args: string;
}

/** Dockerfile instructions in order: continuation lines joined, comments and blank lines dropped. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return logical.map((l) => {
    const m = /^(\S+)\s*(.*)$/.exec(l) as RegExpExecArray;
    return { cmd: m[1].toUpperCase(), args: m[2] };
  });
}

/** `ENV A=1 B=2` (and the legacy `ENV A 1`) as a map; later instructions win. */
function envOf(instructions: readonly Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions.filter((i) => i.cmd === 'ENV')) {
    if (args.includes('=')) for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
    else env[args.split(/\s+/)[0]] = args.split(/\s+/).slice(1).join(' ');
  }
  return env;
}

/** `VOLUME ["/a", "/b"]` or `VOLUME /a /b`. */
const volumePaths = (args: string): string[] => (args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/));

const dockerfile = parseDockerfile(fs.readFileSync(path.join(IMAGE_DIR, 'Dockerfile'), 'utf8'));

interface Container {
  User: string;
  PortMappings: Array<{ ContainerPort: number }>;
  MountPoints: Array<{ ContainerPath: string; ReadOnly: boolean }>;
  HealthCheck: { Command: string[] };
}

function containerOf(envName: (typeof ENV_NAMES)[number]): Container {
  const config = loadEnvironment(envName);
  const stack = new ServiceStack(new App({ context: cdkJsonContext() }), `BetterCallBuffet-${envName}-Service`, {
    env: { region: config.region },
    config,
    repository: { repositoryName: REGISTRY.repositoryName, region: REGISTRY.region },
  });
  const defs = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'));
  return defs[0].Properties.ContainerDefinitions[0] as Container;
}

/** `CMD-SHELL curl -f http://localhost:8080/health || exit 1` -> tool `curl`, port 8080, path `/health`. */
function healthCheckOf(c: Container): { tool: string; port: number; path: string } {
  expect(c.HealthCheck.Command[0]).toBe('CMD-SHELL');
  const m = /^(\S+) .*http:\/\/localhost:(\d+)(\/\S*)/.exec(c.HealthCheck.Command[1]);
  if (!m) throw new Error(`unexpected health check command: ${c.HealthCheck.Command[1]}`);
  return { tool: m[1], port: Number(m[2]), path: m[3] };
}

describe.each(ENV_NAMES)('examples/service-image fits the %s task definition', (envName) => {
  const container = containerOf(envName);
  const env = envOf(dockerfile);

  test('it runs as the task user, numeric and not root', () => {
    const users = dockerfile.filter((i) => i.cmd === 'USER');
    expect(users.at(-1)?.args).toBe(container.User);
    expect(container.User).toMatch(/^[1-9]\d*:\d+$/);
  });

  test('it exposes and listens on the container port', () => {
    const port = container.PortMappings[0].ContainerPort;
    const exposed = dockerfile.filter((i) => i.cmd === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => Number(p.replace(/\/tcp$/, '')));
    expect(exposed).toContain(port);
    expect(Number(env.PORT)).toBe(port);
  });

  test('every writable path is given to the task user, then declared as VOLUME', () => {
    const writable = container.MountPoints.filter((m) => !m.ReadOnly).map((m) => m.ContainerPath);
    expect(writable.length).toBeGreaterThan(0);
    for (const p of writable) {
      const volumeAt = dockerfile.findIndex((i) => i.cmd === 'VOLUME' && volumePaths(i.args).includes(p));
      const chownAt = dockerfile.findIndex((i) => i.cmd === 'RUN' && new RegExp(`\\bchown\\s+(-R\\s+)?${container.User}\\s+(\\S+\\s+)*${p}(\\s|$)`).test(i.args));
      expect({ path: p, declaredAsVolume: volumeAt >= 0, chownedToTaskUser: chownAt >= 0 }).toEqual({ path: p, declaredAsVolume: true, chownedToTaskUser: true });
      // A change to a path after its VOLUME instruction is discarded by the build.
      expect(chownAt).toBeLessThan(volumeAt);
    }
  });

  test('the health check tool is installed, its port and path are the server\'s', () => {
    const check = healthCheckOf(container);
    const installed = dockerfile.filter((i) => i.cmd === 'RUN').flatMap((i) => [...i.args.matchAll(/\b(?:apk add|apt-get install)\s+([^&;|]*)/g)].flatMap((m) => m[1].split(/\s+/)));
    expect(installed).toContain(check.tool);
    expect(dockerfile.find((i) => i.cmd === 'FROM')?.args).toMatch(/alpine/); // apk needs an Alpine base
    expect(check.port).toBe(Number(env.PORT));
    expect(check.path).toBe(env.HEALTH_PATH);
    // The task definition's health check is the one ECS runs; a HEALTHCHECK in the image could disagree.
    expect(dockerfile.filter((i) => i.cmd === 'HEALTHCHECK')).toEqual([]);
  });
});

describe('examples/service-image/server.js', () => {
  let scratch: string;
  beforeAll(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'service-image-'))));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const get = (port: number, urlPath: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      // agent: false, so no keep-alive socket outlives the test.
      http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });

  test('answers the Dockerfile\'s health path with 200 while the scratch directory is writable, and stops on SIGTERM', async () => {
    // GIVEN the server started as the image starts it, with the image's environment (on a free port)
    const env = envOf(dockerfile);
    const child = spawn(process.execPath, ['server.js'], { cwd: IMAGE_DIR, env: { ...process.env, ...env, PORT: '0', TMPDIR: scratch } });
    let output = '';
    child.stderr.on('data', (d) => (output += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          output += d;
          const m = /listening on (\d+)/.exec(output);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`server.js exited with ${code}: ${output}`)));
      });
      // WHEN the health path and an unknown path are requested
      const health = await get(port, env.HEALTH_PATH);
      const unknown = await get(port, '/nope');
      // THEN
      expect(health).toEqual({ status: 200, body: 'ok\n' });
      expect(unknown.status).toBe(404);
      expect(fs.readdirSync(scratch)).toEqual([]); // the probe file is cleaned up
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 30_000);
});
