// CRM shared pieces: the record types, the status and stage values of the API's schema, and a
// board whose cards move between columns by drag and drop or with a keyboard-usable select.

import type { ComponentChildren } from "preact";
import { useId, useState } from "preact/hooks";

import "./crm-board.css";

import { ApiError } from "../api";
import { label } from "../format";
import { ErrorNote, fieldError } from "./ui";

/** `lead_status` values, in the order of the API's schema (crm/schemas.py LeadStatus). */
export const LEAD_STATUSES = ["new", "qualifying", "qualified", "booked", "disqualified", "nurturing"] as const;
/** Deal `stage` values, in the order of the API's schema (crm/schemas.py DealStage). */
export const DEAL_STAGES = ["lead", "qualified", "proposal", "negotiation", "won", "lost"] as const;

export type LeadStatus = (typeof LEAD_STATUSES)[number];
export type DealStage = (typeof DEAL_STAGES)[number];

export const LEAD_TONES: Record<string, string> = {
  new: "blue",
  qualifying: "amber",
  qualified: "green",
  booked: "green",
  disqualified: "red",
  nurturing: "gray",
};

export const STAGE_TONES: Record<string, string> = {
  lead: "blue",
  qualified: "blue",
  proposal: "amber",
  negotiation: "amber",
  won: "green",
  lost: "red",
};

