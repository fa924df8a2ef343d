/**
 * A jsdom window for the component tests. The web project is configured with vitest's jsdom
 * environment, but jsdom 31 needs Node 22 APIs and this project runs on Node 20, so that
 * environment fails before any test starts. Test files therefore run with
 * `// @vitest-environment node` and import this module first: it installs the missing Node APIs,
 * then creates a jsdom window (without a separate script context, so the globals it aliases are
 * this realm's, polyfills included) and puts it on the global object as vitest would.
 */
import "./node20.ts";
import { createRequire } from "node:module";
import { afterEach } from "vitest";
import { populateGlobal } from "vitest/runtime";

interface JsdomModule {
  JSDOM: new (
    html: string,
    options: { url: string; pretendToBeVisual: boolean },
  ) => { window: Window & typeof globalThis };
}

const require = createRequire(import.meta.url);
const { JSDOM } = require("jsdom") as JsdomModule;
const dom = new JSDOM("<!doctype html><html><head></head><body></body></html>", {
  url: "http://localhost:3000/",
  pretendToBeVisual: true,
});
populateGlobal(globalThis, dom.window, { bindFunctions: true });

// @solidjs/testing-library only cleans up by itself when test globals are on; they are not here.
const { cleanup } = await import("@solidjs/testing-library");
afterEach(() => cleanup());
