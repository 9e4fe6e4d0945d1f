import "./AuditLog.css";

import { useLocation } from "preact-iso";
import { useEffect, useMemo, useState } from "preact/hooks";

import { type Page } from "../api";
import { can, useAuth } from "../auth";
import { Button, Empty, ErrorNote, Field, Loading, Modal, PageHeader, Pager, Table } from "../components/ui";
import { when } from "../format";
import { useApi, useDebounced, useTitle } from "../hooks";

interface Entry {
  id: string;
  actor_type: "user" | "api_key" | string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

const LIMIT = 25;

// What the server records (the API has no route listing them): for the filters' suggestions.
const RESOURCE_TYPES = [
  "action", "agent", "api_key", "call", "campaign", "channel", "contact", "contact_import", "conversation", "deal",
  "knowledge_base", "knowledge_source", "member", "memory_store", "phone_number", "phonebook", "subaccount", "user",
  "webhook", "webhook_delivery", "workflow", "workspace",
];
const ACTIONS = [
  "action.create", "action.update", "action.delete", "agent.create", "agent.update", "agent.delete", "agent.attach_actions",
  "agent.detach_action", "api_key.create", "api_key.revoke", "call.create", "call.hangup", "call.web_call",
  "campaign.create", "campaign.update", "campaign.delete", "campaign.launch", "campaign.recipients", "channel.create",
  "channel.update", "channel.delete", "contact.create", "contact.update", "contact.delete", "contact.erase",
  "contact.import", "conversation.create", "conversation.assign", "conversation.status", "conversation.tag",
  "conversation.untag", "deal.create", "deal.update", "deal.delete", "knowledge_base.create", "knowledge_base.update",
  "knowledge_base.delete", "knowledge_base.attach", "knowledge_base.detach", "knowledge_source.create",
  "knowledge_source.delete", "knowledge_source.recrawl", "member.invite", "member.accept_invite", "member.update",
  "member.remove", "memory_store.create", "memory_store.update", "memory_store.delete", "phone_number.create",
  "phone_number.update", "phone_number.delete", "phonebook.create", "phonebook.delete", "phonebook.add_entry",
  "phonebook.remove_entry", "subaccount.create", "subaccount.update", "subaccount.delete", "user.register",
  "user.login", "user.password_change", "webhook.create", "webhook.update", "webhook.delete", "webhook.test",
  "webhook_delivery.retry", "workflow.create", "workflow.update", "workflow.delete", "workflow.toggle",
  "workspace.update",
];

// Where a resource lives in the dashboard, when it has a page.
const LINKS: Record<string, (id: string) => string> = {
  agent: (id) => `/agents/${id}`,
  call: (id) => `/calls/${id}`,
  campaign: (id) => `/campaigns/${id}`,
  conversation: (id) => `/inbox/${id}`,
  knowledge_base: (id) => `/knowledge/${id}`,
  workflow: (id) => `/workflows/${id}`,
  webhook: (id) => `/webhooks?webhook=${id}`,
};

interface Filters {
  actor: string;
  action: string;
  resource: string;
  resource_id: string;
  from: string;
  to: string;
}


/** A day picked in the browser's time zone, as the UTC instant it starts (or ends). */
function dayBound(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const [y, m, d] = day.split("-").map(Number);
  const date = end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d, 0, 0, 0, 0);
  return date.toISOString();
}

