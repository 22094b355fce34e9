// Publishes <reco-shelf>'s API (from the JSDoc block on the class) as custom-elements.json.

/**
 * The analyzer reads `static properties` but not `state: true`, so it lists internal
 * reactive state as attributes; and it takes the `emit(name, …)` helper's variable for an
 * event called "name". Keep only what the class's JSDoc documents.
 */
function keepDocumentedApi() {
  return {
    name: 'reco-shelf:keep-documented-api',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const decl of mod.declarations ?? []) {
          if (!decl.customElement) continue;
          const privateNames = new Set((decl.members ?? []).filter((m) => m.privacy === 'private').map((m) => m.name));
          decl.attributes = (decl.attributes ?? []).filter((a) => !privateNames.has(a.fieldName));
          decl.members = (decl.members ?? []).filter((m) => m.privacy !== 'private' && !m.name.startsWith('#'));
          decl.events = (decl.events ?? []).filter((e) => e.name.startsWith('reco-'));
        }
      }
    },
  };
}

export default {
  globs: ['widget/index.ts', 'widget/reco-shelf/reco-shelf.ts'],
  exclude: ['**/*.test.ts'],
  outdir: '.',
  litelement: true,
  plugins: [keepDocumentedApi()],
};
