import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { run } from '../../src/cli/main.js';
import type { App } from '../../src/http/app-type.js';
import { openStore, type Store } from '../../src/storage/store.js';
import { freshDatabase, type FreshDatabase } from '../helpers/backends.js';
import { basic } from '../helpers/server.js';

/** Runs a CLI command in-process and captures what it prints. */
async function cli(env: Record<string, string>, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, env, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`) });
  return { code, out, err, json: () => JSON.parse(out) };
}

describe('numberspace CLI: spaces, projects, tokens', () => {
  let dir: string;
  let db: FreshDatabase;
  let env: Record<string, string>;
  let store: Store;
  let app: App;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'numberspace-cli-'));
    db = await freshDatabase(dir);
    env = { DATABASE_URL: db.url };
    // The server shares the database with the CLI, as an operator's would.
    store = openStore(db.url);
    await store.migrate();
    app = await buildApp({ store, logger: pino({ level: 'silent' }), authCacheTtlMs: 0 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const importWith = (auth: string, number: string) =>
    fetch(`${url}/api/relay/rest/imported_phone_numbers`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ number, number_type: 'longcode' }),
    });

  test('the whole operator flow: space, project, token, import, Partner API off, revoke', async () => {
    const space = await cli(env, 'spaces', 'create', '--name', 'acme', '--json');
    assert.equal(space.code, 0, space.err);
    const [s] = space.json();
    assert.equal(s.name, 'acme');
    assert.equal(s.partner_api, 'on');

    const project = await cli(env, 'projects', 'create', '--space', 'acme', '--name', 'voice-platform', '--json');
    assert.equal(project.code, 0, project.err);
    const [p] = project.json();
    assert.equal(p.space_id, s.id);

    const token = await cli(env, 'tokens', 'create', '--project', p.id, '--scopes', 'numbers,messaging', '--name', 'ci', '--json');
    assert.equal(token.code, 0, token.err);
    const [t] = token.json();
    assert.match(t.secret, /^PT[0-9a-f]{48}$/);
    assert.equal(t.scopes, 'messaging,numbers');
    const auth = basic(p.id, t.secret);
    assert.equal((await importWith(auth, '+15550800800')).status, 201);

    const listed = await cli(env, 'tokens', 'list', '--project', p.id, '--json');
    assert.equal(listed.code, 0);
    assert.deepEqual(listed.json().map((x: { id: string }) => x.id), [t.id]);
    assert.ok(!listed.out.includes(t.secret), 'listing never shows a secret');

    const off = await cli(env, 'spaces', 'update', 'acme', '--partner-api', 'off');
    assert.equal(off.code, 0, off.err);
    const refused = await importWith(auth, '+15550800801');
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).errors[0].code, 'partner_api_disabled');
    assert.equal((await cli(env, 'spaces', 'update', s.id, '--partner-api', 'on')).code, 0);

    const revoke = await cli(env, 'tokens', 'revoke', t.id);
    assert.equal(revoke.code, 0, revoke.err);
    assert.equal((await importWith(auth, '+15550800802')).status, 401);
    assert.equal((await cli(env, 'tokens', 'revoke', t.id)).code, 1, 'revoking twice reports failure');
  });

  test('tokens rotate: a new secret for the same token; the old one stops working', async () => {
    const [p] = (await cli(env, 'projects', 'create', '--space', 'acme', '--json')).json();
    const [t] = (await cli(env, 'tokens', 'create', '--project', p.id, '--scopes', 'numbers', '--json')).json();
    assert.equal((await importWith(basic(p.id, t.secret), '+15550800900')).status, 201);
    const rotated = await cli(env, 'tokens', 'rotate', t.id, '--json');
    assert.equal(rotated.code, 0, rotated.err);
    const [r] = rotated.json();
    assert.equal(r.id, t.id);
    assert.match(r.secret, /^PT[0-9a-f]{48}$/);
    assert.notEqual(r.secret, t.secret);
    assert.equal((await importWith(basic(p.id, t.secret), '+15550800901')).status, 401);
    assert.equal((await importWith(basic(p.id, r.secret), '+15550800901')).status, 201);
    const listed = (await cli(env, 'tokens', 'list', '--project', p.id, '--json')).json();
    assert.deepEqual(listed.map((x: { id: string; scopes: string }) => [x.id, x.scopes]), [[t.id, 'numbers']]);
    const audit = await run(['audit', '--project', p.id, '--json'], env, { out: () => {}, err: () => {} });
    assert.equal(audit, 0);
    assert.equal((await cli(env, 'tokens', 'revoke', t.id)).code, 0);
    assert.equal((await cli(env, 'tokens', 'rotate', t.id)).code, 1, 'a revoked token cannot be rotated back to life');
  });

  test('lists print tables by default', async () => {
    const spaces = await cli(env, 'spaces', 'list');
    assert.equal(spaces.code, 0);
    assert.match(spaces.out, /^id\s+name\s+partner_api\s+created_at/);
    const projects = await cli(env, 'projects', 'list', '--space', 'acme');
    assert.match(projects.out, /voice-platform/);
  });

  test('mistakes exit 2 with a message and the usage', async () => {
    const cases: [string[], RegExp][] = [
      [['spaces', 'create'], /--name is required/],
      [['spaces', 'explode'], /spaces takes create, list or update/],
      [['spaces', 'create', '--name', 'x', '--partner-api', 'maybe'], /--partner-api takes on or off/],
      [['tokens', 'create', '--project', crypto.randomUUID(), '--scopes', 'numbers'], /no project/],
      [['tokens', 'create', '--project', 'p', '--scopes', 'numbers,root'], /unknown scope\(s\): root/],
      [['projects', 'create', '--space', 'nowhere'], /no space "nowhere"/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['spaces', 'list', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(env, ...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, message, argv.join(' '));
      assert.match(r.err, /Usage: numberspace/);
    }
  });

  test('help prints the usage', async () => {
    const r = await cli(env, 'help');
    assert.equal(r.code, 0);
    assert.match(r.out, /tokens create --project <id> --scopes/);
  });
});
