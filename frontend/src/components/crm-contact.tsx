// A contact: the create/edit form, the detail panel (conversations, calls, deals, GDPR export)
// and the delete dialog (plain delete or GDPR erasure).

import { useEffect, useState } from "preact/hooks";

import { api, ApiError, type Page } from "../api";
import { can, useAuth } from "../auth";
import { ago, day, duration, label, when } from "../format";
import { useApi } from "../hooks";
import { Badge, Button, ErrorNote, Field, Loading, Modal, toast, useAction } from "./ui";
import {
  type Contact,
  type Deal,
  LEAD_STATUSES,
  LEAD_TONES,
  STAGE_TONES,
  FormError,
  calendarDay,
  fieldMessage,
  contactName,
  download,
  moneyIn,
} from "./crm-board";

interface ContactDraft {
  first_name: string;
  last_name: string;
  email: string;
  phone_number: string;
  company_name: string;
  tags: string;
  lead_status: string;
  qualification_score: string;
}

function draftOf(contact: Contact | null): ContactDraft {
  const [first, ...rest] = (contact?.name ?? "").split(" ");
  return {
    first_name: contact?.first_name ?? (contact?.name ? first : ""),
    last_name: contact?.last_name ?? (contact?.name ? rest.join(" ") : ""),
    email: contact?.email ?? "",
    phone_number: contact?.phone_number ?? "",
    company_name: contact?.company_name ?? "",
    tags: (contact?.tags ?? []).join(", "),
    lead_status: contact?.lead_status ?? "",
    qualification_score: contact?.qualification_score?.toString() ?? "",
  };
}

const orNull = (value: string) => (value.trim() === "" ? null : value.trim());

