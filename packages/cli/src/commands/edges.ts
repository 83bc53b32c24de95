import '@gradstream/backend-cpu';
import type { CommandContext } from '../program/context.js';
import { HORIZONTAL_EDGE, VERTICAL_EDGE, edgeMap, formatMap, squareImage } from '../demos/edges.js';

/** `gradstream edges`: the classic edge-detection demo on a 6×6 step and a 12×12 square. */
export function edgesCommand(ctx: CommandContext): void {
  const six = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
  const square = squareImage(12);
  ctx.stdout.write(
    `${[
      '6×6 image (10s then 0s) ⋆ vertical-edge kernel [[1,0,-1]]×3:',
      formatMap(edgeMap(six, VERTICAL_EDGE)),
      '',
      '12×12 bright square ⋆ vertical-edge kernel:',
      formatMap(edgeMap(square, VERTICAL_EDGE)),
      '',
      '12×12 bright square ⋆ horizontal-edge kernel:',
      formatMap(edgeMap(square, HORIZONTAL_EDGE)),
    ].join('\n')}\n`,
  );
}
