// The agent's "Knowledge & tools" tab: knowledge bases, actions and memory stores it uses.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

import { all, api } from "../api";
import { label } from "../format";
import { NewActionModal } from "./agent-action-new";
import type { Agent } from "./agent-types";
import { Badge, Button, Card, ErrorNote, Field, Loading, toast, useAction } from "./ui";

interface Item {
  id: string;
  name: string;
  description: string | null;
  type?: string;
  source_count?: number;
  chunk_count?: number;
}

/** Everything of one kind in the workspace, loaded once, again on `reload`. */
function useEvery(path: string) {
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    setError(null);
    try {
      setItems(await all<Item>(path));
    } catch (caught) {
      setError(caught);
    }
  };
  useEffect(() => {
    void load();
  }, [path]);
  return { items, error, reload: load };
}

function Section(props: {
  title: string;
  what: string;
  description: string;
  attachedIds: string[];
  every: ReturnType<typeof useEvery>;
  canWrite: boolean;
  href?: (item: Item) => string;
  extra?: (item: Item) => ComponentChildren;
  none: ComponentChildren;
  nothingToAttach: ComponentChildren;
  attach: (id: string) => Promise<unknown>;
  detach: (id: string) => Promise<unknown>;
  actions?: ComponentChildren;
}) {
  const [choice, setChoice] = useState("");
  const attach = useAction(async () => {
    if (!choice) return;
    await props.attach(choice);
    const name = props.every.items?.find((item) => item.id === choice)?.name;
    setChoice("");
    toast(`${name ?? label(props.what)} attached`);
  });
  const detach = useAction(async (item: Item) => {
    await props.detach(item.id);
    toast(`${item.name} detached`);
  });
  const { items, error, reload } = props.every;
  const attached = props.attachedIds.map(
    (id) => items?.find((item) => item.id === id) ?? { id, name: `Unknown ${props.what}`, description: null },
  );
  const available = (items ?? []).filter((item) => !props.attachedIds.includes(item.id));

  return (
    <Card title={props.title} actions={props.actions} class="agent-tools-card">
      <p class="hint">{props.description}</p>
      <ErrorNote error={error} retry={reload} />
      {items === null && !error ? (
        <Loading />
      ) : (
        <>
          {attached.length === 0 ? (
            <p class="muted agent-tools-none">{props.none}</p>
          ) : (
            <ul class="agent-tools-list">
              {attached.map((item) => (
                <li key={item.id}>
                  <div>
                    {props.href ? <a href={props.href(item)}>{item.name}</a> : <strong>{item.name}</strong>}
                    {props.extra?.(item)}
                    {item.description && <p class="hint">{item.description}</p>}
                  </div>
                  {props.canWrite && (
                    <Button
                      variant="ghost"
                      aria-label={`Detach ${item.name}`}
                      busy={detach.busy}
                      onClick={() => void detach.run(item)}
                    >
                      Detach
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <ErrorNote error={detach.error} />
          {props.canWrite &&
            (available.length ? (
              <form
                class="agent-tools-attach"
                onSubmit={(event) => {
                  event.preventDefault();
                  void attach.run();
                }}
              >
                <Field label={`Attach ${/^[aeiou]/.test(props.what) ? "an" : "a"} ${props.what}`}>
                  {(id) => (
                    <select id={id} value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
                      <option value="">Choose {/^[aeiou]/.test(props.what) ? "an" : "a"} {props.what}…</option>
                      {available.map((item) => (
                        <option value={item.id}>
                          {item.name}
                          {item.type ? ` (${label(item.type)})` : ""}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Button type="submit" variant="secondary" busy={attach.busy} disabled={!choice}>
                  Attach
                </Button>
              </form>
            ) : (
              <p class="hint">{props.nothingToAttach}</p>
            ))}
          <ErrorNote error={attach.error} />
        </>
      )}
    </Card>
  );
}

export function AgentTools(props: { agent: Agent; canWrite: boolean; onChanged: () => Promise<void> }) {
  const { agent } = props;
  const knowledge = useEvery("/v1/knowledge-bases");
  const actions = useEvery("/v1/actions");
  const memory = useEvery("/v1/memory-stores");
  const [newAction, setNewAction] = useState(false);
  const after = async (work: Promise<unknown>) => {
    await work;
    await props.onChanged();
  };

  return (
    <div class="agent-tools">
      <Section
        title="Knowledge bases"
        what="knowledge base"
        description="Documents the agent searches before it answers; the passages it used are listed under each reply in Test chat."
        attachedIds={agent.knowledge_base_ids}
        every={knowledge}
        canWrite={props.canWrite}
        href={(item) => `/knowledge/${item.id}`}
        extra={(item) =>
          item.source_count !== undefined ? (
            <span class="muted agent-tools-meta">
              {" "}
              · {item.source_count} source{item.source_count === 1 ? "" : "s"}
            </span>
          ) : null
        }
        none="No knowledge base attached: the agent answers from its prompt alone."
        nothingToAttach={
          knowledge.items?.length ? (
            "Every knowledge base is attached."
          ) : (
            <>
              There are no knowledge bases yet. <a href="/knowledge">Create one under Knowledge</a> and upload your FAQ or
              documents.
            </>
          )
        }
        attach={(id) => after(api(`/v1/knowledge-bases/${id}/attach`, { body: { agent_id: agent.id } }))}
        detach={(id) => after(api(`/v1/knowledge-bases/${id}/detach`, { body: { agent_id: agent.id } }))}
      />
      <Section
        title="Actions"
        what="action"
        description="Tools the agent can use during a conversation or call: save answers (extract_info), transfer, text, book, call an API, end the call. The built-in local model does not call tools; use OpenAI or Anthropic for them."
        attachedIds={agent.action_ids}
        every={actions}
        canWrite={props.canWrite}
        extra={(item) => (item.type ? <> {" "}<Badge value={item.type} tone="blue" /></> : null)}
        none="No actions attached."
        nothingToAttach={actions.items?.length ? "Every action is attached." : "There are no actions yet: create one with “New action”."}
        attach={(id) => after(api(`/v1/agents/${agent.id}/actions`, { body: { action_ids: [id] } }))}
        detach={(id) => after(api(`/v1/agents/${agent.id}/actions/${id}`, { method: "DELETE" }))}
        actions={
          props.canWrite ? (
            <Button onClick={() => setNewAction(true)}>New action</Button>
          ) : undefined
        }
      />
      <Section
        title="Memory stores"
        what="memory store"
        description="What the agent remembers about each contact: read before and updated after every conversation."
        attachedIds={agent.memory_store_ids}
        every={memory}
        canWrite={props.canWrite}
        none="No memory store attached: each conversation starts fresh."
        nothingToAttach={
          memory.items?.length ? "Every memory store is attached." : "There are no memory stores in this workspace yet."
        }
        attach={(id) => after(api(`/v1/memory-stores/${id}/agents/${agent.id}/attach`, { method: "POST" }))}
        detach={(id) => after(api(`/v1/memory-stores/${id}/agents/${agent.id}/detach`, { method: "POST" }))}
      />
      <NewActionModal
        open={newAction}
        onClose={() => setNewAction(false)}
        onCreated={async (id) => {
          setNewAction(false);
          await actions.reload();
          await after(api(`/v1/agents/${agent.id}/actions`, { body: { action_ids: [id] } }));
          toast("Action created and attached");
        }}
      />
    </div>
  );
}
