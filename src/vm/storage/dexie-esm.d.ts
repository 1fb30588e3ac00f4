// Dexie's real ES module. The package's "import" entry (import-wrapper.mjs)
// wraps the UMD build, which a browser loading modules unbundled (the test
// dev server, a page importing build/ output) cannot import; dist/dexie.mjs
// is the same library as plain ESM. Types are the package's own.
declare module 'dexie/dist/dexie.mjs' {
  export * from 'dexie';
}
