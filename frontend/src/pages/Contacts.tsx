import "./Contacts.css";

import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, request, type Page } from "../api";
import { can, useAuth } from "../auth";
import {
  Board,
  type BoardColumn,
  type Contact,
  LEAD_STATUSES,
  LEAD_TONES,
  contactName,
  download,
} from "../components/crm-board";
import { ContactDeleteModal, ContactFormModal, ContactPanel } from "../components/crm-contact";
import { Badge, Button, Empty, ErrorNote, Loading, PageHeader, Pager, Table, Tabs, toast, useAction } from "../components/ui";
import { day, label } from "../format";
import { useApi, useDebounced, useLive, useTitle } from "../hooks";

const TABS = ["Contacts", "Leads"];
const PAGE_SIZE = 25;

export default function Contacts({ tab }: { tab?: string }) {
  const leads = tab === "leads";
  useTitle(leads ? "Leads" : "Contacts");
  const { me } = useAuth();
  const writer = can(me, "write");
  const location = useLocation();
  const openId = (location.query.open as string | undefined) ?? null;

  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Contact | null>(null);
  const [deleting, setDeleting] = useState<Contact | null>(null);
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((value) => value + 1);

  const here = leads ? "/contacts/leads" : "/contacts";
  const open = (id: string | null) => {
    // A dialog closing because a link inside it led elsewhere must not pull the page back here.
    if (!window.location.pathname.startsWith("/contacts")) return;
    if (!id && !new URLSearchParams(window.location.search).has("open")) return;
    location.route(id ? `${here}?open=${id}` : here);
  };

  return (
    <div class="contacts-page">
      <PageHeader
        title="Contacts"
        subtitle={
          leads
            ? writer
              ? "Leads by status. Drag a card to another column, or use its “Move to” menu."
              : "Leads by status."
            : "Everyone your agents and team talked to, with their leads, conversations and deals."
        }
      >
        {!leads && <ExportButton />}
        {writer && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New contact
          </Button>
        )}
      </PageHeader>
      <Tabs
        tabs={TABS}
        current={leads ? "Leads" : "Contacts"}
        onChange={(next) => location.route(next === "Leads" ? "/contacts/leads" : "/contacts")}
      />
      {leads ? (
        <LeadsBoard version={version} onOpen={(contact) => open(contact.id)} writer={writer} />
      ) : (
        <ContactList version={version} onOpen={(contact) => open(contact.id)} onCreate={writer ? () => setCreating(true) : undefined} />
      )}

      <ContactPanel
        id={openId}
        version={version}
        onClose={() => open(null)}
        onEdit={(contact) => setEditing(contact)}
        onDelete={(contact) => setDeleting(contact)}
      />
      <ContactFormModal
        open={creating || !!editing}
        contact={editing}
        onClose={() => {
          setCreating(false);
          setEditing(null);
        }}
        onSaved={(contact) => {
          const wasNew = creating;
          setCreating(false);
          setEditing(null);
          bump();
          if (wasNew) open(contact.id);
        }}
      />
      <ContactDeleteModal
        contact={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={() => {
          setDeleting(null);
          open(null);
          bump();
        }}
      />
    </div>
  );
}

function ExportButton() {
  const exporter = useAction(async () => {
    const response = await request("/v1/contacts/export");
    download(await response.blob(), "contacts.csv");
    toast("Contacts exported");
  });
  return (
    <>
      <Button busy={exporter.busy} onClick={() => void exporter.run()}>
        Export CSV
      </Button>
      {!!exporter.error && (
        <div class="contacts-export-error">
          <ErrorNote error={exporter.error} />
        </div>
      )}
    </>
  );
}

