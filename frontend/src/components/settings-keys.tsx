// Settings › API keys: keys for scripts and servers (`Authorization: Bearer fd_…`). The secret is
// shown once at creation; Frontdesk keeps only its hash.

import { useState } from "preact/hooks";

import { api, type Page } from "../api";
import { useAuth } from "../auth";
import { ago, day, when } from "../format";
import { useApi } from "../hooks";
import { ROLES } from "./settings-members";
import { Confirm, ReadOnlyNote, SecretOnce } from "./settings-shared";
import { Badge, Button, Empty, ErrorNote, Field, Loading, Modal, Pager, Table, fieldError, toast, useAction } from "./ui";

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

export function KeySettings(props: { editable: boolean }) {
  if (!props.editable) return <ReadOnlyNote>Only admins and owners can see and create API keys.</ReadOnlyNote>;
  return <Keys />;
}

function Keys() {
  const [offset, setOffset] = useState(0);
  const list = useApi<Page<ApiKey>>("/v1/api-keys", { query: { limit: 20, offset } });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const expired = (k: ApiKey) => !!k.expires_at && new Date(k.expires_at).getTime() < Date.now();

  return (
    <div class="settings-form">
      <div class="settings-toolbar">
        <p class="muted">
          Everything in the dashboard is in the API: send a key as <code>Authorization: Bearer fd_…</code> (docs at <a href="/docs">/docs</a>).
        </p>
        <Button variant="primary" onClick={() => setCreating(true)}>
          Create API key
        </Button>
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && (
        <Empty title="No API keys yet" action={<Button variant="primary" onClick={() => setCreating(true)}>Create API key</Button>}>
          Create a key to call the Frontdesk API from your own scripts, CRM or servers.
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <Table
            caption="API keys"
            rows={list.data.items}
            rowKey={(k) => k.id}
            columns={[
              { label: "Name", render: (k) => <strong>{k.name}</strong> },
              { label: "Key", render: (k) => <span class="mono">{k.prefix}…</span> },
              { label: "Role", render: (k) => <Badge value={k.role} tone="blue" /> },
              { label: "Created", render: (k) => day(k.created_at) },
              { label: "Last used", render: (k) => (k.last_used_at ? <span title={when(k.last_used_at)}>{ago(k.last_used_at)}</span> : <span class="muted">Never</span>) },
              {
                label: "Expires",
                render: (k) => (k.expires_at ? expired(k) ? <Badge value="expired" tone="red" /> : day(k.expires_at) : <span class="muted">Never</span>),
              },
              {
                label: "Actions",
                class: "num",
                render: (k) => (
                  <Button variant="ghost" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </Button>
                ),
              },
            ]}
          />
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={setOffset} />
        </>
      )}
      <Modal title="Create API key" open={creating} onClose={() => setCreating(false)}>
        {creating && <CreateKey onCreated={list.reload} onClose={() => setCreating(false)} />}
      </Modal>
      <Confirm
        open={revoking !== null}
        title="Revoke API key"
        confirmLabel="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await api(`/v1/api-keys/${revoking!.id}`, { method: "DELETE" });
          toast(`Revoked ${revoking!.name}`);
          await list.reload();
        }}
      >
        <p>
          Revoke <strong>{revoking?.name}</strong> (<span class="mono">{revoking?.prefix}…</span>)? Anything still using it gets 401 from now
          on. This cannot be undone.
        </p>
      </Confirm>
    </div>
  );
}

function CreateKey(props: { onCreated: () => Promise<void>; onClose: () => void }) {
  const { me } = useAuth();
  const [name, setName] = useState("");
  const [role, setRole] = useState("admin");
  const [expires, setExpires] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const rank = ["viewer", "agent", "admin", "owner"];
  const roles = ROLES.filter((r) => rank.indexOf(r.value) <= rank.indexOf(me?.role ?? "viewer"));
  const create = useAction(async () => {
    const body: Record<string, string> = { name: name.trim(), role };
    if (expires) body.expires_at = new Date(`${expires}T23:59:59`).toISOString();
    const created = await api<ApiKey & { key: string }>("/v1/api-keys", { body });
    setSecret(created.key);
    await props.onCreated();
  });

  if (secret) {
    return (
      <div class="stack">
        <p>
          <strong>{name}</strong> is ready, with the {role} role.
        </p>
        <SecretOnce label="API key" value={secret}>
          This is the only time the key is shown. Store it in your secrets manager; if it is lost, revoke it and create another.
        </SecretOnce>
        <div class="settings-actions">
          <Button variant="primary" onClick={props.onClose}>
            I have copied the key
          </Button>
        </div>
      </div>
    );
  }
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void create.run();
      }}
    >
      <Field label="Name" error={fieldError(create.error, "name")} hint="What uses it, e.g. CRM sync.">
        {(id) => <input id={id} value={name} required maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />}
      </Field>
      <Field label="Role" error={fieldError(create.error, "role")} hint="At most your own role.">
        {(id) => (
          <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {roles.map((r) => (
              <option value={r.value}>
                {r.label}: {r.hint}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Expires on" error={fieldError(create.error, "expires_at")} hint="Optional; empty: never expires.">
        {(id) => <input id={id} type="date" min={tomorrow} value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />}
      </Field>
      <ErrorNote error={create.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={create.busy}>
          Create key
        </Button>
        <Button variant="ghost" onClick={props.onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
