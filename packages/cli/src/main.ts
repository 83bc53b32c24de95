#!/usr/bin/env node
import '@gradstream/backend-cpu';
import { HORIZONTAL_EDGE, VERTICAL_EDGE, edgeMap, formatMap, squareImage } from './edges.js';

function edges(): void {
  const six = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
  console.log('6×6 image (10s then 0s) ⋆ vertical-edge kernel [[1,0,-1]]×3:');
  console.log(formatMap(edgeMap(six, VERTICAL_EDGE)));
  const square = squareImage(12);
  console.log('\n12×12 bright square ⋆ vertical-edge kernel:');
  console.log(formatMap(edgeMap(square, VERTICAL_EDGE)));
  console.log('\n12×12 bright square ⋆ horizontal-edge kernel:');
  console.log(formatMap(edgeMap(square, HORIZONTAL_EDGE)));
}

const [command = 'edges'] = process.argv.slice(2);
if (command === 'edges') edges();
else {
  console.error(`gradstream: unknown command '${command}' (try: edges)`);
  process.exit(2);
}