/** Create (contact null) or edit a contact. */
export function ContactFormModal(props: {
  open: boolean;
  contact: Contact | null;
  onClose: () => void;
  onSaved: (contact: Contact) => void;
}) {
  const [draft, setDraft] = useState<ContactDraft>(draftOf(props.contact));
  const save = useAction(async () => {
    const body = {
      first_name: orNull(draft.first_name),
      last_name: orNull(draft.last_name),
      email: orNull(draft.email),
      phone_number: orNull(draft.phone_number),
      company_name: orNull(draft.company_name),
      tags: draft.tags
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
      lead_status: orNull(draft.lead_status),
      qualification_score: draft.qualification_score.trim() === "" ? null : Number(draft.qualification_score),
    };
    const saved = props.contact
      ? await api<Contact>(`/v1/contacts/${props.contact.id}`, { method: "PATCH", body })
      : await api<Contact>("/v1/contacts", { body });
    toast(props.contact ? "Contact saved" : "Contact created");
    props.onSaved(saved);
  });

  useEffect(() => {
    if (props.open) {
      setDraft(draftOf(props.contact));
      save.setError(null);
    }
  }, [props.open, props.contact?.id]);

  const set = (field: keyof ContactDraft) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement).value });
  const error = save.error;
  const existing = error instanceof ApiError && error.code === "CONTACT_EXISTS" ? (error.details?.id as string) : null;
  const noIdentity = !draft.first_name.trim() && !draft.last_name.trim() && !draft.email.trim() && !draft.phone_number.trim();

  return (
    <Modal title={props.contact ? `Edit ${contactName(props.contact)}` : "New contact"} open={props.open} onClose={props.onClose}>
      <form
        class="crm-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run();
        }}
      >
        <div class="grid-2">
          <Field label="First name" error={fieldMessage(error, "first_name") ?? fieldMessage(error, "name")}>
            {(id) => <input id={id} value={draft.first_name} onInput={set("first_name")} autoComplete="off" maxLength={150} />}
          </Field>
          <Field label="Last name" error={fieldMessage(error, "last_name")}>
            {(id) => <input id={id} value={draft.last_name} onInput={set("last_name")} autoComplete="off" maxLength={150} />}
          </Field>
        </div>
        <Field label="Email" error={fieldMessage(error, "email")}>
          {(id) => <input id={id} type="email" value={draft.email} onInput={set("email")} autoComplete="off" />}
        </Field>
        <Field
          label="Phone number"
          hint="Any common notation; it is stored in international form, e.g. +14155550123."
          error={fieldMessage(error, "phone_number")}
        >
          {(id) => <input id={id} type="tel" value={draft.phone_number} onInput={set("phone_number")} autoComplete="off" />}
        </Field>
        <Field label="Company" error={fieldMessage(error, "company_name")}>
          {(id) => <input id={id} value={draft.company_name} onInput={set("company_name")} maxLength={300} />}
        </Field>
        <Field label="Tags" hint="Separated by commas, e.g. vip, newsletter." error={fieldMessage(error, "tags")}>
          {(id) => <input id={id} value={draft.tags} onInput={set("tags")} />}
        </Field>
        <div class="grid-2">
          <Field label="Lead status" error={fieldMessage(error, "lead_status")}>
            {(id) => (
              <select id={id} value={draft.lead_status} onChange={set("lead_status")}>
                <option value="">Not a lead</option>
                {LEAD_STATUSES.map((status) => (
                  <option value={status}>{label(status)}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Qualification score" hint="0–100" error={fieldMessage(error, "qualification_score")}>
            {(id) => (
              <input id={id} type="number" min={0} max={100} step={1} value={draft.qualification_score} onInput={set("qualification_score")} />
            )}
          </Field>
        </div>
        {existing ? (
          <div class="error-note" role="alert">
            <strong>A contact with this email or phone number already exists.</strong>
            <a href={`/contacts?open=${existing}`} onClick={props.onClose}>
              Open the existing contact
            </a>
          </div>
        ) : (
          <FormError error={error} fields={["first_name", "last_name", "name", "email", "phone_number", "company_name", "tags", "lead_status", "qualification_score"]} />
        )}
        <div class="crm-form-actions">
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.busy} disabled={noIdentity}>
            {props.contact ? "Save contact" : "Create contact"}
          </Button>
        </div>
        {noIdentity && <p class="hint">Give at least a name, an email or a phone number.</p>}
      </form>
    </Modal>
  );
}

/** Delete a contact, or erase everything about them (GDPR). */
export function ContactDeleteModal(props: {
  contact: Contact | null;
  onClose: () => void;
  onDeleted: (contact: Contact) => void;
}) {
  const [erase, setErase] = useState(false);
  const remove = useAction(async () => {
    const contact = props.contact!;
    await api(`/v1/contacts/${contact.id}`, { method: "DELETE", query: { erase: erase ? "true" : undefined } });
    toast(erase ? "Contact and their data erased" : "Contact deleted");
    props.onDeleted(contact);
  });
  useEffect(() => {
    setErase(false);
    remove.setError(null);
  }, [props.contact?.id]);
  const name = contactName(props.contact);
  return (
    <Modal title={`Delete ${name}?`} open={!!props.contact} onClose={props.onClose}>
      <p>
        {erase
          ? `Everything about ${name} is removed for good: conversations, calls and recordings, deals, memories, events and notifications.`
          : `${name} is removed from your contacts. Their deals stay, without a contact.`}
      </p>
      <label class="check">
        <input type="checkbox" checked={erase} onChange={(event) => setErase((event.currentTarget as HTMLInputElement).checked)} />
        Also erase everything about them (GDPR erasure)
      </label>
      <ErrorNote error={remove.error} />
      <div class="crm-form-actions">
        <Button onClick={props.onClose}>Cancel</Button>
        <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
          {erase ? "Erase contact" : "Delete contact"}
        </Button>
      </div>
    </Modal>
  );
}

interface Conversation {
  id: string;
  channel: string;
  status: string;
  summary: string | null;
  message_count: number;
  last_message_at: string | null;
  created_at: string;
}

interface Call {
  id: string;
  direction: string;
  status: string;
  duration: number | null;
  summary: string | null;
  start_time: string | null;
  created_at: string;
}

/** Everything about one contact, in a dialog: details, conversations, calls and deals. */
export function ContactPanel(props: {
  id: string | null;
  onClose: () => void;
  onEdit: (contact: Contact) => void;
  onDelete: (contact: Contact) => void;
  /** Bumped by the page after an edit so the panel shows the new values. */
  version?: number;
}) {
  const { me } = useAuth();
  const writer = can(me, "write");
  const contact = useApi<Contact>(props.id ? `/v1/contacts/${props.id}` : null);
  const conversations = useApi<Page<Conversation>>(props.id ? `/v1/contacts/${props.id}/conversations` : null, {
    query: { limit: 10 },
  });
  const deals = useApi<Page<Deal>>(props.id ? "/v1/deals" : null, { query: { contact_id: props.id, limit: 50 } });
  useEffect(() => {
    if (props.version && props.id) {
      void contact.reload();
      void deals.reload();
    }
  }, [props.version]);
  const phone = contact.data?.id === props.id ? contact.data?.phone_number : null;
  const calls = useApi<Page<Call>>(phone ? "/v1/calls" : null, { query: { phone_number: phone, limit: 10 } });

  const exporter = useAction(async () => {
    const data = await api(`/v1/contacts/${props.id}/export`);
    download(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }), `contact-${props.id}.json`);
    toast("Export downloaded");
  });

  const current = contact.data && contact.data.id === props.id ? contact.data : null;
  const title = current ? contactName(current) : "Contact";

  return (
    <Modal title={title} open={!!props.id} onClose={props.onClose} wide>
      {contact.error ? (
        <ErrorNote error={contact.error} retry={contact.reload} />
      ) : !current ? (
        <Loading label="Loading the contact…" />
      ) : (
        <div class="crm-panel">
          {writer && (
            <div class="crm-panel-actions">
              <Button variant="primary" onClick={() => props.onEdit(current)}>
                Edit
              </Button>
              <a class="btn btn-secondary" href={`/deals?new=1&contact_id=${current.id}`}>
                Add a deal
              </a>
              <Button busy={exporter.busy} onClick={() => void exporter.run()}>
                Export data (GDPR)
              </Button>
              <Button variant="danger" onClick={() => props.onDelete(current)}>
                Delete
              </Button>
            </div>
          )}
          <ErrorNote error={exporter.error} />
          <dl class="facts">
            <dt>Email</dt>
            <dd>{current.email ? <a href={`mailto:${current.email}`}>{current.email}</a> : "—"}</dd>
            <dt>Phone</dt>
            <dd>
              {current.phone_number ? <a href={`tel:${current.phone_number}`}>{current.phone_number}</a> : "—"}
              {current.sms_opted_out_at && <span class="muted"> · opted out of texts {day(current.sms_opted_out_at)}</span>}
            </dd>
            <dt>Company</dt>
            <dd>{current.company_name || "—"}</dd>
            <dt>Lead status</dt>
            <dd>{current.lead_status ? <Badge value={current.lead_status} tone={LEAD_TONES[current.lead_status]} /> : "Not a lead"}</dd>
            <dt>Qualification</dt>
            <dd>{current.qualification_score ?? "—"}</dd>
            <dt>Tags</dt>
            <dd>
              {current.tags.length ? (
                <span class="crm-tags">
                  {current.tags.map((tag) => (
                    <span class="badge badge-gray">{tag}</span>
                  ))}
                </span>
              ) : (
                "—"
              )}
            </dd>
            <dt>Created</dt>
            <dd>{when(current.created_at)}</dd>
            {Object.keys(current.metadata ?? {}).length > 0 && (
              <>
                <dt>Other fields</dt>
                <dd>
                  <dl class="facts crm-metadata">
                    {Object.entries(current.metadata).map(([key, value]) => (
                      <>
                        <dt>{key}</dt>
                        <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                      </>
                    ))}
                  </dl>
                </dd>
              </>
            )}
          </dl>

          <section class="crm-panel-section" aria-labelledby="contact-conversations">
            <h3 id="contact-conversations">
              Conversations {conversations.data && <span class="muted">({conversations.data.total})</span>}
            </h3>
            {conversations.error ? (
              <ErrorNote error={conversations.error} retry={conversations.reload} />
            ) : !conversations.data ? (
              <Loading />
            ) : conversations.data.items.length === 0 ? (
              <p class="muted">No conversations yet. Chats, texts and calls with this person appear here.</p>
            ) : (
              <ul class="crm-related">
                {conversations.data.items.map((item) => (
                  <li key={item.id}>
                    <a href={`/inbox/${item.id}`}>
                      {label(item.channel)} conversation · {item.message_count} message{item.message_count === 1 ? "" : "s"}
                    </a>
                    <Badge value={item.status} />
                    <span class="muted">{ago(item.last_message_at ?? item.created_at)}</span>
                    {item.summary && <p class="crm-related-summary">{item.summary}</p>}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section class="crm-panel-section" aria-labelledby="contact-calls">
            <h3 id="contact-calls">Calls {calls.data && <span class="muted">({calls.data.total})</span>}</h3>
            {!current.phone_number ? (
              <p class="muted">No phone number on file, so no calls.</p>
            ) : calls.error ? (
              <ErrorNote error={calls.error} retry={calls.reload} />
            ) : !calls.data ? (
              <Loading />
            ) : calls.data.items.length === 0 ? (
              <p class="muted">No calls with {current.phone_number} yet.</p>
            ) : (
              <ul class="crm-related">
                {calls.data.items.map((item) => (
                  <li key={item.id}>
                    <a href={`/calls/${item.id}`}>
                      {label(item.direction)} call · {duration(item.duration)}
                    </a>
                    <Badge value={item.status} />
                    <span class="muted">{when(item.start_time ?? item.created_at)}</span>
                    {item.summary && <p class="crm-related-summary">{item.summary}</p>}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section class="crm-panel-section" aria-labelledby="contact-deals">
            <h3 id="contact-deals">Deals {deals.data && <span class="muted">({deals.data.total})</span>}</h3>
            {deals.error ? (
              <ErrorNote error={deals.error} retry={deals.reload} />
            ) : !deals.data ? (
              <Loading />
            ) : deals.data.items.length === 0 ? (
              <p class="muted">No deals with this contact.{writer && " Use “Add a deal” to start one."}</p>
            ) : (
              <ul class="crm-related">
                {deals.data.items.map((item) => (
                  <li key={item.id}>
                    <a href={`/deals?open=${item.id}`}>{item.title}</a>
                    <Badge value={item.stage} tone={STAGE_TONES[item.stage]} />
                    <strong>{moneyIn(item.value, item.currency)}</strong>
                    {item.expected_close_date && <span class="muted">closes {calendarDay(item.expected_close_date)}</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </Modal>
  );
}
