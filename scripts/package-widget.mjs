// Turns trunk's output into what ships: one `freebusy.js` (the loader of www/loader.js
// bundled with wasm-bindgen's glue and its snippets, minified) beside one
// content-hashed `freebusy-<hash>.wasm`, so that a page needs one tag from any path or
// CDN; their brotli and gzip forms (served as they are by `freebusy-server
// --widget-dir`); `integrity.json` with their SHA-384 hashes for `integrity=`
// attributes; and the npm package's manifest, types and README. trunk's own glue, wasm
// and snippets are removed: the directory holds exactly what a page may load, and the
// demo page (index.html) loads the widget with the one tag.
//
//
// It also drops what no page can reach, which wasm-opt alone cannot: wasm-bindgen exports
// every `#[wasm_bindgen]` struct of every dependency (leptos 0.8's server_fn brings
// wasm-streams' `IntoUnderlying*`), and keeps their glue classes alive. The glue's
// classes that the wasm never constructs are made removable for esbuild's tree-shaking;
// then every wasm export that the bundled JavaScript does not name is removed from the
// export section, and wasm-opt (here, not trunk: index.html sets data-wasm-opt="0")
// removes the code only those exports reached. The step fails, rather than ship a
// widget that cannot start, if the glue and the wasm disagree.
//
// Runs as trunk's post_build hook (Trunk.toml; TRUNK_STAGING_DIR, TRUNK_PROFILE), or by
// hand on a trunk build (optimised unless TRUNK_PROFILE=debug):
//   node scripts/package-widget.mjs DIR
// Env: FREEBUSY_TOOLS  where scripts/setup.sh installed esbuild and binaryen's wasm-opt
//                      (~/.cache/freebusy/tools)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const dir = resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist');
const tools = process.env.FREEBUSY_TOOLS ?? join(process.env.HOME, '.cache/freebusy/tools');
const esbuild = createRequire(join(tools, 'node_modules', '/'))('esbuild');
const wasmOpt = join(tools, 'node_modules', '.bin', 'wasm-opt');
const optimise = process.env.TRUNK_PROFILE !== 'debug';
// The features rustc emits for wasm32 (binaryen 132 from npm; Debian's 108 breaks the
// externref table: /work/shared/guide/toolchain.md).
const wasmFeatures = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];

const fail = (message) => {
  console.error(`package-widget: ${message}`);
  process.exit(1);
};

const names = readdirSync(dir);
const glue = names.find((name) => /^freebusy-[0-9a-f]+\.js$/.test(name));
const builtWasm = names.find((name) => /^freebusy-[0-9a-f]+_bg\.wasm$/.test(name));
if (!glue || !builtWasm) fail(`${dir} has no trunk build of the widget (freebusy-<hash>.js and _bg.wasm)`);

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const builtBytes = readFileSync(join(dir, builtWasm));

