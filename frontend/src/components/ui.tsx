// The dashboard's building blocks. Pages compose these; they hold no API knowledge.

import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";

import { ApiError, describe } from "../api";
import type { Loaded } from "../hooks";

export function PageHeader(props: { title: string; subtitle?: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle && <p class="muted">{props.subtitle}</p>}
      </div>
      {props.children && <div class="actions">{props.children}</div>}
    </header>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type"> & {
  variant?: "primary" | "secondary" | "danger" | "ghost";
  busy?: boolean;
  type?: "button" | "submit";
  disabled?: boolean;
};

export function Button({ variant = "secondary", busy, children, type = "button", ...rest }: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`btn btn-${variant} ${rest.class ?? ""}`}
      disabled={busy || rest.disabled}
      aria-busy={busy ? "true" : undefined}
    >
      {busy && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** A labelled form control; `hint` under it, `error` (from the API's details) in red. */
export function Field(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string;
  children: (id: string) => ComponentChildren;
}) {
  const id = useId();
  return (
    <div class={`field ${props.error ? "has-error" : ""}`}>
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint && <p class="hint">{props.hint}</p>}
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The API's error in words, with a retry button when there is something to retry. */
export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  if (!props.error) return null;
  const code = props.error instanceof ApiError ? props.error.code : null;
  return (
    <div class="error-note" role="alert">
      <strong>{describe(props.error)}</strong>
      {code && <span class="code">{code}</span>}
      {props.retry && (
        <Button variant="ghost" onClick={props.retry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> {props.label ?? "Loading…"}
    </p>
  );
}

/** What an empty list means and what to do next. */
export function Empty(props: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="empty">
      <h2>{props.title}</h2>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  );
}

const TONES: Record<string, string> = {
  open: "blue",
  active: "green",
  completed: "green",
  ended: "gray",
  closed: "gray",
  processed: "green",
  processing: "amber",
  pending: "amber",
  queued: "amber",
  in_progress: "blue",
  running: "blue",
  paused: "amber",
  failed: "red",
  cancelled: "gray",
  delivered: "green",
  succeeded: "green",
  positive: "green",
  negative: "red",
  neutral: "gray",
  won: "green",
  lost: "red",
  enabled: "green",
  disabled: "gray",
  draft: "gray",
};

export function Badge(props: { value: string | null | undefined; tone?: string }) {
  if (!props.value) return <span class="muted">—</span>;
  const tone = props.tone ?? TONES[props.value] ?? "gray";
  return <span class={`badge badge-${tone}`}>{props.value.replace(/_/g, " ")}</span>;
}

export interface Column<T> {
  label: string;
  render: (row: T) => ComponentChildren;
  class?: string;
}

/** A table of rows; `onOpen` makes each row a keyboard-reachable link. */
export function Table<T>(props: {
  rows: T[];
  columns: Column<T>[];
  onOpen?: (row: T) => void;
  caption?: string;
  rowKey?: (row: T) => string;
}) {
  return (
    <div class="table-wrap">
      <table>
        {props.caption && <caption class="sr-only">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" class={column.class}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, index) => (
            <tr
              key={props.rowKey ? props.rowKey(row) : index}
              class={props.onOpen ? "clickable" : undefined}
              tabIndex={props.onOpen ? 0 : undefined}
              onClick={props.onOpen ? () => props.onOpen!(row) : undefined}
              onKeyDown={
                props.onOpen
                  ? (event) => {
                      if (event.key === "Enter") props.onOpen!(row);
                    }
                  : undefined
              }
            >
              {props.columns.map((column) => (
                <td class={column.class} data-label={column.label}>
                  {column.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A list's filter: a labelled select whose first choice, the empty value, means "any". */
export function FilterSelect(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The words of the empty choice: "Any status". */
  any: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select id={id} value={props.value} onChange={(event) => props.onChange(event.currentTarget.value)}>
          <option value="">{props.any}</option>
          {props.options.map((option) => (
            <option value={option.value} key={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Previous / next over a list envelope. */
export function Pager(props: { total: number; limit: number; offset: number; onChange: (offset: number) => void }) {
  if (props.total <= props.limit) return null;
  const last = Math.min(props.offset + props.limit, props.total);
  return (
    <nav class="pager" aria-label="Pages">
      <span>
        {props.offset + 1}–{last} of {props.total}
      </span>
      <Button disabled={props.offset === 0} onClick={() => props.onChange(Math.max(0, props.offset - props.limit))}>
        Previous
      </Button>
      <Button disabled={last >= props.total} onClick={() => props.onChange(props.offset + props.limit)}>
        Next
      </Button>
    </nav>
  );
}

/** A modal dialog (the platform's <dialog>: focus trapped, Escape closes). */
export function Modal(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class={`modal ${props.wide ? "wide" : ""}`} onClose={props.onClose} aria-label={props.title}>
      <header>
        <h2>{props.title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.open && <div class="modal-body">{props.children}</div>}
    </dialog>
  );
}

/** A wide dialog for the record a list row opened (`id`), loaded by `useApi`: its error, then
 * "Loading", then `children` with the record once it is the one asked for. */
export function DetailModal<T extends { id: string }>(props: {
  title: string;
  id: string | null;
  detail: Loaded<T>;
  loadingLabel: string;
  onClose: () => void;
  children: (record: T) => ComponentChildren;
}) {
  const { detail } = props;
  return (
    <Modal title={props.title} open={props.id !== null} onClose={props.onClose} wide>
      <ErrorNote error={detail.error} retry={detail.reload} />
      {!detail.data && detail.loading && <Loading label={props.loadingLabel} />}
      {detail.data && detail.data.id === props.id && props.children(detail.data)}
    </Modal>
  );
}

export function Tabs(props: { tabs: string[]; current: string; onChange: (tab: string) => void }) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map((tab) => (
        <button
          type="button"
          role="tab"
          aria-selected={tab === props.current}
          class={tab === props.current ? "active" : ""}
          onClick={() => props.onChange(tab)}
        >
          {tab}
        </button>
      ))}
    </div>
  );
}

export function Card(props: { title?: string; children: ComponentChildren; class?: string; actions?: ComponentChildren }) {
  return (
    <section class={`card ${props.class ?? ""}`}>
      {(props.title || props.actions) && (
        <header class="card-header">
          {props.title && <h2>{props.title}</h2>}
          {props.actions}
        </header>
      )}
      {props.children}
    </section>
  );
}

/** A number with its label, for overview cards. */
export function Stat(props: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat">
      <span class="stat-label">{props.label}</span>
      <span class="stat-value">{props.value}</span>
      {props.hint && <span class="hint">{props.hint}</span>}
    </div>
  );
}

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.text);
        } catch {
          const area = document.createElement("textarea");
          area.value = props.text;
          document.body.appendChild(area);
          area.select();
          document.execCommand("copy");
          area.remove();
        }
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? "Copied" : (props.label ?? "Copy")}
    </Button>
  );
}

export interface KeyValue {
  key: string;
  value: string;
}

/** How the rows of <KeyValueRows> are named to assistive technology; custom variables by default. */
export interface KeyValueLabels {
  key: (index: number) => string;
  value: (index: number) => string;
  remove: (row: KeyValue, index: number) => string;
  add: string;
}

const VARIABLE_LABELS: KeyValueLabels = {
  key: (index) => `Variable ${index + 1} name`,
  value: (index) => `Variable ${index + 1} value`,
  remove: (_row, index) => `Remove variable ${index + 1}`,
  add: "Add variable",
};

/** Names and their values (custom variables) in a fieldset: a row of two inputs and "Remove"
 * each, the list's error, then "Add variable". The layout is the row class's (`rowClass`). */
export function KeyValueRows(props: {
  legend: string;
  hint?: string;
  /** Said when there is no row yet. */
  empty?: string;
  rows: KeyValue[];
  onChange: (rows: KeyValue[]) => void;
  error?: string;
  labels?: Partial<KeyValueLabels>;
  placeholders?: { key?: string; value?: string };
  class?: string;
  rowClass: string;
  keyClass?: string;
}) {
  const { rows, onChange } = props;
  const labels = { ...VARIABLE_LABELS, ...props.labels };
  const edit = (index: number, patch: Partial<KeyValue>) => onChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  return (
    <fieldset class={props.class}>
      <legend>{props.legend}</legend>
      {props.hint && <p class="hint">{props.hint}</p>}
      {props.empty && rows.length === 0 && <p class="muted">{props.empty}</p>}
      {rows.map((row, index) => (
        <div class={props.rowClass} key={index}>
          <Field label={labels.key(index)}>
            {(id) => (
              <input
                id={id}
                class={props.keyClass}
                value={row.key}
                placeholder={props.placeholders?.key}
                onInput={(event) => edit(index, { key: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field label={labels.value(index)}>
            {(id) => (
              <input
                id={id}
                value={row.value}
                placeholder={props.placeholders?.value}
                onInput={(event) => edit(index, { value: event.currentTarget.value })}
              />
            )}
          </Field>
          <Button variant="ghost" aria-label={labels.remove(row, index)} onClick={() => onChange(rows.filter((_, at) => at !== index))}>
            Remove
          </Button>
        </div>
      ))}
      {props.error && (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      )}
      <Button onClick={() => onChange([...rows, { key: "", value: "" }])}>{labels.add}</Button>
    </fieldset>
  );
}

let toastListener: ((text: string) => void) | null = null;

/** A short message in the corner ("Saved"). */
export function toast(text: string) {
  toastListener?.(text);
}

export function Toasts() {
  const [items, setItems] = useState<{ id: number; text: string }[]>([]);
  useEffect(() => {
    let next = 0;
    toastListener = (text) => {
      const id = ++next;
      setItems((current) => [...current, { id, text }]);
      setTimeout(() => setItems((current) => current.filter((item) => item.id !== id)), 3000);
    };
    return () => {
      toastListener = null;
    };
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {items.map((item) => (
        <div class="toast" key={item.id}>
          {item.text}
        </div>
      ))}
    </div>
  );
}

/** Run an API call from a button: busy while it runs, its error kept for <ErrorNote>. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

/** The per-field message of a 400 VALIDATION_ERROR for `field` (or a nested `field.x`). */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const details = error.details ?? {};
  if (typeof details[field] === "string") return details[field];
  const nested = Object.keys(details).find((key) => key.startsWith(field + "."));
  return nested ? `${nested}: ${details[nested]}` : undefined;
}