export default function AuditLog() {
  useTitle("Audit log");
  const { me } = useAuth();
  const admin = can(me, "write");
  const location = useLocation();
  const q = location.query as Record<string, string | undefined>;
  const filters: Filters = {
    actor: q.actor ?? "",
    action: q.action ?? "",
    resource: q.resource ?? "",
    resource_id: q.resource_id ?? "",
    from: q.from ?? "",
    to: q.to ?? "",
  };
  const offset = Number(q.offset ?? 0) || 0;
  const [open, setOpen] = useState<Entry | null>(null);
  const [draftAction, setDraftAction] = useState(filters.action);
  const [draftResourceId, setDraftResourceId] = useState(filters.resource_id);
  const action = useDebounced(draftAction, 400);
  const resourceId = useDebounced(draftResourceId, 400);

  const go = (next: Partial<Filters> & { offset?: number }) => {
    const merged: Record<string, string | number> = { ...filters, offset: 0, ...next };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(merged)) if (value !== "" && value !== 0) params.set(key, String(value));
    const text = params.toString();
    location.route(`/audit-log${text ? `?${text}` : ""}`, true);
  };

  // Typed filters settle before they reach the URL (and the API).
  useEffect(() => {
    if (action !== filters.action && action === draftAction) go({ action });
  }, [action]);
  useEffect(() => {
    if (resourceId !== filters.resource_id && resourceId === draftResourceId) go({ resource_id: resourceId });
  }, [resourceId]);

  const badRange = filters.from && filters.to && filters.from > filters.to;
  const list = useApi<Page<Entry>>(admin && !badRange ? "/v1/audit-logs" : null, {
    query: {
      actor_id: filters.actor,
      action: filters.action.trim(),
      resource_type: filters.resource,
      resource_id: filters.resource_id.trim(),
      start_date: dayBound(filters.from, false),
      end_date: dayBound(filters.to, true),
      limit: LIMIT,
      offset,
    },
  });
  const members = useApi<Page<any>>(admin ? "/v1/members" : null, { query: { limit: 100 } });
  const keys = useApi<Page<any>>(admin ? "/v1/api-keys" : null, { query: { limit: 100 } });

  const actors = useMemo(() => {
    const names = new Map<string, string>();
    for (const m of members.data?.items ?? []) {
      if (!m.user_id) continue;
      const name = [m.first_name, m.last_name].filter(Boolean).join(" ");
      names.set(m.user_id, name ? `${name} (${m.email})` : m.email);
    }
    for (const k of keys.data?.items ?? []) names.set(k.id, `API key “${k.name}” (${k.prefix}…)`);
    return names;
  }, [members.data, keys.data]);

  const actorName = (entry: Entry) => {
    if (!entry.actor_id) return entry.actor_type === "api_key" ? "An API key" : "System";
    return actors.get(entry.actor_id) ?? `${entry.actor_type === "api_key" ? "API key" : "User"} ${entry.actor_id.slice(0, 8)}…`;
  };

  const filtered = Object.values(filters).some(Boolean);

  if (!admin) {
    return (
      <div class="al-page">
        <PageHeader title="Audit log" />
        <Empty title="Only owners and admins can see the audit log">
          It records who changed what in the workspace and from where. Ask an owner or admin if you need an entry.
        </Empty>
      </div>
    );
  }

  return (
    <div class="al-page">
      <PageHeader title="Audit log" subtitle="Who did what in this workspace, when, and from which IP address." />

      <form class="al-filters" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <Field label="Actor">
          {(id) => (
            <select id={id} value={filters.actor} onChange={(event) => go({ actor: event.currentTarget.value })}>
              <option value="">Anyone</option>
              {(members.data?.items ?? [])
                .filter((m) => m.user_id)
                .map((m) => (
                  <option value={m.user_id}>{actors.get(m.user_id)}</option>
                ))}
              {(keys.data?.items ?? []).map((k) => (
                <option value={k.id}>{actors.get(k.id)}</option>
              ))}
              {filters.actor && !actors.has(filters.actor) && <option value={filters.actor}>{filters.actor}</option>}
            </select>
          )}
        </Field>
        <Field label="Action">
          {(id) => (
            <>
              <input
                id={id}
                list="al-actions"
                value={draftAction}
                placeholder="e.g. workflow.update"
                autoComplete="off"
                onInput={(event) => setDraftAction(event.currentTarget.value)}
              />
              <datalist id="al-actions">
                {ACTIONS.map((a) => (
                  <option value={a} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Resource type">
          {(id) => (
            <select id={id} value={filters.resource} onChange={(event) => go({ resource: event.currentTarget.value })}>
              <option value="">Any resource</option>
              {RESOURCE_TYPES.map((r) => (
                <option value={r}>{r.replace(/_/g, " ")}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Resource ID">
          {(id) => (
            <input
              id={id}
              value={draftResourceId}
              placeholder="Any"
              autoComplete="off"
              class="mono"
              onInput={(event) => setDraftResourceId(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="From" error={badRange ? "Must be on or before “To”" : undefined}>
          {(id) => <input id={id} type="date" value={filters.from} max={filters.to || undefined} onChange={(event) => go({ from: event.currentTarget.value })} />}
        </Field>
        <Field label="To">
          {(id) => <input id={id} type="date" value={filters.to} min={filters.from || undefined} onChange={(event) => go({ to: event.currentTarget.value })} />}
        </Field>
        {filtered && (
          <div class="al-clear">
            <Button
              variant="ghost"
              onClick={() => {
                setDraftAction("");
                setDraftResourceId("");
                location.route("/audit-log", true);
              }}
            >
              Clear filters
            </Button>
          </div>
        )}
      </form>

      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading && <Loading label="Loading the audit log…" />}
      {list.data && list.data.items.length === 0 && (
        <Empty title={filtered ? "No entries match these filters" : "No entries yet"}>
          {filtered
            ? "Widen the date range or clear a filter. Actions match exactly (e.g. workflow.update)."
            : "Every change made through the dashboard or the API is recorded here."}
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <p class="muted al-count" aria-live="polite">
            {list.data.total.toLocaleString()} {list.data.total === 1 ? "entry" : "entries"}
          </p>
          <div class="stacked">
          <Table
            caption="Audit log entries"
            rows={list.data.items}
            rowKey={(e) => e.id}
            onOpen={setOpen}
            columns={[
              { label: "Time", render: (e) => <time datetime={e.created_at}>{when(e.created_at)}</time> },
              {
                label: "Actor",
                render: (e) => (
                  <span class="al-actor">
                    {actorName(e)}
                    {e.actor_type === "api_key" && <span class="badge badge-gray">API</span>}
                  </span>
                ),
              },
              { label: "Action", render: (e) => <code class="al-action">{e.action}</code> },
              {
                label: "Resource",
                render: (e) => {
                  const link = e.resource_id && LINKS[e.resource_type];
                  return (
                    <span class="al-resource">
                      {e.resource_type.replace(/_/g, " ")}
                      {e.resource_id &&
                        (link ? (
                          <a class="mono" href={link(e.resource_id)} onClick={(event) => event.stopPropagation()}>
                            {e.resource_id.slice(0, 8)}…
                          </a>
                        ) : (
                          <span class="mono muted" title={e.resource_id}>
                            {e.resource_id.length > 12 ? `${e.resource_id.slice(0, 8)}…` : e.resource_id}
                          </span>
                        ))}
                    </span>
                  );
                },
              },
              { label: "IP", render: (e) => <span class="mono">{e.ip ?? "—"}</span> },
              {
                label: "Details",
                render: (e) => (
                  <button
                    type="button"
                    class="link"
                    onClick={(event) => {
                      event.stopPropagation();
                      setOpen(e);
                    }}
                  >
                    View<span class="sr-only"> {e.action} at {when(e.created_at)}</span>
                  </button>
                ),
              },
            ]}
          />
          </div>
          <Pager total={list.data.total} limit={LIMIT} offset={offset} onChange={(next) => go({ ...filters, offset: next })} />
        </>
      )}

      <Modal title="Audit entry" open={!!open} onClose={() => setOpen(null)}>
        {open && (
          <div class="stack">
            <dl class="facts">
              <dt>Time</dt>
              <dd>{when(open.created_at)}</dd>
              <dt>Actor</dt>
              <dd>
                {actorName(open)}
                {open.actor_id && <div class="mono muted al-small">{open.actor_type}: {open.actor_id}</div>}
              </dd>
              <dt>Action</dt>
              <dd>
                <code>{open.action}</code>
              </dd>
              <dt>Resource</dt>
              <dd>
                {open.resource_type}
                {open.resource_id && <div class="mono al-small">{open.resource_id}</div>}
              </dd>
              <dt>IP address</dt>
              <dd class="mono">{open.ip ?? "—"}</dd>
              <dt>User agent</dt>
              <dd class="al-small">{open.user_agent ?? "—"}</dd>
            </dl>
            <div>
              <h3>Details</h3>
              {Object.keys(open.details ?? {}).length ? (
                <pre>{JSON.stringify(open.details, null, 2)}</pre>
              ) : (
                <p class="muted">No further details were recorded.</p>
              )}
            </div>
            <div class="row">
              <Button
                onClick={() => {
                  const entry = open;
                  setOpen(null);
                  setDraftResourceId(entry.resource_id ?? "");
                  go({ resource: entry.resource_type, resource_id: entry.resource_id ?? "" });
                }}
              >
                Show this resource's history
              </Button>
            </div>
          </div>
        )}
      </Modal>
    </div>
  );
}
