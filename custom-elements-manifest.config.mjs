// @custom-elements-manifest/analyzer config (`npm run analyze`): the element's
// public surface from its JSDoc (@attr, @fires, @csspart, @cssprop) and Lit's
// static properties. Lit's internal reactive state (`state: true`) is private
// and no attribute: the plugin drops what the analyzer lists for it anyway.
export default {
  globs: ['src/element/web-vm.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      name: 'web-vm-drop-private-state',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const d of mod.declarations ?? []) {
            if (!d.customElement) continue;
            const priv = new Set((d.members ?? []).filter((m) => m.privacy === 'private').map((m) => m.name));
            d.attributes = (d.attributes ?? []).filter((a) => !priv.has(a.fieldName));
            d.members = (d.members ?? []).filter((m) => m.privacy !== 'private');
          }
        }
      },
    },
  ],
};
