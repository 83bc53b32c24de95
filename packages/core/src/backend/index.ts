export type * from './contract.js';
export type * from './types.js';
export {
  registerBackend,
  setBackend,
  getBackend,
  getBackendName,
  listBackends,
  initBackend,
  findBackend,
} from './registry.js';
