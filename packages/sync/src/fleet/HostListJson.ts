import { jsonTextFromUtf8 } from "./JsonText.ts";

const PREFIX = Buffer.from('{"hosts":[', "latin1");
const SUFFIX = Buffer.from("]}", "latin1");
/** Where one host object of the list ends and the next begins, in Fleet's compact JSON. */
const BETWEEN_OBJECTS = Buffer.from('},{"', "latin1");
/** A first key this long or longer is not looked for (see betweenHosts). */
const MAX_KEY_BYTES = 64;
/** Bytes of hosts parsed at a time. */
const PIECE_BYTES = 16 * 1024;
/** Candidates tried for one cut before the body is parsed whole (a cut inside a host fails to parse). */
const MAX_CUT_ATTEMPTS = 8;

/**
 * Parses a host list body (`{"hosts":[…]}`) as JSON.parse would, a few hosts at a time. V8 puts a
 * string of more than ~128 KB in its large-object space, one fresh mapping per string, and on this
 * kind of machine filling that memory costs more than parsing it: a ~900 KB page cost ~3.5 ms to
 * become a string, against ~0.1 ms in 16 KB pieces (101 pages of 1,000 hosts: decoding and parsing
 * ~520 ms whole, ~320 ms in pieces). Pieces also leave no page-sized strings for the GC.
 *
 * A piece is cut after a `}` that is followed by `,{"` and the first host's first key, and parsed
 * as `[piece]`. The cut is only a guess (the same bytes could occur inside a host), but a wrong guess
 * can never parse: JSON's grammar does not depend on what surrounds an array, so `[piece]` is a
 * complete value exactly when the piece ends between two elements of the hosts array. A piece that
 * fails is retried up to the next candidate; after a few failures (or on any body of another shape)
 * the body is parsed whole, which also gives malformed JSON its usual error.
 *
 * @throws SyntaxError when the body is not JSON, as JSON.parse does.
 */
export function parseHostListJson(body: Uint8Array): unknown {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const end = trimmedEnd(bytes);
  if (
    end - PREFIX.length - SUFFIX.length < 2 * PIECE_BYTES ||
    bytes.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0 ||
    bytes.compare(SUFFIX, 0, SUFFIX.length, end - SUFFIX.length, end) !== 0
  ) {
    return parseWhole(bytes);
  }
  const hostsEnd = end - SUFFIX.length;
  const between = betweenHosts(bytes);
  const hosts: unknown[] = [];
  let start = PREFIX.length;
  while (start < hostsEnd) {
    // The last piece takes the rest rather than leave a small one behind.
    let cut = hostsEnd - start > PIECE_BYTES * 1.5 ? bytes.indexOf(between, start + PIECE_BYTES) : -1;
    for (let attempt = 1; ; attempt++) {
      const pieceEnd = cut === -1 || cut >= hostsEnd ? hostsEnd : cut + 1;
      const piece = tryParse(`[${jsonTextFromUtf8(bytes.subarray(start, pieceEnd))}]`);
      if (piece !== undefined) {
        for (const host of piece) hosts.push(host);
        // Past the comma: the next piece starts at the next host's `{`.
        start = pieceEnd === hostsEnd ? hostsEnd : pieceEnd + 1;
        break;
      }
      if (pieceEnd === hostsEnd || attempt === MAX_CUT_ATTEMPTS) return parseWhole(bytes);
      cut = bytes.indexOf(between, cut + 1);
    }
  }
  return { hosts };
}

/**
 * The bytes between two hosts, as precise as the page allows: `},{"` plus the first host's first key
 * (`},{"id":` for the simulator's hosts), so that the objects of a host's own arrays (`},{"email":`
 * between device mappings) are not taken for a cut. Still a guess: hosts whose keys come in another
 * order, or objects inside a host that start with the same key, only cost failed cuts.
 */
function betweenHosts(bytes: Buffer): Buffer {
  const keyStart = PREFIX.length + 2;
  if (bytes[PREFIX.length] !== 0x7b || bytes[PREFIX.length + 1] !== 0x22) return BETWEEN_OBJECTS;
  const keyEnd = bytes.indexOf(0x22, keyStart);
  if (keyEnd === -1 || keyEnd - keyStart > MAX_KEY_BYTES || bytes[keyEnd + 1] !== 0x3a) return BETWEEN_OBJECTS;
  const key = bytes.subarray(keyStart, keyEnd);
  if (key.includes(0x5c)) return BETWEEN_OBJECTS;
  return Buffer.concat([BETWEEN_OBJECTS, key, Buffer.from('":', "latin1")]);
}

function parseWhole(bytes: Buffer): unknown {
  return JSON.parse(jsonTextFromUtf8(bytes));
}

function tryParse(text: string): unknown[] | undefined {
  try {
    return JSON.parse(text) as unknown[];
  } catch {
    return undefined;
  }
}

/** The body's length without trailing JSON whitespace (Go's encoder ends a body with a new line). */
function trimmedEnd(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0) {
    const b = bytes[end - 1];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    end--;
  }
  return end;
}
