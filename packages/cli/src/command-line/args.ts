import type { ImageShape } from '@gradstream/datasets';
import { BACKEND_NAMES, type BackendChoice } from '../setup/backend.js';
import { DATASET_NAMES, datasetInfo, type DatasetName } from '../setup/datasets.js';
import { MODEL_NAMES, type ModelName } from '../setup/models.js';
import {
  OPTIMIZER_NAMES,
  SCHEDULE_NAMES,
  defaultLr,
  type OptimizerName,
  type ScheduleName,
} from '../setup/optimizers.js';
import { FIRST_LAYER_NAMES, type FirstLayerName } from '../setup/first-layer.js';
import { parseImageShape } from './image-shape.js';
import { UsageError } from './usage-error.js';

export { UsageError };

/** The commands, in the order help lists them. */
export const COMMAND_NAMES = ['train', 'eval', 'summary', 'export', 'bench', 'edges'] as const;

/** A command name. */
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Where the data comes from and where the model runs; shared by train and eval. */
export interface RunArgs {
  readonly model: ModelName;
  readonly dataset: DatasetName;
  readonly dataDir?: string;
  readonly backend: BackendChoice;
  readonly threads?: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly limit?: number;
}

/** `gradstream train`. */
export interface TrainArgs extends RunArgs {
  readonly epochs: number;
  readonly optimizer: OptimizerName;
  /** The peak learning rate when `schedule` is cosine. */
  readonly lr: number;
  readonly schedule: ScheduleName;
  /** What the first convolution starts from, and whether it trains. */
  readonly firstLayer: FirstLayerName;
  readonly out: string;
  /** Set by --profile: profile this many steps, print the kernel table and train no further. */
  readonly profile?: number;
}

/**
 * `gradstream eval`. Model and dataset are present only when given on the
 * command line: otherwise they come from the weights file's metadata.
 */
export interface EvalArgs extends Omit<RunArgs, 'model' | 'dataset'> {
  readonly model?: ModelName;
  readonly dataset?: DatasetName;
  readonly weights: string;
}

/**
 * `gradstream summary`. Without `dataset` and `input` the model is shown at
 * its own usual input size (ImageNet's 3×224×224 for the ImageNet models).
 */
export interface SummaryArgs {
  readonly model: ModelName;
  readonly dataset?: DatasetName;
  readonly input?: ImageShape;
}

/** `gradstream export`: model, dataset and input, when absent, come from the weights file's metadata. */
export interface ExportArgs {
  readonly weights: string;
  readonly format: 'onnx';
  readonly out: string;
  readonly opset: number;
  readonly model?: ModelName;
  readonly dataset?: DatasetName;
  readonly input?: ImageShape;
  readonly backend: BackendChoice;
}

/** A parsed, validated command line. */
export type Command =
  | { readonly kind: 'train'; readonly args: TrainArgs }
  | { readonly kind: 'eval'; readonly args: EvalArgs }
  | { readonly kind: 'summary'; readonly args: SummaryArgs }
  | { readonly kind: 'export'; readonly args: ExportArgs }
  | { readonly kind: 'bench'; readonly args: readonly string[] }
  | { readonly kind: 'edges' }
  | { readonly kind: 'version' }
  | { readonly kind: 'help'; readonly topic?: CommandName };

/** Defaults of train and eval; the README's main job is `train` with all of them. */
export const DEFAULTS = {
  dataset: 'mnist',
  backend: 'auto',
  epochs: 3,
  batchSize: 64,
  optimizer: 'adam',
  schedule: 'cosine',
  firstLayer: 'learned',
  seed: 0,
} as const;

const RUN_FLAGS = ['model', 'dataset', 'data-dir', 'backend', 'threads', 'batch-size', 'seed', 'limit'] as const;
/** Flags whose value may be left out, with the value they then take. */
const VALUE_WHEN_BARE: Readonly<Record<string, string>> = { profile: '5' };
const FLAGS: Readonly<Record<Exclude<CommandName, 'bench' | 'edges'>, readonly string[]>> = {
  train: [...RUN_FLAGS, 'epochs', 'optimizer', 'lr', 'schedule', 'first-layer', 'out', 'profile'],
  eval: [...RUN_FLAGS, 'weights'],
  summary: ['model', 'dataset', 'input'],
  export: ['weights', 'format', 'out', 'opset', 'model', 'dataset', 'input', 'backend'],
};

