import "./Workflows.css";

import { useLocation } from "preact-iso";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import { api, ApiError, type Page } from "../api";
import { can, useAuth } from "../auth";
import { Button, ErrorNote, Field, Loading, Modal, PageHeader, Tabs, toast, useAction } from "../components/ui";
import { Executions } from "../components/workflow-executions";
import { WorkflowGraphView } from "../components/workflow-graph";
import {
  type Example,
  type ExecutionDetail,
  type PlacedErrors,
  type Workflow,
  type WorkflowGraph,
  NODE_TYPES,
  TRIGGERS,
  drawable,
  emptyPlaced,
  examples,
  graphOf,
  placeErrors,
  readJson,
  shapeProblems,
  toJson,
  triggerLabel,
} from "../components/workflow-model";
import { TestRunDialog } from "../components/workflow-test";
import { when } from "../format";
import { useApi, useTitle } from "../hooks";

function ExamplePicker(props: { onPick: (example: Example) => void }) {
  const actions = useApi<Page<{ id: string }>>("/v1/actions", { query: { type: "send_sms", limit: 1 } });
  const list = examples({ smsActionId: actions.data?.items[0]?.id ?? null });
  return (
    <section class="wf-examples" aria-labelledby="wf-examples-title">
      <h2 id="wf-examples-title">Start from an example</h2>
      <p class="muted">Pick a starting point; you can change every part of it in the editor before saving.</p>
      <ul class="wf-example-list">
        {list.map((example) => (
          <li key={example.key} class="card">
            <h3>{example.title}</h3>
            <p class="muted">{example.description}</p>
            <p class="hint">
              {triggerLabel(example.graph.trigger_type)} · {example.graph.nodes.length} node
              {example.graph.nodes.length === 1 ? "" : "s"}
            </p>
            <Button variant={example.key === "blank" ? "secondary" : "primary"} onClick={() => props.onPick(example)}>
              {example.key === "blank" ? "Start blank" : "Use this example"}
              <span class="sr-only">: {example.title}</span>
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Reference() {
  return (
    <details class="wf-reference">
      <summary>Reference: triggers, nodes and templates</summary>
      <div class="grid-2">
        <div>
          <h3>trigger_type → trigger_config</h3>
          <ul>
            {TRIGGERS.map((t) => (
              <li>
                <code>{t.value}</code> <span class="muted">{t.hint}</span>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Node type → config</h3>
          <ul>
            {NODE_TYPES.map((t) => (
              <li>
                <code>{t.value}</code> <span class="muted">{t.config}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <p class="hint">
        A node is <code>{'{"id": "n1", "type": "add_tag", "config": {"tag": "urgent"}}'}</code>; an edge is{" "}
        <code>{'{"source": "n1", "target": "n2"}'}</code>, with <code>"output": "true"</code> or <code>"false"</code> out of a
        condition. Nodes no edge leads to run first. Templates fill <code>{"{{contact.name}}"}</code>,{" "}
        <code>{"{{message.content}}"}</code>, <code>{"{{nodes.n1.status_code}}"}</code>. Conditions read like{" "}
        <code>message.content contains "urgent" and contact.lead_status in ["new"]</code>.
      </p>
    </details>
  );
}

export default function WorkflowDetail({ id }: { id: string }) {
  const isNew = id === "new";
  const { me } = useAuth();
  const writer = can(me, "write");
  const { route } = useLocation();
  const loaded = useApi<Workflow>(isNew ? null : `/v1/workflows/${id}`);
  const workflow = loaded.data;

  const [tab, setTab] = useState("Editor");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [enableNew, setEnableNew] = useState(false);
  const [text, setText] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ name: string; description: string; text: string } | null>(null);
  const [errors, setErrors] = useState<PlacedErrors>(emptyPlaced());
  const [saveError, setSaveError] = useState<unknown>(null);
  const [showJsonProblem, setShowJsonProblem] = useState(false);
  const [testing, setTesting] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [statuses, setStatuses] = useState<Record<string, string> | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [exampleNote, setExampleNote] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const lastGood = useRef<WorkflowGraph | null>(null);

  useTitle(isNew ? "New workflow" : (workflow?.name ?? "Workflow"));

  // A loaded workflow fills the editor once (and again after a reload from a save).
  useEffect(() => {
    if (!workflow) return;
    const json = toJson(graphOf(workflow));
    setName(workflow.name);
    setDescription(workflow.description ?? "");
    setText(json);
    setSaved({ name: workflow.name, description: workflow.description ?? "", text: json });
  }, [workflow?.id, workflow?.updated_at]);

  const dirty =
    text !== null && (!saved || saved.text !== text || saved.name !== name || saved.description !== description);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const parsed = useMemo(() => (text === null ? null : readJson(text)), [text]);
  const graph = useMemo(() => {
    if (!parsed || parsed.problem) return null;
    return drawable(parsed.value);
  }, [parsed]);
  if (graph) lastGood.current = graph;
  const shape = parsed && !parsed.problem ? shapeProblems(parsed.value) : [];

  const select = (start: number, end: number) => {
    const element = area.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(start, end);
    const line = element.value.slice(0, start).split("\n").length - 1;
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight) || 18;
    element.scrollTop = Math.max(0, line * lineHeight - element.clientHeight / 3);
  };

  const showNode = (nodeId: string) => {
    if (text === null) return;
    const escaped = nodeId.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
    const match = new RegExp(`"id"\\s*:\\s*"${escaped}"`).exec(text);
    if (match) select(match.index, match.index + match[0].length);
  };

  const pick = (example: Example) => {
    setText(toJson(example.graph));
    if (!name.trim()) setName(example.name);
    if (!description.trim()) setDescription(example.key === "blank" ? "" : example.description);
    setExampleNote(example.note ?? null);
    setErrors(emptyPlaced());
    setSaveError(null);
  };

  /** Save the editor's workflow; true when it was saved. */
  const save = async (): Promise<boolean> => {
    if (text === null) return false;
    const read = readJson(text);
    if (read.problem) {
      setShowJsonProblem(true);
      select(read.problem.position, read.problem.position + 1);
      return false;
    }
    if (shapeProblems(read.value).length) {
      setShowJsonProblem(true);
      area.current?.focus();
      return false;
    }
    const doc = read.value as WorkflowGraph;
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      trigger_type: doc.trigger_type,
      trigger_config: doc.trigger_config ?? {},
      nodes: doc.nodes,
      edges: doc.edges ?? [],
      ...(isNew ? { enabled: enableNew } : {}),
    };
    try {
      const result = await api<Workflow>(isNew ? "/v1/workflows" : `/v1/workflows/${id}`, {
        method: isNew ? "POST" : "PATCH",
        body,
      });
      setErrors(emptyPlaced());
      setSaveError(null);
      setExampleNote(null);
      const json = toJson(graphOf(result));
      setSaved({ name: result.name, description: result.description ?? "", text: json });
      setText(json);
      if (isNew) {
        toast("Workflow created");
        route(`/workflows/${result.id}`, true);
      } else {
        loaded.setData(result);
        toast("Workflow saved");
      }
      return true;
    } catch (error) {
      setSaveError(error);
      setErrors(placeErrors(error, drawable(doc)));
      return false;
    }
  };
  const saving = useAction(save);

  const toggle = useAction(async () => {
    const result = await api<Workflow>(`/v1/workflows/${id}/toggle`, { method: "POST" });
    loaded.setData({ ...workflow!, enabled: result.enabled, updated_at: workflow!.updated_at });
    toast(result.enabled ? "Workflow enabled" : "Workflow disabled");
  });

  const remove = useAction(async () => {
    await api(`/v1/workflows/${id}`, { method: "DELETE" });
    toast("Workflow deleted");
    route("/workflows");
  });

  if (!isNew && !workflow) {
    return (
      <div class="wf-page">
        <PageHeader title="Workflow">
          <a class="btn btn-ghost" href="/workflows">
            All workflows
          </a>
        </PageHeader>
        {loaded.loading ? (
          <Loading label="Loading the workflow…" />
        ) : (
          <ErrorNote
            error={loaded.error}
            retry={loaded.error instanceof ApiError && loaded.error.status === 404 ? undefined : loaded.reload}
          />
        )}
      </div>
    );
  }

  if (isNew && !writer) {
    return (
      <div class="wf-page">
        <PageHeader title="New workflow" />
        <p class="muted">Only owners and admins can create workflows. <a href="/workflows">Back to workflows</a></p>
      </div>
    );
  }

  const problem = parsed?.problem ?? null;
  const edgeProblems = Object.entries(errors.edges);
  const docEdges = (graph ?? lastGood.current)?.edges ?? [];
  const listed = edgeProblems.length > 0 || errors.other.length > 0;
  const onlyPlaced =
    saveError instanceof ApiError &&
    saveError.code === "VALIDATION_ERROR" &&
    (Object.keys(errors.nodes).length > 0 || listed || errors.trigger.length > 0 || Object.keys(errors.fields).length > 0);

  const actions = (
    <>
      <a class="btn btn-ghost" href="/workflows">
        All workflows
      </a>
      {!isNew && writer && (
        <label class="wf-switch">
          <input
            type="checkbox"
            role="switch"
            checked={workflow!.enabled}
            disabled={toggle.busy}
            onChange={() => void toggle.run()}
          />
          <span>Enabled</span>
        </label>
      )}
      {!isNew && writer && (
        <Button onClick={() => setTesting(true)} disabled={text === null}>
          Test run
        </Button>
      )}
      {writer && text !== null && (
        <Button variant="primary" busy={saving.busy} onClick={() => void saving.run()}>
          Save workflow
        </Button>
      )}
      {!isNew && writer && (
        <Button variant="danger" onClick={() => setConfirmDelete(true)}>
          Delete
        </Button>
      )}
    </>
  );

  const editor =
    text === null ? (
      <ExamplePicker onPick={pick} />
    ) : (
      <div class="wf-editor">
        <div class="wf-meta">
          <Field label="Name" error={errors.fields.name}>
            {(fieldId) => (
              <input
                id={fieldId}
                value={name}
                maxLength={200}
                readOnly={!writer}
                required
                placeholder="e.g. Urgent message: escalate"
                onInput={(event) => setName(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Description" error={errors.fields.description}>
            {(fieldId) => (
              <input
                id={fieldId}
                value={description}
                maxLength={2000}
                readOnly={!writer}
                placeholder="What it does, for your team"
                onInput={(event) => setDescription(event.currentTarget.value)}
              />
            )}
          </Field>
          {isNew && (
            <label class="check">
              <input type="checkbox" checked={enableNew} onChange={(event) => setEnableNew(event.currentTarget.checked)} />
              Enable when saved
              <span class="hint">(leave off to try a test run first)</span>
            </label>
          )}
        </div>

        {exampleNote && (
          <p class="wf-warning" role="note">
            {exampleNote}
          </p>
        )}
        {saveError !== null && (
          <div class="wf-save-errors">
            <ErrorNote error={onlyPlaced ? new ApiError(400, "VALIDATION_ERROR", (saveError as ApiError).message) : saveError} />
            {listed && (
              <ul class="wf-error-list" aria-label="Problems to fix">
                {edgeProblems.map(([index, messages]) => {
                  const edge = docEdges[Number(index)];
                  return (
                    <li>
                      <strong>Edge {index}</strong>
                      {edge && (
                        <span class="mono">
                          {" "}
                          ({edge.source} → {edge.target}
                          {edge.output ? `, ${edge.output}` : ""})
                        </span>
                      )}
                      : {messages.join("; ")}
                    </li>
                  );
                })}
                {errors.other.map((message) => (
                  <li>{message}</li>
                ))}
              </ul>
            )}
            {Object.keys(errors.nodes).length > 0 && (
              <p class="hint">Problems with nodes are marked in red on the graph.</p>
            )}
          </div>
        )}

        <div class="wf-views">
          <div class="wf-json">
            <div class="field">
              <label for="wf-json">Workflow JSON</label>
              <textarea
                id="wf-json"
                ref={area}
                class={`code ${problem || shape.length ? "invalid" : ""}`}
                spellcheck={false}
                autoCapitalize="off"
                autoComplete="off"
                readOnly={!writer}
                value={text}
                aria-invalid={problem || shape.length ? "true" : undefined}
                aria-describedby="wf-json-status"
                onInput={(event) => setText(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if ((event.ctrlKey || event.metaKey) && event.key === "s" && writer) {
                    event.preventDefault();
                    void saving.run();
                  }
                }}
              />
              <div id="wf-json-status" class="wf-json-status" aria-live="polite">
                {problem ? (
                  <p class={`wf-json-problem ${showJsonProblem ? "loud" : ""}`} role={showJsonProblem ? "alert" : undefined}>
                    <strong>
                      JSON error at line {problem.line}, column {problem.column}:
                    </strong>{" "}
                    {problem.message}{" "}
                    <button type="button" class="link" onClick={() => select(problem.position, problem.position + 1)}>
                      Go to error
                    </button>
                  </p>
                ) : shape.length ? (
                  <ul class={`wf-json-problem ${showJsonProblem ? "loud" : ""}`}>
                    {shape.map((message) => (
                      <li>{message}</li>
                    ))}
                  </ul>
                ) : (
                  <p class="hint">
                    Valid JSON · {graph?.nodes.length ?? 0} nodes · {graph?.edges.length ?? 0} edges
                    {writer ? " · Ctrl+S saves" : ""}
                  </p>
                )}
              </div>
            </div>
            <Reference />
          </div>
          <div class="wf-graph-pane">
            <div class="wf-pane-head">
              <h2>Graph</h2>
              {statuses && (
                <span class="hint">
                  Last test run shown on the nodes.{" "}
                  <button type="button" class="link" onClick={() => setStatuses(null)}>
                    Clear
                  </button>
                </span>
              )}
            </div>
            {graph || lastGood.current ? (
              <>
                {!graph && <p class="hint">Showing the last valid graph until the JSON is fixed.</p>}
                <WorkflowGraphView
                  graph={(graph ?? lastGood.current)!}
                  errors={errors}
                  statuses={statuses ?? undefined}
                  stale={!graph}
                  onSelect={showNode}
                />
                <p class="hint">Select a node to find it in the JSON. Nodes nothing leads to run first when the trigger fires.</p>
              </>
            ) : (
              <p class="muted">The graph appears once the JSON is valid.</p>
            )}
          </div>
        </div>
      </div>
    );

  return (
    <div class="wf-page">
      <PageHeader
        title={isNew ? "New workflow" : workflow!.name}
        subtitle={
          isNew
            ? "A trigger and the nodes it runs, as JSON, drawn as a graph as you type."
            : `${triggerLabel(workflow!.trigger_type)} · ${workflow!.enabled ? "enabled" : "disabled"} · updated ${when(workflow!.updated_at)}`
        }
      >
        {actions}
      </PageHeader>
      <ErrorNote error={toggle.error} />
      {!writer && <p class="wf-warning">You can look at this workflow and its executions; only owners and admins can change it.</p>}
      {isNew ? (
        editor
      ) : (
        <>
          <Tabs tabs={["Editor", "Executions"]} current={tab} onChange={setTab} />
          {tab === "Editor" ? editor : <Executions workflowId={id} refreshKey={refreshKey} onTest={writer ? () => setTesting(true) : undefined} />}
        </>
      )}

      {!isNew && workflow && (
        <TestRunDialog
          open={testing}
          onClose={() => setTesting(false)}
          workflowId={id}
          triggerType={graph?.trigger_type ?? workflow.trigger_type}
          dirty={dirty}
          saveFirst={save}
          onResult={(execution: ExecutionDetail) => {
            const map: Record<string, string> = {};
            for (const step of execution.log) map[step.node_id] = step.status;
            setStatuses(map);
            setRefreshKey((k) => k + 1);
          }}
        />
      )}

      <Modal title="Delete workflow" open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>
          Delete <strong>{workflow?.name}</strong> and all its executions? It stops running at once. This cannot be undone.
        </p>
        <ErrorNote error={remove.error} />
        <div class="row wf-dialog-actions">
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete workflow
          </Button>
          <Button variant="ghost" onClick={() => setConfirmDelete(false)}>
            Cancel
          </Button>
        </div>
      </Modal>
    </div>
  );
}
