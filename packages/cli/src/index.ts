export { edgeMap, formatMap, squareImage, VERTICAL_EDGE, HORIZONTAL_EDGE } from './edges.js';
