// The inbox's left pane: filters and the list of conversations.

import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";

import { ago, when } from "../format";
import {
  CHANNELS,
  type Conversation,
  type Directory,
  type Message,
  SENDER_LABELS,
  STATUSES,
  STATUS_TONES,
  channelLabel,
  contactLine,
  contactName,
  initials,
  useContacts,
  seedPreviews,
  usePreviews,
  useTick,
} from "./inbox-data";
import { Badge, Button, Empty, ErrorNote, Loading } from "./ui";

export interface Filters {
  status: string;
  channel: string;
  agent: string;
  mine: boolean;
  tag: string;
  q: string;
}

export const NO_FILTERS: Filters = { status: "", channel: "", agent: "", mine: false, tag: "", q: "" };

export function filtersActive(filters: Filters): number {
  return [filters.status, filters.channel, filters.agent, filters.mine, filters.tag, filters.q].filter(Boolean).length;
}

function FilterBar(props: {
  filters: Filters;
  onChange: (next: Partial<Filters>) => void;
  onClear: () => void;
  directory: Directory;
  knownTags: string[];
  canClear: boolean;
}) {
  const { filters, onChange, directory } = props;
  const base = useId();
  const extra = [filters.channel, filters.agent, filters.tag].filter(Boolean).length;
  const [open, setOpen] = useState(extra > 0);
  // Typing is local; the list follows once typing pauses.
  const [search, setSearch] = useState(filters.q);
  const [tag, setTag] = useState(filters.tag);
  useEffect(() => setSearch(filters.q), [filters.q]);
  useEffect(() => setTag(filters.tag), [filters.tag]);
  useEffect(() => {
    if (search === filters.q) return;
    const timer = setTimeout(() => onChange({ q: search.trim() }), 350);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => {
    if (tag === filters.tag) return;
    const timer = setTimeout(() => onChange({ tag: tag.trim() }), 350);
    return () => clearTimeout(timer);
  }, [tag]);

  const agents = Array.from(directory.agents.values()).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <form class="inbox-filters" role="search" aria-label="Filter conversations" onSubmit={(event) => event.preventDefault()}>
      <div class="inbox-search">
        <label class="sr-only" for={`${base}-q`}>
          Search conversations
        </label>
        <input
          id={`${base}-q`}
          type="search"
          placeholder="Search messages…"
          value={search}
          maxLength={200}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
      </div>
      <div class="inbox-filter-row">
        <div class="inbox-filter">
          <label for={`${base}-status`}>Status</label>
          <select id={`${base}-status`} value={filters.status} onChange={(event) => onChange({ status: event.currentTarget.value })}>
            <option value="">All statuses</option>
            {STATUSES.map((status) => (
              <option value={status.value}>{status.label}</option>
            ))}
          </select>
        </div>
        <label class="check inbox-mine">
          <input
            type="checkbox"
            checked={filters.mine}
            disabled={!directory.mine}
            title={directory.mine ? undefined : "You are not a member of this workspace"}
            onChange={(event) => onChange({ mine: event.currentTarget.checked })}
          />
          Assigned to me
        </label>
        <button
          type="button"
          class="btn btn-ghost inbox-more"
          aria-expanded={open}
          aria-controls={`${base}-more`}
          onClick={() => setOpen(!open)}
        >
          {open ? "Fewer filters" : "More filters"}
          {extra > 0 && !open ? ` (${extra})` : ""}
        </button>
      </div>
      <div id={`${base}-more`} class="inbox-filter-row inbox-filter-more" hidden={!open}>
        <div class="inbox-filter">
          <label for={`${base}-channel`}>Channel</label>
          <select id={`${base}-channel`} value={filters.channel} onChange={(event) => onChange({ channel: event.currentTarget.value })}>
            <option value="">All channels</option>
            {CHANNELS.map((channel) => (
              <option value={channel.value}>{channel.label}</option>
            ))}
          </select>
        </div>
        <div class="inbox-filter">
          <label for={`${base}-agent`}>Agent</label>
          <select id={`${base}-agent`} value={filters.agent} onChange={(event) => onChange({ agent: event.currentTarget.value })}>
            <option value="">All agents</option>
            {agents.map((agent) => (
              <option value={agent.id}>{agent.name}</option>
            ))}
            {filters.agent && !directory.agents.has(filters.agent) && <option value={filters.agent}>Unknown agent</option>}
          </select>
        </div>
        <div class="inbox-filter">
          <label for={`${base}-tag`}>Tag</label>
          <input
            id={`${base}-tag`}
            list={`${base}-tags`}
            value={tag}
            maxLength={50}
            placeholder="Any tag"
            onInput={(event) => setTag(event.currentTarget.value)}
          />
          <datalist id={`${base}-tags`}>
            {props.knownTags.map((known) => (
              <option value={known} />
            ))}
          </datalist>
        </div>
      </div>
      {filtersActive(filters) > 0 && props.canClear && (
        <button type="button" class="link inbox-clear" onClick={props.onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}

function previewText(message: Message | null | undefined): string {
  if (!message) return "";
  const text = message.content.replace(/\s+/g, " ").trim() || (message.attachments.length ? "Attachment" : "");
  const who = message.sender_type === "user" ? "" : `${SENDER_LABELS[message.sender_type]}: `;
  return who + text;
}

/** The list keeps the row the reader was looking at in place when rows arrive above it. */
function useScrollAnchor(container: { current: HTMLElement | null }, items: Conversation[]) {
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  const remember = () => {
    const box = container.current;
    if (!box || box.scrollTop < 4) {
      anchor.current = null;
      return;
    }
    const rows = box.querySelectorAll<HTMLElement>("li[data-id]");
    for (const row of rows) {
      if (row.offsetTop + row.offsetHeight > box.scrollTop) {
        anchor.current = { id: row.dataset.id!, offset: row.offsetTop - box.scrollTop };
        return;
      }
    }
  };
  useLayoutEffect(() => {
    const box = container.current;
    const saved = anchor.current;
    if (box && saved) {
      const row = box.querySelector<HTMLElement>(`li[data-id="${saved.id}"]`);
      if (row) box.scrollTop = row.offsetTop - saved.offset;
    }
    remember();
  }, [items]);
  return remember;
}

export function ConversationList(props: {
  items: Conversation[];
  total: number;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  retry: () => void;
  onMore: () => void;
  selected: string | undefined;
  hrefFor: (id: string) => string;
  filters: Filters;
  onFilters: (next: Partial<Filters>) => void;
  onClear: () => void;
  directory: Directory;
}) {
  useTick();
  // List rows carry their contact and newest message; older servers' rows are looked up.
  seedPreviews(props.items);
  const contacts = useContacts(props.items.filter((item) => item.contact === undefined).map((item) => item.contact_id));
  const previews = usePreviews(props.items);
  const scroller = useRef<HTMLDivElement>(null);
  const remember = useScrollAnchor(scroller, props.items);
  const knownTags = Array.from(new Set(props.items.flatMap((item) => item.tags))).sort();
  const filtered = filtersActive(props.filters) > 0;

  let body;
  if (props.loading && !props.items.length) {
    body = <Loading label="Loading conversations…" />;
  } else if (props.error && !props.items.length) {
    body = <ErrorNote error={props.error} retry={props.retry} />;
  } else if (!props.items.length) {
    body = filtered ? (
      <Empty
        title="No conversations match"
        action={
          <Button variant="secondary" onClick={props.onClear}>
            Clear filters
          </Button>
        }
      >
        Try another status, channel or search, or clear the filters to see every conversation.
      </Empty>
    ) : (
      <Empty title="No conversations yet" action={<a href="/agents">Set up an agent</a>}>
        Conversations appear here as they happen: when a visitor chats with an agent's widget on your website, texts or
        calls one of your numbers, or when one is started through the API.
      </Empty>
    );
  }

  return (
    <div class="inbox-list-pane">
      <FilterBar
        filters={props.filters}
        onChange={props.onFilters}
        onClear={props.onClear}
        directory={props.directory}
        knownTags={knownTags}
        canClear={props.items.length > 0}
      />
      {props.error && props.items.length > 0 && <ErrorNote error={props.error} retry={props.retry} />}
      <p class="inbox-count muted" role="status">
        {props.loading && props.items.length ? "Updating…" : props.items.length ? `${props.total} conversation${props.total === 1 ? "" : "s"}` : ""}
      </p>
      <div class="inbox-scroll" ref={scroller} onScroll={remember}>
        {body}
        <ul aria-label="Conversations" class="inbox-rows" hidden={!props.items.length}>
          {props.items.map((item) => {
            const contact = item.contact
              ? { ...item.contact, first_name: null, last_name: null, company_name: null, lead_status: null }
              : item.contact_id
                ? contacts.get(item.contact_id)
                : null;
            const name = contactName(item, contact);
            const line = contactLine(item, contact);
            const preview = previewText(previews.get(item.id)?.message);
            const at = item.last_message_at ?? item.created_at;
            const selected = item.id === props.selected;
            const unread = item.unread_count > 0 && !selected;
            return (
              <li key={item.id} data-id={item.id} class={`${selected ? "selected" : ""} ${unread ? "unread" : ""}`}>
                <a href={props.hrefFor(item.id)} aria-current={selected ? "page" : undefined}>
                  <span class={`inbox-avatar channel-${item.channel}`} aria-hidden="true">
                    {initials(name)}
                  </span>
                  <span class="inbox-row-main">
                    <span class="inbox-row-top">
                      <strong class="inbox-name">{name}</strong>
                      <time dateTime={at} title={when(at)}>
                        {ago(at)}
                      </time>
                    </span>
                    {line && <span class="inbox-contact muted">{line}</span>}
                    <span class="inbox-preview">{preview || <span class="muted">No messages yet</span>}</span>
                    <span class="inbox-row-tags">
                      <span class="badge badge-gray">{channelLabel(item.channel)}</span>
                      <Badge value={item.status} tone={STATUS_TONES[item.status]} />
                      {item.assignee_id && (
                        <span class="badge badge-blue">
                          {props.directory.mine?.id === item.assignee_id ? "Mine" : "Human"}
                        </span>
                      )}
                      {item.tags.slice(0, 2).map((tag) => (
                        <span class="inbox-row-tag">#{tag}</span>
                      ))}
                      {item.tags.length > 2 && <span class="inbox-row-tag">+{item.tags.length - 2}</span>}
                      {unread && (
                        <span class="inbox-unread">
                          <span aria-hidden="true">{item.unread_count > 99 ? "99+" : item.unread_count}</span>
                          <span class="sr-only">{item.unread_count} unread</span>
                        </span>
                      )}
                    </span>
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
        {props.items.length > 0 && props.items.length < props.total && (
          <div class="inbox-more-rows">
            <Button busy={props.loadingMore} onClick={props.onMore}>
              Load more conversations
            </Button>
          </div>
        )}
      </div>
    </div>
  );
}