// The glue with its unreachable classes removable: a class the wasm never hands to JS
// (no `Class.__wrap`) is reachable only through the glue's module exports, which the
// loader does not import; its `Symbol.dispose` assignment is the one statement that
// keeps esbuild from dropping it, and a `FinalizationRegistry` made at load is pure.
let glueText = readFileSync(join(dir, glue), 'utf8');
for (const [, name] of glueText.matchAll(/^export class (\w+) \{/gm)) {
  if (glueText.includes(`${name}.__wrap`)) continue;
  glueText = glueText.replace(`if (Symbol.dispose) ${name}.prototype[Symbol.dispose] = ${name}.prototype.free;`, '');
}
glueText = glueText.replaceAll('new FinalizationRegistry(', '/* @__PURE__ */ new FinalizationRegistry(');
const shakenGlue = join(dir, `shaken-${glue}`); // beside the glue: it imports ./snippets/…
writeFileSync(shakenGlue, glueText);

// The loader and the glue (with its snippets) as one module: minified to ship, and once
// readable to see which wasm exports the glue calls (`wasm.name`).
const bundle = async (minify) =>
  (
    await esbuild.build({
      entryPoints: [join(root, 'www/loader.js')],
      alias: { 'freebusy-glue': shakenGlue },
      bundle: true,
      format: 'esm',
      minify,
      legalComments: 'none',
      target: ['es2020'],
      write: false,
      logLevel: 'warning',
    })
  ).outputFiles[0].text;
let loader;
let readable;
try {
  [loader, readable] = [await bundle(true), await bundle(false)];
} finally {
  rmSync(shakenGlue, { force: true });
}

// The wasm without the exports no page can call, optimised.
const exportsOf = (bytes) => WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
const importsOf = (bytes) => WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
const builtExports = exportsOf(builtBytes);
const called = new Set([...readable.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]));
if (!called.has('__wbindgen_start') || !called.has('memory')) {
  fail("the glue no longer calls the wasm as `wasm.name` (no wasm.__wbindgen_start or wasm.memory): update this script's export pruning");
}
const missing = [...called].filter((name) => !builtExports.includes(name));
if (missing.length) fail(`the glue calls wasm exports the wasm lacks: ${missing.join(', ')}`);
// Kept: every export whose name the shipped bundle mentions anywhere (property names
// survive minification), which includes all it calls.
const mentions = (name) => new RegExp(`(?<![\\w$])${name.replaceAll('$', '\\$')}(?![\\w$])`).test(loader);
const kept = builtExports.filter(mentions);
const dropped = builtExports.filter((name) => !kept.includes(name));
let wasmBytes = withoutExports(builtBytes, new Set(dropped));
if (optimise) {
  const work = mkdtempSync(join(tmpdir(), 'package-widget-'));
  try {
    writeFileSync(join(work, 'in.wasm'), wasmBytes);
    // The producers and target-features sections are for tools; no browser reads them.
    const args = ['-Oz', '--strip-producers', '--strip-target-features', ...wasmFeatures];
    execFileSync(wasmOpt, [...args, join(work, 'in.wasm'), '-o', join(work, 'out.wasm')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    wasmBytes = readFileSync(join(work, 'out.wasm'));
  } catch (error) {
    fail(`wasm-opt (${wasmOpt}) failed: ${error.message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const lost = kept.filter((name) => !exportsOf(wasmBytes).includes(name));
if (lost.length) fail(`the packaged wasm lost exports the glue names: ${lost.join(', ')}`);
const builtImports = new Set(importsOf(builtBytes));
const extra = importsOf(wasmBytes).filter((name) => !builtImports.has(name));
if (extra.length) fail(`the packaged wasm imports what the glue does not provide: ${extra.join(', ')}`);
console.log(`package-widget: ${dropped.length} wasm exports no page can call removed (${dropped.join(', ')})`);

const wasmName = `freebusy-${createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16)}.wasm`;
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

/** `bytes` (a wasm module) with the exports named in `drop` left out of its export section. */
function withoutExports(bytes, drop) {
  const leb = (at) => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return [value, at];
  };
  const encode = (value) => {
    const out = [];
    do {
      let byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value) byte |= 0x80;
      out.push(byte);
    } while (value);
    return Buffer.from(out);
  };
  const parts = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(at + 1);
    const end = body + size;
    if (id === 7) {
      const [count, first] = leb(body);
      const entries = [];
      let entry = first;
      for (let i = 0; i < count; i++) {
        const [length, name] = leb(entry);
        const [, next] = leb(name + length + 1); // name, kind byte, index
        if (!drop.has(bytes.subarray(name, name + length).toString('utf8'))) entries.push(bytes.subarray(entry, next));
        entry = next;
      }
      if (entry !== end) fail('the wasm export section did not parse');
      const section = Buffer.concat([encode(entries.length), ...entries]);
      parts.push(Buffer.from([7]), encode(section.length), section);
    } else {
      parts.push(bytes.subarray(at, end));
    }
    at = end;
  }
  const out = Buffer.concat(parts);
  const left = exportsOf(out);
  if (left.some((name) => drop.has(name)) || left.length !== exportsOf(bytes).filter((name) => !drop.has(name)).length) {
    fail('removing wasm exports went wrong');
  }
  return out;
}
