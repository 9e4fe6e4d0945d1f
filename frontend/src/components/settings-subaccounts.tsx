// Settings › Sub-accounts: an agency's client workspaces. A parent acts inside a child with the
// `Frontdesk-Workspace` header (session.actIn); phone numbers move between the two.

import { useEffect, useState } from "preact/hooks";

import { all, api, session, type Page } from "../api";
import type { Workspace } from "../auth";
import { day } from "../format";
import { useApi } from "../hooks";
import { Confirm, ReadOnlyNote, SecretOnce } from "./settings-shared";
import { timeZones } from "./settings-workspace";
import { Badge, Button, Empty, ErrorNote, Field, Loading, Modal, Pager, Table, fieldError, toast, useAction } from "./ui";

interface Subaccount {
  subaccount_id: string;
  subaccount_name: string;
  parent_id: string;
  concurrency: number | null;
  timezone: string;
  twilio_connected: boolean;
  phone_numbers: string[];
  created_at: string;
}

function actIn(id: string | null) {
  session.actIn(id);
  window.location.reload();
}

/** Shown on every settings tab while a parent's user works inside a sub-account. */
export function ActingBanner(props: { workspace: Workspace }) {
  if (!session.workspace) return null;
  return (
    <div class="acting-banner" role="status">
      <span>
        You are acting in the sub-account <strong>{props.workspace.name}</strong>. Everything you change here changes it.
      </span>
      <Button variant="secondary" onClick={() => actIn(null)}>
        Back to my workspace
      </Button>
    </div>
  );
}

export function SubaccountSettings(props: { workspace: Workspace; editable: boolean }) {
  if (!props.editable) return <ReadOnlyNote>Only admins and owners can see and manage sub-accounts.</ReadOnlyNote>;
  if (props.workspace.parent_id)
    return (
      <div class="settings-form">
        <ReadOnlyNote>
          {props.workspace.name} is itself a sub-account of an agency; sub-accounts cannot have sub-accounts of their own.
        </ReadOnlyNote>
      </div>
    );
  return <Subaccounts />;
}

