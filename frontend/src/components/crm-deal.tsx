// A deal's create/edit form, with a contact picker that searches the workspace's contacts.

import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { label } from "../format";
import { useApi, useDebounced } from "../hooks";
import { Button, ErrorNote, Field, Modal, toast, useAction } from "./ui";
import { type Contact, type Deal, DEAL_STAGES, FormError, contactName, fieldMessage } from "./crm-board";

interface DealDraft {
  title: string;
  value: string;
  currency: string;
  stage: string;
  probability: string;
  contact_id: string;
  expected_close_date: string;
  notes: string;
}

function draftOf(deal: Deal | null, defaults: Partial<DealDraft>): DealDraft {
  return {
    title: deal?.title ?? "",
    value: deal ? String(Number(deal.value)) : "",
    currency: deal?.currency ?? "USD",
    stage: deal?.stage ?? defaults.stage ?? "lead",
    probability: deal?.probability?.toString() ?? "",
    contact_id: deal?.contact_id ?? defaults.contact_id ?? "",
    expected_close_date: deal?.expected_close_date ?? "",
    notes: deal?.notes ?? "",
  };
}

/** Pick a contact: a search box and a select of what it finds (plus the current choice). */
function ContactPicker(props: { value: string; onChange: (id: string) => void; error?: string; known?: Contact | null }) {
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 300);
  const found = useApi<Page<Contact>>("/v1/contacts", { query: { search: query, limit: 20 } });
  const [picked, setPicked] = useState<Contact | null>(null);
  const local = props.known?.id === props.value ? props.known : picked?.id === props.value ? picked : null;
  const chosen = useApi<Contact>(props.value && !local ? `/v1/contacts/${props.value}` : null);
  const current = local ?? (chosen.data?.id === props.value ? chosen.data : null);
  const options = (found.data?.items ?? []).filter((contact) => contact.id !== props.value);
  return (
    <fieldset class="crm-picker">
      <legend>Contact</legend>
      <div class="row">
        <Field label="Find a contact">
          {(id) => (
            <input
              id={id}
              type="search"
              value={search}
              placeholder="Name, email, phone or company"
              onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <Field label="Linked contact" error={props.error}>
          {(id) => (
            <select
              id={id}
              value={props.value}
              onChange={(event) => {
                const next = (event.currentTarget as HTMLSelectElement).value;
                setPicked(found.data?.items.find((contact) => contact.id === next) ?? null);
                props.onChange(next);
              }}
            >
              <option value="">No contact</option>
              {props.value && (
                <option value={props.value}>
                  {current ? contactName(current) + (current.company_name ? ` · ${current.company_name}` : "") : "Loading…"}
                </option>
              )}
              {options.map((contact) => (
                <option value={contact.id}>
                  {contactName(contact)}
                  {contact.company_name ? ` · ${contact.company_name}` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {found.error ? <ErrorNote error={found.error} retry={found.reload} /> : null}
      {found.data && query && found.data.items.length === 0 && <p class="hint">No contact matches “{query}”.</p>}
    </fieldset>
  );
}

/** Create (deal null) or edit a deal; editing also offers delete. */
export function DealFormModal(props: {
  open: boolean;
  deal: Deal | null;
  defaults?: { contact_id?: string; stage?: string };
  contacts: Map<string, Contact>;
  onClose: () => void;
  onSaved: (deal: Deal) => void;
  onDeleted: (deal: Deal) => void;
  readOnly?: boolean;
}) {
  const [draft, setDraft] = useState<DealDraft>(draftOf(props.deal, props.defaults ?? {}));
  const [confirming, setConfirming] = useState(false);
  const save = useAction(async () => {
    const body = {
      title: draft.title.trim(),
      value: draft.value.trim() === "" ? 0 : Number(draft.value),
      currency: draft.currency.trim().toUpperCase(),
      stage: draft.stage,
      probability: draft.probability.trim() === "" ? null : Number(draft.probability),
      contact_id: draft.contact_id || null,
      expected_close_date: draft.expected_close_date || null,
      notes: draft.notes.trim() === "" ? null : draft.notes,
    };
    const saved = props.deal
      ? await api<Deal>(`/v1/deals/${props.deal.id}`, { method: "PATCH", body })
      : await api<Deal>("/v1/deals", { body });
    toast(props.deal ? "Deal saved" : "Deal created");
    props.onSaved(saved);
  });
  const remove = useAction(async () => {
    await api(`/v1/deals/${props.deal!.id}`, { method: "DELETE" });
    toast("Deal deleted");
    props.onDeleted(props.deal!);
  });

  useEffect(() => {
    if (props.open) {
      setDraft(draftOf(props.deal, props.defaults ?? {}));
      setConfirming(false);
      save.setError(null);
      remove.setError(null);
    }
  }, [props.open, props.deal?.id]);

  const set = (field: keyof DealDraft) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement).value });
  const error = save.error;
  const title = props.readOnly ? (props.deal?.title ?? "Deal") : props.deal ? `Edit ${props.deal.title}` : "New deal";

  return (
    <Modal title={title} open={props.open} onClose={props.onClose}>
      <form
        class="crm-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!props.readOnly) void save.run();
        }}
      >
        <fieldset disabled={props.readOnly} class="crm-plain">
          <Field label="Title" error={fieldMessage(error, "title")}>
            {(id) => <input id={id} value={draft.title} onInput={set("title")} required maxLength={300} placeholder="Annual plan for Acme" />}
          </Field>
          <div class="grid-2">
            <Field label="Value" error={fieldMessage(error, "value")}>
              {(id) => <input id={id} type="number" min={0} step="0.01" inputMode="decimal" value={draft.value} onInput={set("value")} placeholder="0.00" />}
            </Field>
            <Field label="Currency" hint="Three letters, e.g. USD, EUR." error={fieldMessage(error, "currency")}>
              {(id) => <input id={id} value={draft.currency} onInput={set("currency")} maxLength={3} pattern="[A-Za-z]{3}" autoCapitalize="characters" />}
            </Field>
          </div>
          <div class="grid-2">
            <Field label="Stage" error={fieldMessage(error, "stage")}>
              {(id) => (
                <select id={id} value={draft.stage} onChange={set("stage")}>
                  {DEAL_STAGES.map((stage) => (
                    <option value={stage}>{label(stage)}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Probability (%)" hint="0–100" error={fieldMessage(error, "probability")}>
              {(id) => <input id={id} type="number" min={0} max={100} step={1} value={draft.probability} onInput={set("probability")} />}
            </Field>
          </div>
          {props.readOnly ? (
            <p>
              <strong>Contact:</strong>{" "}
              {draft.contact_id ? contactName(props.contacts.get(draft.contact_id)) : "none"}
            </p>
          ) : (
            <ContactPicker
              value={draft.contact_id}
              known={draft.contact_id ? props.contacts.get(draft.contact_id) : null}
              onChange={(id) => setDraft({ ...draft, contact_id: id })}
              error={fieldMessage(error, "contact_id")}
            />
          )}
          <Field label="Expected close date" error={fieldMessage(error, "expected_close_date")}>
            {(id) => <input id={id} type="date" value={draft.expected_close_date} onInput={set("expected_close_date")} />}
          </Field>
          <Field label="Notes" error={fieldMessage(error, "notes")}>
            {(id) => <textarea id={id} value={draft.notes} onInput={set("notes")} maxLength={10000} rows={3} />}
          </Field>
        </fieldset>
        <FormError error={error ?? remove.error} fields={["title", "value", "currency", "stage", "probability", "contact_id", "expected_close_date", "notes"]} />
        {confirming ? (
          <div class="crm-confirm" role="group" aria-label="Confirm delete">
            <p>Delete “{props.deal?.title}” for good?</p>
            <Button onClick={() => setConfirming(false)}>Keep it</Button>
            <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
              Delete deal
            </Button>
          </div>
        ) : (
          <div class="crm-form-actions">
            {props.deal && !props.readOnly && (
              <Button variant="ghost" class="crm-delete" onClick={() => setConfirming(true)}>
                Delete
              </Button>
            )}
            <Button onClick={props.onClose}>{props.readOnly ? "Close" : "Cancel"}</Button>
            {!props.readOnly && (
              <Button type="submit" variant="primary" busy={save.busy} disabled={!draft.title.trim()}>
                {props.deal ? "Save deal" : "Create deal"}
              </Button>
            )}
          </div>
        )}
      </form>
    </Modal>
  );
}
