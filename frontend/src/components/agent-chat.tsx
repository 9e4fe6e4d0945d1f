// The agent's "Test chat" tab: a real conversation (channel "api") with streamed replies.

import { useEffect, useRef, useState } from "preact/hooks";

import { ApiError, api, stream } from "../api";
import type { Agent } from "./agent-types";
import { Button, ErrorNote, Field, Loading } from "./ui";

interface Source {
  source?: string;
  score?: number;
  page?: number | null;
  heading?: string | null;
  knowledge_base_id?: string;
}

interface ChatMessage {
  id: string;
  sender_type: string;
  content: string;
  ai_metadata?: {
    model?: string;
    provider?: string;
    latency_ms?: number;
    tokens_used?: number;
    sources?: Source[];
  } | null;
  streaming?: boolean;
}

interface Conversation {
  id: string;
  status: string;
  messages: ChatMessage[];
}

function Sources(props: { sources?: Source[] }) {
  if (!props.sources?.length) return null;
  return (
    <div class="agent-sources">
      <span class="agent-sources-title">Sources used</span>
      <ul class="sources">
        {props.sources.map((source, index) => (
          <li key={index}>
            <span class="agent-source-name">
              {source.source ?? "Unnamed source"}
              {source.page ? `, page ${source.page}` : ""}
              {source.heading ? ` · ${source.heading}` : ""}
            </span>{" "}
            {typeof source.score === "number" && <span class="agent-source-score">score {source.score.toFixed(2)}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Bubble(props: { message: ChatMessage }) {
  const { message } = props;
  const meta = message.ai_metadata;
  const kind = message.sender_type === "user" ? "user" : message.sender_type === "agent" ? "agent" : message.sender_type === "member" ? "member" : "system";
  const who = kind === "user" ? "You (as the customer)" : kind === "agent" ? "Agent" : kind === "member" ? "Team member" : "System";
  if (message.streaming && !message.content) {
    return (
      <div class="agent-chat-item agent" role="status">
        <span class="agent-typing">
          <span aria-hidden="true">•••</span>
          <span class="sr-only">The agent is writing a reply</span>
        </span>
      </div>
    );
  }
  return (
    <div class={`agent-chat-item ${kind}`}>
      <span class="sr-only">{who}:</span>
      <div class={`bubble ${kind}`} aria-busy={message.streaming ? "true" : undefined}>
        {message.content}
        {kind === "agent" && meta && (meta.latency_ms !== undefined || meta.model) && (
          <span class="meta">
            {[meta.model ?? meta.provider, meta.latency_ms !== undefined ? `${(meta.latency_ms / 1000).toFixed(1)} s` : null, meta.tokens_used ? `${meta.tokens_used} tokens` : null]
              .filter(Boolean)
              .join(" · ")}
          </span>
        )}
      </div>
      {kind === "agent" && <Sources sources={meta?.sources} />}
    </div>
  );
}

export function AgentChat(props: { agent: Agent; canChat: boolean }) {
  const { agent } = props;
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<unknown>(null);
  const [draft, setDraft] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const thread = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const abort = useRef<AbortController | null>(null);

  const start = async () => {
    abort.current?.abort();
    setStarting(true);
    setStartError(null);
    setSendError(null);
    setNotice(null);
    setSending(false);
    try {
      const created = await api<Conversation>("/v1/conversations", { body: { agent_id: agent.id, channel: "api" } });
      setConversation(created);
      setMessages(created.messages ?? []);
      // Focus the message box, except on phones where it would pop the keyboard up unasked.
      if (window.matchMedia("(min-width: 761px)").matches) setTimeout(() => input.current?.focus(), 0);
    } catch (caught) {
      setStartError(caught);
      setConversation(null);
      setMessages([]);
    } finally {
      setStarting(false);
    }
  };

  useEffect(() => {
    if (props.canChat && agent.enabled) void start();
  }, [agent.id, agent.enabled]);
  useEffect(() => () => abort.current?.abort(), []);

  useEffect(() => {
    const box = thread.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [messages]);

  const send = async () => {
    const content = draft.trim();
    if (!content || !conversation || sending) return;
    setDraft("");
    setSendError(null);
    setNotice(null);
    setSending(true);
    const mine = `pending-${Date.now()}`;
    const reply = `reply-${Date.now()}`;
    setMessages((current) => [
      ...current,
      { id: mine, sender_type: "user", content },
      { id: reply, sender_type: "agent", content: "", streaming: true },
    ]);
    const controller = new AbortController();
    abort.current = controller;
    let finished = false;
    try {
      await stream(
        `/v1/conversations/${conversation.id}/messages`,
        ({ event, data }) => {
          if (event === "message") {
            setMessages((current) => current.map((item) => (item.id === mine ? (data as ChatMessage) : item)));
          } else if (event === "token") {
            const text = typeof data === "object" && data ? String(data.text ?? "") : String(data);
            setMessages((current) => current.map((item) => (item.id === reply ? { ...item, content: item.content + text } : item)));
          } else if (event === "done") {
            finished = true;
            const stored = data?.reply as ChatMessage | null;
            if (stored) {
              setMessages((current) => current.map((item) => (item.id === reply ? stored : item)));
            } else {
              setMessages((current) => current.filter((item) => item.id !== reply));
              setNotice("The AI did not answer: a team member has taken over this conversation in the Inbox.");
            }
          } else if (event === "error") {
            finished = true;
            setMessages((current) => current.filter((item) => item.id !== reply));
            setSendError(new ApiError(200, data?.code ?? "STREAM_ERROR", data?.error ?? "The agent could not answer", data?.details ?? {}));
          }
        },
        { body: { content }, signal: controller.signal },
      );
      if (!finished) {
        setMessages((current) =>
          current.map((item) => (item.id === reply ? { ...item, streaming: false } : item)).filter((item) => item.id !== reply || item.content),
        );
        setNotice("The reply stopped before it was complete. Send the message again, or start a new chat.");
      }
    } catch (caught) {
      if ((caught as Error).name === "AbortError") return;
      setMessages((current) => current.filter((item) => item.id !== reply && item.id !== mine));
      setDraft(content);
      setSendError(caught);
    } finally {
      if (abort.current === controller) abort.current = null;
      setSending(false);
      setTimeout(() => input.current?.focus(), 0);
    }
  };

  if (!props.canChat) {
    return <p class="muted">Your role (viewer) cannot start conversations. Ask an admin for the agent or admin role.</p>;
  }

  return (
    <div class="agent-chat">
      <div class="agent-chat-head">
        <p class="hint">
          You are the customer. This is a real conversation on the <code>api</code> channel
          {conversation && (
            <>
              {" "}
              (<a href={`/inbox/${conversation.id}`}>open it in the Inbox</a>)
            </>
          )}
          .
        </p>
        <Button onClick={() => void start()} busy={starting} disabled={!agent.enabled}>
          New chat
        </Button>
      </div>
      {!agent.enabled && (
        <p class="agent-embed-warning" role="note">
          This agent is disabled, so it answers no one, not even here. Enable it with the button at the top of the page to
          test it.
        </p>
      )}
      <ErrorNote error={agent.enabled ? startError : null} retry={() => void start()} />
      <div class="agent-chat-window card">
        <div class="thread agent-chat-thread" ref={thread} role="log" aria-live="polite" aria-label="Test conversation">
          {starting && messages.length === 0 ? (
            <Loading label="Starting a conversation…" />
          ) : messages.length === 0 && conversation ? (
            <p class="muted agent-chat-empty">The agent has no greeting. Say hello to start.</p>
          ) : (
            messages.map((message) => <Bubble key={message.id} message={message} />)
          )}
        </div>
        {notice && (
          <p class="agent-chat-notice" role="status">
            {notice}
          </p>
        )}
        <ErrorNote error={sendError} />
        <form
          class="agent-chat-compose"
          onSubmit={(event) => {
            event.preventDefault();
            void send();
          }}
        >
          <Field label="Message">
            {(id) => (
              <textarea
                id={id}
                ref={input}
                rows={2}
                placeholder={conversation ? "Type as the customer… (Enter sends, Shift+Enter adds a line)" : "Start a chat first"}
                value={draft}
                disabled={!conversation || !agent.enabled}
                maxLength={10000}
                onInput={(event) => setDraft(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
                    event.preventDefault();
                    void send();
                  }
                }}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={sending} disabled={!conversation || !agent.enabled || !draft.trim()}>
            Send
          </Button>
        </form>
      </div>
    </div>
  );
}
