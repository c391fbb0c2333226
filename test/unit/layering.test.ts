import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module a file names: static and dynamic imports, re-exports, and worker entry URLs. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|new URL\(\s*[`']([^`'$]+)/g)) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

/** The src-relative folder a relative specifier lands in; null for packages and node built-ins. */
function landsIn(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return relative(SRC, resolve(dirname(file), specifier));
}

function violations(folder: string, allowed: readonly string[], allowPackages: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of sources(join(SRC, folder))) {
    for (const s of specifiers(file)) {
      const target = landsIn(file, s);
      const ok = target === null ? allowPackages(s) : allowed.some((a) => target === a || target.startsWith(`${a}/`));
      if (!ok) out.push(`${relative(SRC, file)} imports ${s}`);
    }
  }
  return out;
}

test('the checker sees imports of every form', () => {
  // A check that finds nothing because it reads nothing would pass forever.
  const writer = join(SRC, 'storage/sqlite/writer.ts');
  const found = specifiers(writer);
  assert.ok(found.includes('./phone-number-writes.js'), `static import missing from ${found.join(', ')}`);
  assert.ok(found.some((s) => s.startsWith('./writer-thread')), 'the worker entry URL is read');
  assert.ok(sources(join(SRC, 'storage')).length >= 10);
});

test('storage is the floor: nothing under src/storage imports from outside src/storage and src/domain', () => {
  assert.deepEqual(violations('storage', ['storage', 'domain'], () => true), []);
});

test('the domain is framework-free: it imports only itself and libphonenumber-js', () => {
  assert.deepEqual(violations('domain', ['domain'], (name) => name.startsWith('libphonenumber-js') || name.startsWith('node:')), []);
});

test('migrations never call application code: they import only kysely and each other', () => {
  assert.deepEqual(violations('storage/migrations', ['storage/migrations'], (name) => name === 'kysely'), []);
});

test('services know no surface: src/numbers imports neither Fastify nor a surface', () => {
  assert.deepEqual(violations('numbers', ['numbers', 'domain', 'storage', 'auth'], (name) => name.startsWith('node:')), []);
});
