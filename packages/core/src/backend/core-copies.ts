/**
 * Every copy of @gradstream/core loaded in one JavaScript realm announces
 * itself here. When a package manager nests a second core (versions drifted),
 * a backend registers into one copy and the user's ops run on the other; the
 * registry uses this list to name both copies instead of reporting a backend
 * as unknown. The record shape is shared by every version of core, so fields
 * may be added but never changed.
 */
export interface CoreCopy {
  /** The package version of that copy (`source` when run from TypeScript sources). */
  readonly version: string;
  /** Where that copy was loaded from: its package folder when it can be told. */
  readonly location: string;
  /** Names of the backends registered in that copy. */
  readonly backends: () => readonly string[];
}

declare const __GRADSTREAM_CORE_VERSION__: string | undefined;

const COPIES = Symbol.for('@gradstream/core/copies');

type Realm = { [COPIES]?: CoreCopy[] };

/** The package folder of a module URL: what lies before its last `/dist/` or `/src/`, without query or hash. */
function packageFolder(moduleUrl: string): string {
  const bare = moduleUrl.replace(/[?#].*$/, '');
  const cut = Math.max(bare.lastIndexOf('/dist/'), bare.lastIndexOf('/src/'));
  const folder = cut >= 0 ? bare.slice(0, cut + 1) : bare;
  return folder.startsWith('file://') ? decodeURIComponent(folder.slice('file://'.length)) : folder;
}

/** This copy's version, filled in by the package build. */
export const CORE_VERSION = typeof __GRADSTREAM_CORE_VERSION__ === 'string' ? __GRADSTREAM_CORE_VERSION__ : 'source';

/** Where this copy of core was loaded from. */
export const CORE_LOCATION = packageFolder(import.meta.url);

/**
 * Adds this copy to the realm's list. A copy loaded again from the same
 * place (hot reload, a test runner's fresh module graph) replaces its old
 * record: it is the same installation, not a second one.
 */
export function announceCopy(backends: () => readonly string[]): void {
  const realm = globalThis as Realm;
  realm[COPIES] ??= [];
  const copies = realm[COPIES];
  const mine: CoreCopy = { version: CORE_VERSION, location: CORE_LOCATION, backends };
  const at = copies.findIndex((c) => c.location === CORE_LOCATION);
  if (at >= 0) copies[at] = mine;
  else copies.push(mine);
}

/** The copies of core loaded in this realm other than this one. */
export function otherCopies(): readonly CoreCopy[] {
  return ((globalThis as Realm)[COPIES] ?? []).filter((c) => c.location !== CORE_LOCATION);
}

/** `@gradstream/core 0.1.0 at /app/node_modules/@gradstream/core/`. */
export function describeCopy(copy: Pick<CoreCopy, 'version' | 'location'>): string {
  return `@gradstream/core ${copy.version} at ${copy.location}`;
}

/** What to do about it, appended to every message about a second copy. */
export const DEDUPE_ADVICE =
  'every @gradstream package must resolve one core: run `npm ls @gradstream/core`, align the versions, then `npm dedupe`';
