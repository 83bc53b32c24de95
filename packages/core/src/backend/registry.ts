import type { Backend, BackendFactory } from './contract.js';
import { BackendError } from '../util/errors.js';
import { announceCopy, CORE_LOCATION, CORE_VERSION, DEDUPE_ADVICE, describeCopy, otherCopies } from './core-copies.js';
import { checkOptions } from '../util/options.js';

interface Entry {
  readonly factory: BackendFactory;
  readonly priority: number;
  instance?: Backend;
  starting?: Promise<Backend>;
}

const entries = new Map<string, Entry>();
let active: Backend | undefined;
let activeName: string | undefined;
const warnedNames = new Set<string>();

announceCopy(() => listBackends());

/** The other loaded copies of core, named, or '' when this is the only one. */
function secondCopyNote(name?: string): string {
  const others = otherCopies();
  if (others.length === 0) return '';
  const holding = name === undefined ? [] : others.filter((c) => c.backends().includes(name));
  const shown = holding.length > 0 ? holding : others;
  const where = shown.map((c) => `${describeCopy(c)} (registered: ${c.backends().join(', ') || 'none'})`).join('; ');
  const has = holding.length > 0 ? `, and '${name}' is registered there` : '';
  return `. A second copy of @gradstream/core is loaded: ${where}${has}; this one is ${describeCopy({ version: CORE_VERSION, location: CORE_LOCATION })}; ${DEDUPE_ADVICE}`;
}

/**
 * Registers a backend under `name`. The registered backend with the highest
 * priority becomes the default when no `setBackend` call chose one.
 *
 * @example
 * ```ts
 * registerBackend('mine', () => new MyBackend(), { priority: 0 });
 * ```
 */
export function registerBackend(name: string, factory: BackendFactory, options: { priority?: number } = {}): void {
  checkOptions('registerBackend', options, ['priority']);
  const previous = entries.get(name);
  if (previous?.instance && previous.instance === active) {
    throw new BackendError('registerBackend', `backend '${name}' is active and cannot be replaced`);
  }
  entries.set(name, { factory, priority: options.priority ?? 0 });
  const note = secondCopyNote();
  // A warning, not an error: a program that only ever talks to one of the copies still works.
  if (note && !warnedNames.has(name)) {
    warnedNames.add(name);
    console.warn(
      `registerBackend: backend '${name}' was registered into ${describeCopy({ version: CORE_VERSION, location: CORE_LOCATION })}, and ops imported from another copy will not see it${note}`,
    );
  }
}

/** Names of the registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

function entryOf(op: string, name: string): Entry {
  const entry = entries.get(name);
  if (!entry) {
    const known = listBackends();
    throw new BackendError(
      op,
      `unknown backend '${name}'; registered: ${known.length ? known.join(', ') : 'none (import @gradstream/backend-cpu or @gradstream/backend-wasm)'}${secondCopyNote(name)}`,
    );
  }
  return entry;
}

/** Starts (once) and returns the named backend. */
export async function initBackend(name: string): Promise<Backend> {
  const entry = entryOf('setBackend', name);
  if (entry.instance) return entry.instance;
  entry.starting ??= Promise.resolve()
    .then(() => entry.factory())
    .then((b) => (entry.instance = b))
    .catch((e: unknown) => {
      entry.starting = undefined;
      throw new BackendError(
        'setBackend',
        `backend '${name}' failed to start: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
  return entry.starting;
}

/**
 * Makes `name` the backend every following op runs on. Resolves when the
 * backend is ready (a WebAssembly backend compiles its module first).
 *
 * @example
 * ```ts
 * await setBackend('wasm');
 * ```
 */
export async function setBackend(name: string): Promise<void> {
  const backend = await initBackend(name);
  active = backend;
  activeName = name;
}

/**
 * The active backend. Without a `setBackend` call, the highest-priority
 * registered backend whose factory is synchronous is started and used.
 */
export function getBackend(): Backend {
  if (active) return active;
  for (const name of listBackends()) {
    const entry = entries.get(name)!;
    if (!entry.instance) {
      const made = entry.factory();
      if (made instanceof Promise) {
        made.then(
          (b) => (entry.instance ??= b),
          () => undefined,
        );
        continue;
      }
      entry.instance = made;
    }
    active = entry.instance;
    activeName = name;
    return active;
  }
  throw new BackendError(
    'getBackend',
    `no backend is ready: import @gradstream/backend-cpu, or await setBackend(name) for an asynchronous backend${secondCopyNote()}`,
  );
}

/** Name of the active backend. */
export function getBackendName(): string {
  getBackend();
  return activeName!;
}

/** The started instance of a named backend, if it has started. */
export function findBackend(name: string): Backend | undefined {
  return entries.get(name)?.instance;
}
