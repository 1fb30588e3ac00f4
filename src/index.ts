// Public entry. The <web-vm> element arrives with its issue; for now the
// package exports the VM core, which runs in a worker or in Node.
export const version = '0.1.0';
export * from './vm/index.js';
