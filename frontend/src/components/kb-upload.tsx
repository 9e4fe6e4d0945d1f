// Upload documents to a knowledge base: drop files on the zone, or choose them with the file
// input (click or keyboard). Each file is sent on its own and its outcome shown in words.

import { useId, useRef, useState } from "preact/hooks";

import { ApiError, api, describe } from "../api";
import type { Source } from "./kb-form";

const ACCEPT = ".pdf,.docx,.txt,.md,.markdown,.html,.htm,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown,text/html";

interface Upload {
  key: number;
  name: string;
  size: number;
  state: "waiting" | "uploading" | "added" | "failed";
  message?: string;
  detail?: string;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What went wrong with one file, in words a person can act on. */
function failure(file: File, error: unknown): { message: string; detail?: string } {
  if (error instanceof ApiError) {
    if (error.status === 413)
      return { message: `Too large (${size(file.size)}): this server takes files up to its upload limit. Split the document or upload it as several files.`, detail: error.message };
    if (error.status === 415)
      return { message: "Not a document Frontdesk can read. Upload a PDF, Word (DOCX), plain text, Markdown or HTML file.", detail: error.message };
    if (error.code === "SOURCE_DUPLICATE") return { message: "Already in this knowledge base: the same file was uploaded before.", detail: error.message };
    if (error.status === 400) return { message: describe(error) };
  }
  return { message: describe(error) };
}

export function UploadZone(props: { kbId: string; onUploaded: (source: Source) => void; disabled?: boolean }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const next = useRef(0);

  const update = (key: number, change: Partial<Upload>) =>
    setUploads((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const send = async (files: File[]) => {
    if (!files.length || props.disabled) return;
    const batch = files.map((file) => ({ file, key: ++next.current }));
    setUploads((current) => [
      ...batch.map(({ file, key }) => ({ key, name: file.name, size: file.size, state: "waiting" as const })),
      ...current.filter((item) => item.state !== "added").slice(0, 20),
    ]);
    for (const { file, key } of batch) {
      update(key, { state: "uploading" });
      const form = new FormData();
      form.append("file", file, file.name);
      form.append("name", file.name);
      try {
        const source = await api<Source>(`/v1/knowledge-bases/${props.kbId}/sources`, { method: "POST", form });
        update(key, { state: "added", message: "Added; processing below." });
        props.onUploaded(source);
      } catch (error) {
        update(key, { state: "failed", ...failure(file, error) });
      }
    }
  };

  return (
    <div class="kb-upload">
      <div
        class={`dropzone kb-dropzone ${over ? "over" : ""} ${props.disabled ? "disabled" : ""}`}
        onDragOver={(event) => {
          if (props.disabled) return;
          event.preventDefault();
          if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
          setOver(true);
        }}
        onDragLeave={(event) => {
          const to = event.relatedTarget as Node | null;
          if (!to || !(event.currentTarget as HTMLElement).contains(to)) setOver(false);
        }}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          void send(Array.from(event.dataTransfer?.files ?? []));
        }}
      >
        <input
          ref={input}
          id={`${id}-files`}
          class="kb-file-input"
          type="file"
          multiple
          accept={ACCEPT}
          disabled={props.disabled}
          aria-describedby={`${id}-types`}
          onChange={(event) => {
            const element = event.currentTarget as HTMLInputElement;
            const files = Array.from(element.files ?? []);
            element.value = "";
            void send(files);
          }}
        />
        <p class="kb-drop-title">
          <strong>Drop documents here</strong> or{" "}
          <label for={`${id}-files`} class="btn btn-secondary kb-choose">
            Upload files
          </label>
        </p>
        <p class="hint" id={`${id}-types`}>
          PDF, Word (DOCX), text, Markdown or HTML. Several at once is fine; each is read, split into passages and indexed in the
          background.
        </p>
      </div>
      {uploads.length > 0 && (
        <ul class="kb-uploads" aria-label="Uploads" aria-live="polite">
          {uploads.map((item) => (
            <li key={item.key} class={`kb-upload-item ${item.state}`}>
              <span class="kb-upload-name">
                {item.name} <span class="muted">({size(item.size)})</span>
              </span>
              <span class="kb-upload-state">
                {item.state === "waiting" && "Waiting…"}
                {item.state === "uploading" && (
                  <>
                    <span class="spinner" aria-hidden="true" /> Uploading…
                  </>
                )}
                {item.state === "added" && item.message}
                {item.state === "failed" && (
                  <span role="alert">
                    {item.message}
                    {item.detail && <span class="kb-upload-detail"> ({item.detail})</span>}
                  </span>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
