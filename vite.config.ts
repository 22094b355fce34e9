import { defineConfig, type Plugin } from 'vite';

/**
 * Lit templates keep their source indentation through minification. Minified code has no
 * raw newlines outside template literals, so in the final chunk a newline plus indentation
 * is template whitespace, and one space renders the same (the shelf uses no `<pre>`).
 * CSS in `*.styles.ts` is one `css` literal without bindings, compacted at transform time.
 */
function compactTemplates(): Plugin {
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
    generateBundle(_, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk') file.code = file.code.replace(/\n\s*/g, ' ').replace(/> </g, '><');
      }
    },
  };
}

// The widget's script-tag bundle: one classic IIFE file with Lit inside and no exports (an
// IIFE with exports would claim a global name on the storefront's window).
export default defineConfig({
  plugins: [compactTemplates()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: false,
    lib: {
      entry: 'widget/index.ts',
      formats: ['iife'],
      name: 'RecoShelfBundle',
      fileName: () => 'reco-shelf.js',
    },
  },
});
