import "./Knowledge.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { all, type Page } from "../api";
import { can, useAuth } from "../auth";
import { type AgentName, type KnowledgeBase, KnowledgeBaseFormModal } from "../components/kb-form";
import { SearchPlayground } from "../components/kb-search";
import { Button, Card, Empty, ErrorNote, Loading, PageHeader, Pager, Table } from "../components/ui";
import { ago, count } from "../format";
import { useApi, useDebounced, useLive, useTitle } from "../hooks";

const PAGE_SIZE = 20;

export default function Knowledge() {
  useTitle("Knowledge");
  const { me } = useAuth();
  const writer = can(me, "write");
  const { route } = useLocation();
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const query = useDebounced(search.trim(), 300);
  useEffect(() => setOffset(0), [query]);

  const list = useApi<Page<KnowledgeBase>>("/v1/knowledge-bases", { query: { search: query, limit: PAGE_SIZE, offset } });
  const [agents, setAgents] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    all<AgentName>("/v1/agents")
      .then((items) => setAgents(new Map(items.map((agent) => [agent.id, agent.name]))))
      .catch(() => setAgents(new Map()));
  }, []);
  useLive(["knowledge_source."], () => void list.reload());

  const filtered = query !== "";
  const bases = list.data?.items ?? [];
  return (
    <div class="knowledge-page">
      <PageHeader title="Knowledge" subtitle="Documents, texts and web pages your agents answer from.">
        {writer && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New knowledge base
          </Button>
        )}
      </PageHeader>

      {(bases.length > 0 || filtered) && (
        <form class="toolbar" role="search" onSubmit={(event) => event.preventDefault()}>
          <div class="field knowledge-filter">
            <label for="kb-filter">Find a knowledge base</label>
            <input
              id="kb-filter"
              type="search"
              value={search}
              placeholder="Name or description"
              onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
            />
          </div>
        </form>
      )}

      {list.error ? (
        <ErrorNote error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading knowledge bases…" />
      ) : bases.length === 0 ? (
        filtered ? (
          <Empty title="No knowledge base matches">Try another word of its name or description.</Empty>
        ) : (
          <Empty
            title="No knowledge bases yet"
            action={
              writer && (
                <Button variant="primary" onClick={() => setCreating(true)}>
                  Create your first knowledge base
                </Button>
              )
            }
          >
            A knowledge base holds your FAQs, price lists, policies and web pages. Create one, add documents to it, then attach it to an
            agent so it answers from them.
          </Empty>
        )
      ) : (
        <>
          <Table
            caption="Knowledge bases"
            rows={bases}
            rowKey={(kb) => kb.id}
            onOpen={(kb) => route(`/knowledge/${kb.id}`)}
            columns={[
              {
                label: "Name",
                render: (kb) => (
                  <div class="knowledge-name">
                    <a href={`/knowledge/${kb.id}`} onClick={(event) => event.stopPropagation()}>
                      {kb.name}
                    </a>
                    {kb.description && <span class="muted">{kb.description}</span>}
                  </div>
                ),
              },
              { label: "Sources", class: "num", render: (kb) => count(kb.source_count) },
              { label: "Passages", class: "num", render: (kb) => count(kb.chunk_count) },
              {
                label: "Agents",
                render: (kb) =>
                  kb.agent_ids.length === 0 ? (
                    <span class="muted">None</span>
                  ) : (
                    <span class="knowledge-agents">
                      {kb.agent_ids.map((id) => (
                        <a href={`/agents/${id}`} class="badge badge-blue" onClick={(event) => event.stopPropagation()}>
                          {agents.get(id) ?? "Agent"}
                        </a>
                      ))}
                    </span>
                  ),
              },
              {
                label: "Used",
                render: (kb) => (kb.rag_use_condition ? <span title={kb.rag_use_condition}>{kb.rag_use_condition}</span> : <span class="muted">Every message</span>),
                class: "knowledge-condition",
              },
              { label: "Updated", render: (kb) => ago(kb.updated_at) },
            ]}
          />
          <Pager total={list.data.total} limit={PAGE_SIZE} offset={offset} onChange={setOffset} />
          <Card title="Search every knowledge base" class="knowledge-search">
            <SearchPlayground path="/v1/knowledge/search" showBase bases={new Map(bases.map((kb) => [kb.id, kb.name]))} />
          </Card>
        </>
      )}

      <KnowledgeBaseFormModal
        open={creating}
        kb={null}
        onClose={() => setCreating(false)}
        onSaved={(kb) => {
          setCreating(false);
          route(`/knowledge/${kb.id}`);
        }}
      />
    </div>
  );
}
