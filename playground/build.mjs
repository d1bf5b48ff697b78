// Bundles the playground into dist/ with fixed file names:
//   dist/index.html, dist/playground.js, dist/playground.css
// The chat server embeds these files with include_bytes! and serves them at
// /playground, /playground/playground.js and /playground/playground.css.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

// graphiql's stylesheet inlines Roboto and Fira Code as base64 data: URLs in
// every Google Fonts subset (cyrillic, greek, vietnamese, ...). Keep only the
// latin and latin-ext subsets; other scripts fall back to the system
// sans-serif / monospace fonts named in graphiql's font stacks. Saves ~200 KiB.
const KEEP_RANGES = ['U+0000-00FF', 'U+0100-024F'];
const trimFontSubsets = {
  name: 'trim-font-subsets',
  setup(b) {
    b.onLoad({ filter: /[\\/]graphiql[\\/]dist[\\/]style\.css$/ }, async (args) => {
      const css = await readFile(args.path, 'utf8');
      let kept = 0;
      const contents = css.replace(/@font-face\s*\{[^}]*\}/g, (rule) => {
        const m = rule.match(/unicode-range:\s*([^,;]+)/);
        if (!m || KEEP_RANGES.includes(m[1].trim())) {
          kept += 1;
          return rule;
        }
        return '';
      });
      if (kept === 0) throw new Error('trim-font-subsets: no @font-face rule kept; graphiql CSS layout changed?');
      return { contents, loader: 'css', resolveDir: dirname(args.path) };
    });
  },
};

await build({
  entryPoints: { playground: join(root, 'src', 'main.jsx') },
  outdir: dist,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'info',
  plugins: [trimFontSubsets],
  // Everything (including fonts, which graphiql inlines as data: URLs) ends up
  // in the two output files; nothing is loaded from the network at runtime.
  loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
});

await copyFile(join(root, 'src', 'index.html'), join(dist, 'index.html'));

const files = (await readdir(dist)).sort();
const expected = ['index.html', 'playground.css', 'playground.js'];
if (JSON.stringify(files) !== JSON.stringify(expected)) {
  throw new Error(`dist/ must contain exactly ${expected.join(', ')}; got ${files.join(', ')}`);
}
for (const f of files) {
  const { size } = await stat(join(dist, f));
  console.log(`${f.padEnd(16)} ${(size / 1024).toFixed(1)} KiB`);
}
