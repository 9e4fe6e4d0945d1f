// An execution's per-node log: which node ran, how it went, when, and what it gave or why it failed.

import { Badge } from "./ui";
import { statusTone } from "./workflow-graph";
import { type ExecutionDetail, nodeLabel } from "./workflow-model";
import { when } from "../format";

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function stamp(iso: string | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return `${time.format(date)}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

function pretty(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

export function ExecutionSummary(props: { execution: ExecutionDetail }) {
  const e = props.execution;
  return (
    <dl class="facts wf-exec-facts">
      <dt>Status</dt>
      <dd>
        <Badge value={e.status} tone={statusTone(e.status)} />
        {e.test && <span class="badge badge-gray wf-test-badge">test</span>}
      </dd>
      <dt>Triggered by</dt>
      <dd>{e.triggered_by}</dd>
      <dt>Started</dt>
      <dd>{when(e.executed_at ?? e.created_at)}</dd>
      <dt>Took</dt>
      <dd>{e.execution_time_ms === null ? "—" : `${e.execution_time_ms.toLocaleString()} ms`}</dd>
      {e.depth > 1 && (
        <>
          <dt>Depth</dt>
          <dd>{e.depth}</dd>
        </>
      )}
      {e.error && (
        <>
          <dt>Error</dt>
          <dd class="wf-error-text">{e.error}</dd>
        </>
      )}
    </dl>
  );
}

/** The log as an ordered list, one step per node run. */
export function Trace(props: { execution: ExecutionDetail; showData?: boolean }) {
  const { execution } = props;
  return (
    <div class="wf-trace">
      <ExecutionSummary execution={execution} />
      <h3 class="wf-trace-title">Node log</h3>
      {execution.log.length === 0 ? (
        <p class="muted">
          No node ran{execution.status === "queued" ? " yet: the execution is queued" : ""}.
          {execution.status === "stopped" && " The execution was stopped before its first node (see the error above)."}
        </p>
      ) : (
        <ol class="wf-steps">
          {execution.log.map((step, index) => (
            <li class={`wf-step step-${step.status}`} key={index}>
              <div class="wf-step-head">
                <span class="wf-step-no" aria-hidden="true">
                  {index + 1}
                </span>
                <strong class="mono">{step.node_id}</strong>
                <span class="muted">{nodeLabel(step.type)}</span>
                <Badge value={step.status} tone={statusTone(step.status)} />
                <span class="wf-step-time muted">
                  <span class="sr-only">started </span>
                  {stamp(step.started_at)}
                  {step.duration_ms !== undefined && ` · ${step.duration_ms} ms`}
                </span>
              </div>
              {step.error && <p class="wf-error-text">{step.error}</p>}
              {step.output !== undefined && step.output !== null && (
                <details open={step.status === "would_run" || step.type === "condition"}>
                  <summary>Output</summary>
                  <pre>{pretty(step.output)}</pre>
                </details>
              )}
              {step.input !== undefined && step.input !== null && (
                <details>
                  <summary>Configuration</summary>
                  <pre>{pretty(step.input)}</pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
      {props.showData && (
        <details class="wf-run-data">
          <summary>Data it ran on</summary>
          <pre>{pretty(execution.trigger_data)}</pre>
        </details>
      )}
    </div>
  );
}
