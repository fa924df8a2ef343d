import { isAscii } from "node:buffer";

// ignoreBOM: a run may start with U+FEFF inside a string, which is text to keep; only a BOM at the
// very start of the body is dropped (below), as response.text() does.
const runDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const bodyDecoder = new TextDecoder();

/**
 * JSON text from a UTF-8 response body, as a one-byte string. Fleet's pages are ASCII but for a
 * few names; decoding them as UTF-8 makes V8 store the whole ~1 MB page as a two-byte string,
 * twice the memory of every page on every sync (and slower to decode and to parse). JSON allows
 * non-ASCII text only inside string literals, where a `\uXXXX` escape means the same character,
 * so each run of non-ASCII bytes is decoded on its own and escaped, and the rest is copied as
 * Latin-1 (one byte per character). Malformed UTF-8 becomes U+FFFD, as with TextDecoder; text that
 * is not JSON stays not JSON (a body whose non-ASCII character follows an escaping backslash is
 * decoded whole, so JSON.parse rejects it as it would have).
 */
export function jsonTextFromUtf8(body: Uint8Array): string {
  const hasBom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  const bytes = hasBom ? body.subarray(3) : body;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buffer)) return buffer.toString("latin1");
  // First the runs of non-ASCII bytes, then one output buffer: a string per run would cost more
  // than the whole decode. Each non-ASCII byte becomes at most six bytes ("\uXXXX").
  const runs: number[] = [];
  let extra = 0;
  for (let i = nextNonAscii(bytes, 0); i < bytes.length; i = nextNonAscii(bytes, i)) {
    const start = i;
    if (escapedByBackslash(bytes, start)) return bodyDecoder.decode(bytes);
    while (i < bytes.length && (bytes[i] as number) >= 0x80) i++;
    runs.push(start, i);
    extra += 5 * (i - start);
  }
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let written = 0;
  let copied = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs[r] as number;
    const end = runs[r + 1] as number;
    written += buffer.copy(out, written, copied, start);
    const text = runDecoder.decode(bytes.subarray(start, end));
    for (let c = 0; c < text.length; c++) {
      const unit = text.charCodeAt(c);
      out[written++] = BACKSLASH;
      out[written++] = LETTER_U;
      out[written++] = HEX[(unit >>> 12) & 15] as number;
      out[written++] = HEX[(unit >>> 8) & 15] as number;
      out[written++] = HEX[(unit >>> 4) & 15] as number;
      out[written++] = HEX[unit & 15] as number;
    }
    copied = end;
  }
  written += buffer.copy(out, written, copied, bytes.length);
  return out.toString("latin1", 0, written);
}

/** Whether the byte at `at` is preceded by an odd number of backslashes (an escape applies to it). */
function escapedByBackslash(bytes: Uint8Array, at: number): boolean {
  let count = 0;
  for (let i = at - 1; i >= 0 && bytes[i] === BACKSLASH; i--) count++;
  return count % 2 === 1;
}

const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
const HEX = Buffer.from("0123456789abcdef", "latin1");

/**
 * The first byte at or after `from` with its high bit set, or the length. Looks at four bytes at a
 * time where the view is 4-byte aligned: a byte loop over a 1 MB page costs more than parsing it.
 */
function nextNonAscii(bytes: Uint8Array, from: number): number {
  let i = from;
  const n = bytes.length;
  const misalignment = bytes.byteOffset & 3;
  while (i < n && ((i + misalignment) & 3) !== 0) {
    if ((bytes[i] as number) >= 0x80) return i;
    i++;
  }
  const wordsStart = bytes.byteOffset + i;
  const wordCount = (n - i) >>> 2;
  if (wordCount > 0) {
    const words = new Uint32Array(bytes.buffer, wordsStart, wordCount);
    let w = 0;
    while (w < wordCount && ((words[w] as number) & 0x80808080) === 0) w++;
    i += w * 4;
  }
  while (i < n && (bytes[i] as number) < 0x80) i++;
  return i;
}
