import { defineConfig, type Plugin } from 'vite';

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
      return code.replace(/css`([^`]*)`/g, (_, body: string) => {
        const compact = body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{}:;,>])\s*/g, '$1')
          .replace(/;}/g, '}')
          .trim();
        return `css\`${compact}\``;
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

// The widget's script-tag bundle: one classic IIFE file with Lit inside and no exports (an
// IIFE with exports would claim a global name on the storefront's window). `--mode development`
// builds `reco-shelf.dev.js`: Lit's development build and the shelf's console warnings, unminified.
export default defineConfig(({ mode }) => {
  const dev = mode === 'development';
  return {
    plugins: [compactTemplates(!dev)],
    define: { __RECO_DEV__: JSON.stringify(dev) },
    resolve: { conditions: [dev ? 'development' : 'production', 'module', 'browser'] },
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
