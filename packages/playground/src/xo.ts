import { evaluate, fit } from '@gradstream/core/train';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { DataLoader, synthetic } from '@gradstream/datasets';
import { lastValueFrom } from 'rxjs';
import { mapCanvas } from './tiles.js';

const SIZE = 9;

/**
 * The X-versus-O example of the classic "how CNNs work" slides: 9×9 images
 * of X and O, four 3×3 filters, max-pooling and one linear layer, trained
 * for a few epochs. Resolves with the held-out accuracy and shows the
 * learned filters (the slides' diagonal detectors) and some samples.
 */
export async function trainXo(view: HTMLElement): Promise<{ readonly accuracy: number; readonly seconds: number }> {
  const started = performance.now();
  const train = synthetic.xo({ size: SIZE, count: 512, seed: 1 });
  const test = synthetic.xo({ size: SIZE, count: 128, seed: 2 });
  const conv = new Conv2d(1, 4, 3);
  const model = new Sequential([conv, new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 2)]);
  const optimizer = adam(model.parameters(), { lr: 0.01 });
  try {
    await lastValueFrom(
      fit(model, { train: new DataLoader(train, { batchSize: 32, shuffle: true }), epochs: 8, optimizer }),
    );
    const result = await evaluate(model, new DataLoader(test, { batchSize: 128 }));
    const filters = conv.weight.dataSync();
    view.replaceChildren(
      ...Array.from({ length: 6 }, (_, i) =>
        mapCanvas(test.get(i).image, SIZE, SIZE, `sample ${i}: ${test.classes[test.get(i).label]}`),
      ),
      ...Array.from({ length: 4 }, (_, k) =>
        mapCanvas(filters.subarray(k * 9, k * 9 + 9), 3, 3, `learned filter ${k + 1}`),
      ),
    );
    return { accuracy: result.accuracy ?? Number.NaN, seconds: (performance.now() - started) / 1000 };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
