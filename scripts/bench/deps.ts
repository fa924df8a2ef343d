/**
 * Runtime dependencies of the bench that the root package does not declare (pnpm does not hoist):
 * loaded from the workspace package that depends on them, typed by that package's own types.
 */
import { createRequire } from "node:module";
import type WsModule from "../../apps/server/node_modules/@types/ws/index.d.ts";
import type { Redis as RedisClass } from "../../apps/server/node_modules/ioredis/built/index.d.ts";

const requireFromServer = createRequire(new URL("../../apps/server/package.json", import.meta.url));

export const WebSocket = requireFromServer("ws") as typeof WsModule;
export type WebSocket = WsModule;
export const WebSocketServer = WebSocket.WebSocketServer;
export type WebSocketServer = WsModule.WebSocketServer;
export const Redis = (requireFromServer("ioredis") as { Redis: typeof RedisClass }).Redis;
export type Redis = RedisClass;
