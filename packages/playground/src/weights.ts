import {
  downloadWeights,
  loadWeightsFromBlob,
  loadWeightsFromIndexedDB,
  saveWeightsToIndexedDB,
} from '@gradstream/models';
import type { LeNet5 } from '@gradstream/models';

/** The file name a download gets, and the key in IndexedDB. */
const NAME = 'lenet5-mnist';

/** What `gradstream eval` reads from the safetensors header to rebuild the model without flags. */
const METADATA = { model: 'lenet5', dataset: 'mnist', input: '1x28x28', classes: '10' } as const;

/** Save and load buttons: a .safetensors download (the CLI's format), IndexedDB, or a chosen file. */
export function weightsButtons(root: HTMLElement, model: () => Promise<LeNet5>, loaded: (what: string) => void): void {
  const status = root.querySelector<HTMLElement>('#weights-status')!;
  const guard = (what: string, work: (m: LeNet5) => Promise<void> | void) => async () => {
    try {
      await work(await model());
      status.textContent = what;
    } catch (e) {
      status.textContent = `${what} failed: ${(e as Error).message}`;
    }
  };
  root.querySelector('#save-file')!.addEventListener(
    'click',
    guard(`downloaded ${NAME}.safetensors`, (m) => downloadWeights(m, `${NAME}.safetensors`, METADATA)),
  );
  root.querySelector('#save-browser')!.addEventListener(
    'click',
    guard('saved in this browser (IndexedDB)', (m) => saveWeightsToIndexedDB(m, NAME, { metadata: METADATA })),
  );
  root.querySelector('#load-browser')!.addEventListener(
    'click',
    guard('loaded from this browser (IndexedDB)', async (m) => {
      await loadWeightsFromIndexedDB(m, NAME);
      loaded('IndexedDB');
    }),
  );
  const input = root.querySelector<HTMLInputElement>('#load-file')!;
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file)
      void guard(`loaded ${file.name}`, async (m) => {
        await loadWeightsFromBlob(m, file);
        loaded(file.name);
      })();
  });
}
