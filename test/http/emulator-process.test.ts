/**
 * `numberspace serve --emulator` as a real process: the start-up rules (loopback only unless
 * allowed, flags need emulator mode, a refused seed stops the start), the banner, --seed, and
 * the examples of docs/using-in-tests.md run as they are written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listeningUrl, type RunningProcess, spawnNumberspace, waitForOutput } from '../helpers/process.js';
import { basic } from '../helpers/server.js';

const DOC = fileURLToPath(new URL('../../docs/using-in-tests.md', import.meta.url));
const STAND_IN = pathToFileURL(fileURLToPath(new URL('../helpers/sdk-rest-client.ts', import.meta.url))).href;

/** The fenced block after `<!-- example: NAME -->` in the page. */
function example(name: string): string {
  const page = readFileSync(DOC, 'utf8');
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(page);
  if (m === null) throw new Error(`no example ${name} in ${DOC}`);
  return m[1]!;
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('numberspace serve --emulator', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-emulator-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (args: string[], env: Record<string, string> = {}): Promise<{ p: RunningProcess; url: string }> => {
    const p = spawnNumberspace(['serve', ...args], { PORT: '0', LOG_LEVEL: 'info', ...env });
    const url = listeningUrl(await waitForOutput(p, (o) => o.includes('"msg":"ready"'), 30_000));
    return { p, url };
  };
  const stop = async (p: RunningProcess) => {
    p.child.kill('SIGTERM');
    await p.exited;
  };

  test('start-up rules: loopback only unless allowed; the flags need emulator mode; unknown flags are usage errors', async () => {
    const remote = spawnNumberspace(['serve', '--emulator'], { PORT: '0', HOST: '0.0.0.0' });
    assert.equal(await remote.exited, 2);
    assert.match(remote.stderr(), /loopback address; HOST is "0\.0\.0\.0".*--emulator-allow-remote/s);
    const seedAlone = spawnNumberspace(['serve', '--seed', 'x.yaml'], { PORT: '0' });
    assert.equal(await seedAlone.exited, 2);
    assert.match(seedAlone.stderr(), /need emulator mode/);
    const unknown = spawnNumberspace(['serve', '--emulater'], { PORT: '0' });
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.stderr(), /serve: Unknown option '--emulater'/);
    const allowed = await start(['--emulator-allow-remote'], { HOST: '0.0.0.0', NUMBERSPACE_EMULATOR: '1' });
    try {
      const port = new URL(allowed.url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/__mock__/health`)).status, 200);
    } finally {
      await stop(allowed.p);
    }
  });

  test("the emulator's Space is kept for it, and the emulator variables concern serve only", async () => {
    const env = { DATABASE_URL: join(dir, 'operator.db'), NUMBERSPACE_EMULATOR: '1', HOST: '0.0.0.0' };
    const made = spawnNumberspace(['spaces', 'create', '--name', 'emulator'], env);
    assert.equal(await made.exited, 2, 'operator commands run as always, and refuse the name');
    assert.match(made.stderr(), /kept for emulator mode/);
    const listed = spawnNumberspace(['spaces', 'list', '--json'], env);
    assert.equal(await listed.exited, 0, listed.stderr());
    assert.deepEqual(JSON.parse(listed.stdout()), []);
  });

  test('the banner, --seed applied at start, and a refused seed stopping the start', async () => {
    const seed = join(dir, 'seed.yaml');
    writeFileSync(seed, 'projects:\n  - id: seeded\n    tokens: [tok]\n    numbers:\n      - {number: "+14155550177", number_type: longcode, name: Lobby}\n');
    const { p, url } = await start(['--emulator', '--seed', seed]);
    try {
      assert.match(p.stderr(), /EMULATOR MODE/);
      assert.doesNotMatch(p.stdout(), /new installation ready/, 'no credentials to copy: any will do');
      const res = await fetch(`${url}/api/relay/rest/phone_numbers`, { headers: { authorization: basic('seeded', 'tok') } });
      assert.deepEqual(((await res.json()) as { data: { name: string }[] }).data.map((n) => n.name), ['Lobby']);
    } finally {
      await stop(p);
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'projects:\n  - id: seeded\n    numbers:\n      - {number: "+18005550100", number_type: longcode}\n');
    const refused = spawnNumberspace(['serve', '--emulator', '--seed', bad], { PORT: '0' });
    assert.equal(await refused.exited, 1);
    assert.match(refused.stderr(), /--seed: the seed document was refused.*toll-free/);
    const missing = spawnNumberspace(['serve', '--emulator', '--seed', join(dir, 'nope.yaml')], { PORT: '0' });
    assert.equal(await missing.exited, 1);
    assert.match(missing.stderr(), /cannot read the seed document/);
  });

  test("the documentation's examples run as written: the Node test with the SDK, and the curl walk-through", async () => {
    const { p, url } = await start(['--emulator']);
    try {
      const file = join(dir, 'example.test.mjs');
      writeFileSync(file, example('node-test').replace("from '@signalwire/sdk'", `from '${STAND_IN}'`));
      const node = await run(process.execPath, ['--import', 'tsx', '--test', file], { SIGNALWIRE_EMULATOR_URL: url }, fileURLToPath(new URL('../..', import.meta.url)));
      assert.equal(node.code, 0, `${node.out}\n${node.err}`);
      assert.match(node.out, /# pass 3/);

      const walk = await run('bash', ['-euo', 'pipefail', '-c', example('curl')], { BASE: url }, dir);
      assert.equal(walk.code, 0, walk.err);
      const lines = walk.out.trim().split('\n');
      assert.match(lines[0]!, /"specs_loaded":2/);
      assert.match(lines[1]!, /"number":"\+15557654321"/);
      assert.equal(JSON.parse(lines[2]!).length, 1);
      assert.match(lines[3]!, /"status":503/);
      assert.deepEqual(lines.slice(4), ['list: 503', 'list: 200', '{"status":"ok"}', '[]']);
    } finally {
      await stop(p);
    }
  });
});
