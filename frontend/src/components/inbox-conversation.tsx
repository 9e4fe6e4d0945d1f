// The inbox's right pane: one conversation, its people, its messages and the reply box.

import { useEffect, useId, useRef, useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { can, useAuth } from "../auth";
import { ago, label, when } from "../format";
import { useLive } from "../hooks";
import type { LiveEvent } from "../live";
import { Composer } from "./inbox-composer";
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
import { Thread, mergeMessage } from "./inbox-thread";
import { Badge, Button, Empty, ErrorNote, Loading, fieldError, toast, useAction } from "./ui";

/** Conversation fields of a live event (the event's data is the conversation plus extras). */
function conversationOf(data: any): Partial<Conversation> {
  const { message: _message, reason: _reason, messages: _messages, ...rest } = data ?? {};
  return rest;
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
