import "./Workflows.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { can, useAuth } from "../auth";
import { Badge, Button, Empty, ErrorNote, FilterSelect, Loading, PageHeader, Pager, Table, toast } from "../components/ui";
import { statusTone } from "../components/workflow-graph";
import { type Execution, type Workflow, TRIGGERS, triggerLabel, triggerSummary } from "../components/workflow-model";
import { ago, count, when } from "../format";
import { useApi, useTitle } from "../hooks";

const LIMIT = 20;
const STATES = [
  { value: "true", label: "Enabled" },
  { value: "false", label: "Disabled" },
];

interface RunInfo {
  last: Execution | null;
  total: number;
}

/** Each listed workflow's latest execution and how many it has had (one small request each). */
function useRuns(workflows: Workflow[] | undefined): Record<string, RunInfo | "error"> {
  const [runs, setRuns] = useState<Record<string, RunInfo | "error">>({});
  const key = (workflows ?? []).map((w) => w.id).join(",");
  useEffect(() => {
    let live = true;
    for (const workflow of workflows ?? []) {
      api<Page<Execution>>(`/v1/workflows/${workflow.id}/executions`, { query: { limit: 1 } })
        .then((page) => live && setRuns((current) => ({ ...current, [workflow.id]: { last: page.items[0] ?? null, total: page.total } })))
        .catch(() => live && setRuns((current) => ({ ...current, [workflow.id]: "error" })));
    }
    return () => {
      live = false;
    };
  }, [key]);
  return runs;
}

function LastRun(props: { info: RunInfo | "error" | undefined }) {
  if (props.info === "error") return <span class="muted" title="Could not load executions">—</span>;
  if (!props.info) return <span class="muted" aria-label="Loading">…</span>;
  const last = props.info.last;
  if (!last) return <span class="muted">Never</span>;
  return (
    <span class="wf-last-run">
      <Badge value={last.status} tone={statusTone(last.status)} />
      <time datetime={last.executed_at ?? last.created_at} title={when(last.executed_at ?? last.created_at)}>
        {ago(last.executed_at ?? last.created_at)}
      </time>
    </span>
  );
}

function EnabledSwitch(props: { workflow: Workflow; writer: boolean; onChange: (workflow: Workflow) => void; onError: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const { workflow } = props;
  if (!props.writer) return <Badge value={workflow.enabled ? "enabled" : "disabled"} />;
  return (
    <label class="wf-switch" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.stopPropagation()}>
      <input
        type="checkbox"
        role="switch"
        checked={workflow.enabled}
        disabled={busy}
        aria-label={`Enabled: ${workflow.name}`}
        onChange={async () => {
          setBusy(true);
          try {
            const result = await api<Workflow>(`/v1/workflows/${workflow.id}/toggle`, { method: "POST" });
            props.onChange(result);
            toast(`${result.name} ${result.enabled ? "enabled" : "disabled"}`);
          } catch (error) {
            props.onError(error);
          } finally {
            setBusy(false);
          }
        }}
      />
      <span aria-hidden="true">{workflow.enabled ? "On" : "Off"}</span>
    </label>
  );
}

export default function Workflows() {
  useTitle("Workflows");
  const { me } = useAuth();
  const writer = can(me, "write");
  const { route } = useLocation();
  const [trigger, setTrigger] = useState("");
  const [enabled, setEnabled] = useState("");
  const [offset, setOffset] = useState(0);
  const [toggleError, setToggleError] = useState<unknown>(null);
  const list = useApi<Page<Workflow>>("/v1/workflows", {
    query: { trigger_type: trigger, enabled, limit: LIMIT, offset },
  });
  const filtered = trigger !== "" || enabled !== "";
  const runs = useRuns(list.data?.items);

  const newButton = writer ? (
    <a class="btn btn-primary" href="/workflows/new">
      New workflow
    </a>
  ) : null;

  return (
    <div class="wf-page">
      <PageHeader
        title="Workflows"
        subtitle="Automations that run when something happens: a message, a call, a new lead, a schedule."
      >
        {newButton}
      </PageHeader>

      <div class="toolbar">
        <FilterSelect
          label="Trigger"
          any="All triggers"
          options={TRIGGERS}
          value={trigger}
          onChange={(value) => {
            setTrigger(value);
            setOffset(0);
          }}
        />
        <FilterSelect
          label="State"
          any="Enabled and disabled"
          options={STATES}
          value={enabled}
          onChange={(value) => {
            setEnabled(value);
            setOffset(0);
          }}
        />
      </div>

      <ErrorNote error={toggleError} />
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading && <Loading label="Loading workflows…" />}
      {list.data && list.data.items.length === 0 && (
        filtered ? (
          <Empty
            title="No workflows match"
            action={
              <Button
                onClick={() => {
                  setTrigger("");
                  setEnabled("");
                }}
              >
                Show all workflows
              </Button>
            }
          >
            No workflow has this trigger and state.
          </Empty>
        ) : (
          <Empty title="No workflows yet" action={newButton}>
            {writer
              ? "A workflow runs by itself when its trigger fires: tag and notify on a new lead, text back a missed call, send ended conversations to your CRM. Start from an example."
              : "Owners and admins create workflows; they will show here."}
          </Empty>
        )
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <div class="stacked">
          <Table
            caption="Workflows"
            rows={list.data.items}
            rowKey={(w) => w.id}
            onOpen={(w) => route(`/workflows/${w.id}`)}
            columns={[
              {
                label: "Name",
                render: (w) => (
                  <div class="wf-name-cell">
                    <a href={`/workflows/${w.id}`} onClick={(event) => event.stopPropagation()}>
                      {w.name}
                    </a>
                    {w.description && <span class="muted wf-clip">{w.description}</span>}
                  </div>
                ),
              },
              {
                label: "Trigger",
                render: (w) => (
                  <div class="wf-name-cell">
                    <span>{triggerLabel(w.trigger_type)}</span>
                    {triggerSummary(w.trigger_type, w.trigger_config) && (
                      <span class="muted wf-clip">{triggerSummary(w.trigger_type, w.trigger_config)}</span>
                    )}
                  </div>
                ),
              },
              { label: "Nodes", class: "num", render: (w) => w.nodes.length },
              {
                label: "Enabled",
                render: (w) => (
                  <EnabledSwitch
                    workflow={w}
                    writer={writer}
                    onError={setToggleError}
                    onChange={(changed) => {
                      setToggleError(null);
                      list.setData({
                        ...list.data!,
                        items: list.data!.items.map((item) => (item.id === changed.id ? { ...item, enabled: changed.enabled } : item)),
                      });
                    }}
                  />
                ),
              },
              { label: "Last run", render: (w) => <LastRun info={runs[w.id]} /> },
              {
                label: "Runs",
                class: "num",
                render: (w) => {
                  const info = runs[w.id];
                  return info && info !== "error" ? count(info.total) : <span class="muted">—</span>;
                },
              },
              { label: "Updated", render: (w) => <time title={when(w.updated_at)}>{ago(w.updated_at)}</time> },
            ]}
          />
          </div>
          <Pager total={list.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      )}
    </div>
  );
}
