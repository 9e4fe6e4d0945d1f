import "./Agents.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { typeLabel } from "../agent-templates";
import { ApiError, api } from "../api";
import { can, useAuth } from "../auth";
import { AgentCall } from "../components/agent-call";
import { AgentChat } from "../components/agent-chat";
import { AgentEmbed } from "../components/agent-embed";
import { AgentSettings } from "../components/agent-settings";
import { AgentTools } from "../components/agent-tools";
import type { Agent } from "../components/agent-types";
import { Badge, Button, Empty, ErrorNote, Loading, Modal, PageHeader, Tabs, toast, useAction } from "../components/ui";
import { ago, when } from "../format";
import { useApi, useTitle } from "../hooks";

const TABS: { label: string; slug: string }[] = [
  { label: "Settings", slug: "settings" },
  { label: "Knowledge & tools", slug: "tools" },
  { label: "Test chat", slug: "chat" },
  { label: "Test call", slug: "call" },
  { label: "Embed", slug: "embed" },
];

export default function AgentDetail({ id }: { id: string }) {
  const { me } = useAuth();
  const location = useLocation();
  const writer = can(me, "write");
  const inbox = can(me, "inbox");
  const loaded = useApi<Agent>(`/v1/agents/${id}`);
  const agent = loaded.data;
  useTitle(agent ? agent.name : "Agent");
  const [confirming, setConfirming] = useState(false);

  const tab = TABS.find((item) => item.slug === location.query.tab) ?? TABS[0];
  // The test chat and call, once opened, stay mounted (hidden) so they survive a look elsewhere;
  // the settings keep their unsaved draft on their own.
  const [visited, setVisited] = useState<string[]>([]);
  useEffect(() => {
    // On a phone the tab strip scrolls: keep the open tab in sight.
    document.querySelector(".agent-detail .tabs [aria-selected='true']")?.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (tab.slug === "chat" || tab.slug === "call") {
      setVisited((current) => (current.includes(tab.slug) ? current : [...current, tab.slug]));
    }
  }, [tab.slug, Boolean(agent)]);
  const open = (label: string) => {
    const slug = TABS.find((item) => item.label === label)?.slug ?? "settings";
    location.route(`/agents/${id}${slug === "settings" ? "" : `?tab=${slug}`}`, true);
  };

  const toggle = useAction(async () => {
    if (!agent) return;
    const updated = await api<Agent>(`/v1/agents/${id}`, { method: "PATCH", body: { enabled: !agent.enabled } });
    loaded.setData(updated);
    toast(updated.enabled ? `${updated.name} is enabled` : `${updated.name} is disabled`);
  });

  const remove = useAction(async () => {
    await api(`/v1/agents/${id}`, { method: "DELETE" });
    setConfirming(false);
    toast(`Agent “${agent?.name ?? ""}” deleted`);
    location.route("/agents");
  });

  if (loaded.loading && !agent) return <Loading label="Loading the agent…" />;
  if (!agent) {
    const missing = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <div class="agent-detail">
        <p class="agent-back">
          <a href="/agents">← All agents</a>
        </p>
        {missing ? (
          <Empty title="This agent does not exist" action={<a class="btn btn-primary" href="/agents">Go to the agents</a>}>
            It may have been deleted, or it belongs to another workspace.
          </Empty>
        ) : (
          <ErrorNote error={loaded.error} retry={loaded.reload} />
        )}
      </div>
    );
  }

  return (
    <div class="agent-detail">
      <p class="agent-back">
        <a href="/agents">← All agents</a>
      </p>
      <PageHeader title={agent.name} subtitle={agent.description ?? undefined}>
        {writer && (
          <>
            <Button onClick={() => void toggle.run()} busy={toggle.busy}>
              {agent.enabled ? "Disable" : "Enable"}
            </Button>
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Delete
            </Button>
          </>
        )}
      </PageHeader>
      <div class="agent-summary">
        <Badge value={agent.enabled ? "enabled" : "disabled"} />
        <Badge value={typeLabel(agent.type)} tone="blue" />
        {agent.phone_number && <span class="mono">{agent.phone_number}</span>}
        <span class="muted">
          {agent.llm.provider === "local" ? "Built-in model" : `${agent.llm.provider}${agent.llm.model ? ` · ${agent.llm.model}` : ""}`}
        </span>
        <span class="muted">
          Updated <time dateTime={agent.updated_at} title={when(agent.updated_at)}>{ago(agent.updated_at)}</time>
        </span>
      </div>
      <ErrorNote error={toggle.error} />

      <Tabs tabs={TABS.map((item) => item.label)} current={tab.label} onChange={open} />
      {TABS.filter((item) => item.slug === tab.slug || visited.includes(item.slug)).map((item) => (
        <div role="tabpanel" aria-label={item.label} class="agent-tabpanel" key={item.slug} hidden={item.slug !== tab.slug}>
          {item.slug === "settings" && <AgentSettings agent={agent} canWrite={writer} onSaved={loaded.setData} />}
          {item.slug === "tools" && <AgentTools agent={agent} canWrite={writer} onChanged={loaded.reload} />}
          {item.slug === "chat" && <AgentChat agent={agent} canChat={inbox} />}
          {item.slug === "call" && <AgentCall agent={agent} canCall={inbox} />}
          {item.slug === "embed" && <AgentEmbed agent={agent} canWrite={writer} onSaved={loaded.setData} />}
        </div>
      ))}

      <Modal title="Delete agent" open={confirming} onClose={() => setConfirming(false)}>
        <p>
          Delete <strong>{agent.name}</strong>? Its widget stops answering and calls to its number are no longer answered.
          Past conversations and calls stay in the Inbox and Calls. This cannot be undone.
        </p>
        <ErrorNote error={remove.error} />
        <div class="agent-new-actions">
          <Button variant="ghost" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete agent
          </Button>
        </div>
      </Modal>
    </div>
  );
}
