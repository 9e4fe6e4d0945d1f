// The inbox conversation's messages: bubbles by sender, grouped by day, kept scrolled to the newest.

import { Fragment } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

import { label, when } from "../format";
import { type ConversationDetail, type Directory, type Message, memberName } from "./inbox-data";

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

/** `messages` with `message` added or, when known, updated (a delivery report names only some fields). */
export function mergeMessage(messages: Message[], message: Partial<Message> & { id: string }): Message[] {
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

export function Thread(props: { conversation: ConversationDetail; customer: string; directory: Directory }) {
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
