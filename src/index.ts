// Public browser entry: defines <web-vm> (guarded) and exports its class and
// types. The VM core for workers and Node is `web-vm/vm` (src/vm/index.ts).
export const version = '0.1.0';
export * from './element/web-vm.js';
