/**
 * What jsdom 31 (and the undici 8 it loads) expect from Node 22 and Node 20 lacks: zstd in zlib,
 * worker_threads.markAsUncloneable, Promise.withResolvers, Object.groupBy and the ES2025 Iterator
 * helpers. Only the component tests load this, before jsdom; each stand-in is the standard
 * behaviour, or refuses loudly where the tests never go (zstd).
 */
import workerThreads from "node:worker_threads";
import zlib from "node:zlib";

type Loose = Record<string, unknown>;

const zlibModule = zlib as unknown as Loose;
if (typeof zlibModule.createZstdDecompress !== "function") {
  zlibModule.createZstdDecompress = () => {
    throw new Error("zstd is not available on this Node.js version");
  };
}

const threads = workerThreads as unknown as Loose;
if (typeof threads.markAsUncloneable !== "function") threads.markAsUncloneable = () => {};

const promise = Promise as unknown as Loose;
if (typeof promise.withResolvers !== "function") {
  promise.withResolvers = () => {
    let resolve: (value: unknown) => void = () => {};
    let reject: (reason: unknown) => void = () => {};
    const p = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: p, resolve, reject };
  };
}

const object = Object as unknown as Loose;
if (typeof object.groupBy !== "function") {
  object.groupBy = <T>(items: Iterable<T>, key: (item: T, index: number) => PropertyKey) => {
    const groups: Record<PropertyKey, T[]> = Object.create(null);
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      groups[k] ??= [];
      groups[k].push(item);
    }
    return groups;
  };
}

const globals = globalThis as unknown as Loose;
if (typeof globals.Iterator !== "function") {
  // The ES2025 Iterator global: an abstract base whose prototype carries the helpers.
  const IteratorBase = function Iterator() {} as unknown as { prototype: Loose; from(value: unknown): unknown };
  const proto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as Loose;
  IteratorBase.prototype = proto;
  type It = Iterator<unknown> & Iterable<unknown>;
  function* map(this: It, fn: (v: unknown, i: number) => unknown) {
    let i = 0;
    for (const v of { [Symbol.iterator]: () => this }) yield fn(v, i++);
  }
  function* filter(this: It, fn: (v: unknown, i: number) => boolean) {
    let i = 0;
    for (const v of { [Symbol.iterator]: () => this }) if (fn(v, i++)) yield v;
  }
  function* take(this: It, n: number) {
    if (n <= 0) return;
    let i = 0;
    for (const v of { [Symbol.iterator]: () => this }) {
      yield v;
      if (++i >= n) return;
    }
  }
  function* drop(this: It, n: number) {
    let i = 0;
    for (const v of { [Symbol.iterator]: () => this }) if (i++ >= n) yield v;
  }
  function* flatMap(this: It, fn: (v: unknown, i: number) => Iterable<unknown>) {
    let i = 0;
    for (const v of { [Symbol.iterator]: () => this }) yield* fn(v, i++);
  }
  const helpers: Record<string, unknown> = {
    map,
    filter,
    take,
    drop,
    flatMap,
    toArray(this: It) {
      return [...{ [Symbol.iterator]: () => this }];
    },
    forEach(this: It, fn: (v: unknown, i: number) => void) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) fn(v, i++);
    },
    some(this: It, fn: (v: unknown, i: number) => boolean) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (fn(v, i++)) return true;
      return false;
    },
    every(this: It, fn: (v: unknown, i: number) => boolean) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (!fn(v, i++)) return false;
      return true;
    },
    find(this: It, fn: (v: unknown, i: number) => boolean) {
      let i = 0;
      for (const v of { [Symbol.iterator]: () => this }) if (fn(v, i++)) return v;
      return undefined;
    },
    reduce(this: It, fn: (acc: unknown, v: unknown, i: number) => unknown, ...init: unknown[]) {
      let i = 0;
      let acc = init[0];
      let first = init.length === 0;
      for (const v of { [Symbol.iterator]: () => this }) {
        if (first) {
          acc = v;
          first = false;
        } else acc = fn(acc, v, i);
        i++;
      }
      return acc;
    },
  };
  // Generator helpers return generators; those already inherit from the same prototype.
  for (const [name, fn] of Object.entries(helpers)) {
    if (!(name in proto)) Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
  }
  IteratorBase.from = (value: unknown) => {
    const it = (value as Iterable<unknown>)[Symbol.iterator]?.() ?? value;
    return it;
  };
  Object.defineProperty(proto, "constructor", { value: IteratorBase, writable: true, configurable: true });
  globals.Iterator = IteratorBase;
}
