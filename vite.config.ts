import { minify } from 'terser';
import { build, defineConfig, type Plugin, type Rollup, type UserConfig } from 'vite';

/**
 * Lit templates keep their source indentation through minification. Minified code has no
 * raw newlines outside template literals, so in the final minified chunk a newline plus indentation
 * is template whitespace, and one space renders the same (the shelf uses no `<pre>`).
 * CSS in `*.styles.ts` is one `css` literal without bindings, compacted at transform time.
 */
function compactTemplates(minified: boolean): Plugin {
  return {
    name: 'reco-shelf:compact-templates',
    transform(code, id) {
      if (!id.endsWith('.styles.ts')) return null;
      // The `css` tag only checks what is interpolated, and these sheets interpolate nothing:
      // `unsafeCSS` (which Lit carries anyway) makes the same sheet, and the tag's code drops out.
      const importCss = /import\s*\{\s*css\s*\}\s*from\s*(['"])lit\1;?/;
      if (!importCss.test(code) || code.includes('${')) {
        this.error(`${id}: expected an import of css from lit, and no interpolation`);
      }
      return code.replace(importCss, "import { unsafeCSS } from 'lit';").replace(/css`([^`]*)`/g, (_, body: string) => {
        const compact = body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{}:;,>])\s*/g, '$1')
          .replace(/;}/g, '}')
          // Shorter spellings of the same CSS: `!important`, `.35`, and the one-colon pseudo-elements.
          .replace(/ !important/g, '!important')
          .replace(/([:\s,(])0\.(\d)/g, '$1.$2')
          .replace(/::(before|after)\b/g, ':$1')
          .trim();
        return `unsafeCSS(\`${compact}\`)`;
      });
    },
    generateBundle(options, bundle) {
      // Unminified code (the development build) has newlines outside templates, and joining the
      // lines of a source-mapped build (widget/scripts/size-breakdown.ts) would break its map.
      if (!minified || options.sourcemap) return;
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk') file.code = file.code.replace(/\n\s*/g, ' ').replace(/> </g, '><');
      }
    },
  };
}

/**
 * A second minification, by terser, of the production chunks Vite's own minifier (Oxc) made:
 * three compress passes that may treat property reads as free of side effects take another
 * ~1.5 % off the gzip of the Oxc output (terser alone, instead of Oxc, does worse than either).
 * A source-mapped build (widget/scripts/size-breakdown.ts) gets its map carried through.
 */
function terserPass(): Plugin {
  return {
    name: 'reco-shelf:terser-pass',
    async generateBundle(options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const result = await minify(file.code, {
          ecma: 2022,
          module: options.format === 'es',
          compress: { passes: 3, pure_getters: true },
          sourceMap: file.map ? { content: JSON.stringify(file.map) } : false,
        });
        file.code = result.code!;
        if (file.map && typeof result.map === 'string') {
          const { mappings, sources, names } = JSON.parse(result.map) as Rollup.SourceMap;
          Object.assign(file.map, { mappings, sources, names });
        }
      }
    },
  };
}

/**
 * The second chunk (widget/reco-shelf/extras.ts): an ES module of its own, built beside the
 * script as `reco-shelf.extras.js` (`reco-shelf.dev.extras.js` for the development build) and
 * loaded with a dynamic `import()`, which a classic script may use. The IIFE format cannot split
 * code, so the chunk is a separate build emitted into this one, and the loader's
 * `import('./extras.ts')` (a plain module import in the browser tests) becomes an import of the
 * built file beside the script. The chunk imports nothing from the script: what both use is small
 * and copied (price formatting, URL checks, random ids).
 */
function extrasChunk(dev: boolean, shared: UserConfig): Plugin {
  const file = dev ? 'reco-shelf.dev.extras.js' : 'reco-shelf.extras.js';
  const load = "import('./extras.ts')";
  return {
    name: 'reco-shelf:extras-chunk',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/widget/reco-shelf/extras-loader.ts')) return null;
      if (!code.includes(load)) this.error(`extras-loader.ts no longer says ${load}`);
      // The replacement moves no other code: the source map stays as it is.
      return { code: code.replace(load, `import(/* @vite-ignore */ chunkUrl(${JSON.stringify(file)}))`), map: null };
    },
    async generateBundle() {
      const output = (await build({
        ...shared,
        configFile: false,
        logLevel: 'silent',
        plugins: dev ? [] : [terserPass()],
        build: {
          write: false,
          sourcemap: false,
          minify: !dev,
          // Not lib mode: Vite leaves a library's ES output unminified.
          rollupOptions: {
            input: 'widget/reco-shelf/extras.ts',
            preserveEntrySignatures: 'exports-only',
            output: { format: 'es', entryFileNames: file },
          },
        },
      })) as Rollup.RollupOutput | Rollup.RollupOutput[];
      const chunk = (Array.isArray(output) ? output[0]! : output).output.find(
        (o): o is Rollup.OutputChunk => o.type === 'chunk',
      )!;
      this.emitFile({ type: 'asset', fileName: file, source: chunk.code });
    },
  };
}

// The widget's script-tag bundle: one classic IIFE file with Lit inside and no exports (an
// IIFE with exports would claim a global name on the storefront's window). `--mode development`
// builds `reco-shelf.dev.js`: Lit's development build and the shelf's console warnings, unminified.
export default defineConfig(({ mode }) => {
  const dev = mode === 'development';
  const shared: UserConfig = {
    define: { __RECO_DEV__: JSON.stringify(dev) },
    resolve: { conditions: [dev ? 'development' : 'production', 'module', 'browser'] },
  };
  return {
    ...shared,
    plugins: [...(dev ? [] : [terserPass()]), compactTemplates(!dev), extrasChunk(dev, shared)],
    build: {
      outDir: 'dist',
      emptyOutDir: false,
      sourcemap: false,
      minify: !dev,
      lib: {
        entry: 'widget/index.ts',
        formats: ['iife'],
        name: 'RecoShelfBundle',
        fileName: () => (dev ? 'reco-shelf.dev.js' : 'reco-shelf.js'),
      },
    },
  };
});
