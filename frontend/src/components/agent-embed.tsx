// The agent's "Embed" tab: the widget snippet, where it may run, and how it looks.

import { useEffect, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { useApi } from "../hooks";
import type { Agent } from "./agent-types";
import { Badge, Button, Card, CopyButton, ErrorNote, Field, Loading, fieldError, toast, useAction } from "./ui";

interface Channel {
  id: string;
  type: string;
  name: string;
  agent_id: string | null;
  config: { allowed_origins?: string[] };
}

interface Look {
  color: string;
  text_color: string;
  position: string;
  title: string;
  launcher_text: string;
  placeholder: string;
}

const str = (value: unknown) => (typeof value === "string" ? value : "");

function lookOf(theme: Record<string, unknown>): Look {
  return {
    color: str(theme.color) || "#1f6feb",
    text_color: str(theme.text_color) || "#ffffff",
    position: str(theme.position) === "left" ? "left" : "right",
    title: str(theme.title),
    launcher_text: str(theme.launcher_text),
    placeholder: str(theme.placeholder),
  };
}

/** The greeting as a visitor reads it: the agent's name and default variables filled in. */
function fill(text: string, agent: Agent): string {
  const values: Record<string, unknown> = { agent_name: agent.name, ...agent.custom_variables };
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

export function AgentEmbed(props: { agent: Agent; canWrite: boolean; onSaved: (agent: Agent) => void }) {
  const { agent } = props;
  const origin = window.location.origin;
  const snippet = `<script src="${origin}/widget.js" data-agent="${agent.id}"></script>`;
  const channels = useApi<Page<Channel>>(props.canWrite ? "/v1/channels" : null, { query: { agent_id: agent.id, type: "web_chat", limit: 100 } });
  const webChannels = (channels.data?.items ?? []).filter((channel) => channel.type === "web_chat" && channel.agent_id === agent.id);
  const chatty = agent.type === "widget" || agent.type === "chat";

  const [look, setLook] = useState<Look>(() => lookOf(agent.theme ?? {}));
  useEffect(() => setLook(lookOf(agent.theme ?? {})), [agent.updated_at]);
  const set = (key: keyof Look, value: string) => setLook((current) => ({ ...current, [key]: value }));

  const save = useAction(async () => {
    const theme: Record<string, unknown> = { ...(agent.theme ?? {}) };
    for (const [key, value] of Object.entries(look)) {
      if (value.trim()) theme[key] = value.trim();
      else delete theme[key];
    }
    const updated = await api<Agent>(`/v1/agents/${agent.id}`, { method: "PATCH", body: { theme } });
    props.onSaved(updated);
    toast("Widget look saved");
  });

  return (
    <div class="agent-embed">
      <Card title="Website widget">
        {!chatty && (
          <p class="agent-embed-warning" role="note">
            The widget chats with <strong>widget</strong> and <strong>chat</strong> agents; this one is an{" "}
            <strong>{agent.type}</strong> agent. Change its type under Settings to use it on your site.
          </p>
        )}
        {!agent.enabled && (
          <p class="agent-embed-warning" role="note">
            This agent is disabled: the widget will not appear until you enable it.
          </p>
        )}
        <p>Paste this line before the closing <code>&lt;/body&gt;</code> tag of every page where the chat bubble should appear:</p>
        <pre class="agent-snippet" aria-label="Widget snippet">
          <code>{snippet}</code>
        </pre>
        <div class="row">
          <CopyButton text={snippet} label="Copy snippet" />
          <CopyButton text={agent.id} label="Copy agent ID" />
        </div>
        <p class="hint">
          In the page, <code>FrontdeskWidget.open()</code> and <code>.close()</code> control the chat, and{" "}
          <code>frontdesk:message</code>, <code>frontdesk:lead.qualified</code> and <code>frontdesk:meeting.booked</code> events fire on{" "}
          <code>window</code>.
        </p>
      </Card>

      <Card title="Where it may run">
        <ErrorNote error={channels.error} retry={channels.reload} />
        {channels.loading && !channels.data && <Loading />}
        {!props.canWrite && (
          <p>Admins choose which websites may use the widget under Settings › Channels.</p>
        )}
        {channels.data &&
          (webChannels.length === 0 ? (
            <p>
              The widget works on any website. To limit it to your own domains (and give it a per-site look), add a web chat
              channel for this agent under <a href="/settings/channels">Settings › Channels</a>.
            </p>
          ) : (
            <>
              <p>Only pages of these origins can use this agent; others get 403 ORIGIN_NOT_ALLOWED.</p>
              <ul class="agent-origins">
                {webChannels.map((channel) => (
                  <li key={channel.id}>
                    <strong>{channel.name}</strong>{" "}
                    {(channel.config?.allowed_origins ?? []).length ? (
                      (channel.config.allowed_origins ?? []).map((item) => <Badge value={item} tone="gray" />)
                    ) : (
                      <span class="muted">no origins allowed yet</span>
                    )}
                  </li>
                ))}
              </ul>
              <p class="hint">
                Change them under <a href="/settings/channels">Settings › Channels</a>.
              </p>
            </>
          ))}
      </Card>

      <Card title="Widget look">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save.run();
          }}
        >
          <fieldset class="agent-look" disabled={!props.canWrite}>
            <legend class="sr-only">Widget look</legend>
            <div class="grid-2">
              <Field label="Colour" error={fieldError(save.error, "theme")}>
                {(id) => (
                  <div class="agent-color">
                    <input id={id} type="color" value={/^#[0-9a-f]{6}$/i.test(look.color) ? look.color : "#1f6feb"} onInput={(event) => set("color", event.currentTarget.value)} />
                    <span class="mono">{look.color}</span>
                  </div>
                )}
              </Field>
              <Field label="Text colour">
                {(id) => (
                  <div class="agent-color">
                    <input id={id} type="color" value={/^#[0-9a-f]{6}$/i.test(look.text_color) ? look.text_color : "#ffffff"} onInput={(event) => set("text_color", event.currentTarget.value)} />
                    <span class="mono">{look.text_color}</span>
                  </div>
                )}
              </Field>
              <Field label="Position">
                {(id) => (
                  <select id={id} value={look.position} onChange={(event) => set("position", event.currentTarget.value)}>
                    <option value="right">Bottom right</option>
                    <option value="left">Bottom left</option>
                  </select>
                )}
              </Field>
              <Field label="Title" hint="Empty: the agent's name.">
                {(id) => <input id={id} value={look.title} placeholder={agent.name} onInput={(event) => set("title", event.currentTarget.value)} />}
              </Field>
              <Field label="Launcher text" hint="Beside the bubble; empty for none.">
                {(id) => <input id={id} value={look.launcher_text} placeholder="Chat with us" onInput={(event) => set("launcher_text", event.currentTarget.value)} />}
              </Field>
              <Field label="Input placeholder">
                {(id) => <input id={id} value={look.placeholder} placeholder="Type a message…" onInput={(event) => set("placeholder", event.currentTarget.value)} />}
              </Field>
            </div>
            <div class="agent-look-preview" aria-hidden="true">
              <div class="agent-look-panel">
                <div style={{ background: look.color, color: look.text_color }}>{look.title || agent.name}</div>
                <p>{fill(agent.greeting_message || "Hello! How can I help you?", agent)}</p>
                <span>{look.placeholder || "Type a message…"}</span>
              </div>
              <div class={`agent-look-launcher ${look.position}`}>
                {look.launcher_text && <span>{look.launcher_text}</span>}
                <i style={{ background: look.color }} />
              </div>
            </div>
          </fieldset>
          <ErrorNote error={save.error} />
          {props.canWrite && (
            <Button type="submit" variant="primary" busy={save.busy}>
              Save look
            </Button>
          )}
        </form>
      </Card>
    </div>
  );
}