export interface Contact {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  company_name: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  lead_status: LeadStatus | null;
  qualification_score: number | null;
  sms_opted_out_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface Deal {
  id: string;
  title: string;
  value: string | number;
  currency: string;
  stage: DealStage;
  probability: number | null;
  contact_id: string | null;
  expected_close_date: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

/** How a contact is called on screen: name, else e-mail, else phone. */
export function contactName(contact: Pick<Contact, "name" | "first_name" | "last_name" | "email" | "phone_number"> | null | undefined): string {
  if (!contact) return "Unknown contact";
  const joined = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
  return contact.name || joined || contact.email || contact.phone_number || "Unnamed contact";
}

/** An amount in its own currency ("€1,200.00"); falls back to the code when the browser lacks it. */
export function moneyIn(amount: string | number | null | undefined, currency = "USD"): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = Number(amount);
  try {
    return value.toLocaleString(undefined, { style: "currency", currency, maximumFractionDigits: 2 });
  } catch {
    return `${value.toLocaleString(undefined, { maximumFractionDigits: 2 })} ${currency}`;
  }
}

/** A calendar date ("2026-12-31") as people read it, without a time-zone shift. */
export function calendarDay(value: string | null | undefined): string {
  if (!value) return "—";
  const [year, month, date] = value.split("-").map(Number);
  if (!year || !month || !date) return value;
  return new Date(year, month - 1, date).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** Save `data` as a file the browser downloads. */
export function download(data: Blob, filename: string) {
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A 400's message for one field, without the validator's "Value error, " prefix. */
export function fieldMessage(error: unknown, field: string): string | undefined {
  const message = fieldError(error, field);
  if (!message) return undefined;
  const text = message.replace(/^(Value error|Assertion failed), /i, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A form's error: when every field the API named is shown by the form (`fields`), a short
 * pointer to them; otherwise the whole error in words.
 */
export function FormError(props: { error: unknown; fields: string[] }) {
  const error = props.error;
  if (!error) return null;
  if (error instanceof ApiError && error.status === 400) {
    const named = Object.keys(error.details ?? {});
    if (named.length && named.every((key) => props.fields.some((field) => key === field || key.startsWith(field + ".")))) {
      return (
        <p class="error-note" role="alert">
          <strong>{named.length === 1 ? "One field needs a fix" : `${named.length} fields need a fix`}: see the messages in red.</strong>
        </p>
      );
    }
  }
  return <ErrorNote error={error} />;
}

export interface BoardColumn {
  key: string;
  title: string;
  /** The column's size when it holds more than the board shows. */
  count?: number;
  /** Under the title: a total, a hint. */
  summary?: ComponentChildren;
  /** Shown at the foot of the column (e.g. "showing 100 of 240"). */
  footer?: ComponentChildren;
  tone?: string;
}

/**
 * Columns of cards. A card moves by dragging it onto another column, or with its "Move to"
 * select (keyboard and touch). `onMove` does the work; the board only reports the wish.
 */
export function Board<T>(props: {
  label: string;
  columns: BoardColumn[];
  items: T[];
  columnOf: (item: T) => string;
  keyOf: (item: T) => string;
  titleOf: (item: T) => string;
  renderCard: (item: T, titleId: string) => ComponentChildren;
  onMove?: (item: T, column: string) => void;
  moving?: Set<string>;
  empty?: (column: BoardColumn) => ComponentChildren;
}) {
  const [dragged, setDragged] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const base = useId();
  const byKey = new Map(props.items.map((item) => [props.keyOf(item), item]));

  const drop = (column: string, key: string | null) => {
    setOver(null);
    setDragged(null);
    const item = key ? byKey.get(key) : undefined;
    if (item && props.onMove && props.columnOf(item) !== column) props.onMove(item, column);
  };

  return (
    <div class="board crm-board" role="region" aria-label={props.label}>
      {props.columns.map((column, columnIndex) => {
        const cards = props.items.filter((item) => props.columnOf(item) === column.key);
        const headingId = `${base}-col-${columnIndex}`;
        return (
          <section
            key={column.key}
            class={`board-column crm-column ${over === column.key ? "drop" : ""}`}
            aria-labelledby={headingId}
            onDragOver={(event) => {
              if (!dragged || !props.onMove) return;
              event.preventDefault();
              if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
              if (over !== column.key) setOver(column.key);
            }}
            onDragLeave={(event) => {
              const next = event.relatedTarget as Node | null;
              if (!next || !(event.currentTarget as HTMLElement).contains(next)) {
                setOver((current) => (current === column.key ? null : current));
              }
            }}
            onDrop={(event) => {
              event.preventDefault();
              drop(column.key, event.dataTransfer?.getData("text/plain") || dragged);
            }}
          >
            <header class={`crm-column-head tone-${column.tone ?? "gray"}`}>
              <h2 id={headingId}>
                <span>{column.title}</span>
                <span class="crm-count">{column.count ?? cards.length}</span>
              </h2>
              {column.summary && <p class="crm-summary">{column.summary}</p>}
            </header>
            {cards.length === 0 ? (
              <p class="crm-column-empty">{props.empty ? props.empty(column) : "Nothing here"}</p>
            ) : (
              <ul class="crm-cards">
                {cards.map((item) => {
                  const key = props.keyOf(item);
                  const titleId = `${base}-card-${key}`;
                  const selectId = `${titleId}-move`;
                  const busy = props.moving?.has(key);
                  return (
                    <li
                      key={key}
                      class={`board-card crm-card ${dragged === key ? "dragging" : ""} ${busy ? "busy" : ""}`}
                      draggable={!!props.onMove && !busy}
                      aria-busy={busy ? "true" : undefined}
                      onDragStart={(event) => {
                        event.dataTransfer?.setData("text/plain", key);
                        if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
                        setDragged(key);
                      }}
                      onDragEnd={() => {
                        setDragged(null);
                        setOver(null);
                      }}
                    >
                      {props.renderCard(item, titleId)}
                      {props.onMove && (
                        <div class="crm-move">
                          <label for={selectId}>Move to</label>
                          <select
                            id={selectId}
                            aria-describedby={titleId}
                            value={props.columnOf(item)}
                            disabled={busy}
                            onChange={(event) => {
                              const next = (event.currentTarget as HTMLSelectElement).value;
                              if (next !== props.columnOf(item)) props.onMove!(item, next);
                            }}
                          >
                            {props.columns.map((option) => (
                              <option value={option.key}>{option.title}</option>
                            ))}
                          </select>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            {column.footer && <p class="crm-column-foot">{column.footer}</p>}
          </section>
        );
      })}
    </div>
  );
}

export const statusTitle = (value: string) => label(value);
