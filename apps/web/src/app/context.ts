import { createContext, useContext } from "solid-js";
import type { History } from "../features/overview/history.ts";
import type { createRecentEvents } from "../features/overview/recent.ts";
import type { LiveConnection } from "../lib/live.ts";
import type { Session } from "../lib/session.ts";
import type { LiveData } from "./liveData.ts";

export interface AppServices {
  session: Session;
  live: LiveConnection;
  data: LiveData;
  history: History;
  recent: ReturnType<typeof createRecentEvents>;
  /** A clock that ticks every 15 s, for "3 min ago" labels. */
  now: () => number;
}

export const AppContext = createContext<AppServices>();

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("useApp() outside <AppContext.Provider>");
  return services;
}

/** True when the signed-in token may change things (mutations need an ADMIN token). */
export function useIsAdmin(): () => boolean {
  const { session } = useApp();
  return () => session.role() === "ADMIN";
}
