export { xo } from './xo.js';
export { edges, type EdgesOptions } from './edges.js';
export type { SyntheticOptions } from './options.js';
