import { type Tensor, conv2d, flatten, noGrad, softmax, tensor, tidy } from '@gradstream/core';
import type { Conv2d } from '@gradstream/core/nn';
import type { Dataset } from '@gradstream/datasets';
import type { LeNet5 } from '@gradstream/models';
import { standardizeImages } from './data.js';
import { mapCanvas, probabilityBars } from './tiles.js';

/** The classic hand-designed 3×3 edge detectors (Sobel), to set beside what the first layer learns. */
export const DESIGNED_KERNELS = [
  { name: 'vertical edges', values: [-1, 0, 1, -2, 0, 2, -1, 0, 1] },
  { name: 'horizontal edges', values: [-1, -2, -1, 0, 0, 0, 1, 2, 1] },
] as const;

/** The features stages the view shows, by index into `model.features`: each conv (after its ReLU) and each pool. */
const STAGES = [
  { after: 1, label: 'conv 1 (6 maps) + ReLU' },
  { after: 2, label: 'max-pool 1' },
  { after: 4, label: 'conv 2 (16 maps) + ReLU' },
  { after: 5, label: 'max-pool 2' },
] as const;

interface Snapshot {
  readonly input: Float32Array;
  readonly stages: readonly {
    readonly label: string;
    readonly data: Float32Array;
    readonly shape: readonly number[];
  }[];
  readonly probabilities: Float32Array;
  readonly filters: Float32Array;
  readonly designedMaps: readonly Float32Array[];
}

/** Runs one image through the network, keeping each stage's output as plain arrays (no tensor outlives it). */
function snapshot(model: LeNet5, image: Float32Array): Snapshot {
  const x = standardizeImages(image.slice());
  return noGrad(() =>
    tidy(() => {
      const layers = model.features.children();
      const stages: Snapshot['stages'][number][] = [];
      let h: Tensor = tensor(x, [1, 1, 28, 28]);
      const input = h;
      layers.forEach((layer, k) => {
        h = layer.call(h);
        const stage = STAGES.find((s) => s.after === k);
        if (stage) stages.push({ label: stage.label, data: Float32Array.from(h.dataSync()), shape: h.shape.slice(1) });
      });
      const logits = model.classifier.call(flatten(h, 1));
      const designedMaps = DESIGNED_KERNELS.map((k) =>
        Float32Array.from(conv2d(input, tensor([...k.values], [1, 1, 3, 3]), { padding: 1 }).dataSync()),
      );
      const conv = layers[0] as Conv2d;
      return {
        input: image,
        stages,
        probabilities: Float32Array.from(softmax(logits).dataSync()),
        filters: Float32Array.from(conv.weight.dataSync()),
        designedMaps,
      };
    }),
  );
}

function column(title: string, children: HTMLElement[], className = 'maps'): HTMLElement {
  const col = document.createElement('figure');
  col.className = 'stage';
  const grid = document.createElement('div');
  grid.className = className;
  grid.append(...children);
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  col.append(caption, grid);
  return col;
}

function maps(data: Float32Array, [c, h, w]: readonly number[], label: string): HTMLCanvasElement[] {
  return Array.from({ length: c! }, (_, k) =>
    mapCanvas(data.subarray(k * h! * w!, (k + 1) * h! * w!), h!, w!, `${label}, map ${k + 1}`),
  );
}

/**
 * The network layer by layer for one test image, as CNN Explainer draws
 * it: the input, each conv's feature maps, the pooled maps and the class
 * probabilities; and the first layer's learned 5×5 filters beside the
 * designed edge detectors, each with its response to the same input.
 */
export function renderLayers(
  network: HTMLElement,
  filters: HTMLElement,
  model: LeNet5,
  test: Dataset,
  index: number,
): void {
  const { image, label } = test.get(index);
  const s = snapshot(model, image);
  const bars = document.createElement('ol');
  bars.className = 'bars';
  bars.start = 0;
  probabilityBars(bars, Array.from(s.probabilities), test.classes);
  network.replaceChildren(
    column(`input (label ${label})`, [mapCanvas(s.input, 28, 28, 'input')]),
    ...s.stages.map((st) => column(st.label, maps(st.data, st.shape, st.label))),
    column('class probabilities', [bars], 'probabilities'),
  );
  const conv1 = s.stages[0]!;
  filters.replaceChildren(
    column('learned 5×5 filters', maps(s.filters, [6, 5, 5], 'learned filter')),
    column('their maps (after ReLU)', maps(conv1.data, conv1.shape, 'learned map')),
    column(
      'designed 3×3 kernels',
      DESIGNED_KERNELS.map((k) => mapCanvas(k.values, 3, 3, k.name)),
    ),
    column(
      'their maps',
      s.designedMaps.map((m, k) => mapCanvas(m, 28, 28, DESIGNED_KERNELS[k]!.name)),
    ),
  );
}