function Subaccounts() {
  const [offset, setOffset] = useState(0);
  const list = useApi<Page<Subaccount>>("/v1/subaccounts", { query: { limit: 20, offset } });
  const [creating, setCreating] = useState(false);
  const [moving, setMoving] = useState<Subaccount | null>(null);
  const [removing, setRemoving] = useState<Subaccount | null>(null);

  return (
    <div class="settings-form">
      <div class="settings-toolbar">
        <p class="muted">
          Run Frontdesk for your clients: each sub-account is a workspace of its own, with its agents, numbers and inbox. You can act in any
          of them; their users never reach yours.
        </p>
        <Button variant="primary" onClick={() => setCreating(true)}>
          Create sub-account
        </Button>
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && (
        <Empty title="No sub-accounts yet" action={<Button variant="primary" onClick={() => setCreating(true)}>Create sub-account</Button>}>
          Agencies create one sub-account per client, then set up its agents while acting in it.
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <Table
            caption="Sub-accounts"
            rows={list.data.items}
            rowKey={(s) => s.subaccount_id}
            columns={[
              { label: "Name", render: (s) => <strong>{s.subaccount_name}</strong> },
              { label: "Time zone", render: (s) => s.timezone },
              { label: "Phone numbers", render: (s) => (s.phone_numbers.length ? <span class="mono">{s.phone_numbers.join(", ")}</span> : <span class="muted">None</span>) },
              { label: "Twilio", render: (s) => <Badge value={s.twilio_connected ? "connected" : "not connected"} tone={s.twilio_connected ? "green" : "gray"} /> },
              { label: "Calls at once", render: (s) => s.concurrency ?? <span class="muted">Agency's limit</span> },
              { label: "Created", render: (s) => day(s.created_at) },
              {
                label: "Actions",
                class: "num",
                render: (s) => (
                  <span class="row-actions">
                    <Button variant="secondary" onClick={() => actIn(s.subaccount_id)} aria-label={`Act in this sub-account: ${s.subaccount_name}`}>
                      Act in this sub-account
                    </Button>
                    <Button variant="ghost" onClick={() => setMoving(s)} aria-label={`Move phone numbers of ${s.subaccount_name}`}>
                      Move numbers
                    </Button>
                    <Button variant="ghost" onClick={() => setRemoving(s)} aria-label={`Delete ${s.subaccount_name}`}>
                      Delete
                    </Button>
                  </span>
                ),
              },
            ]}
          />
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={setOffset} />
        </>
      )}
      <Modal title="Create sub-account" open={creating} onClose={() => setCreating(false)}>
        {creating && <CreateSubaccount onCreated={list.reload} onClose={() => setCreating(false)} />}
      </Modal>
      <Modal title={`Move phone numbers · ${moving?.subaccount_name ?? ""}`} open={moving !== null} onClose={() => setMoving(null)}>
        {moving && (
          <MoveNumbers
            sub={moving}
            onDone={(moved) => {
              setMoving(null);
              if (moved) void list.reload();
            }}
          />
        )}
      </Modal>
      <Confirm
        open={removing !== null}
        title="Delete sub-account"
        confirmLabel="Delete sub-account and its data"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/v1/subaccounts/${removing!.subaccount_id}`, { method: "DELETE" });
          toast(`Deleted ${removing!.subaccount_name}`);
          await list.reload();
        }}
      >
        <p>
          Delete <strong>{removing?.subaccount_name}</strong> and everything in it: its agents, conversations, calls, contacts and phone
          numbers. This cannot be undone. Return numbers you want to keep first.
        </p>
      </Confirm>
    </div>
  );
}

function CreateSubaccount(props: { onCreated: () => Promise<void>; onClose: () => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [timezone, setTimezone] = useState("");
  const [concurrency, setConcurrency] = useState("");
  const [created, setCreated] = useState<(Subaccount & { api_key: string; invite_token: string | null; user_email: string | null }) | null>(null);
  const zones = timeZones();
  const create = useAction(async () => {
    const body: Record<string, unknown> = { subaccount_name: name.trim() };
    if (email.trim()) body.user_email = email.trim();
    if (timezone) body.timezone = timezone;
    if (concurrency.trim()) body.concurrency = Number(concurrency);
    setCreated(await api("/v1/subaccounts", { body }));
    await props.onCreated();
  });

  if (created) {
    return (
      <div class="stack">
        <p>
          <strong>{created.subaccount_name}</strong> is ready. Its admin API key lets your systems work inside it:
        </p>
        <SecretOnce label="Sub-account API key" value={created.api_key}>
          This is the only time the key is shown.
        </SecretOnce>
        {created.invite_token && (
          <>
            <p>
              <strong>{created.user_email}</strong> is invited as its owner; pass them this invitation token (accepted with{" "}
              <code>POST /v1/auth/accept-invite</code>):
            </p>
            <SecretOnce label="Invitation token" value={created.invite_token}>
              Shown only now.
            </SecretOnce>
          </>
        )}
        <div class="settings-actions">
          <Button variant="primary" onClick={() => actIn(created.subaccount_id)}>
            Act in this sub-account
          </Button>
          <Button variant="ghost" onClick={props.onClose}>
            Done
          </Button>
        </div>
      </div>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void create.run();
      }}
    >
      <Field label="Name" error={fieldError(create.error, "subaccount_name")} hint="Usually the client's business name.">
        {(id) => <input id={id} value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <Field label="Client's email" error={fieldError(create.error, "user_email")} hint="Optional: invites them as the sub-account's owner.">
        {(id) => <input id={id} type="email" value={email} autoComplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />}
      </Field>
      <div class="row">
        <Field label="Time zone" error={fieldError(create.error, "timezone")}>
          {(id) => (
            <select id={id} value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)}>
              <option value="">Same as the agency</option>
              {zones.map((z) => (
                <option value={z}>{z.replace(/_/g, " ")}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Calls at once" error={fieldError(create.error, "concurrency")} hint="Optional; within the agency's limit.">
          {(id) => <input id={id} type="number" min={1} max={10000} value={concurrency} onInput={(e) => setConcurrency(e.currentTarget.value)} />}
        </Field>
      </div>
      <ErrorNote error={create.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={create.busy}>
          Create sub-account
        </Button>
        <Button variant="ghost" onClick={props.onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function MoveNumbers(props: { sub: Subaccount; onDone: (moved: boolean) => void }) {
  const [operation, setOperation] = useState<"import" | "return">("import");
  const [mine, setMine] = useState<string[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    all<{ phone_number: string }>("/v1/phone-numbers")
      .then((items) => setMine(items.map((n) => n.phone_number)))
      .catch(setLoadError);
  }, []);
  useEffect(() => setChosen([]), [operation]);
  const choices = operation === "import" ? (mine ?? []) : props.sub.phone_numbers;
  const move = useAction(async () => {
    const result = await api<{ moved_phone_numbers: string[] }>(`/v1/subaccounts/${props.sub.subaccount_id}`, {
      method: "PUT",
      body: { operation_type: operation, products: { phone_numbers: chosen } },
    });
    toast(`Moved ${result.moved_phone_numbers.length} number${result.moved_phone_numbers.length === 1 ? "" : "s"}`);
    props.onDone(true);
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void move.run();
      }}
    >
      <fieldset>
        <legend>Direction</legend>
        <label class="check">
          <input type="radio" name="move-direction" checked={operation === "import"} onChange={() => setOperation("import")} />
          Give numbers of my workspace to {props.sub.subaccount_name}
        </label>
        <label class="check">
          <input type="radio" name="move-direction" checked={operation === "return"} onChange={() => setOperation("return")} />
          Take numbers of {props.sub.subaccount_name} back
        </label>
      </fieldset>
      <ErrorNote error={loadError} />
      {operation === "import" && mine === null && !loadError && <Loading />}
      {(operation === "return" || mine !== null) && (
        <fieldset>
          <legend>Numbers</legend>
          {choices.length === 0 && (
            <p class="muted">{operation === "import" ? "Your workspace has no phone numbers to give." : `${props.sub.subaccount_name} has no phone numbers.`}</p>
          )}
          {choices.map((n) => (
            <label class="check mono" key={n}>
              <input
                type="checkbox"
                checked={chosen.includes(n)}
                onChange={(e) => setChosen((e.currentTarget as HTMLInputElement).checked ? [...chosen, n] : chosen.filter((c) => c !== n))}
              />
              {n}
            </label>
          ))}
        </fieldset>
      )}
      {fieldError(move.error, "products") && <p class="field-error">{fieldError(move.error, "products")}</p>}
      <ErrorNote error={move.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={move.busy} disabled={chosen.length === 0}>
          Move {chosen.length || ""} number{chosen.length === 1 ? "" : "s"}
        </Button>
        <Button variant="ghost" onClick={() => props.onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