/**
 * Parses and validates a command line (without the node and script
 * arguments). Without a command (no arguments, or options only) it is
 * `train`, the README's main job. `now` names the default output directory.
 * @throws UsageError with a one-line message for anything invalid.
 *
 * @example
 * ```ts
 * parseArgs(['train', '--dataset', 'xo', '--epochs', '2']);
 * // { kind: 'train', args: { model: 'tiny', dataset: 'xo', epochs: 2, batchSize: 64, … } }
 * ```
 */
export function parseArgs(argv: readonly string[], now: Date = new Date()): Command {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return { kind: 'help' };
  if (first === '--version') {
    if (rest.length) throw new UsageError(`--version takes no arguments, got '${rest[0]}'`);
    return { kind: 'version' };
  }
  // `gradstream` and `gradstream --epochs 1` are train: the README's main job.
  if (first === undefined || first.startsWith('--')) return parseArgs(['train', ...argv], now);
  if (first === 'help') return { kind: 'help', ...(rest[0] === undefined ? {} : { topic: commandName(rest[0]) }) };
  const command = commandName(first);
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', topic: command };
  switch (command) {
    case 'bench':
      return { kind: 'bench', args: rest };
    case 'edges':
      if (rest.length) throw new UsageError(`edges takes no arguments, got '${rest[0]}'`);
      return { kind: 'edges' };
    case 'train':
      return { kind: 'train', args: trainArgs(flags(command, rest), now) };
    case 'eval':
      return { kind: 'eval', args: evalArgs(flags(command, rest)) };
    case 'summary':
      return { kind: 'summary', args: summaryArgs(flags(command, rest)) };
    case 'export':
      return { kind: 'export', args: exportArgs(flags(command, rest)) };
  }
}

function commandName(word: string): CommandName {
  if ((COMMAND_NAMES as readonly string[]).includes(word)) return word as CommandName;
  throw new UsageError(`unknown command '${word}' (commands: ${COMMAND_NAMES.join(', ')}; see gradstream --help)`);
}

/** `--name value` and `--name=value` pairs; later occurrences win. */
function flags(command: keyof typeof FLAGS, tokens: readonly string[]): Map<string, string> {
  const allowed = FLAGS[command];
  const out = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith('--'))
      throw new UsageError(`unexpected argument '${token}' for ${command} (see gradstream ${command} --help)`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (!allowed.includes(name))
      throw new UsageError(`unknown option '--${name}' for ${command} (see gradstream ${command} --help)`);
    let value: string | undefined;
    if (eq >= 0) value = token.slice(eq + 1);
    // A following option is a forgotten value; a negative number is a value (and rejected by its check).
    else if (tokens[i + 1] !== undefined && !tokens[i + 1]!.startsWith('--')) value = tokens[++i];
    else value = VALUE_WHEN_BARE[name];
    if (value === undefined || value === '') throw new UsageError(`option '--${name}' needs a value`);
    out.set(name, value);
  }
  return out;
}

function runArgs(f: ReadonlyMap<string, string>): RunArgs {
  const dataset = choice('dataset', f.get('dataset') ?? DEFAULTS.dataset, DATASET_NAMES);
  checkDataDir(dataset, f.get('data-dir'));
  return {
    model: choice('model', f.get('model') ?? datasetInfo(dataset).defaultModel, MODEL_NAMES),
    dataset,
    ...sourceArgs(f),
  };
}

/**
 * @throws UsageError when `dataset` is read from files and no --data-dir names them.
 * Exported for eval, which learns its dataset from the weights file.
 */
export function checkDataDir(dataset: DatasetName, dataDir: string | undefined): void {
  if (dataDir === undefined && datasetInfo(dataset).needsDataDir) {
    throw new UsageError(`dataset '${dataset}' needs --data-dir (the folder with its binary batches)`);
  }
}

/** The flags of train and eval other than model and dataset. */
function sourceArgs(f: ReadonlyMap<string, string>): Omit<RunArgs, 'model' | 'dataset'> {
  const dataDir = f.get('data-dir');
  const threads = optional(f, 'threads', positiveInt);
  const limit = optional(f, 'limit', positiveInt);
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    backend: choice('backend', f.get('backend') ?? DEFAULTS.backend, BACKEND_NAMES),
    ...(threads === undefined ? {} : { threads }),
    batchSize: positiveInt('batch-size', f.get('batch-size') ?? String(DEFAULTS.batchSize)),
    seed: nonNegativeInt('seed', f.get('seed') ?? String(DEFAULTS.seed)),
    ...(limit === undefined ? {} : { limit }),
  };
}

