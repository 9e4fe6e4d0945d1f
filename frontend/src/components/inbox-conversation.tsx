// The inbox's right pane: one conversation, its people, its messages and the reply box.

import { Fragment } from "preact";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { can, useAuth } from "../auth";
import { ago, label, when } from "../format";
import { useLive } from "../hooks";
import type { LiveEvent } from "../live";
import {
  type Conversation,
  type ConversationDetail,
  type Directory,
  type Message,
  STATUSES,
  STATUS_TONES,
  channelLabel,
  contactLine,
  contactName,
  initials,
  memberName,
  notePreview,
  useContacts,
} from "./inbox-data";
import { Badge, Button, Empty, ErrorNote, Loading, fieldError, toast, useAction } from "./ui";

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric", year: "numeric" });

function dayLabel(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date();
  yesterday.setDate(today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return "Today";
  if (date.toDateString() === yesterday.toDateString()) return "Yesterday";
  return dayLong.format(date);
}

/** Conversation fields of a live event (the event's data is the conversation plus extras). */
function conversationOf(data: any): Partial<Conversation> {
  const { message: _message, reason: _reason, messages: _messages, ...rest } = data ?? {};
  return rest;
}

/** `messages` with `message` added or, when known, updated (a delivery report names only some fields). */
function mergeMessage(messages: Message[], message: Partial<Message> & { id: string }): Message[] {
  const index = messages.findIndex((item) => item.id === message.id);
  if (index >= 0) {
    const next = messages.slice();
    next[index] = { ...next[index], ...message };
    return next;
  }
  if (!message.sender_type || !message.created_at) return messages;
  const next = [...messages, message as Message];
  next.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  return next;
}

function Sources(props: { message: Message }) {
  const sources = props.message.ai_metadata?.sources ?? [];
  if (!sources.length) return null;
  return (
    <details class="inbox-sources">
      <summary>
        {sources.length} source{sources.length === 1 ? "" : "s"}
      </summary>
      <ul>
        {sources.map((source) => {
          const name = [source.source ?? "Document", source.page ? `page ${source.page}` : "", source.heading ?? ""]
            .filter(Boolean)
            .join(" · ");
          return (
            <li>
              {source.knowledge_base_id ? <a href={`/knowledge/${source.knowledge_base_id}`}>{name}</a> : name}
              {typeof source.score === "number" && <span class="muted"> ({Math.round(source.score * 100)} % match)</span>}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

function Bubble(props: { message: Message; customer: string; agentName: string; directory: Directory }) {
  const { message } = props;
  const at = new Date(message.created_at);
  let who = "";
  if (message.sender_type === "user") who = props.customer;
  else if (message.sender_type === "agent") who = `AI · ${props.agentName}`;
  else if (message.sender_type === "member")
    who = message.sender_id ? memberName(props.directory.byUser.get(message.sender_id)) : "Team";
  else if (message.sender_type === "note")
    who = `Internal note · ${message.sender_id ? memberName(props.directory.byUser.get(message.sender_id)) : "Team"}`;
  return (
    <div class={`bubble ${message.sender_type}`} data-id={message.id}>
      <span class="sr-only">{who}: </span>
      {message.content}
      {message.attachments.length > 0 && (
        <ul class="inbox-attachments" aria-label="Attachments">
          {message.attachments.map((attachment) => (
            <li>
              <a href={attachment.url} target="_blank" rel="noopener noreferrer">
                {attachment.name || attachment.url.split("/").pop() || "Attachment"}
              </a>
            </li>
          ))}
        </ul>
      )}
      {message.sender_type === "agent" && <Sources message={message} />}
      <span class="meta" aria-hidden={message.sender_type === "system" ? undefined : "true"}>
        {message.sender_type !== "system" && who && <>{who} · </>}
        <time dateTime={message.created_at} title={when(message.created_at)}>
          {timeOnly.format(at)}
        </time>
        {message.delivery_status && <> · {label(message.delivery_status)}</>}
      </span>
    </div>
  );
}

function Thread(props: { conversation: ConversationDetail; customer: string; directory: Directory }) {
  const { conversation, directory } = props;
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const shownFor = useRef<string | null>(null);
  const count = useRef(0);
  const [unseen, setUnseen] = useState(0);
  const agentName = (conversation.agent_id && directory.agents.get(conversation.agent_id)?.name) || "Agent";

  const toBottom = () => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
    pinned.current = true;
    setUnseen(0);
  };

  useLayoutEffect(() => {
    const messages = conversation.messages;
    const added = messages.length - count.current;
    count.current = messages.length;
    const last = messages[messages.length - 1];
    const fromUs = last && (last.sender_type === "member" || last.sender_type === "note");
    if (shownFor.current !== conversation.id || pinned.current || (added > 0 && fromUs)) {
      shownFor.current = conversation.id;
      toBottom();
    } else if (added > 0) {
      setUnseen((value) => value + added);
    }
  }, [conversation.id, conversation.messages]);

  // The pane changes height (details opened, the reply box grows): the newest message stays in view.
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [conversation.id, conversation.messages.length === 0]);

  if (!conversation.messages.length) {
    return (
      <div class="thread inbox-thread" ref={box}>
        <p class="muted inbox-day">No messages yet. The conversation starts when the customer writes.</p>
      </div>
    );
  }

  let day = "";
  return (
    <div class="inbox-thread-wrap">
      <div
        class="thread inbox-thread"
        ref={box}
        role="log"
        aria-label="Messages"
        aria-live="polite"
        tabIndex={0}
        onScroll={(event) => {
          const el = event.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
          if (pinned.current) setUnseen(0);
        }}
      >
        {conversation.messages.map((message) => {
          const thisDay = dayLabel(message.created_at);
          const separator = thisDay !== day;
          day = thisDay;
          return (
            <Fragment key={message.id}>
              {separator && (
                <p class="inbox-day">
                  <span>{thisDay}</span>
                </p>
              )}
              <Bubble message={message} customer={props.customer} agentName={agentName} directory={directory} />
            </Fragment>
          );
        })}
      </div>
      {unseen > 0 && (
        <button type="button" class="btn btn-primary inbox-jump" onClick={toBottom}>
          {unseen} new message{unseen === 1 ? "" : "s"} ↓
        </button>
      )}
    </div>
  );
}

function Tags(props: {
  conversation: Conversation;
  editable: boolean;
  onChange: (conversation: Conversation) => void;
}) {
  const id = useId();
  const [tag, setTag] = useState("");
  const add = useAction(async (value: string) => {
    const updated = await api<Conversation>(`/v1/conversations/${props.conversation.id}/tags`, { body: { tag: value } });
    props.onChange(updated);
    setTag("");
  });
  const remove = useAction(async (value: string) => {
    const updated = await api<Conversation>(
      `/v1/conversations/${props.conversation.id}/tags/${encodeURIComponent(value)}`,
      { method: "DELETE" },
    );
    props.onChange(updated);
  });
  const error = add.error || remove.error;
  return (
    <div class="inbox-tags">
      <ul class="inbox-tag-list" aria-label="Tags">
        {props.conversation.tags.map((value) => (
          <li class="inbox-tag">
            <span>{value}</span>
            {props.editable && (
              <button
                type="button"
                aria-label={`Remove tag ${value}`}
                title={`Remove tag ${value}`}
                disabled={remove.busy}
                onClick={() => void remove.run(value)}
              >
                ×
              </button>
            )}
          </li>
        ))}
        {!props.conversation.tags.length && !props.editable && <li class="muted">No tags</li>}
      </ul>
      {props.editable && (
        <form
          class="inbox-tag-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (tag.trim()) void add.run(tag.trim());
          }}
        >
          <label class="sr-only" for={id}>
            New tag
          </label>
          <input
            id={id}
            value={tag}
            maxLength={50}
            placeholder="Add a tag"
            onInput={(event) => setTag(event.currentTarget.value)}
          />
          <Button type="submit" variant="ghost" busy={add.busy} disabled={!tag.trim()}>
            Add tag
          </Button>
        </form>
      )}
      {error && <p class="field-error" role="alert">{fieldError(error, "tag") ?? (error as Error).message}</p>}
    </div>
  );
}

function Composer(props: {
  conversation: Conversation;
  directory: Directory;
  onSent: (message: Message) => void;
}) {
  const { conversation, directory } = props;
  const id = useId();
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  // A draft per conversation survives switching back and forth.
  const drafts = useRef(new Map<string, string>());
  const current = useRef(conversation.id);
  useEffect(() => {
    drafts.current.set(current.current, text);
    current.current = conversation.id;
    setText(drafts.current.get(conversation.id) ?? "");
    send.setError(null);
    suggest.setError(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conversation.id]);

  const send = useAction(async () => {
    const content = text.trim();
    if (!content) return;
    const message = await api<Message>(`/v1/conversations/${conversation.id}/messages`, {
      body: { content, sender_type: note ? "note" : "member" },
    });
    props.onSent(message);
    setText("");
    drafts.current.delete(conversation.id);
    if (note) toast("Note added");
    area.current?.focus();
  });

  const suggest = useAction(async () => {
    const { suggestion } = await api<{ suggestion: string }>(`/v1/conversations/${conversation.id}/suggest`);
    if (!suggestion?.trim()) {
      toast("The agent had no suggestion for this conversation");
      return;
    }
    setNote(false);
    setText((current) => (current.trim() ? `${current.trimEnd()}\n${suggestion.trim()}` : suggestion.trim()));
    requestAnimationFrame(() => {
      const el = area.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    });
  });

  const assignee = conversation.assignee_id ? directory.members.get(conversation.assignee_id) : null;
  let state: string;
  if (note) {
    state = "Internal notes are seen by your team only, never by the customer.";
  } else if (!conversation.assignee_id && (conversation.status === "ended" || conversation.status === "archived")) {
    state = `This conversation is ${conversation.status}: the AI no longer answers it.`;
  } else if (!conversation.assignee_id) {
    state = "The AI is answering this conversation. Take over to pause it while you reply.";
  } else if (assignee && assignee.id === directory.mine?.id) {
    state = "You have taken over: the AI stays silent until you hand it back.";
  } else {
    state = `${memberName(assignee)} has taken over: the AI stays silent.`;
  }
  const error = send.error || suggest.error;

  return (
    <form
      class={`inbox-composer ${note ? "note-mode" : ""}`}
      onSubmit={(event) => {
        event.preventDefault();
        void send.run();
      }}
    >
      <div class="inbox-composer-bar">
        <label class="check inbox-note-toggle">
          <input type="checkbox" checked={note} onChange={(event) => setNote(event.currentTarget.checked)} />
          Internal note
        </label>
        <Button variant="ghost" busy={suggest.busy} onClick={() => void suggest.run()}>
          Suggest reply
        </Button>
      </div>
      <label class="sr-only" for={id}>
        Reply
      </label>
      <textarea
        id={id}
        ref={area}
        value={text}
        rows={3}
        maxLength={10000}
        aria-describedby={`${id}-state`}
        placeholder={note ? "Write an internal note for your team…" : "Write a reply to the customer…"}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void send.run();
          }
        }}
      />
      {error && (
        <p class="field-error" role="alert">
          {fieldError(error, "content") ?? (error as Error).message}
        </p>
      )}
      <div class="inbox-composer-foot">
        <p class="hint" id={`${id}-state`}>
          {state} <span class="inbox-keys">Ctrl+Enter sends.</span>
        </p>
        <Button type="submit" variant="primary" busy={send.busy} disabled={!text.trim()}>
          Send reply
        </Button>
      </div>
    </form>
  );
}

export function ConversationView(props: {
  id: string;
  directory: Directory;
  backHref: string;
  onChange: (conversation: Conversation) => void;
}) {
  const { me } = useAuth();
  const { directory } = props;
  const [detail, setDetail] = useState<ConversationDetail | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  const load = async (quiet = false) => {
    const mine = ++latest.current;
    if (!quiet) setLoading(true);
    try {
      const body = await api<ConversationDetail>(`/v1/conversations/${props.id}`);
      if (mine !== latest.current) return;
      setDetail(body);
      setError(null);
      const last = [...body.messages].reverse().find((message) => message.sender_type !== "note");
      if (last) notePreview(body, last);
      onChange.current({ ...body, unread_count: 0 });
    } catch (caught) {
      if (mine === latest.current && !quiet) setError(caught);
    } finally {
      if (mine === latest.current) setLoading(false);
    }
  };

  useEffect(() => {
    setDetail((current) => (current?.id === props.id ? current : undefined));
    setError(null);
    void load();
  }, [props.id]);

  const current = useRef(detail);
  current.current = detail;
  const merge = (fields: Partial<Conversation>) => {
    const base = current.current;
    if (!base || base.id !== props.id) return;
    const next = { ...base, ...fields, unread_count: 0, messages: base.messages };
    current.current = next;
    setDetail(next);
    onChange.current(next);
  };

  useLive(["message.", "conversation."], (event: LiveEvent) => {
    if (event.data?.id !== props.id) return;
    const fields = conversationOf(event.data);
    const message = event.data.message as (Partial<Message> & { id: string }) | undefined;
    const base = current.current;
    if (!base || base.id !== props.id) return;
    const next: ConversationDetail = {
      ...base,
      ...fields,
      unread_count: 0,
      messages: message && typeof message.id === "string" ? mergeMessage(base.messages, message) : base.messages,
    };
    current.current = next;
    setDetail(next);
    onChange.current(next);
    // Reading the conversation again marks the customer's new message as read.
    if (event.event === "message.received") void load(true);
  });

  const status = useAction(async (value: string) => {
    merge(await api<Conversation>(`/v1/conversations/${props.id}/status`, { body: { status: value } }));
  });
  const assign = useAction(async (memberId: string | null) => {
    merge(await api<Conversation>(`/v1/conversations/${props.id}/assign`, { body: { member_id: memberId } }));
    toast(memberId === null ? "Handed back to the AI" : memberId === directory.mine?.id ? "You have taken over" : "Assigned");
  });

  const contacts = useContacts([detail?.contact_id ?? null]);
  const ids = useId();

  if (!detail) {
    return (
      <div class="inbox-conversation">
        <a class="inbox-back" href={props.backHref}>
          ← All conversations
        </a>
        {error instanceof ApiError && error.status === 404 ? (
          <div class="inbox-none">
            <Empty title="This conversation does not exist" action={<a href={props.backHref}>Back to all conversations</a>}>
              It may have been erased with its contact, or the link belongs to another workspace.
            </Empty>
          </div>
        ) : error ? (
          <ErrorNote error={error} retry={() => void load()} />
        ) : (
          <Loading label="Loading the conversation…" />
        )}
      </div>
    );
  }

  const contact = detail.contact_id ? contacts.get(detail.contact_id) : null;
  const name = contactName(detail, contact);
  const line = contactLine(detail, contact);
  const agent = detail.agent_id ? directory.agents.get(detail.agent_id) : null;
  const assignee = detail.assignee_id ? directory.members.get(detail.assignee_id) : null;
  const mine = directory.mine;
  const inbox = can(me, "inbox");
  const members = Array.from(directory.members.values()).filter((member) => member.status === "active");
  const actionError = status.error || assign.error;

  return (
    <div class="inbox-conversation">
      <header class="inbox-head">
        <a class="inbox-back" href={props.backHref}>
          ← All conversations
        </a>
        <div class="inbox-who">
          <span class={`inbox-avatar large channel-${detail.channel}`} aria-hidden="true">
            {initials(name)}
          </span>
          <div class="inbox-who-text">
            <h2>
              {detail.contact_id && contact ? <a href={`/contacts?open=${detail.contact_id}`}>{name}</a> : name}
            </h2>
            <p class="muted">
              {line && <>{line} · </>}
              {channelLabel(detail.channel)}
              {" · "}
              {agent ? <a href={`/agents/${agent.id}`}>{agent.name}</a> : detail.agent_id ? "Deleted agent" : "No agent"}
              {" · started "}
              <time dateTime={detail.created_at} title={when(detail.created_at)}>
                {ago(detail.created_at)}
              </time>
            </p>
          </div>
          <Badge value={detail.status} tone={STATUS_TONES[detail.status]} />
        </div>
        <div class="inbox-controls">
          <div class="inbox-control">
            <label for={`${ids}-status`}>Conversation status</label>
            <select
              id={`${ids}-status`}
              value={detail.status}
              disabled={!inbox || status.busy}
              onChange={(event) => void status.run(event.currentTarget.value)}
            >
              {STATUSES.map((item) => (
                <option value={item.value}>{item.label}</option>
              ))}
            </select>
          </div>
          <div class="inbox-control">
            <label for={`${ids}-assignee`}>Assignee</label>
            <select
              id={`${ids}-assignee`}
              value={detail.assignee_id ?? ""}
              disabled={!inbox || assign.busy}
              onChange={(event) => void assign.run(event.currentTarget.value || null)}
            >
              <option value="">AI agent (no one)</option>
              {members.map((member) => (
                <option value={member.id}>
                  {memberName(member)}
                  {member.id === mine?.id ? " (you)" : ""}
                </option>
              ))}
              {detail.assignee_id && !assignee && <option value={detail.assignee_id}>A former member</option>}
            </select>
          </div>
          {inbox && (
            <div class="inbox-takeover">
              {detail.assignee_id !== (mine?.id ?? null) && (
                <Button
                  variant="primary"
                  busy={assign.busy}
                  disabled={!mine}
                  title={mine ? undefined : "Only a member of this workspace can take over"}
                  onClick={() => mine && void assign.run(mine.id)}
                >
                  Take over
                </Button>
              )}
              {detail.assignee_id && (
                <Button busy={assign.busy} onClick={() => void assign.run(null)}>
                  Hand back to AI
                </Button>
              )}
            </div>
          )}
        </div>
        <Tags conversation={detail} editable={inbox} onChange={merge} />
        {actionError && <ErrorNote error={actionError} />}
        {(detail.summary || detail.sentiment || detail.rating || detail.end_reason || Object.keys(detail.custom_variables).length > 0) && (
          <details class="inbox-details">
            <summary>Conversation details</summary>
            <dl class="facts">
              {detail.summary && (
                <>
                  <dt>Summary</dt>
                  <dd>{detail.summary}</dd>
                </>
              )}
              {detail.sentiment && (
                <>
                  <dt>Sentiment</dt>
                  <dd>
                    <Badge value={detail.sentiment} />
                  </dd>
                </>
              )}
              {detail.rating !== null && (
                <>
                  <dt>Rating</dt>
                  <dd>
                    {detail.rating} / 5{detail.rating_comment ? ` — “${detail.rating_comment}”` : ""}
                  </dd>
                </>
              )}
              {detail.ended_at && (
                <>
                  <dt>Ended</dt>
                  <dd>
                    {when(detail.ended_at)}
                    {detail.end_reason ? ` (${label(detail.end_reason)})` : ""}
                  </dd>
                </>
              )}
              {Object.entries(detail.custom_variables).map(([key, value]) => (
                <>
                  <dt class="mono">{key}</dt>
                  <dd>{String(value)}</dd>
                </>
              ))}
            </dl>
          </details>
        )}
      </header>
      {error && <ErrorNote error={error} retry={() => void load()} />}
      <Thread conversation={detail} customer={name} directory={directory} />
      {inbox ? (
        <Composer
          conversation={detail}
          directory={directory}
          onSent={(message) => {
            setDetail((current) =>
              current && current.id === message.conversation_id
                ? { ...current, messages: mergeMessage(current.messages, message) }
                : current,
            );
            if (message.sender_type !== "note") {
              const updated = { ...detail, last_message_at: message.created_at, unread_count: 0 };
              notePreview(updated, message);
              onChange.current(updated);
            }
          }}
        />
      ) : (
        <p class="inbox-readonly muted">You have read-only access: viewers can read conversations but not reply.</p>
      )}
      {loading && <span class="sr-only" role="status">Updating…</span>}
    </div>
  );
}

export function NoConversation(props: { total: number }) {
  return (
    <div class="inbox-conversation inbox-none">
      <Empty title={props.total ? "Pick a conversation" : "Nothing to read yet"}>
        {props.total
          ? "Choose a conversation on the left to read it, reply, leave an internal note or take over from the AI."
          : "When a conversation starts it shows up on the left at once, no reload needed."}
      </Empty>
    </div>
  );
}
