import "./Knowledge.css";

import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { type AgentName, type KnowledgeBase as Base, KnowledgeBaseFormModal, type Source } from "../components/kb-form";
import { FormError, fieldMessage } from "../components/crm-board";
import { SearchPlayground } from "../components/kb-search";
import { UploadZone } from "../components/kb-upload";
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  Field,
  Loading,
  Modal,
  PageHeader,
  Pager,
  Table,
  toast,
  useAction,
} from "../components/ui";
import { ago, count, label, when } from "../format";
import { useApi, useLive, useTitle } from "../hooks";

const PAGE_SIZE = 25;
const POLL_MS = 2500;

function bytes(value: number): string {
  if (!value) return "";
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KB`;
  return `${(value / 1024 / 1024).toFixed(1)} MB`;
}

function Progress(props: { source: Source }) {
  const { processed_chunks: done, chunk_count: total } = props.source;
  if (!total) {
    return (
      <span class="kb-progress-text">
        <span class="spinner" aria-hidden="true" /> Reading…
      </span>
    );
  }
  const share = Math.min(100, Math.round((done / total) * 100));
  return (
    <div class="kb-progress">
      <div
        class="progress"
        role="progressbar"
        aria-label={`Indexing ${props.source.name}`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} passages`}
      >
        <span style={{ width: `${share}%` }} />
      </div>
      <span class="kb-progress-text">
        {count(done)}/{count(total)}
      </span>
    </div>
  );
}

/** Add a text or a web page as a source. */
function AddSourceModal(props: { kind: "text" | "url" | null; kbId: string; onClose: () => void; onAdded: (source: Source) => void }) {
  const [name, setName] = useState("");
  const [content, setContent] = useState("");
  const [url, setUrl] = useState("");
  const add = useAction(async () => {
    const body =
      props.kind === "text"
        ? { type: "text", name: name.trim(), content }
        : { type: "url", url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) };
    const source = await api<Source>(`/v1/knowledge-bases/${props.kbId}/sources`, { body });
    toast(props.kind === "text" ? "Text added" : "Page added; fetching it now");
    props.onAdded(source);
  });
  useEffect(() => {
    setName("");
    setContent("");
    setUrl("");
    add.setError(null);
  }, [props.kind]);
  const error = add.error;
  const ready = props.kind === "text" ? !!name.trim() && !!content.trim() : !!url.trim();
  return (
    <Modal title={props.kind === "url" ? "Add a web page" : "Add a text"} open={!!props.kind} onClose={props.onClose} wide={props.kind === "text"}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) void add.run();
        }}
      >
        {props.kind === "url" && (
          <Field
            label="Page address"
            hint="A public web page; its main text is kept, navigation and footers left out. Re-crawl it later to pick up changes."
            error={fieldMessage(error, "url")}
          >
            {(id) => <input id={id} type="url" required value={url} placeholder="https://example.com/pricing" onInput={(event) => setUrl((event.currentTarget as HTMLInputElement).value)} />}
          </Field>
        )}
        <Field
          label={props.kind === "url" ? "Name (optional)" : "Name"}
          hint={props.kind === "url" ? "Empty: the page's title." : "Shown with every passage, e.g. “Opening hours”."}
          error={fieldMessage(error, "name")}
        >
          {(id) => <input id={id} value={name} maxLength={300} required={props.kind === "text"} onInput={(event) => setName((event.currentTarget as HTMLInputElement).value)} />}
        </Field>
        {props.kind === "text" && (
          <Field label="Text" hint="Plain text; blank lines separate paragraphs. Up to 5 million characters." error={fieldMessage(error, "content")}>
            {(id) => <textarea id={id} class="kb-text" required value={content} onInput={(event) => setContent((event.currentTarget as HTMLTextAreaElement).value)} />}
          </Field>
        )}
        <FormError error={error} fields={["name", "content", "url", "type"]} />
        <div class="kb-form-actions">
          <Button onClick={props.onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={add.busy} disabled={!ready}>
            Add source
          </Button>
        </div>
      </form>
    </Modal>
  );
}

function ConfirmModal(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  onConfirm: () => Promise<unknown>;
  confirm: string;
  children: ComponentChildren;
}) {
  const action = useAction(props.onConfirm);
  useEffect(() => action.setError(null), [props.open]);
  return (
    <Modal title={props.title} open={props.open} onClose={props.onClose}>
      {props.children}
      <ErrorNote error={action.error} />
      <div class="kb-form-actions">
        <Button onClick={props.onClose}>Cancel</Button>
        <Button variant="danger" busy={action.busy} onClick={() => void action.run()}>
          {props.confirm}
        </Button>
      </div>
    </Modal>
  );
}

