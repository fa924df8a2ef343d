/**
 * Appends JSON text straight into a growing byte buffer. Host pages are assembled from cached
 * byte fragments plus a few timestamps: no intermediate strings, no UTF-8 re-encoding of 100 MB.
 */
export class JsonBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  bytes(fragment: Uint8Array): this {
    this.reserve(fragment.length);
    this.buf.set(fragment, this.pos);
    this.pos += fragment.length;
    return this;
  }

  /** Copies bytes [start, end) of another JsonBuffer (an arena of cached fragments). */
  slice(from: JsonBuffer, start: number, end: number): this {
    this.reserve(end - start);
    from.buf.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
    return this;
  }

  /** Any text, UTF-8 encoded. */
  utf8(text: string): this {
    this.reserve(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos, "utf8");
    return this;
  }

  /** ASCII-only text (numbers, keywords, timestamps); callers guarantee no escaping is needed. */
  ascii(text: string): this {
    this.reserve(text.length);
    this.pos += this.buf.write(text, this.pos, "latin1");
    return this;
  }

  /** RFC 3339 UTC, whole seconds, e.g. 2026-01-01T00:00:00Z; 20 bytes, years 1970..9999. */
  time(ms: number): this {
    this.reserve(20);
    const b = this.buf;
    let p = this.pos;
    const seconds = Math.floor(ms / 1000);
    const days = Math.floor(seconds / 86400);
    let rest = seconds - days * 86400;
    const hh = Math.floor(rest / 3600);
    rest -= hh * 3600;
    const mm = Math.floor(rest / 60);
    const ss = rest - mm * 60;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    b[p++] = 48 + Math.floor(year / 1000);
    b[p++] = 48 + (Math.floor(year / 100) % 10);
    b[p++] = 48 + (Math.floor(year / 10) % 10);
    b[p++] = 48 + (year % 10);
    b[p++] = 45; // -
    b[p++] = 48 + Math.floor(month / 10);
    b[p++] = 48 + (month % 10);
    b[p++] = 45;
    b[p++] = 48 + Math.floor(day / 10);
    b[p++] = 48 + (day % 10);
    b[p++] = 84; // T
    b[p++] = 48 + Math.floor(hh / 10);
    b[p++] = 48 + (hh % 10);
    b[p++] = 58; // :
    b[p++] = 48 + Math.floor(mm / 10);
    b[p++] = 48 + (mm % 10);
    b[p++] = 58;
    b[p++] = 48 + Math.floor(ss / 10);
    b[p++] = 48 + (ss % 10);
    b[p++] = 90; // Z
    this.pos = p;
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
