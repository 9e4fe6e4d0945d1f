// The team inbox: every conversation on the left, the open one on the right (one pane at a
// time on a phone). New conversations and messages arrive live.

import "./Inbox.css";

import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { ConversationView, NoConversation } from "../components/inbox-conversation";
import { type Conversation, type Message, notePreview, useDirectory } from "../components/inbox-data";
import { ConversationList, type Filters } from "../components/inbox-list";
import { ErrorNote } from "../components/ui";
import { useLive, useTitle } from "../hooks";
import type { LiveEvent } from "../live";

const PAGE = 25;

function filtersFrom(query: Record<string, string>): Filters {
  return {
    status: query.status ?? "",
    channel: query.channel ?? "",
    agent: query.agent ?? "",
    mine: query.mine === "1",
    tag: query.tag ?? "",
    q: query.q ?? "",
  };
}

function searchOf(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status);
  if (filters.channel) params.set("channel", filters.channel);
  if (filters.agent) params.set("agent", filters.agent);
  if (filters.mine) params.set("mine", "1");
  if (filters.tag) params.set("tag", filters.tag);
  if (filters.q) params.set("q", filters.q);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export default function Inbox({ id }: { id?: string }) {
  const location = useLocation();
  const filters = filtersFrom(location.query ?? {});
  const search = searchOf(filters);
  const directory = useDirectory();

  const [items, setItems] = useState<Conversation[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const selected = useRef(id);
  selected.current = id;

  const unread = items.reduce((sum, item) => sum + (item.id === id ? 0 : item.unread_count > 0 ? 1 : 0), 0);
  useTitle(unread ? `(${unread}) Inbox` : "Inbox");

  const mineId = directory.mine?.id;
  const waiting = filters.mine && directory.loading;
  const query = {
    status: filters.status,
    channel: filters.channel,
    agent_id: filters.agent,
    assignee_id: filters.mine ? (mineId ?? "00000000-0000-0000-0000-000000000000") : "",
    tag: filters.tag,
    search: filters.q,
  };
  const queryKey = JSON.stringify(query);

  /** "reset": the first page anew; "refresh": the rows shown, again; "more": the next page. */
  const load = async (mode: "reset" | "refresh" | "more") => {
    const mine = ++latest.current;
    const shown = itemsRef.current;
    const offset = mode === "more" ? shown.length : 0;
    const limit = mode === "refresh" ? Math.min(100, Math.max(PAGE, shown.length)) : PAGE;
    if (mode === "more") setLoadingMore(true);
    else setLoading(true);
    try {
      const page = await api<Page<Conversation>>("/v1/conversations", { query: { ...query, limit, offset } });
      if (mine !== latest.current) return;
      const open = selected.current;
      const fresh = page.items.map((item) => (item.id === open ? { ...item, unread_count: 0 } : item));
      let next: Conversation[];
      if (mode === "more") {
        const known = new Set(shown.map((item) => item.id));
        next = [...shown, ...fresh.filter((item) => !known.has(item.id))];
      } else if (mode === "refresh") {
        const got = new Set(fresh.map((item) => item.id));
        next = [...fresh, ...shown.slice(limit).filter((item) => !got.has(item.id))];
      } else {
        next = fresh;
      }
      setItems(next);
      setTotal(page.total);
      setError(null);
    } catch (caught) {
      if (mine === latest.current) setError(caught);
    } finally {
      if (mine === latest.current) {
        setLoading(false);
        setLoadingMore(false);
      }
    }
  };

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (waiting) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    void load("reset");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queryKey, waiting]);

  // Live: patch the rows at once, then read the list again (new rows, rows leaving a filter).
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const refreshSoon = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void loadRef.current("refresh");
    }, 500);
  };
  useLive(["conversation.", "message."], (event: LiveEvent) => {
    const data = event.data ?? {};
    if (typeof data.id !== "string") return;
    const { message, reason: _reason, ...fields } = data as Conversation & { message?: Message; reason?: string };
    if (message && typeof message === "object" && message.sender_type) notePreview(fields, message);
    setItems((current) =>
      current.map((item) =>
        item.id === fields.id
          ? { ...item, ...fields, unread_count: item.id === selected.current ? 0 : (fields.unread_count ?? item.unread_count) }
          : item,
      ),
    );
    refreshSoon();
  });

  const setFilters = (next: Partial<Filters>) => {
    const merged = { ...filters, ...next };
    location.route(`${location.path}${searchOf(merged)}`, true);
  };

  const patch = (conversation: Conversation) => {
    // A change made here (status, assignee, tags) may move the row out of the filtered list;
    // the API sends no live event for most of them, so the list is read again.
    const row = itemsRef.current.find((item) => item.id === conversation.id);
    if (
      row &&
      (row.status !== conversation.status ||
        row.assignee_id !== conversation.assignee_id ||
        row.tags.join("\n") !== conversation.tags.join("\n"))
    ) {
      refreshSoon();
    }
    setItems((current) =>
      current.map((item) =>
        item.id === conversation.id
          ? {
              ...item,
              ...Object.fromEntries(Object.entries(conversation).filter(([key]) => key !== "messages")),
            }
          : item,
      ),
    );
  };

  return (
    <div class={`inbox ${id ? "has-open" : ""}`}>
      <section class="inbox-side" aria-labelledby="inbox-title">
        <h1 id="inbox-title">Inbox</h1>
        {directory.error ? <ErrorNote error={directory.error} retry={directory.reload} /> : null}
        <ConversationList
          items={items}
          total={total}
          loading={loading || waiting}
          loadingMore={loadingMore}
          error={error}
          retry={() => void load("reset")}
          onMore={() => void load("more")}
          selected={id}
          hrefFor={(conversationId) => `/inbox/${conversationId}${search}`}
          filters={filters}
          onFilters={setFilters}
          onClear={() => location.route(location.path, true)}
          directory={directory}
        />
      </section>
      <section class="inbox-main" aria-label="Conversation">
        {id ? (
          <ConversationView id={id} directory={directory} backHref={`/inbox${search}`} onChange={patch} />
        ) : (
          <NoConversation total={total} />
        )}
      </section>
    </div>
  );
}
