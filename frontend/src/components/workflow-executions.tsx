// A workflow's executions: newest first, filterable by status, each opening its per-node log.

import { useEffect, useState } from "preact/hooks";

import type { Page } from "../api";
import { ago, when } from "../format";
import { useApi } from "../hooks";
import { Badge, Button, DetailModal, Empty, ErrorNote, FilterSelect, Loading, Pager, Table } from "./ui";
import { statusTone } from "./workflow-graph";
import type { Execution, ExecutionDetail } from "./workflow-model";
import { Trace } from "./workflow-trace";

const STATUSES = ["queued", "running", "waiting", "success", "failed", "stopped"].map((value) => ({ value, label: value }));
const LIMIT = 20;

export function Executions(props: { workflowId: string; refreshKey?: number; onTest?: () => void }) {
  const [status, setStatus] = useState("");
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const list = useApi<Page<Execution>>(`/v1/workflows/${props.workflowId}/executions`, {
    query: { status, limit: LIMIT, offset },
  });
  const detail = useApi<ExecutionDetail>(open ? `/v1/workflows/${props.workflowId}/executions/${open}` : null);

  useEffect(() => {
    if (props.refreshKey) void list.reload();
  }, [props.refreshKey]);

  // While something is still going, look again every few seconds.
  const active = (list.data?.items ?? []).some((e) => ["queued", "running", "waiting"].includes(e.status));
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      void list.reload();
      if (open) void detail.reload();
    }, 5000);
    return () => clearInterval(timer);
  }, [active, open]);

  return (
    <section class="wf-executions" aria-label="Executions">
      <div class="toolbar">
        <FilterSelect
          label="Status"
          any="All statuses"
          options={STATUSES}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setOffset(0);
          }}
        />
        <Button onClick={() => void list.reload()} busy={list.loading && !!list.data}>
          Refresh
        </Button>
        {active && <span class="hint">Refreshing every 5 s while runs are in progress.</span>}
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading && <Loading label="Loading executions…" />}
      {list.data && list.data.items.length === 0 && (
        <Empty
          title={status ? `No ${status} executions` : "No executions yet"}
          action={props.onTest && !status ? <Button onClick={props.onTest}>Test run</Button> : undefined}
        >
          {status
            ? "Try another status, or show all."
            : "An execution appears each time the trigger fires while the workflow is enabled. A test run shows here too."}
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <div class="stacked">
          <Table
            caption="Executions"
            rows={list.data.items}
            rowKey={(e) => e.id}
            onOpen={(e) => setOpen(e.id)}
            columns={[
              {
                label: "Status",
                render: (e) => (
                  <span class="wf-status-cell">
                    <Badge value={e.status} tone={statusTone(e.status)} />
                    {e.test && <span class="badge badge-gray">test</span>}
                  </span>
                ),
              },
              { label: "Triggered by", render: (e) => e.triggered_by },
              {
                label: "Started",
                render: (e) => <time title={when(e.executed_at ?? e.created_at)}>{ago(e.executed_at ?? e.created_at)}</time>,
              },
              {
                label: "Took",
                class: "num",
                render: (e) => (e.execution_time_ms === null ? "—" : `${e.execution_time_ms.toLocaleString()} ms`),
              },
              { label: "Error", render: (e) => (e.error ? <span class="wf-error-text wf-clip">{e.error}</span> : <span class="muted">—</span>) },
              {
                label: "Log",
                render: (e) => (
                  <button
                    type="button"
                    class="link"
                    onClick={(event) => {
                      event.stopPropagation();
                      setOpen(e.id);
                    }}
                  >
                    View log<span class="sr-only"> of the execution {when(e.executed_at ?? e.created_at)}</span>
                  </button>
                ),
              },
            ]}
          />
          </div>
          <Pager total={list.data.total} limit={LIMIT} offset={offset} onChange={setOffset} />
        </>
      )}
      <DetailModal title="Execution log" id={open} detail={detail} loadingLabel="Loading the log…" onClose={() => setOpen(null)}>
        {(execution) => <Trace execution={execution} showData />}
      </DetailModal>
    </section>
  );
}
