/**
 * Byte offsets inside JSON text that JSON.parse has already accepted, so a
 * DatasetError can point at the failing value. Parsing whole with JSON.parse
 * is fast; this walk only runs on the error path, and it may assume the text
 * is well-formed.
 */

/** Where a value starts and where its last character is, as byte offsets into the UTF-8 file. */
export interface JsonSpan {
  readonly start: number;
  readonly last: number;
}

/**
 * The span of the value reached by following `path` (object keys and array
 * indices) from the top-level value, or undefined if there is no such value.
 * A repeated key resolves to its last occurrence, as JSON.parse does.
 *
 * @example
 * ```ts
 * locateJson('{"data": [[1, 2], [3]]}', ['data', 1, 0]); // { start: 19, last: 19 }
 * ```
 */
export function locateJson(text: string, path: readonly (string | number)[]): JsonSpan | undefined {
  let at: number | undefined = skipWs(text, 0);
  for (const step of path) {
    at = typeof step === 'number' ? element(text, at, step) : member(text, at, step);
    if (at === undefined) return undefined;
  }
  return { start: byteOffset(text, at), last: byteOffset(text, valueEnd(text, at) - 1) };
}

/**
 * The byte offset JSON.parse reported in its error message ("… at position N",
 * a UTF-16 index), or the file's length for "Unexpected end of JSON input".
 * V8 names no position for some errors on short texts; those give undefined.
 */
export function parseErrorOffset(text: string, message: string): number | undefined {
  if (/end of JSON input/.test(message)) return byteOffset(text, text.length);
  const m = /at position (\d+)/.exec(message);
  return m ? byteOffset(text, Math.min(Number(m[1]), text.length)) : undefined;
}

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

const WHITESPACE = /[ \t\n\r]*/y;
// A number, true, false or null: everything up to the next delimiter.
const SCALAR = /[^,\]}\s]*/y;

function skipWs(text: string, at: number): number {
  WHITESPACE.lastIndex = at;
  WHITESPACE.test(text);
  return WHITESPACE.lastIndex;
}

/** The index just past the value starting at `at`. */
function valueEnd(text: string, at: number): number {
  const c = text[at];
  if (c === '"') return stringEnd(text, at);
  if (c !== '[' && c !== '{') {
    SCALAR.lastIndex = at;
    SCALAR.test(text);
    return SCALAR.lastIndex;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const d = text[i];
    if (d === '"') i = stringEnd(text, i) - 1;
    else if (d === '[' || d === '{') depth++;
    else if ((d === ']' || d === '}') && --depth === 0) return i + 1;
  }
  return text.length;
}

function stringEnd(text: string, at: number): number {
  let i = at + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

function element(text: string, at: number, n: number): number | undefined {
  if (text[at] !== '[') return undefined;
  let i = skipWs(text, at + 1);
  if (text[i] === ']') return undefined;
  for (let k = 0; ; k++) {
    if (k === n) return i;
    i = skipWs(text, valueEnd(text, i));
    if (text[i] !== ',') return undefined;
    i = skipWs(text, i + 1);
  }
}

function member(text: string, at: number, key: string): number | undefined {
  if (text[at] !== '{') return undefined;
  let found: number | undefined;
  let i = skipWs(text, at + 1);
  while (text[i] === '"') {
    const keyEnd = stringEnd(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    if (name === key) found = i;
    i = skipWs(text, valueEnd(text, i));
    if (text[i] !== ',') break;
    i = skipWs(text, i + 1);
  }
  return found;
}
