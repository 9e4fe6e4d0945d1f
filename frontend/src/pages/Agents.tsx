import "./Agents.css";

import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { AGENT_TYPES, typeLabel } from "../agent-templates";
import type { Page } from "../api";
import { can, useAuth } from "../auth";
import { NewAgentModal } from "../components/agent-new";
import { Badge, Button, Card, Empty, ErrorNote, Field, FilterSelect, Loading, PageHeader, Pager, Table } from "../components/ui";
import { ago, when } from "../format";
import { useApi, useDebounced, useTitle } from "../hooks";

export interface AgentSummary {
  id: string;
  name: string;
  description: string | null;
  type: string;
  enabled: boolean;
  phone_number: string | null;
  updated_at: string;
  knowledge_base_ids: string[];
}

const LIMIT = 20;
const ENABLED = [
  { value: "true", label: "Enabled" },
  { value: "false", label: "Disabled" },
];

function Done() {
  return <Badge value="done" tone="green" />;
}

function Welcome(props: {
  onCreate: () => void;
  onDismiss: () => void;
  firstAgent?: AgentSummary;
  hasKnowledge: boolean;
  canWrite: boolean;
}) {
  return (
    <Card class="agents-welcome" title="Welcome to Frontdesk">
      <p class="muted">Three steps get an AI agent answering your customers:</p>
      <ol class="agents-steps">
        <li>
          <strong>Create an agent.</strong> {props.firstAgent && <Done />} Pick a template (receptionist, lead qualifier, support…) and give it a
          name. It runs on the built-in model, no API key needed.
          {props.canWrite && (
            <div>
              <Button variant={props.firstAgent ? "secondary" : "primary"} onClick={props.onCreate}>
                {props.firstAgent ? "Create another agent" : "Create your first agent"}
              </Button>
            </div>
          )}
        </li>
        <li>
          <strong>Add knowledge.</strong> {props.hasKnowledge && <Done />} Upload your FAQ, price list or policies to a{" "}
          <a href="/knowledge">knowledge base</a>, then attach it under the agent's “Knowledge & tools”.
        </li>
        <li>
          <strong>Put the widget on your site.</strong> Copy the one-line snippet from the agent's{" "}
          {props.firstAgent ? <a href={`/agents/${props.firstAgent.id}?tab=embed`}>Embed</a> : "Embed"} tab into your
          pages, or give it a phone number to answer calls.
        </li>
      </ol>
      <Button variant="ghost" onClick={props.onDismiss}>
        Dismiss
      </Button>
    </Card>
  );
}

export default function Agents() {
  useTitle("Agents");
  const { me } = useAuth();
  const location = useLocation();
  const writer = can(me, "write");
  const [search, setSearch] = useState("");
  const [type, setType] = useState("");
  const [enabled, setEnabled] = useState("");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(location.query.new === "1");
  const settled = useDebounced(search.trim(), 250);
  const filtered = Boolean(settled || type || enabled);

  const list = useApi<Page<AgentSummary>>("/v1/agents", {
    query: { search: settled, type, enabled, limit: LIMIT, offset },
  });

  const welcome = location.query.welcome === "1";
  const dismissWelcome = () => location.route("/agents", true);
  const items = list.data?.items ?? [];

  const reset = () => {
    setSearch("");
    setType("");
    setEnabled("");
    setOffset(0);
  };

  return (
    <div class="agents-page">
      <PageHeader title="Agents" subtitle="The AI agents that answer your chats and phone calls.">
        {writer && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New agent
          </Button>
        )}
      </PageHeader>

      {welcome && (
        <Welcome
          onCreate={() => setCreating(true)}
          onDismiss={dismissWelcome}
          firstAgent={items[0]}
          hasKnowledge={items.some((agent) => agent.knowledge_base_ids.length > 0)}
          canWrite={writer}
        />
      )}

      <div class="toolbar agents-toolbar" role="search">
        <Field label="Search agents">
          {(id) => (
            <input
              id={id}
              type="search"
              placeholder="Name or description"
              value={search}
              onInput={(event) => {
                setSearch(event.currentTarget.value);
                setOffset(0);
              }}
            />
          )}
        </Field>
        <FilterSelect
          label="Type"
          any="Any type"
          options={AGENT_TYPES}
          value={type}
          onChange={(value) => {
            setType(value);
            setOffset(0);
          }}
        />
        <FilterSelect
          label="Status"
          any="Any status"
          options={ENABLED}
          value={enabled}
          onChange={(value) => {
            setEnabled(value);
            setOffset(0);
          }}
        />
        {filtered && (
          <Button variant="ghost" onClick={reset}>
            Clear filters
          </Button>
        )}
      </div>

      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data ? (
        <Loading label="Loading agents…" />
      ) : list.data && items.length === 0 ? (
        filtered ? (
          <Empty title="No agents match these filters" action={<Button onClick={reset}>Clear filters</Button>}>
            Try another name, or show every type and status.
          </Empty>
        ) : (
          <Empty
            title="No agents yet"
            action={
              writer ? (
                <Button variant="primary" onClick={() => setCreating(true)}>
                  New agent
                </Button>
              ) : undefined
            }
          >
            {writer
              ? "Click “New agent” and pick a template: a receptionist, a lead qualifier, support or an appointment setter. It works right away with the built-in model."
              : "An admin of this workspace has not created any agent yet."}
          </Empty>
        )
      ) : list.data ? (
        <>
          <Table
            caption="Agents"
            rows={items}
            rowKey={(row) => row.id}
            onOpen={(row) => location.route(`/agents/${row.id}`)}
            columns={[
              {
                label: "Name",
                render: (row) => (
                  <div class="agent-name-cell">
                    <a href={`/agents/${row.id}`} onClick={(event) => event.stopPropagation()}>
                      {row.name}
                    </a>
                    {row.description && <span class="muted">{row.description}</span>}
                  </div>
                ),
              },
              { label: "Type", render: (row) => <Badge value={typeLabel(row.type)} tone="blue" /> },
              {
                label: "Status",
                render: (row) => <Badge value={row.enabled ? "enabled" : "disabled"} />,
              },
              {
                label: "Phone number",
                render: (row) => (row.phone_number ? <span class="mono">{row.phone_number}</span> : <span class="muted">—</span>),
              },
              {
                label: "Updated",
                render: (row) => <time dateTime={row.updated_at} title={when(row.updated_at)}>{ago(row.updated_at)}</time>,
              },
            ]}
          />
          <Pager total={list.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      ) : null}

      <NewAgentModal open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
