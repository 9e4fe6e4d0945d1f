// Who a campaign calls: numbers from a CSV file (read here, in the browser), a phone book, or
// numbers typed in. The result is the API's recipients payload ({phone_numbers} or {phonebook_id}).

import { useEffect, useId, useState } from "preact/hooks";

import type { Phonebook } from "./call-common";
import { useAllOf } from "./call-common";
import { ErrorNote, Field, Loading, Tabs } from "./ui";

export interface RecipientsPayload {
  phone_numbers?: string[];
  phonebook_id?: string;
}

export interface RecipientsChoice {
  payload: RecipientsPayload | null;
  /** How many people the payload names (before the server removes numbers already present). */
  count: number;
  /** Why the choice cannot be sent yet, in words (null when it can). */
  problem: string | null;
}

export interface CsvRow {
  line: number;
  phone: string;
  name: string;
  email: string;
  timezone: string;
  extra: Record<string, string>;
}

export interface CsvResult {
  columns: string[];
  phoneColumn: string | null;
  rows: CsvRow[];
  errors: { line: number; message: string }[];
}

const PHONE_COLUMNS = ["phone", "phone_number", "phonenumber", "number", "mobile", "telephone", "tel"];
const E164 = /^\+[1-9]\d{6,14}$/;

/** A number as E.164 when it is written internationally ("+1 (415) 555-0123" → "+14155550123"). */
export function normalizePhone(raw: string): string {
  let text = raw.trim().replace(/[\s().\-/]/g, "");
  if (text.startsWith("00")) text = "+" + text.slice(2);
  return text;
}

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

