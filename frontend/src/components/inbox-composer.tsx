// The inbox conversation's reply box: a reply or an internal note, "Suggest reply", a draft kept
// per conversation.

import { useEffect, useId, useRef, useState } from "preact/hooks";

import { api } from "../api";
import { type Conversation, type Directory, type Message, memberName } from "./inbox-data";
import { Button, fieldError, toast, useAction } from "./ui";

export function Composer(props: {
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
