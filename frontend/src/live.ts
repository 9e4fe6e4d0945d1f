// One live connection per tab to `GET /v1/events/stream`, shared by every page that listens.

import { type ServerEvent, session, stream } from "./api";

export interface LiveEvent {
  id: string;
  event: string;
  timestamp: string;
  data: any;
}

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let controller: AbortController | null = null;
let status: "off" | "connecting" | "live" = "off";
const statusListeners = new Set<(status: string) => void>();

function setStatus(next: typeof status) {
  status = next;
  statusListeners.forEach((listener) => listener(next));
}

async function connect() {
  const own = new AbortController();
  controller = own;
  let delay = 1000;
  while (!own.signal.aborted && session.token) {
    setStatus("connecting");
    try {
      await stream(
        "/v1/events/stream",
        (message: ServerEvent) => {
          if (message.event === "ready") {
            setStatus("live");
            delay = 1000;
            return;
          }
          if (message.data && typeof message.data === "object") {
            listeners.forEach((listener) => listener(message.data as LiveEvent));
          }
        },
        { signal: own.signal },
      );
    } catch (error) {
      if (own.signal.aborted) break;
    }
    if (own.signal.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15000);
  }
  setStatus("off");
}

/** Call `listener` for every live event of the workspace whose type starts with one of `prefixes`. */
export function onLive(prefixes: string[], listener: Listener): () => void {
  const filtered: Listener = (event) => {
    if (prefixes.length === 0 || prefixes.some((prefix) => event.event.startsWith(prefix))) {
      listener(event);
    }
  };
  listeners.add(filtered);
  if (!controller || controller.signal.aborted) void connect();
  return () => {
    listeners.delete(filtered);
  };
}

export function onLiveStatus(listener: (status: string) => void): () => void {
  statusListeners.add(listener);
  listener(status);
  return () => statusListeners.delete(listener);
}

export function disconnect() {
  controller?.abort();
  controller = null;
}