/** Split CSV text into rows of cells (quotes, doubled quotes, commas, semicolons or tabs). */
export function splitCsv(text: string): string[][] {
  const clean = text.replace(/^\uFEFF/, "");
  const firstLine = clean.split(/\r?\n/, 1)[0] ?? "";
  const delimiter = [",", ";", "\t"].reduce((best, candidate) =>
    firstLine.split(candidate).length > firstLine.split(best).length ? candidate : best,
  );
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < clean.length; i++) {
    const char = clean[i];
    if (quoted) {
      if (char === '"') {
        if (clean[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += char;
    } else if (char === '"' && cell === "") quoted = true;
    else if (char === delimiter) {
      row.push(cell);
      cell = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && clean[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += char;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Read a recipients CSV: a header row with a phone column, then one person a row. */
export function parseRecipientsCsv(text: string): CsvResult {
  const table = splitCsv(text);
  const header = (table[0] ?? []).map((cell) => cell.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  const result: CsvResult = { columns: header, phoneColumn: null, rows: [], errors: [] };
  if (!header.length || header.every((cell) => cell === "")) {
    result.errors.push({ line: 1, message: "The file is empty: it needs a header row with a phone column." });
    return result;
  }
  const phoneIndex = header.findIndex((cell) => PHONE_COLUMNS.includes(cell));
  if (phoneIndex < 0) {
    result.errors.push({
      line: 1,
      message: `No phone column in the header row (found: ${header.filter(Boolean).join(", ") || "nothing"}). Name one column "phone" or "phone_number".`,
    });
    return result;
  }
  result.phoneColumn = header[phoneIndex];
  const at = (name: string) => header.indexOf(name);
  const nameIndex = [at("name"), at("full_name")].find((index) => index >= 0) ?? -1;
  const firstIndex = at("first_name");
  const lastIndex = at("last_name");
  const emailIndex = at("email");
  const zoneIndex = [at("timezone"), at("time_zone"), at("tz")].find((index) => index >= 0) ?? -1;
  const known = new Set([phoneIndex, nameIndex, firstIndex, lastIndex, emailIndex, zoneIndex]);
  const seen = new Map<string, number>();
  table.slice(1).forEach((cells, index) => {
    const line = index + 2;
    if (cells.every((cell) => cell.trim() === "")) return;
    const raw = (cells[phoneIndex] ?? "").trim();
    const phone = normalizePhone(raw);
    if (!raw) {
      result.errors.push({ line, message: "No phone number." });
      return;
    }
    if (!isE164(phone)) {
      result.errors.push({
        line,
        message: `"${raw}" is not a phone number in the international form (e.g. +14155550123).`,
      });
      return;
    }
    if (seen.has(phone)) {
      result.errors.push({ line, message: `${phone} is already on line ${seen.get(phone)}; it is called once.` });
      return;
    }
    seen.set(phone, line);
    const cell = (i: number) => (i >= 0 ? (cells[i] ?? "").trim() : "");
    const extra: Record<string, string> = {};
    header.forEach((column, i) => {
      if (!known.has(i) && column && cell(i)) extra[column] = cell(i);
    });
    result.rows.push({
      line,
      phone,
      name: cell(nameIndex) || [cell(firstIndex), cell(lastIndex)].filter(Boolean).join(" "),
      email: cell(emailIndex),
      timezone: cell(zoneIndex),
      extra,
    });
  });
  if (!result.rows.length && !result.errors.length) {
    result.errors.push({ line: 2, message: "The file has a header row but no people." });
  }
  return result;
}

/** Numbers typed or pasted: one a line, or separated by commas or semicolons. */
function parseTyped(text: string): { numbers: string[]; invalid: string[] } {
  const numbers: string[] = [];
  const invalid: string[] = [];
  for (const part of text.split(/[\n,;]+/)) {
    if (!part.trim()) continue;
    const phone = normalizePhone(part);
    if (!isE164(phone)) invalid.push(part.trim());
    else if (!numbers.includes(phone)) numbers.push(phone);
  }
  return { numbers, invalid };
}

const MODES = ["CSV file", "Phone book", "Type numbers"];

function CsvPicker(props: { onChange: (choice: RecipientsChoice) => void }) {
  const [fileName, setFileName] = useState<string | null>(null);
  const [result, setResult] = useState<CsvResult | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const inputId = useId();
  const hintId = useId();

  const read = async (file: File | undefined | null) => {
    if (!file) return;
    setReadError(null);
    if (file.size > 5 * 1024 * 1024) {
      setReadError(`${file.name} is larger than 5 MB; split it into smaller files.`);
      return;
    }
    try {
      const parsed = parseRecipientsCsv(await file.text());
      setFileName(file.name);
      setResult(parsed);
    } catch {
      setReadError(`${file.name} could not be read as text. Save it as CSV (UTF-8) and try again.`);
    }
  };

  useEffect(() => {
    if (!result) props.onChange({ payload: null, count: 0, problem: "Choose a CSV file of recipients." });
    else if (!result.rows.length)
      props.onChange({ payload: null, count: 0, problem: "The CSV file has no valid phone numbers." });
    else
      props.onChange({
        payload: { phone_numbers: result.rows.map((row) => row.phone) },
        count: result.rows.length,
        problem: null,
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result]);

  const extraColumns = result ? [...new Set(result.rows.flatMap((row) => Object.keys(row.extra)))] : [];
  const hasName = result?.rows.some((row) => row.name);
  const hasEmail = result?.rows.some((row) => row.email);
  const hasZone = result?.rows.some((row) => row.timezone);
  const preview = result?.rows.slice(0, 8) ?? [];

  return (
    <div class="call-csv">
      <label
        for={inputId}
        class={`dropzone ${over ? "over" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          void read(event.dataTransfer?.files?.[0]);
        }}
      >
        <strong>{fileName ? `${fileName} — choose another file` : "Drop a CSV file here, or choose one"}</strong>
        <span class="hint" id={hintId}>
          A header row with a <code>phone</code> or <code>phone_number</code> column (international form, e.g.
          +14155550123); optional <code>name</code>, <code>email</code>, <code>timezone</code> and other columns.
        </span>
      </label>
      <input
        id={inputId}
        class="sr-only"
        type="file"
        accept=".csv,text/csv,text/plain"
        aria-label="CSV file"
        aria-describedby={hintId}
        onChange={(event) => {
          const input = event.currentTarget as HTMLInputElement;
          void read(input.files?.[0]);
          input.value = "";
        }}
      />
      {readError && (
        <p class="field-error" role="alert">
          {readError}
        </p>
      )}
      {result && (
        <div class="stack">
          <p role="status">
            <strong>{result.rows.length.toLocaleString()}</strong> {result.rows.length === 1 ? "person" : "people"} to
            call
            {result.errors.length > 0 && (
              <>
                {" "}
                · <span class="call-warn">{result.errors.length.toLocaleString()} rows skipped</span>
              </>
            )}
          </p>
          {preview.length > 0 && (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">The first rows of {fileName}</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Phone</th>
                    {hasName && <th scope="col">Name</th>}
                    {hasEmail && <th scope="col">Email</th>}
                    {hasZone && <th scope="col">Time zone</th>}
                    {extraColumns.length > 0 && <th scope="col">Other columns</th>}
                  </tr>
                </thead>
                <tbody>
                  {preview.map((row) => (
                    <tr key={row.line}>
                      <td class="muted">{row.line}</td>
                      <td class="mono">{row.phone}</td>
                      {hasName && <td>{row.name || "—"}</td>}
                      {hasEmail && <td>{row.email || "—"}</td>}
                      {hasZone && <td>{row.timezone || "—"}</td>}
                      {extraColumns.length > 0 && (
                        <td>
                          {Object.entries(row.extra)
                            .map(([key, value]) => `${key}: ${value}`)
                            .join(" · ") || "—"}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {result.rows.length > preview.length && (
            <p class="hint">…and {(result.rows.length - preview.length).toLocaleString()} more.</p>
          )}
          {(hasName || hasEmail || hasZone || extraColumns.length > 0) && (
            <p class="hint">
              Campaign recipients are phone numbers: the API takes no per-person names or variables, so only the
              phone column is sent. Each recipient's time zone comes from their number. To call people by name, add
              them to a phone book and choose it instead.
            </p>
          )}
          {result.errors.length > 0 && (
            <details class="call-row-errors" open={result.rows.length === 0}>
              <summary>
                {result.errors.length === 1 ? "1 row was skipped" : `${result.errors.length} rows were skipped`}
              </summary>
              <ul>
                {result.errors.slice(0, 50).map((error) => (
                  <li key={error.line}>
                    {error.line > 1 || result.phoneColumn ? `Line ${error.line}: ` : ""}
                    {error.message}
                  </li>
                ))}
                {result.errors.length > 50 && <li>…and {result.errors.length - 50} more.</li>}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}

function PhonebookPicker(props: { onChange: (choice: RecipientsChoice) => void }) {
  const books = useAllOf<Phonebook>("/v1/phonebooks");
  const [chosen, setChosen] = useState("");
  const book = books.data?.find((item) => item.id === chosen);

  useEffect(() => {
    if (!book) props.onChange({ payload: null, count: 0, problem: "Choose a phone book." });
    else if (!book.entries.length)
      props.onChange({ payload: null, count: 0, problem: `The phone book ${book.name} has no entries.` });
    else props.onChange({ payload: { phonebook_id: book.id }, count: book.entries.length, problem: null });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [book]);

  if (books.loading && !books.data) return <Loading label="Loading phone books…" />;
  if (books.error) return <ErrorNote error={books.error} retry={books.reload} />;
  if (!books.data?.length)
    return (
      <p class="muted">
        This workspace has no phone books yet. Create one under <a href="/contacts">Contacts</a>, or use a CSV file.
      </p>
    );
  return (
    <div>
      <Field label="Phone book" hint={book ? `${book.entries.length} ${book.entries.length === 1 ? "number" : "numbers"}, called by the names in the book.` : undefined}>
        {(id) => (
          <select id={id} value={chosen} onChange={(event) => setChosen((event.currentTarget as HTMLSelectElement).value)}>
            <option value="">Choose a phone book…</option>
            {books.data!.map((item) => (
              <option value={item.id} key={item.id}>
                {item.name} ({item.entries.length})
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}

function TypedPicker(props: { onChange: (choice: RecipientsChoice) => void }) {
  const [text, setText] = useState("");
  const parsed = parseTyped(text);
  useEffect(() => {
    if (parsed.invalid.length)
      props.onChange({
        payload: null,
        count: 0,
        problem: `Not phone numbers in the international form: ${parsed.invalid.slice(0, 5).join(", ")}${parsed.invalid.length > 5 ? "…" : ""}`,
      });
    else if (!parsed.numbers.length) props.onChange({ payload: null, count: 0, problem: "Type at least one number." });
    else props.onChange({ payload: { phone_numbers: parsed.numbers }, count: parsed.numbers.length, problem: null });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return (
    <Field
      label="Phone numbers"
      hint={
        parsed.numbers.length
          ? `${parsed.numbers.length} ${parsed.numbers.length === 1 ? "number" : "numbers"}. One a line, in the international form (+14155550123).`
          : "One a line, in the international form (+14155550123)."
      }
      error={parsed.invalid.length ? `Not international numbers: ${parsed.invalid.slice(0, 5).join(", ")}` : undefined}
    >
      {(id) => (
        <textarea
          id={id}
          rows={5}
          value={text}
          placeholder={"+14155550101\n+14155550102"}
          onInput={(event) => setText((event.currentTarget as HTMLTextAreaElement).value)}
        />
      )}
    </Field>
  );
}

/** Choose recipients three ways; `onChange` gets the payload to send, or why there is none yet. */
export function RecipientsPicker(props: { onChange: (choice: RecipientsChoice) => void }) {
  const [mode, setMode] = useState(MODES[0]);
  return (
    <div class="call-recipients">
      <Tabs tabs={MODES} current={mode} onChange={setMode} />
      {mode === "CSV file" && <CsvPicker onChange={props.onChange} />}
      {mode === "Phone book" && <PhonebookPicker onChange={props.onChange} />}
      {mode === "Type numbers" && <TypedPicker onChange={props.onChange} />}
    </div>
  );
}
