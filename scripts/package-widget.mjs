// Turns trunk's output into what ships: one `freebusy.js` (the loader of www/loader.js
// bundled with wasm-bindgen's glue and its snippets, minified) beside one
// content-hashed `freebusy-<hash>.wasm`, so that a page needs one tag from any path or
// CDN; their brotli and gzip forms (served as they are by `freebusy-server
// --widget-dir`); `integrity.json` with their SHA-384 hashes for `integrity=`
// attributes; and the npm package's manifest, types and README. trunk's own glue, wasm
// and snippets are removed: the directory holds exactly what a page may load, and the
// demo page (index.html) loads the widget with the one tag.
//
// Runs as trunk's post_build hook (Trunk.toml; TRUNK_STAGING_DIR), or by hand:
//   node scripts/package-widget.mjs DIR
// Env: FREEBUSY_TOOLS  where scripts/setup.sh installed esbuild (~/.cache/freebusy/tools)

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const dir = resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist');
const tools = process.env.FREEBUSY_TOOLS ?? join(process.env.HOME, '.cache/freebusy/tools');
const esbuild = createRequire(join(tools, 'node_modules', '/'))('esbuild');

const fail = (message) => {
  console.error(`package-widget: ${message}`);
  process.exit(1);
};

const names = readdirSync(dir);
const glue = names.find((name) => /^freebusy-[0-9a-f]+\.js$/.test(name));
const builtWasm = names.find((name) => /^freebusy-[0-9a-f]+_bg\.wasm$/.test(name));
if (!glue || !builtWasm) fail(`${dir} has no trunk build of the widget (freebusy-<hash>.js and _bg.wasm)`);

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const wasmBytes = readFileSync(join(dir, builtWasm));
const wasmName = `freebusy-${createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16)}.wasm`;

// The loader and the glue (with its snippets) as one minified module.
const bundled = await esbuild.build({
  entryPoints: [join(root, 'www/loader.js')],
  alias: { 'freebusy-glue': join(dir, glue) },
  bundle: true,
  format: 'esm',
  minify: true,
  legalComments: 'none',
  target: ['es2020'],
  write: false,
  logLevel: 'warning',
});
let loader = bundled.outputFiles[0].text;
for (const [placeholder, value] of [
  ['__FREEBUSY_WASM__', `./${wasmName}`],
  ['__FREEBUSY_INTEGRITY__', sri(wasmBytes)],
]) {
  if (!loader.includes(placeholder)) fail(`the bundled loader lost its ${placeholder}`);
  loader = loader.replaceAll(placeholder, value);
}

// Only what ships stays.
rmSync(join(dir, glue));
rmSync(join(dir, builtWasm));
rmSync(join(dir, 'snippets'), { recursive: true, force: true });
for (const name of names.filter((name) => /^freebusy-[0-9a-f]+(_bg)?\.(wasm|js)(\.br|\.gz)?$|^freebusy\.js(\.br|\.gz)?$/.test(name))) {
  rmSync(join(dir, name), { force: true });
}

const integrity = {};
for (const [name, bytes] of [
  ['freebusy.js', Buffer.from(loader)],
  [wasmName, wasmBytes],
]) {
  writeFileSync(join(dir, name), bytes);
  writeFileSync(
    join(dir, `${name}.br`),
    brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
  );
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  integrity[name] = sri(bytes);
}
writeFileSync(join(dir, 'integrity.json'), `${JSON.stringify(integrity, null, 2)}\n`);

// The demo page: no trunk preload of the files just removed.
const page = join(dir, 'index.html');
try {
  const html = readFileSync(page, 'utf8').replace(/<link[^>]*freebusy-[0-9a-f]+(_bg\.wasm|\.js)[^>]*>\s*/g, '');
  writeFileSync(page, html);
} catch {
  // A directory without the demo page is fine.
}

// The npm package: `npm pack` in this directory.
const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)?.[1] ?? '0.0.0';
const manifest = {
  name: 'freebusy-scheduler',
  version,
  description: 'An embeddable week-grid scheduling widget: see when people are free, and book a slot.',
  license: 'MIT OR Apache-2.0',
  type: 'module',
  main: './freebusy.js',
  types: './freebusy.d.ts',
  exports: {
    '.': { types: './freebusy.d.ts', default: './freebusy.js' },
    './freebusy.wasm': `./${wasmName}`,
    './integrity.json': './integrity.json',
  },
  files: ['freebusy.js', 'freebusy.d.ts', wasmName, 'integrity.json', 'README.md'],
  sideEffects: true,
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(join(dir, 'freebusy.d.ts'), readFileSync(join(root, 'www/freebusy.d.ts')));
writeFileSync(join(dir, 'README.md'), readFileSync(join(root, 'www/npm-README.md')));

console.log(`package-widget: ${dir}/freebusy.js + ${wasmName} (${integrity['freebusy.js']})`);
