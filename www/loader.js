// The widget's one file. As `<script type="module" src=".../freebusy.js">` it loads the
// wasm that sits beside it (from any path or CDN), which defines <freebusy-scheduler>
// and `window.freebusy.mount`. As the npm package it exports `load()` and `mount()`.
//
// scripts/package-widget.mjs bundles this with wasm-bindgen's glue into freebusy.js and
// fills in the wasm's name and its integrity hash: the wasm is fetched with that hash,
// so an `integrity=` attribute on the script tag vouches for everything the page runs.
import init from 'freebusy-glue';

let loading;

/**
 * Loads the widget once: the wasm beside this file, or at `wasm` (a URL, e.g. where a
 * bundler copied it). Resolves to `window.freebusy` once `<freebusy-scheduler>` works.
 */
export function load(wasm) {
  loading ??= (async () => {
    const url = wasm ? new URL(wasm, document.baseURI) : new URL('__FREEBUSY_WASM__', import.meta.url);
    try {
      await init({ module_or_path: fetch(url, { integrity: '__FREEBUSY_INTEGRITY__' }) });
    } catch (error) {
      console.error(`freebusy: could not load the widget from ${url}: ${error}`);
      throw error;
    }
    return window.freebusy;
  })();
  return loading;
}

/**
 * Mounts the widget in `element` with `options` (attribute names or camelCase keys);
 * resolves to a handle with `update(options)` and `destroy()`.
 */
export async function mount(element, options) {
  return (await load()).mount(element, options);
}

// The one-tag embed needs no call; an importer that wants another wasm URL calls
// `load(url)` in its own first turn, before this runs.
queueMicrotask(() => load().catch(() => {}));
