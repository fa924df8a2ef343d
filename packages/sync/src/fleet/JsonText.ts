const decoder = new TextDecoder();

/**
 * JSON text from a UTF-8 response body, as a one-byte string. Fleet's pages are ASCII but for a
 * few names; decoding them as UTF-8 makes V8 store the whole ~1 MB page as a two-byte string,
 * twice the memory of every page on every sync (and slower to decode and to parse). JSON allows
 * non-ASCII text only inside string literals, where a `\uXXXX` escape means the same character,
 * so each run of non-ASCII bytes is decoded on its own and escaped, and the rest is copied as
 * Latin-1 (one byte per character). Malformed UTF-8 becomes U+FFFD, as with TextDecoder.
 */
export function jsonTextFromUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i < bytes.length && (bytes[i] as number) < 0x80) i++;
  if (i === bytes.length) return buffer.toString("latin1");
  const parts: string[] = [];
  let copied = 0;
  while (i < bytes.length) {
    const runStart = i;
    while (i < bytes.length && (bytes[i] as number) >= 0x80) i++;
    parts.push(
      buffer.toString("latin1", copied, runStart),
      escapeNonAscii(decoder.decode(bytes.subarray(runStart, i))),
    );
    copied = i;
    while (i < bytes.length && (bytes[i] as number) < 0x80) i++;
  }
  parts.push(buffer.toString("latin1", copied, bytes.length));
  return parts.join("");
}

function escapeNonAscii(text: string): string {
  let escaped = "";
  for (let i = 0; i < text.length; i++) escaped += `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return escaped;
}