function ContactList(props: { version: number; onOpen: (contact: Contact) => void; onCreate?: () => void }) {
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const query = useDebounced(search.trim(), 300);
  useEffect(() => setOffset(0), [query, status]);

  const list = useApi<Page<Contact>>("/v1/contacts", {
    query: { search: query, lead_status: status, limit: PAGE_SIZE, offset },
  });
  const reload = useRef(list.reload);
  reload.current = list.reload;
  useEffect(() => {
    if (props.version) void reload.current();
  }, [props.version]);
  const timer = useRef<number | undefined>(undefined);
  useLive(["contact.", "lead."], () => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void reload.current(), 400);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  const filtered = query !== "" || status !== "";
  return (
    <section aria-label="Contact list">
      <form class="toolbar contacts-toolbar" role="search" onSubmit={(event) => event.preventDefault()}>
        <div class="field contacts-search">
          <label for="contacts-search">Search contacts</label>
          <input
            id="contacts-search"
            type="search"
            placeholder="Name, email, phone or company"
            value={search}
            onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="contacts-status">Status</label>
          <select id="contacts-status" value={status} onChange={(event) => setStatus((event.currentTarget as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {LEAD_STATUSES.map((value) => (
              <option value={value}>{label(value)}</option>
            ))}
          </select>
        </div>
        {list.loading && list.data && <span class="spinner contacts-spinner" role="status" aria-label="Updating" />}
      </form>
      {list.error ? (
        <ErrorNote error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading contacts…" />
      ) : list.data.items.length === 0 ? (
        filtered ? (
          <Empty title="No contact matches">
            Try fewer or shorter words: every word is matched as the start of a name, email, phone or company.
          </Empty>
        ) : (
          <Empty
            title="No contacts yet"
            action={
              props.onCreate && (
                <Button variant="primary" onClick={props.onCreate}>
                  Add the first contact
                </Button>
              )
            }
          >
            Contacts appear here when someone chats with or calls your agents, when a campaign imports them, or when you add
            them yourself.
          </Empty>
        )
      ) : (
        <>
          <Table
            caption="Contacts"
            rows={list.data.items}
            rowKey={(row) => row.id}
            onOpen={props.onOpen}
            columns={[
              {
                label: "Name",
                render: (row) => (
                  <div>
                    <strong>{contactName(row)}</strong>
                    {row.company_name && <div class="muted contacts-company">{row.company_name}</div>}
                  </div>
                ),
              },
              { label: "Phone", render: (row) => <span class="mono">{row.phone_number ?? "—"}</span> },
              { label: "Email", render: (row) => row.email ?? "—", class: "contacts-email" },
              {
                label: "Lead status",
                render: (row) => (row.lead_status ? <Badge value={row.lead_status} tone={LEAD_TONES[row.lead_status]} /> : <span class="muted">—</span>),
              },
              {
                label: "Tags",
                render: (row) =>
                  row.tags.length ? (
                    <span class="crm-tags">
                      {row.tags.map((tag) => (
                        <span class="badge badge-gray">{tag}</span>
                      ))}
                    </span>
                  ) : (
                    <span class="muted">—</span>
                  ),
              },
              { label: "Created", render: (row) => day(row.created_at) },
            ]}
          />
          <Pager total={list.data.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} />
        </>
      )}
    </section>
  );
}

interface Column {
  status: string;
  items: Contact[];
  total: number;
}

const PER_COLUMN = 100;

function LeadsBoard(props: { version: number; onOpen: (contact: Contact) => void; writer: boolean }) {
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [moving, setMoving] = useState<Set<string>>(new Set());
  const [moveError, setMoveError] = useState<unknown>(null);

  const load = async () => {
    try {
      const pages = await Promise.all(
        LEAD_STATUSES.map((status) =>
          api<Page<Contact>>("/v1/contacts", { query: { lead_status: status, limit: PER_COLUMN } }).then((page) => ({
            status,
            items: page.items,
            total: page.total,
          })),
        ),
      );
      setColumns(pages);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  };
  useEffect(() => {
    void load();
  }, [props.version]);

  const timer = useRef<number | undefined>(undefined);
  useLive(["contact.", "lead."], () => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void load(), 400);
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  const move = async (contact: Contact, status: string) => {
    if (!columns) return;
    const previous = columns;
    const moved = { ...contact, lead_status: status as Contact["lead_status"] };
    setColumns(
      columns.map((column) =>
        column.status === contact.lead_status
          ? { ...column, items: column.items.filter((item) => item.id !== contact.id), total: column.total - 1 }
          : column.status === status
            ? { ...column, items: [moved, ...column.items], total: column.total + 1 }
            : column,
      ),
    );
    setMoving((current) => new Set(current).add(contact.id));
    setMoveError(null);
    try {
      await api(`/v1/contacts/${contact.id}`, { method: "PATCH", body: { lead_status: status } });
      toast(`${contactName(contact)} moved to ${label(status)}`);
    } catch (caught) {
      setColumns(previous);
      setMoveError(caught);
    } finally {
      setMoving((current) => {
        const next = new Set(current);
        next.delete(contact.id);
        return next;
      });
    }
  };

  if (error) return <ErrorNote error={error} retry={load} />;
  if (!columns) return <Loading label="Loading leads…" />;
  const total = columns.reduce((sum, column) => sum + column.total, 0);
  const boardColumns: BoardColumn[] = columns.map((column) => ({
    key: column.status,
    title: label(column.status),
    tone: LEAD_TONES[column.status],
    count: column.total,
    footer: column.total > column.items.length ? `Showing ${column.items.length} of ${column.total}. Filter the Contacts tab by this status to see all.` : undefined,
  }));

  return (
    <section aria-label="Leads">
      <ErrorNote error={moveError} />
      {total === 0 && (
        <p class="contacts-hint">
          No leads yet. A contact becomes a lead when it gets a lead status: agents set it while they qualify callers, and you can set it
          when you add or edit a contact.
        </p>
      )}
      <Board<Contact>
        label="Leads by status"
        columns={boardColumns}
        items={columns.flatMap((column) => column.items)}
        columnOf={(contact) => contact.lead_status ?? ""}
        keyOf={(contact) => contact.id}
        titleOf={contactName}
        moving={moving}
        onMove={props.writer ? (contact, status) => void move(contact, status) : undefined}
        empty={() => "No leads here"}
        renderCard={(contact, titleId) => (
          <>
            <div class="crm-card-title" id={titleId}>
              <button type="button" class="link" onClick={() => props.onOpen(contact)}>
                {contactName(contact)}
              </button>
            </div>
            {contact.company_name && <p class="crm-card-line">{contact.company_name}</p>}
            {(contact.email || contact.phone_number) && <p class="crm-card-line">{contact.email ?? contact.phone_number}</p>}
            <div class="contacts-card-foot">
              {contact.qualification_score !== null && (
                <span class="badge badge-blue" title="Qualification score">
                  Score {contact.qualification_score}
                </span>
              )}
              {contact.tags.slice(0, 3).map((tag) => (
                <span class="badge badge-gray">{tag}</span>
              ))}
            </div>
          </>
        )}
      />
    </section>
  );
}
