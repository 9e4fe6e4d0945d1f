// Knowledge bases: the shared record types and the create/edit form.

import { useEffect, useState } from "preact/hooks";

import { api } from "../api";
import { FormError, fieldMessage } from "./crm-board";
import { Button, Field, Modal, toast, useAction } from "./ui";

export interface KnowledgeBase {
  id: string;
  name: string;
  description: string | null;
  rag_use_condition: string | null;
  embedding: { provider: "local" | "openai"; model: string; dimensions: number | null; base_url: string | null; api_key_set: boolean };
  chunk_size: number;
  chunk_overlap: number;
  threshold: number | null;
  no_answer_message: string | null;
  source_count: number;
  chunk_count: number;
  agent_ids: string[];
  created_at: string;
  updated_at: string;
}

export interface Source {
  id: string;
  knowledge_base_id: string;
  type: "file" | "text" | "url" | string;
  name: string;
  url: string | null;
  filename: string | null;
  mime_type: string | null;
  size_bytes: number;
  status: "processing" | "processed" | "failed";
  error: string | null;
  chunk_count: number;
  processed_chunks: number;
  page_count: number | null;
  processed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgentName {
  id: string;
  name: string;
}

interface Draft {
  name: string;
  description: string;
  rag_use_condition: string;
  no_answer_message: string;
  threshold: string;
  chunk_size: string;
  chunk_overlap: string;
  provider: "local" | "openai";
  model: string;
  base_url: string;
  api_key: string;
}

function draftOf(kb: KnowledgeBase | null): Draft {
  return {
    name: kb?.name ?? "",
    description: kb?.description ?? "",
    rag_use_condition: kb?.rag_use_condition ?? "",
    no_answer_message: kb?.no_answer_message ?? "",
    threshold: kb?.threshold?.toString() ?? "",
    chunk_size: kb?.chunk_size?.toString() ?? "",
    chunk_overlap: kb?.chunk_overlap?.toString() ?? "",
    provider: kb?.embedding.provider ?? "local",
    model: kb?.embedding.provider === "openai" ? kb.embedding.model : "",
    base_url: kb?.embedding.base_url ?? "",
    api_key: "",
  };
}

const textOrNull = (value: string) => (value.trim() === "" ? null : value.trim());
const numberOrNull = (value: string) => (value.trim() === "" ? null : Number(value));

/** Create (kb null) or edit a knowledge base. Advanced settings fold away. */
export function KnowledgeBaseFormModal(props: {
  open: boolean;
  kb: KnowledgeBase | null;
  onClose: () => void;
  onSaved: (kb: KnowledgeBase) => void;
}) {
  const [draft, setDraft] = useState<Draft>(draftOf(props.kb));
  const save = useAction(async () => {
    const body: Record<string, unknown> = {
      name: draft.name.trim(),
      description: textOrNull(draft.description),
      rag_use_condition: textOrNull(draft.rag_use_condition),
      no_answer_message: textOrNull(draft.no_answer_message),
      threshold: numberOrNull(draft.threshold),
    };
    if (draft.chunk_size.trim() !== "") body.chunk_size = Number(draft.chunk_size);
    if (draft.chunk_overlap.trim() !== "") body.chunk_overlap = Number(draft.chunk_overlap);
    const old = props.kb?.embedding;
    const embeddingChanged =
      !old ||
      old.provider !== draft.provider ||
      (draft.provider === "openai" &&
        (old.model !== draft.model.trim() || (old.base_url ?? "") !== draft.base_url.trim() || draft.api_key !== ""));
    if (embeddingChanged && !(draft.provider === "local" && !old)) {
      body.embedding =
        draft.provider === "local"
          ? { provider: "local" }
          : {
              provider: "openai",
              model: textOrNull(draft.model),
              base_url: textOrNull(draft.base_url),
              ...(draft.api_key ? { api_key: draft.api_key } : {}),
            };
    }
    const saved = props.kb
      ? await api<KnowledgeBase>(`/v1/knowledge-bases/${props.kb.id}`, { method: "PATCH", body })
      : await api<KnowledgeBase>("/v1/knowledge-bases", { body });
    toast(props.kb ? "Knowledge base saved" : "Knowledge base created");
    props.onSaved(saved);
  });

  useEffect(() => {
    if (props.open) {
      setDraft(draftOf(props.kb));
      save.setError(null);
    }
  }, [props.open, props.kb?.id]);

  const set = (field: keyof Draft) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement).value });
  const error = save.error;
  const reprocess =
    !!props.kb &&
    ((draft.chunk_size !== "" && Number(draft.chunk_size) !== props.kb.chunk_size) ||
      (draft.chunk_overlap !== "" && Number(draft.chunk_overlap) !== props.kb.chunk_overlap) ||
      draft.provider !== props.kb.embedding.provider ||
      (draft.provider === "openai" && draft.model.trim() !== props.kb.embedding.model));

  return (
    <Modal title={props.kb ? `Edit ${props.kb.name}` : "New knowledge base"} open={props.open} onClose={props.onClose}>
      <form
        class="kb-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run();
        }}
      >
        <Field label="Name" error={fieldMessage(error, "name")}>
          {(id) => <input id={id} value={draft.name} onInput={set("name")} required maxLength={200} placeholder="Help centre" />}
        </Field>
        <Field label="Description" hint="What the base holds, for your team." error={fieldMessage(error, "description")}>
          {(id) => <textarea id={id} rows={2} value={draft.description} onInput={set("description")} maxLength={5000} />}
        </Field>
        <Field
          label="When to use it"
          hint="When an agent should consult this base, e.g. “questions about prices or delivery”. Leave empty to consult it on every message."
          error={fieldMessage(error, "rag_use_condition")}
        >
          {(id) => <textarea id={id} rows={2} value={draft.rag_use_condition} onInput={set("rag_use_condition")} maxLength={2000} />}
        </Field>
        <details class="kb-advanced" open={!!props.kb && (draft.provider === "openai" || !!draft.no_answer_message)}>
          <summary>Advanced settings</summary>
          <Field
            label="No-answer message"
            hint="What an agent says when nothing in the base answers a question. Empty: the default apology and offer of a colleague."
            error={fieldMessage(error, "no_answer_message")}
          >
            {(id) => <textarea id={id} rows={2} value={draft.no_answer_message} onInput={set("no_answer_message")} maxLength={2000} />}
          </Field>
          <Field
            label="Minimum score"
            hint="0–1: the least likely-to-answer passage an agent or search uses. Empty: 0.35 for agents, 0 for searches."
            error={fieldMessage(error, "threshold")}
          >
            {(id) => <input id={id} type="number" min={0} max={1} step={0.05} value={draft.threshold} onInput={set("threshold")} />}
          </Field>
          <div class="grid-2">
            <Field label="Chunk size (tokens)" hint="50–2000, default 400" error={fieldMessage(error, "chunk_size")}>
              {(id) => <input id={id} type="number" min={50} max={2000} value={draft.chunk_size} onInput={set("chunk_size")} placeholder="400" />}
            </Field>
            <Field label="Chunk overlap (tokens)" hint="At most half the size, default 60" error={fieldMessage(error, "chunk_overlap")}>
              {(id) => <input id={id} type="number" min={0} max={500} value={draft.chunk_overlap} onInput={set("chunk_overlap")} placeholder="60" />}
            </Field>
          </div>
          <Field label="Embedding model" error={fieldMessage(error, "embedding.provider")}>
            {(id) => (
              <select id={id} value={draft.provider} onChange={set("provider")}>
                <option value="local">Built in (all-MiniLM-L6-v2, runs on this server)</option>
                <option value="openai">OpenAI-compatible endpoint</option>
              </select>
            )}
          </Field>
          {draft.provider === "openai" && (
            <>
              <Field label="Model" hint="e.g. text-embedding-3-small" error={fieldMessage(error, "embedding.model")}>
                {(id) => <input id={id} value={draft.model} onInput={set("model")} maxLength={200} />}
              </Field>
              <Field label="Base URL" hint="Empty: OpenAI's API." error={fieldMessage(error, "embedding.base_url")}>
                {(id) => <input id={id} type="url" value={draft.base_url} onInput={set("base_url")} placeholder="https://api.openai.com/v1" />}
              </Field>
              <Field
                label="API key"
                hint={props.kb?.embedding.api_key_set ? "A key is saved; type a new one to replace it." : "Stored encrypted; never shown again."}
                error={fieldMessage(error, "embedding.api_key")}
              >
                {(id) => <input id={id} type="password" autoComplete="off" value={draft.api_key} onInput={set("api_key")} />}
              </Field>
            </>
          )}
          {reprocess && <p class="hint kb-warning">Saving re-processes every source of this base with the new settings.</p>}
        </details>
        <FormError error={error} fields={["name", "description", "rag_use_condition", "no_answer_message", "threshold", "chunk_size", "chunk_overlap", "embedding"]} />
        <div class="kb-form-actions">
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.busy} disabled={!draft.name.trim()}>
            {props.kb ? "Save changes" : "Create knowledge base"}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
