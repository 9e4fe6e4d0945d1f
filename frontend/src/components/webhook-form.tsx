// Create or edit a webhook subscription: its URL, the events it receives, whether it is on.

import { useEffect, useRef, useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { Button, CopyButton, ErrorNote, Field, Modal, fieldError, useAction } from "./ui";

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  created_at: string;
  updated_at: string;
  secret?: string;
}

// The events a subscription can name (the API has no route listing them; this is its list).
export const EVENT_GROUPS: { label: string; events: { value: string; hint: string }[] }[] = [
  {
    label: "Conversations",
    events: [
      { value: "conversation.started", hint: "a conversation starts on any channel" },
      { value: "conversation.pending", hint: "it waits for a human" },
      { value: "conversation.ended", hint: "a conversation ends" },
    ],
  },
  {
    label: "Messages",
    events: [
      { value: "message.received", hint: "a customer's message or text" },
      { value: "message.sent", hint: "the agent's or a member's message" },
      { value: "message.updated", hint: "a text's delivery status" },
    ],
  },
  {
    label: "Calls",
    events: [
      { value: "call.started", hint: "a call connects" },
      { value: "call.ended", hint: "a call ends" },
      { value: "call.analyzed", hint: "its summary and analysis are ready" },
    ],
  },
  {
    label: "Leads and contacts",
    events: [
      { value: "lead.created", hint: "a new lead" },
      { value: "lead.status_changed", hint: "a lead status changes" },
      { value: "lead.qualified", hint: "a lead becomes qualified" },
      { value: "meeting.booked", hint: "a meeting is booked" },
      { value: "contact.created", hint: "a contact is created" },
      { value: "deal.stage_changed", hint: "a deal moves" },
    ],
  },
  {
    label: "Other",
    events: [
      { value: "campaign.completed", hint: "an outbound campaign finishes" },
      { value: "knowledge_source.processed", hint: "a knowledge source is ready" },
      { value: "action.executed", hint: "an agent ran an action" },
    ],
  },
];

export const ALL_EVENTS = EVENT_GROUPS.flatMap((group) => group.events.map((e) => e.value));

export function WebhookForm(props: {
  open: boolean;
  webhook: Webhook | null;
  onClose: () => void;
  onSaved: (webhook: Webhook, created: boolean) => void;
}) {
  const editing = props.webhook;
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [every, setEvery] = useState(false);
  const [events, setEvents] = useState<Set<string>>(new Set());
  const [enabled, setEnabled] = useState(true);
  const urlInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!props.open) return;
    setUrl(editing?.url ?? "");
    setDescription(editing?.description ?? "");
    setEvery(editing?.events.includes("*") ?? false);
    setEvents(new Set((editing?.events ?? []).filter((e) => e !== "*")));
    setEnabled(editing?.enabled ?? true);
    save.setError(null);
  }, [props.open, editing?.id]);

  const save = useAction(async () => {
    const body = {
      url: url.trim(),
      description: description.trim() || null,
      events: every ? ["*"] : ALL_EVENTS.filter((e) => events.has(e)),
      enabled,
    };
    try {
      const result = await api<Webhook>(editing ? `/v1/webhooks/${editing.id}` : "/v1/webhooks", {
        method: editing ? "PATCH" : "POST",
        body,
      });
      props.onSaved(result, !editing);
    } catch (error) {
      if (fieldError(error, "url")) urlInput.current?.focus();
      throw error;
    }
  });

  const flip = (value: string, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(value);
    else next.delete(value);
    setEvents(next);
  };
  const noneChosen = !every && events.size === 0;
  const eventsError = fieldError(save.error, "events");

  return (
    <Modal title={editing ? "Edit webhook" : "New webhook"} open={props.open} onClose={props.onClose} wide>
      <form
        class="wh-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run();
        }}
      >
        <Field
          label="Endpoint URL"
          hint="A public https address that answers 2xx within 30 seconds."
          error={fieldError(save.error, "url")}
        >
          {(id) => (
            <input
              id={id}
              ref={urlInput}
              type="url"
              required
              value={url}
              placeholder="https://example.com/frontdesk"
              onInput={(event) => setUrl(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Description (optional)" error={fieldError(save.error, "description")}>
          {(id) => (
            <input
              id={id}
              value={description}
              maxLength={500}
              placeholder="e.g. CRM sync"
              onInput={(event) => setDescription(event.currentTarget.value)}
            />
          )}
        </Field>
        <fieldset class={`wh-events ${eventsError ? "has-error" : ""}`}>
          <legend>Events</legend>
          <label class="check">
            <input type="checkbox" checked={every} onChange={(event) => setEvery(event.currentTarget.checked)} />
            Every event, including ones added later
          </label>
          {!every && (
            <>
              <div class="wh-bulk">
                <button type="button" class="link" onClick={() => setEvents(new Set(ALL_EVENTS))}>
                  Select all
                </button>
                <button type="button" class="link" onClick={() => setEvents(new Set())}>
                  Clear
                </button>
                <span class="hint">{events.size} selected</span>
              </div>
              <div class="wh-groups">
                {EVENT_GROUPS.map((group) => (
                  <div class="wh-group" role="group" aria-label={group.label}>
                    <h3>{group.label}</h3>
                    {group.events.map((e) => (
                      <label class="check wh-event">
                        <input type="checkbox" checked={events.has(e.value)} onChange={(event) => flip(e.value, event.currentTarget.checked)} />
                        <span>
                          <code>{e.value}</code>
                          <span class="hint">{e.hint}</span>
                        </span>
                      </label>
                    ))}
                  </div>
                ))}
              </div>
            </>
          )}
          {eventsError && (
            <p class="field-error" role="alert">
              {eventsError}
            </p>
          )}
        </fieldset>
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} />
          Enabled (deliveries are sent)
        </label>
        <ErrorNote
          error={
            fieldError(save.error, "url") || fieldError(save.error, "description") || eventsError
              ? new ApiError(400, "VALIDATION_ERROR", "Check the fields marked in red.")
              : save.error
          }
        />
        <div class="row">
          <Button variant="primary" type="submit" busy={save.busy} disabled={noneChosen}>
            {editing ? "Save webhook" : "Create webhook"}
          </Button>
          <Button variant="ghost" onClick={props.onClose}>
            Cancel
          </Button>
          {noneChosen && <span class="hint">Choose at least one event.</span>}
        </div>
      </form>
    </Modal>
  );
}

/** The signing secret, shown once after creation. */
export function SecretDialog(props: { webhook: Webhook | null; onClose: () => void }) {
  const secret = props.webhook?.secret ?? "";
  return (
    <Modal title="Webhook created" open={!!props.webhook} onClose={props.onClose}>
      <p>
        Deliveries to <span class="mono">{props.webhook?.url}</span> are signed with this secret. Copy it now:{" "}
        <strong>it is not shown again.</strong>
      </p>
      <div class="wh-secret">
        <code aria-label="Signing secret">{secret}</code>
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <p class="hint">
        Verify each delivery: <code>X-Frontdesk-Signature</code> is <code>sha256=</code> + the hex HMAC-SHA256 of{" "}
        <code>{"{X-Frontdesk-Timestamp}.{raw body}"}</code> keyed with this secret.
      </p>
      <div class="row">
        <Button variant="primary" onClick={props.onClose}>
          I have saved the secret
        </Button>
      </div>
    </Modal>
  );
}
