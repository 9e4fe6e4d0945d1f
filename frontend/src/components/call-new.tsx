// "New call": an outbound call placed by an agent (POST /v1/calls).

import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { ApiError, api } from "../api";
import { type Agent, FromNumberSelect, type PhoneNumber, useAllOf } from "./call-common";
import { plainFieldError } from "./call-common";
import { Button, ErrorNote, Field, type KeyValue, KeyValueRows, Loading, Modal, toast, useAction } from "./ui";

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function NewCallForm(props: { agentId?: string; onDone: () => void }) {
  const agents = useAllOf<Agent>("/v1/agents");
  const numbers = useAllOf<PhoneNumber>("/v1/phone-numbers");
  const { route } = useLocation();
  const [agentId, setAgentId] = useState(props.agentId ?? "");
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("");
  const [fromNumber, setFromNumber] = useState("");
  const [variables, setVariables] = useState<KeyValue[]>([]);
  const [greeting, setGreeting] = useState("");
  const [email, setEmail] = useState("");
  const [timezone, setTimezone] = useState("");
  // One key per attempt: a retry after a lost answer dials once; an answered error frees the key.
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);

  const place = useAction(async () => {
    const custom: Record<string, string> = {};
    for (const variable of variables) if (variable.key.trim()) custom[variable.key.trim()] = variable.value;
    const body: Record<string, unknown> = { agent_id: agentId, phone: phone.trim(), name: name.trim() };
    if (Object.keys(custom).length) body.custom_variables = custom;
    if (fromNumber) body.from_number = fromNumber;
    if (greeting.trim()) body.greeting = greeting.trim();
    if (email.trim()) body.lead_email = email.trim();
    if (timezone.trim()) body.lead_timezone = timezone.trim();
    let queued: { call_id: string; status: string; eta: number };
    try {
      queued = await api("/v1/calls", { body, headers: { "Idempotency-Key": idempotencyKey } });
    } catch (caught) {
      if (caught instanceof ApiError && caught.status !== 0) setIdempotencyKey(newKey());
      throw caught;
    }
    toast(queued.eta > 1 ? `Call queued: dialing in about ${queued.eta} s` : "Call queued: dialing now");
    props.onDone();
    route(`/calls/${queued.call_id}`);
  });

  if ((agents.loading && !agents.data) || (numbers.loading && !numbers.data)) return <Loading />;
  if (agents.error) return <ErrorNote error={agents.error} retry={agents.reload} />;
  const usable = (agents.data ?? []).filter((agent) => agent.enabled);
  if (!usable.length)
    return (
      <p>
        There is no enabled agent to make the call. <a href="/agents">Create an agent</a> first, then come back.
      </p>
    );

  const error = place.error;
  const fieldError = (caught: unknown, field: string) => plainFieldError(caught, field);
  const unknownError =
    error && !["agent_id", "phone", "name", "custom_variables", "from_number", "greeting", "lead_email", "lead_timezone"].some(
      (field) => fieldError(error, field),
    );

  return (
    <form
      class="call-new"
      onSubmit={(event) => {
        event.preventDefault();
        void place.run();
      }}
    >
      <Field label="Agent" error={fieldError(error, "agent_id")} hint="The AI agent that speaks on the call.">
        {(id) => (
          <select id={id} required value={agentId} onChange={(e) => setAgentId((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Choose an agent…</option>
            {usable.map((agent) => (
              <option value={agent.id} key={agent.id}>
                {agent.name}
                {agent.type !== "outbound" ? ` (${agent.type})` : ""}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="grid-2">
        <Field label="Phone number to call" error={fieldError(error, "phone")} hint="International form, e.g. +14155550123">
          {(id) => (
            <input
              id={id}
              type="tel"
              required
              autoComplete="off"
              inputMode="tel"
              placeholder="+14155550123"
              value={phone}
              onInput={(e) => setPhone((e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label="Name" error={fieldError(error, "name")} hint="Who the agent is calling.">
          {(id) => (
            <input id={id} required maxLength={200} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          )}
        </Field>
      </div>
      <Field
        label="Call from"
        error={fieldError(error, "from_number")}
        hint={numbers.data?.length ? undefined : "The workspace has no phone numbers; the call uses the network's default caller ID."}
      >
        {(id) => <FromNumberSelect id={id} numbers={numbers.data} value={fromNumber} onChange={setFromNumber} />}
      </Field>

      <KeyValueRows
        legend="Custom variables"
        hint="Values for the {{placeholders}} in the agent's prompt, for this call only."
        rows={variables}
        onChange={setVariables}
        error={fieldError(error, "custom_variables")}
        placeholders={{ key: "appointment", value: "Friday at ten" }}
        rowClass="call-variable"
      />

      <details class="call-more">
        <summary>More options</summary>
        <Field label="Greeting for this call" error={fieldError(error, "greeting")} hint="Replaces the agent's first words for this call only.">
          {(id) => (
            <textarea id={id} rows={2} maxLength={2000} value={greeting} onInput={(e) => setGreeting((e.currentTarget as HTMLTextAreaElement).value)} />
          )}
        </Field>
        <div class="grid-2">
          <Field label="Email" error={fieldError(error, "lead_email")}>
            {(id) => (
              <input id={id} type="email" value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
          <Field label="Their time zone" error={fieldError(error, "lead_timezone")} hint="e.g. America/New_York">
            {(id) => (
              <input id={id} value={timezone} onInput={(e) => setTimezone((e.currentTarget as HTMLInputElement).value)} />
            )}
          </Field>
        </div>
      </details>

      {unknownError && <ErrorNote error={error} />}
      <div class="call-form-actions">
        <Button onClick={props.onDone}>Cancel</Button>
        <Button type="submit" variant="primary" busy={place.busy}>
          Place call
        </Button>
      </div>
    </form>
  );
}

/** The "New call" dialog; after placing the call it opens the call's page. */
export function NewCallModal(props: { open: boolean; onClose: () => void; agentId?: string }) {
  return (
    <Modal title="New call" open={props.open} onClose={props.onClose}>
      <NewCallForm agentId={props.agentId} onDone={props.onClose} />
    </Modal>
  );
}