export default function KnowledgeBase({ id }: { id: string }) {
  const { me } = useAuth();
  const writer = can(me, "write");
  const { route } = useLocation();
  const kb = useApi<Base>(`/v1/knowledge-bases/${id}`);
  useTitle(kb.data?.name ?? "Knowledge base");

  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const sources = useApi<Page<Source>>(`/v1/knowledge-bases/${id}/sources`, { query: { status, limit: PAGE_SIZE, offset } });
  const [agents, setAgents] = useState<AgentName[] | null>(null);

  const [editing, setEditing] = useState(false);
  const [deletingBase, setDeletingBase] = useState(false);
  const [adding, setAdding] = useState<"text" | "url" | null>(null);
  const [deleting, setDeleting] = useState<Source | null>(null);
  const [recrawling, setRecrawling] = useState<string | null>(null);
  const [rowError, setRowError] = useState<unknown>(null);

  useEffect(() => setOffset(0), [status]);
  useEffect(() => {
    const ids = kb.data?.agent_ids ?? [];
    if (!ids.length) return setAgents([]);
    void Promise.all(ids.map((agent) => api<AgentName>(`/v1/agents/${agent}`).catch(() => ({ id: agent, name: "Agent" })))).then(setAgents);
  }, [kb.data?.agent_ids.join(",")]);

  const refresh = useRef(() => {});
  refresh.current = () => {
    void sources.reload();
    void kb.reload();
  };
  useLive(["knowledge_source."], (event) => {
    if (!event.data?.knowledge_base_id || event.data.knowledge_base_id === id) refresh.current();
  });
  const processing = (sources.data?.items ?? []).some((source) => source.status === "processing");
  useEffect(() => {
    if (!processing) return;
    const timer = setInterval(() => refresh.current(), POLL_MS);
    return () => clearInterval(timer);
  }, [processing]);

  const recrawl = async (source: Source) => {
    setRecrawling(source.id);
    setRowError(null);
    try {
      await api(`/v1/knowledge-bases/${id}/sources/${source.id}/recrawl`, { method: "POST" });
      toast(`Fetching “${source.name}” again`);
      refresh.current();
    } catch (error) {
      setRowError(error);
    } finally {
      setRecrawling(null);
    }
  };

  if (kb.error && !kb.data) {
    return (
      <div class="knowledge-page">
        <p>
          <a href="/knowledge">← Knowledge</a>
        </p>
        <ErrorNote error={kb.error} retry={kb.reload} />
      </div>
    );
  }
  if (!kb.data) return <Loading label="Loading the knowledge base…" />;
  const base = kb.data;
  const list = sources.data;

  return (
    <div class="knowledge-page kb-page">
      <nav class="kb-crumbs" aria-label="Breadcrumb">
        <a href="/knowledge">Knowledge</a> <span aria-hidden="true">/</span> <span aria-current="page">{base.name}</span>
      </nav>
      <PageHeader title={base.name} subtitle={base.description ?? undefined}>
        {writer && <Button onClick={() => setEditing(true)}>Edit</Button>}
        {writer && (
          <Button variant="danger" onClick={() => setDeletingBase(true)}>
            Delete
          </Button>
        )}
      </PageHeader>

      <div class="kb-overview">
        <Card class="kb-facts">
          <dl class="facts">
            <dt>Sources</dt>
            <dd>{count(base.source_count)}</dd>
            <dt>Passages</dt>
            <dd>{count(base.chunk_count)}</dd>
            <dt>Used</dt>
            <dd>{base.rag_use_condition || "On every message"}</dd>
            <dt>Agents</dt>
            <dd>
              {agents === null ? (
                "…"
              ) : agents.length === 0 ? (
                <span class="muted">Not attached to any agent yet. Attach it from an agent's settings.</span>
              ) : (
                <span class="knowledge-agents">
                  {agents.map((agent) => (
                    <a class="badge badge-blue" href={`/agents/${agent.id}`}>
                      {agent.name}
                    </a>
                  ))}
                </span>
              )}
            </dd>
            <dt>Embedding</dt>
            <dd>
              {base.embedding.model}
              {base.embedding.dimensions ? <span class="muted"> · {base.embedding.dimensions} dimensions</span> : null}
            </dd>
            <dt>Chunking</dt>
            <dd>
              {base.chunk_size} tokens, {base.chunk_overlap} overlap
            </dd>
            <dt>Minimum score</dt>
            <dd>{base.threshold ?? <span class="muted">default (0.35 for agents)</span>}</dd>
          </dl>
        </Card>
        {writer && (
          <Card title="Add knowledge" class="kb-add">
            <UploadZone kbId={id} onUploaded={() => refresh.current()} />
            <div class="kb-add-buttons">
              <Button onClick={() => setAdding("text")}>Add text</Button>
              <Button onClick={() => setAdding("url")}>Add URL</Button>
            </div>
          </Card>
        )}
      </div>

      <Card
        title="Sources"
        actions={
          <div class="field kb-status-filter">
            <label for="kb-status">Status</label>
            <select id="kb-status" value={status} onChange={(event) => setStatus((event.currentTarget as HTMLSelectElement).value)}>
              <option value="">All</option>
              <option value="processing">Processing</option>
              <option value="processed">Processed</option>
              <option value="failed">Failed</option>
            </select>
          </div>
        }
      >
        <ErrorNote error={rowError} />
        {sources.error ? (
          <ErrorNote error={sources.error} retry={sources.reload} />
        ) : !list ? (
          <Loading label="Loading sources…" />
        ) : list.items.length === 0 ? (
          status ? (
            <Empty title={`No ${status} sources`}>Choose “All” to see every source.</Empty>
          ) : (
            <Empty title="No sources yet">
              {writer
                ? "Drop documents on the zone above, or add a text or a web page. Agents answer only from what is here."
                : "An admin adds documents, texts and web pages here; agents answer only from them."}
            </Empty>
          )
        ) : (
          <>
            <Table
              caption="Sources"
              rows={list.items}
              rowKey={(source) => source.id}
              columns={[
                {
                  label: "Name",
                  class: "kb-source-name",
                  render: (source) => (
                    <div>
                      <strong>{source.name}</strong>
                      {source.url ? (
                        <a class="kb-source-sub" href={source.url} target="_blank" rel="noopener noreferrer">
                          {source.url}
                        </a>
                      ) : source.filename && source.filename !== source.name ? (
                        <span class="kb-source-sub muted">{source.filename}</span>
                      ) : null}
                      {source.status === "failed" && source.error && <p class="kb-source-error">{source.error}</p>}
                    </div>
                  ),
                },
                {
                  label: "Type",
                  render: (source) => (
                    <span>
                      {source.type === "url" ? "Web page" : label(source.type)}
                      {source.size_bytes ? <span class="muted kb-size"> · {bytes(source.size_bytes)}</span> : null}
                    </span>
                  ),
                },
                {
                  label: "Status",
                  render: (source) => (
                    <div class="kb-status">
                      <Badge value={source.status} />
                      {source.status === "processing" && <Progress source={source} />}
                    </div>
                  ),
                },
                {
                  label: "Passages",
                  class: "num",
                  render: (source) => (
                    <span>
                      {count(source.chunk_count)}
                      {source.page_count ? <span class="muted kb-pages"> · {source.page_count} p.</span> : null}
                    </span>
                  ),
                },
                { label: "Added", render: (source) => <time title={when(source.created_at)}>{ago(source.created_at)}</time> },
                ...(writer
                  ? [
                      {
                        label: "Actions",
                        class: "kb-actions",
                        render: (source: Source) => (
                          <div class="kb-row-actions">
                            {source.type === "url" && (
                              <Button
                                variant="ghost"
                                busy={recrawling === source.id}
                                disabled={source.status === "processing"}
                                onClick={() => void recrawl(source)}
                                aria-label={`Re-crawl ${source.name}`}
                              >
                                Re-crawl
                              </Button>
                            )}
                            <Button variant="ghost" class="kb-delete" onClick={() => setDeleting(source)} aria-label={`Delete ${source.name}`}>
                              Delete
                            </Button>
                          </div>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
            <Pager total={list.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} />
          </>
        )}
      </Card>

      <Card title="Try a search" class="kb-search-card">
        <p class="muted">See which passages an agent would get for a question, and how sure the search is of each.</p>
        <SearchPlayground path={`/v1/knowledge-bases/${id}/search`} defaultThreshold={base.threshold} />
      </Card>

      <KnowledgeBaseFormModal
        open={editing}
        kb={base}
        onClose={() => setEditing(false)}
        onSaved={(saved) => {
          setEditing(false);
          kb.setData(saved);
          void sources.reload();
        }}
      />
      <AddSourceModal
        kind={adding}
        kbId={id}
        onClose={() => setAdding(null)}
        onAdded={() => {
          setAdding(null);
          refresh.current();
        }}
      />
      <ConfirmModal
        title={`Delete “${deleting?.name ?? ""}”?`}
        open={!!deleting}
        onClose={() => setDeleting(null)}
        confirm="Delete source"
        onConfirm={async () => {
          await api(`/v1/knowledge-bases/${id}/sources/${deleting!.id}`, { method: "DELETE" });
          toast("Source deleted");
          setDeleting(null);
          refresh.current();
        }}
      >
        <p>Its {count(deleting?.chunk_count ?? 0)} passages stop appearing in searches and agents' answers at once.</p>
      </ConfirmModal>
      <ConfirmModal
        title={`Delete “${base.name}”?`}
        open={deletingBase}
        onClose={() => setDeletingBase(false)}
        confirm="Delete knowledge base"
        onConfirm={async () => {
          await api(`/v1/knowledge-bases/${id}`, { method: "DELETE" });
          toast("Knowledge base deleted");
          route("/knowledge");
        }}
      >
        <p>
          Its {count(base.source_count)} sources and {count(base.chunk_count)} passages are deleted
          {base.agent_ids.length ? `, and ${base.agent_ids.length} agent${base.agent_ids.length === 1 ? "" : "s"} stop answering from it` : ""}.
          This cannot be undone.
        </p>
      </ConfirmModal>
    </div>
  );
}
