// Settings › Phone numbers: the workspace's numbers and the agent each routes inbound calls to.
// On the simulated network any number can be added; with Twilio, the account's numbers are
// imported from its inventory.

import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import type { Workspace } from "../auth";
import { day } from "../format";
import { useApi } from "../hooks";
import { useAgents } from "./settings-channels";
import { Confirm, ReadOnlyNote } from "./settings-shared";
import { Badge, Button, Empty, ErrorNote, Field, Loading, Modal, Pager, Table, fieldError, toast, useAction } from "./ui";

interface PhoneNumber {
  id: string;
  phone_number: string;
  name: string | null;
  provider: "simulated" | "twilio";
  agent_id: string | null;
  created_at: string;
}

export function NumberSettings(props: { workspace: Workspace; editable: boolean }) {
  const [offset, setOffset] = useState(0);
  const list = useApi<Page<PhoneNumber>>("/v1/phone-numbers", { query: { limit: 20, offset } });
  const agents = useAgents();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<PhoneNumber | null>(null);
  const [removing, setRemoving] = useState<PhoneNumber | null>(null);
  const twilio = props.workspace.telephony?.provider === "twilio";
  const agentName = (id: string | null) => (id ? (agents.find((a) => a.id === id)?.name ?? "—") : null);

  return (
    <div class="settings-form">
      {!props.editable && <ReadOnlyNote />}
      <div class="settings-toolbar">
        <p class="muted">
          Inbound calls to a number are answered by its agent. The workspace uses the {twilio ? "Twilio" : "simulated"} phone network
          (Settings › Providers).
        </p>
        {props.editable && (
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add phone number
          </Button>
        )}
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && (
        <Empty
          title="No phone numbers yet"
          action={props.editable ? <Button variant="primary" onClick={() => setAdding(true)}>Add phone number</Button> : undefined}
        >
          {twilio
            ? "Import a number of your Twilio account so that its calls and texts reach an agent."
            : "Add a simulated number to try calls and texts without a phone provider."}
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <Table
            caption="Phone numbers"
            rows={list.data.items}
            rowKey={(n) => n.id}
            columns={[
              { label: "Number", render: (n) => <strong class="mono">{n.phone_number}</strong> },
              { label: "Name", render: (n) => n.name ?? <span class="muted">—</span> },
              { label: "Network", render: (n) => <Badge value={n.provider} tone={n.provider === "twilio" ? "red" : "gray"} /> },
              {
                label: "Answered by",
                render: (n) => (n.agent_id ? <a href={`/agents/${n.agent_id}`}>{agentName(n.agent_id)}</a> : <span class="muted">No agent: calls are not answered</span>),
              },
              { label: "Added", render: (n) => day(n.created_at) },
              ...(props.editable
                ? [
                    {
                      label: "Actions",
                      class: "num",
                      render: (n: PhoneNumber) => (
                        <span class="row-actions">
                          <Button variant="ghost" onClick={() => setEditing(n)} aria-label={`Edit ${n.phone_number}`}>
                            Edit
                          </Button>
                          <Button variant="ghost" onClick={() => setRemoving(n)} aria-label={`Remove ${n.phone_number}`}>
                            Remove
                          </Button>
                        </span>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={setOffset} />
        </>
      )}

      <Modal title="Add phone number" open={adding} onClose={() => setAdding(false)}>
        {adding && (
          <AddNumber
            twilio={twilio}
            agents={agents}
            onDone={(added) => {
              setAdding(false);
              if (added) void list.reload();
            }}
          />
        )}
      </Modal>
      <Modal title={`Edit ${editing?.phone_number ?? "number"}`} open={editing !== null} onClose={() => setEditing(null)}>
        {editing && (
          <EditNumber
            number={editing}
            agents={agents}
            onDone={(saved) => {
              setEditing(null);
              if (saved) void list.reload();
            }}
          />
        )}
      </Modal>
      <Confirm
        open={removing !== null}
        title="Remove phone number"
        confirmLabel="Remove number"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/v1/phone-numbers/${removing!.id}`, { method: "DELETE" });
          toast(`Removed ${removing!.phone_number}`);
          await list.reload();
        }}
      >
        <p>
          Remove <strong class="mono">{removing?.phone_number}</strong> from the workspace? Its calls and texts will no longer reach an agent.
          {removing?.provider === "twilio" ? " The number stays in your Twilio account." : ""}
        </p>
      </Confirm>
    </div>
  );
}

function AgentSelect(props: { value: string; onChange: (value: string) => void; agents: { id: string; name: string }[]; error?: string }) {
  return (
    <Field label="Answered by" error={props.error} hint="The agent that answers inbound calls to this number.">
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
          <option value="">No agent</option>
          {props.agents.map((a) => (
            <option value={a.id}>{a.name}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

function AddNumber(props: { twilio: boolean; agents: { id: string; name: string }[]; onDone: (added: boolean) => void }) {
  const [provider, setProvider] = useState<"simulated" | "twilio">(props.twilio ? "twilio" : "simulated");
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("");
  const [agentId, setAgentId] = useState("");
  const inventory = useApi<{ phone_number: string; added: boolean }[]>(provider === "twilio" ? "/v1/phone-numbers/inventory" : null);
  useEffect(() => setPhone(""), [provider]);

  const save = useAction(async () => {
    await api("/v1/phone-numbers", {
      body: { phone_number: phone.trim(), name: name.trim() || null, provider, agent_id: agentId || null },
    });
    toast(`Added ${phone.trim()}`);
    props.onDone(true);
  });
  const available = (inventory.data ?? []).filter((n) => !n.added);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <fieldset>
        <legend>Network</legend>
        <label class="check">
          <input type="radio" name="number-provider" checked={provider === "simulated"} onChange={() => setProvider("simulated")} />
          Simulated: any number, for testing
        </label>
        <label class="check">
          <input type="radio" name="number-provider" checked={provider === "twilio"} onChange={() => setProvider("twilio")} />
          Twilio: import a number of your Twilio account
        </label>
      </fieldset>
      {provider === "twilio" ? (
        <>
          {!props.twilio && <p class="hint">The workspace's phone network is simulated: set up Twilio under Settings › Providers first.</p>}
          <ErrorNote error={inventory.error} retry={inventory.reload} />
          {inventory.loading && <Loading label="Reading your Twilio numbers…" />}
          {inventory.data && (
            <Field label="Twilio number" error={fieldError(save.error, "phone_number")} hint={available.length ? undefined : "Every number of the account is already added; buy more in Twilio's console."}>
              {(id) => (
                <select id={id} value={phone} required onChange={(e) => setPhone(e.currentTarget.value)}>
                  <option value="">Choose a number…</option>
                  {available.map((n) => (
                    <option value={n.phone_number}>{n.phone_number}</option>
                  ))}
                </select>
              )}
            </Field>
          )}
        </>
      ) : (
        <Field label="Phone number" error={fieldError(save.error, "phone_number")} hint="In international format, e.g. +14155550123.">
          {(id) => <input id={id} type="tel" value={phone} required placeholder="+14155550123" autoComplete="off" onInput={(e) => setPhone(e.currentTarget.value)} />}
        </Field>
      )}
      <Field label="Name" error={fieldError(save.error, "name")} hint="Optional, e.g. Main line.">
        {(id) => <input id={id} value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <AgentSelect value={agentId} onChange={setAgentId} agents={props.agents} error={fieldError(save.error, "agent_id")} />
      <ErrorNote error={save.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={save.busy} disabled={!phone.trim()}>
          Add number
        </Button>
        <Button variant="ghost" onClick={() => props.onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function EditNumber(props: { number: PhoneNumber; agents: { id: string; name: string }[]; onDone: (saved: boolean) => void }) {
  const [name, setName] = useState(props.number.name ?? "");
  const [agentId, setAgentId] = useState(props.number.agent_id ?? "");
  const save = useAction(async () => {
    await api(`/v1/phone-numbers/${props.number.id}`, { method: "PATCH", body: { name: name.trim() || null, agent_id: agentId || null } });
    toast("Number saved");
    props.onDone(true);
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <Field label="Name" error={fieldError(save.error, "name")}>
        {(id) => <input id={id} value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <AgentSelect value={agentId} onChange={setAgentId} agents={props.agents} error={fieldError(save.error, "agent_id")} />
      <ErrorNote error={save.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={save.busy}>
          Save number
        </Button>
        <Button variant="ghost" onClick={() => props.onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