function trainArgs(f: ReadonlyMap<string, string>, now: Date): TrainArgs {
  const optimizer = choice('optimizer', f.get('optimizer') ?? DEFAULTS.optimizer, OPTIMIZER_NAMES);
  const profile = optional(f, 'profile', positiveInt);
  return {
    ...runArgs(f),
    epochs: positiveInt('epochs', f.get('epochs') ?? String(DEFAULTS.epochs)),
    optimizer,
    lr: optional(f, 'lr', positiveNumber) ?? defaultLr(optimizer),
    schedule: choice('schedule', f.get('schedule') ?? DEFAULTS.schedule, SCHEDULE_NAMES),
    firstLayer: choice('first-layer', f.get('first-layer') ?? DEFAULTS.firstLayer, FIRST_LAYER_NAMES),
    out: f.get('out') ?? defaultOutDir(now),
    ...(profile === undefined ? {} : { profile }),
  };
}

function evalArgs(f: ReadonlyMap<string, string>): EvalArgs {
  const weights = f.get('weights');
  if (weights === undefined) throw new UsageError('eval needs --weights FILE (a .safetensors written by train)');
  const model = optional(f, 'model', (_, raw) => choice('model', raw, MODEL_NAMES));
  const dataset = optional(f, 'dataset', (_, raw) => choice('dataset', raw, DATASET_NAMES));
  if (dataset !== undefined) checkDataDir(dataset, f.get('data-dir'));
  return { ...sourceArgs(f), ...(model && { model }), ...(dataset && { dataset }), weights };
}

function summaryArgs(f: ReadonlyMap<string, string>): SummaryArgs {
  const dataset = optional(f, 'dataset', (_, raw) => choice('dataset', raw, DATASET_NAMES));
  const input = optional(f, 'input', imageShape);
  const model = choice('model', f.get('model') ?? datasetInfo(dataset ?? DEFAULTS.dataset).defaultModel, MODEL_NAMES);
  return { model, ...(dataset && { dataset }), ...(input && { input }) };
}

function exportArgs(f: ReadonlyMap<string, string>): ExportArgs {
  const weights = f.get('weights');
  if (weights === undefined) throw new UsageError('export needs --weights FILE (a .safetensors written by train)');
  const format = choice('format', f.get('format') ?? 'onnx', ['onnx'] as const);
  const out = f.get('out');
  if (out === undefined) throw new UsageError('export needs --out FILE (e.g. model.onnx)');
  const opset = positiveInt('opset', f.get('opset') ?? '17');
  if (opset < 17 || opset > 22) throw new UsageError(`--opset must be from 17 to 22, got ${opset}`);
  const model = optional(f, 'model', (_, raw) => choice('model', raw, MODEL_NAMES));
  const dataset = optional(f, 'dataset', (_, raw) => choice('dataset', raw, DATASET_NAMES));
  const input = optional(f, 'input', imageShape);
  const backend = choice('backend', f.get('backend') ?? DEFAULTS.backend, BACKEND_NAMES);
  return {
    weights,
    format,
    out,
    opset,
    backend,
    ...(model && { model }),
    ...(dataset && { dataset }),
    ...(input && { input }),
  };
}

function imageShape(name: string, raw: string): ImageShape {
  const shape = parseImageShape(raw);
  if (!shape) throw new UsageError(`--${name} must be CxHxW (three positive integers, e.g. 3x224x224), got '${raw}'`);
  return shape;
}

/** runs/<UTC time>, e.g. runs/2025-01-31T12-00-00; colons are not allowed in Windows paths. */
export function defaultOutDir(now: Date): string {
  return `runs/${now.toISOString().slice(0, 19).replace(/:/g, '-')}`;
}

function optional<T>(
  f: ReadonlyMap<string, string>,
  name: string,
  parse: (name: string, raw: string) => T,
): T | undefined {
  const raw = f.get(name);
  return raw === undefined ? undefined : parse(name, raw);
}

function choice<T extends string>(what: string, raw: string, names: readonly T[]): T {
  if ((names as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`unknown ${what} '${raw}' (choose from: ${names.join(', ')})`);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\+?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got '${raw}'`);
  return n;
}

function nonNegativeInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\+?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

function positiveNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
  return n;
}
