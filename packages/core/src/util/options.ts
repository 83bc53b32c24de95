import { UnknownOptionError } from './errors.js';

/**
 * The one check every public function taking an options object runs first:
 * a key outside `accepted` is a typed error naming `where`, the key and the
 * accepted keys. Keys whose value is `undefined` are checked too, since a
 * misspelled key usually carries a real value and a correct key carrying
 * `undefined` is harmless either way.
 *
 * Returns the options (or an empty object) so call sites stay one line:
 * `const { stride = 1 } = checkOptions('conv2d', options, CONV_OPTIONS);`
 */
export function checkOptions<T extends object>(
  where: string,
  options: T | undefined,
  accepted: readonly (keyof T & string)[],
): T {
  if (options === undefined || options === null) return {} as T;
  for (const key of Object.keys(options)) {
    if (!(accepted as readonly string[]).includes(key)) throw new UnknownOptionError(where, key, accepted);
  }
  return options;
}
