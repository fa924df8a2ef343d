import { describe, expect, it } from "vitest";
import { jsonTextFromUtf8 } from "../src/fleet/JsonText.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("jsonTextFromUtf8", () => {
  it.each([
    ["ASCII only", '{"hosts":[{"id":1,"hostname":"mac-1"}]}'],
    ["accents", '{"name":"Zoë Müller","team":"Ingénierie"}'],
    ["non-ASCII at both ends of a string", '["é","ü","éa","aé"]'],
    ["characters outside the BMP", '{"emoji":"laptop 💻 ok","cjk":"山田太郎"}'],
    ["escapes next to non-ASCII", '{"s":"\\\\é\\"ñ\\n"}'],
    ["an empty body value", '{"hosts":[]}'],
    ["a zero-width no-break space inside names", '["abc\uFEFFdef","\uFEFF","\uFEFFx"]'],
    ["an escaped backslash before non-ASCII", '{"path":"C:\\\\é"}'],
  ])("parses %s to exactly what UTF-8 decoding gives", (_label, json) => {
    const bytes = utf8(json);
    const text = jsonTextFromUtf8(bytes);
    expect(JSON.parse(text)).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
    // Every character fits one byte, so V8 can keep the page as a one-byte string.
    expect([...text].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
  });

  it("drops a byte-order mark at the start of the body, as response.text() does", async () => {
    const bytes = utf8('\uFEFF{"name":"Zoë"}');
    expect(bytes.subarray(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect(JSON.parse(jsonTextFromUtf8(bytes))).toEqual(await new Response(bytes).json());
  });

  it("keeps a body that is not JSON not JSON: a backslash escaping a non-ASCII character", () => {
    const bytes = utf8('{"name":"\\é"}');
    expect(() => JSON.parse(new TextDecoder().decode(bytes))).toThrow(SyntaxError);
    expect(() => JSON.parse(jsonTextFromUtf8(bytes))).toThrow(SyntaxError);
  });

  it("turns malformed UTF-8 into U+FFFD like TextDecoder", () => {
    const bytes = new Uint8Array([...utf8('{"name":"a'), 0xc3, 0x28, 0xff, ...utf8('b"}')]);
    expect(JSON.parse(jsonTextFromUtf8(bytes))).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
  });

  it("reads a view into a larger buffer from its own offset", () => {
    const whole = utf8('xx{"name":"José"}yy');
    expect(JSON.parse(jsonTextFromUtf8(whole.subarray(2, whole.length - 2)))).toEqual({ name: "José" });
  });
});

describe("jsonTextFromUtf8 on long bodies", () => {
  it("finds every non-ASCII run wherever it falls against 4-byte boundaries", () => {
    for (let offset = 0; offset < 4; offset++) {
      for (let pad = 0; pad < 9; pad++) {
        const json = JSON.stringify({ a: "x".repeat(pad), b: `${"y".repeat(37)}é${"z".repeat(pad)}ü`, c: "ok" });
        const body = utf8(json);
        const framed = new Uint8Array(offset + body.length);
        framed.set(body, offset);
        const view = framed.subarray(offset);
        expect(JSON.parse(jsonTextFromUtf8(view))).toEqual(JSON.parse(json));
      }
    }
  });
});
