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
export {
  sizeOf,
  stridesOf,
  broadcastShapes,
  broadcastStrides,
  planStrided,
  RowCursor,
  toRank3,
  window3,
  type StridedPlan,
  type Dims3,
  type Window3,
} from './layout.js';
export { binaryRow, binaryOutputDType } from './binary-row.js';
