// Bundles the sidecar into dist/bundle/: csi-snapshotter.mjs plus the chunks that only a
// kubeconfig with an exec or OIDC credential plugin loads. The bundle is the runtime: the image,
// bin/csi-snapshotter, the integration and e2e suites and the bench all run it, so no
// node_modules ships (measured in bench/REPORT.md: the runtime shrank from ~40 MB of
// node_modules + dist to ~3 MB, and start-up parses one file instead of ~400).
//   node esbuild.config.mjs          (npm run build runs it after tsc)
// Why each option:
//   splitting      dynamic imports (OIDC, exec auth) become chunks that load only when used;
//   banner         CommonJS dependencies call require() for Node built-ins, which an ES module
//                  does not have;
//   minify syntax + whitespace, not identifiers: class and function names stay readable in
//                  stack traces and logs;
//   legal comments kept at the end of each file (licences of the bundled packages).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { 'csi-snapshotter': 'src/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'eof',
  banner: { js: "import { createRequire as __csiCreateRequire } from 'node:module'; const require = __csiCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
