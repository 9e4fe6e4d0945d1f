// The dashboard's only way to the server: the public /v1 API, with the signed-in user's token.

export type Json = Record<string, any>;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** An error answered by the API: its status, stable code, message and per-field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Json = {},
  ) {
    super(message);
  }
}

const TOKEN = "frontdesk.token";
const REFRESH = "frontdesk.refresh";
const WORKSPACE = "frontdesk.workspace";

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN);
  },
  get workspace(): string | null {
    return localStorage.getItem(WORKSPACE);
  },
  signIn(token: string, refresh: string) {
    localStorage.setItem(TOKEN, token);
    localStorage.setItem(REFRESH, refresh);
  },
  /** Act inside a sub-account (the `Frontdesk-Workspace` header), or back in one's own (null). */
  actIn(workspaceId: string | null) {
    if (workspaceId) localStorage.setItem(WORKSPACE, workspaceId);
    else localStorage.removeItem(WORKSPACE);
  },
  signOut() {
    localStorage.removeItem(TOKEN);
    localStorage.removeItem(REFRESH);
    localStorage.removeItem(WORKSPACE);
  },
};

type Query = Record<string, string | number | boolean | null | undefined>;

export interface Options {
  method?: string;
  body?: unknown;
  form?: FormData;
  query?: Query;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

function headersFor(options: Options): Headers {
  const headers = new Headers(options.headers);
  const token = session.token;
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const workspace = session.workspace;
  if (workspace) headers.set("Frontdesk-Workspace", workspace);
  if (options.body !== undefined) headers.set("Content-Type", "application/json");
  return headers;
}

let refreshing: Promise<boolean> | null = null;

/** A new access token from the refresh token; false when the session is over. */
async function refresh(): Promise<boolean> {
  const token = localStorage.getItem(REFRESH);
  if (!token) return false;
  refreshing ??= fetch("/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: token }),
  })
    .then(async (response) => {
      if (!response.ok) return false;
      const body = await response.json();
      localStorage.setItem(TOKEN, body.token);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: Json = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): the status line says what it can.
  }
  const message =
    typeof body.error === "string" ? body.error : `The server answered ${response.status} ${response.statusText}`;
  return new ApiError(response.status, body.code ?? "HTTP_" + response.status, message, body.details ?? {});
}

/** Whether a 401 means the session's token no longer works (a wrong current password on the
 * password form is a 401 too, and must not sign the user out). */
async function sessionOver(response: Response): Promise<boolean> {
  try {
    const body = await response.clone().json();
    return body.code !== "AUTH_INVALID_CREDENTIALS";
  } catch {
    return true;
  }
}

/** The raw response of an API call, refreshed once on an expired token; errors thrown as ApiError. */
export async function request(path: string, options: Options = {}, retried = false): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? (options.body !== undefined || options.form ? "POST" : "GET"),
      headers: headersFor(options),
      body: options.form ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", "Frontdesk cannot be reached. Check that the server is running.");
  }
  if (response.status === 401 && !path.startsWith("/v1/auth/login") && (await sessionOver(response))) {
    if (!retried && (await refresh())) return request(path, options, true);
    session.signOut();
    signedOutListeners.forEach((listener) => listener());
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** JSON from the API (null for 204). */
export async function api<T = any>(path: string, options: Options = {}): Promise<T> {
  const response = await request(path, options);
  if (response.status === 204) return null as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? response.json() : response.text()) as Promise<T>;
}

export interface ServerEvent {
  event: string;
  data: any;
  id?: string;
}

/** Server-sent events read through fetch (so the token travels in a header, not the URL). */
export async function stream(
  path: string,
  onEvent: (event: ServerEvent) => void,
  options: Options = {},
): Promise<void> {
  const response = await request(path, {
    ...options,
    headers: { Accept: "text/event-stream", ...(options.headers ?? {}) },
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id") id = value;
      }
      if (!data.length) continue;
      const text = data.join("\n");
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Plain text data stays a string.
      }
      onEvent({ event, data: parsed, id });
    }
  }
}

/** An error in words a person can act on, with the fields it names. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.entries(error.details ?? {})
      .filter(([, value]) => typeof value === "string")
      .map(([field, value]) => `${field}: ${value}`);
    return fields.length ? `${error.message} (${fields.join("; ")})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Every page of a list route, up to `max` items. */
export async function all<T = Json>(path: string, query: Query = {}, max = 500): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; offset < max; offset += 100) {
    const page = await api<Page<T>>(path, { query: { ...query, limit: 100, offset } });
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) break;
  }
  return items;
}
