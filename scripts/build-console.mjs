#!/usr/bin/env node
// Builds the web console: console/src/main.tsx (Preact) and its CSS bundled by esbuild into
// dist/console/assets under content-hashed names, and dist/console/index.html written from
// console/index.html with those names put in. dist/console is emptied first, so no stale
// asset stays behind. Exits non-zero on any error.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'console');
const out = join(root, 'dist', 'console');
const assets = join(out, 'assets');

async function build() {
  const started = performance.now();
  await rm(out, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });

  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { console: join(source, 'src', 'main.tsx') },
    outdir: assets,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    splitting: true,
    assetNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(source, 'tsconfig.json'),
    sourcemap: 'linked',
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'silent',
  });
  for (const warning of result.warnings) console.warn(`build-console: warning: ${warning.text}`);

  // The entry's script and the CSS it imports, by their hashed names (modules it imports
  // on demand, such as the CSV parser, are chunks beside it).
  let js;
  let css;
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint !== 'console/src/main.tsx') continue;
    js = basename(file);
    if (meta.cssBundle !== undefined) css = basename(meta.cssBundle);
  }
  if (js === undefined || css === undefined) throw new Error('esbuild produced no script or no stylesheet for console/src/main.tsx');

  const iconBody = await readFile(join(source, 'icon.svg'));
  const icon = `icon-${createHash('sha256').update(iconBody).digest('hex').slice(0, 8).toUpperCase()}.svg`;
  await writeFile(join(assets, icon), iconBody);

  const names = { JS: js, CSS: css, ICON: icon };
  const template = await readFile(join(source, 'index.html'), 'utf8');
  const html = template.replace(/%([A-Z]+)%/g, (whole, key) => {
    const name = names[key];
    if (name === undefined) throw new Error(`console/index.html: unknown placeholder ${whole}`);
    return name;
  });
  for (const key of Object.keys(names)) {
    if (!template.includes(`%${key}%`)) throw new Error(`console/index.html has no %${key}% placeholder`);
  }
  await writeFile(join(out, 'index.html'), html);

  // The bundle carries code of the packages it imports: their licences go beside it.
  const packages = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) packages.add(m[1]);
  }
  const notices = [];
  for (const name of [...packages].sort()) {
    const dir = join(root, 'node_modules', name);
    const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file === undefined ? '(no licence file in the package)' : (await readFile(join(dir, file), 'utf8')).trim();
    notices.push(`${name}@${version}\n\n${text}\n`);
  }
  await writeFile(join(out, 'THIRD-PARTY-LICENSES.txt'), `The console bundle in assets/ includes these packages.\n\n${notices.join('\n----\n\n')}`);

  const ms = Math.round(performance.now() - started);
  console.log(`build-console: ${relative(root, out)} (${js}, ${css}, ${icon}) in ${ms} ms`);
}

try {
  await build();
} catch (error) {
  const messages = error?.errors;
  if (Array.isArray(messages) && messages.length > 0) {
    const formatted = await esbuild.formatMessages(messages, { kind: 'error', color: false });
    process.stderr.write(formatted.join(''));
  } else {
    console.error(`build-console: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
