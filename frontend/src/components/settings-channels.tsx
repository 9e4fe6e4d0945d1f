// Settings › Channels: where conversations come in (web chat on your sites, SMS and voice
// numbers, the API), each answered by one agent.

import { useEffect, useState } from "preact/hooks";

import { all, api, type Page } from "../api";
import { day } from "../format";
import { useApi } from "../hooks";
import { Confirm, ReadOnlyNote } from "./settings-shared";
import { Badge, Button, Empty, ErrorNote, Field, Loading, Modal, Pager, Table, fieldError, toast, useAction } from "./ui";

export interface Channel {
  id: string;
  type: "web_chat" | "sms" | "voice" | "api";
  name: string;
  agent_id: string;
  config: Record<string, any>;
  created_at: string;
}

const TYPES: Record<Channel["type"], string> = { web_chat: "Web chat", sms: "SMS", voice: "Voice", api: "API" };
const TONES: Record<Channel["type"], string> = { web_chat: "blue", sms: "green", voice: "amber", api: "gray" };

export function useAgents() {
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    all<{ id: string; name: string }>("/v1/agents")
      .then(setAgents)
      .catch(() => setAgents([]));
  }, []);
  return agents;
}

export function ChannelSettings(props: { editable: boolean }) {
  if (!props.editable) return <ReadOnlyNote>Only admins and owners can see and change channels.</ReadOnlyNote>;
  return <Channels />;
}

function Channels() {
  const [offset, setOffset] = useState(0);
  const list = useApi<Page<Channel>>("/v1/channels", { query: { limit: 20, offset } });
  const agents = useAgents();
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const [removing, setRemoving] = useState<Channel | null>(null);
  const agentName = (id: string) => agents.find((a) => a.id === id)?.name ?? "—";

  return (
    <div class="settings-form">
      <div class="settings-toolbar">
        <p class="muted">Each channel routes its conversations to one agent. A web chat channel limits which sites may embed the widget.</p>
        <Button variant="primary" onClick={() => setEditing("new")}>
          Add channel
        </Button>
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && (
        <Empty title="No channels yet" action={<Button variant="primary" onClick={() => setEditing("new")}>Add channel</Button>}>
          Add a web chat channel to allow your website to embed the chat widget, or an SMS or voice channel for a phone number.
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <>
          <Table
            caption="Channels"
            rows={list.data.items}
            rowKey={(c) => c.id}
            columns={[
              { label: "Name", render: (c) => <strong>{c.name}</strong> },
              { label: "Type", render: (c) => <Badge value={TYPES[c.type]} tone={TONES[c.type]} /> },
              { label: "Agent", render: (c) => <a href={`/agents/${c.agent_id}`}>{agentName(c.agent_id)}</a> },
              {
                label: "Where",
                render: (c) =>
                  c.type === "web_chat" ? (
                    <span class="mono">{(c.config.allowed_origins ?? []).join(", ")}</span>
                  ) : c.type === "api" ? (
                    <span class="muted">POST /v1/conversations</span>
                  ) : (
                    <span class="mono">{c.config.phone_number}</span>
                  ),
              },
              { label: "Added", render: (c) => day(c.created_at) },
              {
                label: "Actions",
                class: "num",
                render: (c) => (
                  <span class="row-actions">
                    <Button variant="ghost" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>
                      Edit
                    </Button>
                    <Button variant="ghost" onClick={() => setRemoving(c)} aria-label={`Delete ${c.name}`}>
                      Delete
                    </Button>
                  </span>
                ),
              },
            ]}
          />
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={setOffset} />
        </>
      )}
      <Modal title={editing === "new" ? "Add channel" : `Edit ${editing?.name ?? "channel"}`} open={editing !== null} onClose={() => setEditing(null)} wide>
        {editing !== null && (
          <ChannelForm
            channel={editing === "new" ? null : editing}
            agents={agents}
            onDone={() => {
              setEditing(null);
              void list.reload();
            }}
          />
        )}
      </Modal>
      <Confirm
        open={removing !== null}
        title="Delete channel"
        confirmLabel="Delete channel"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/v1/channels/${removing!.id}`, { method: "DELETE" });
          toast(`Deleted ${removing!.name}`);
          await list.reload();
        }}
      >
        <p>
          Delete <strong>{removing?.name}</strong>? Its conversations stay in the inbox, but no new ones come in through it
          {removing?.type === "web_chat" ? " and its sites may no longer embed the widget" : ""}.
        </p>
      </Confirm>
    </div>
  );
}

function ChannelForm(props: { channel: Channel | null; agents: { id: string; name: string }[]; onDone: () => void }) {
  const c = props.channel;
  const [type, setType] = useState<Channel["type"]>(c?.type ?? "web_chat");
  const [name, setName] = useState(c?.name ?? "");
  const [agentId, setAgentId] = useState(c?.agent_id ?? "");
  const [origins, setOrigins] = useState<string>((c?.config.allowed_origins ?? []).join("\n"));
  const theme = c?.config.theme ?? {};
  const [color, setColor] = useState<string>(theme.color ?? "");
  const [textColor, setTextColor] = useState<string>(theme.text_color ?? "");
  const [position, setPosition] = useState<string>(theme.position ?? "");
  const [title, setTitle] = useState<string>(theme.title ?? "");
  const [launcher, setLauncher] = useState<string>(theme.launcher_text ?? "");
  const [placeholder, setPlaceholder] = useState<string>(theme.placeholder ?? "");
  const [phone, setPhone] = useState<string>(c?.config.phone_number ?? "");
  const [numbers, setNumbers] = useState<{ phone_number: string; name: string | null }[]>([]);
  useEffect(() => {
    all<{ phone_number: string; name: string | null }>("/v1/phone-numbers")
      .then(setNumbers)
      .catch(() => setNumbers([]));
  }, []);

  const configOf = () => {
    if (type === "web_chat") {
      const themeBody: Record<string, string> = {};
      if (color) themeBody.color = color;
      if (textColor) themeBody.text_color = textColor;
      if (position) themeBody.position = position;
      if (title.trim()) themeBody.title = title.trim();
      if (launcher.trim()) themeBody.launcher_text = launcher.trim();
      if (placeholder.trim()) themeBody.placeholder = placeholder.trim();
      return {
        allowed_origins: origins
          .split(/[\n,]/)
          .map((o) => o.trim())
          .filter(Boolean),
        theme: themeBody,
      };
    }
    if (type === "sms" || type === "voice") return { phone_number: phone.trim() };
    return {};
  };

  const save = useAction(async () => {
    if (c) {
      await api(`/v1/channels/${c.id}`, { method: "PATCH", body: { name, agent_id: agentId, config: configOf() } });
      toast("Channel saved");
    } else {
      await api("/v1/channels", { body: { type, name, agent_id: agentId, config: configOf() } });
      toast("Channel added");
    }
    props.onDone();
  });
  const err = (field: string) => fieldError(save.error, field);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <div class="row">
        <Field label="Type" error={err("type")} hint={c ? "A channel's type cannot change; add a new channel instead." : undefined}>
          {(id) => (
            <select id={id} value={type} disabled={!!c} onChange={(e) => setType(e.currentTarget.value as Channel["type"])}>
              <option value="web_chat">Web chat (the widget on your sites)</option>
              <option value="sms">SMS (a phone number's texts)</option>
              <option value="voice">Voice (a phone number's calls)</option>
              <option value="api">API (your own app)</option>
            </select>
          )}
        </Field>
        <Field label="Name" error={err("name")}>
          {(id) => <input id={id} value={name} required maxLength={200} placeholder="e.g. Website chat" onInput={(e) => setName(e.currentTarget.value)} />}
        </Field>
        <Field label="Agent" error={err("agent_id")} hint={props.agents.length ? undefined : "Create an agent first under Agents."}>
          {(id) => (
            <select id={id} value={agentId} required onChange={(e) => setAgentId(e.currentTarget.value)}>
              <option value="">Choose an agent…</option>
              {props.agents.map((a) => (
                <option value={a.id}>{a.name}</option>
              ))}
            </select>
          )}
        </Field>
      </div>

      {type === "web_chat" && (
        <>
          <Field
            label="Allowed origins"
            error={err("config.allowed_origins") ?? err("config")}
            hint="One per line, e.g. https://shop.example. Browsers on other sites are refused (ORIGIN_NOT_ALLOWED)."
          >
            {(id) => <textarea id={id} value={origins} required rows={3} placeholder="https://shop.example" onInput={(e) => setOrigins(e.currentTarget.value)} />}
          </Field>
          <fieldset>
            <legend>Widget theme</legend>
            <div class="row">
              <Field label="Colour" hint="e.g. #1d4ed8" error={err("config.theme.color")}>
                {(id) => (
                  <div class="color-input">
                    <input type="color" aria-label="Pick colour" value={color || "#1d4ed8"} onInput={(e) => setColor(e.currentTarget.value)} />
                    <input id={id} value={color} placeholder="Default" onInput={(e) => setColor(e.currentTarget.value)} />
                  </div>
                )}
              </Field>
              <Field label="Text colour" hint="e.g. #ffffff" error={err("config.theme.text_color")}>
                {(id) => (
                  <div class="color-input">
                    <input type="color" aria-label="Pick text colour" value={textColor || "#ffffff"} onInput={(e) => setTextColor(e.currentTarget.value)} />
                    <input id={id} value={textColor} placeholder="Default" onInput={(e) => setTextColor(e.currentTarget.value)} />
                  </div>
                )}
              </Field>
              <Field label="Position" error={err("config.theme.position")}>
                {(id) => (
                  <select id={id} value={position} onChange={(e) => setPosition(e.currentTarget.value)}>
                    <option value="">Default (right)</option>
                    <option value="right">Bottom right</option>
                    <option value="left">Bottom left</option>
                  </select>
                )}
              </Field>
            </div>
            <div class="row">
              <Field label="Title" error={err("config.theme.title")}>
                {(id) => <input id={id} value={title} maxLength={80} placeholder="Chat with us" onInput={(e) => setTitle(e.currentTarget.value)} />}
              </Field>
              <Field label="Launcher text" error={err("config.theme.launcher_text")}>
                {(id) => <input id={id} value={launcher} maxLength={40} placeholder="Questions?" onInput={(e) => setLauncher(e.currentTarget.value)} />}
              </Field>
              <Field label="Message placeholder" error={err("config.theme.placeholder")}>
                {(id) => <input id={id} value={placeholder} maxLength={80} placeholder="Type a message…" onInput={(e) => setPlaceholder(e.currentTarget.value)} />}
              </Field>
            </div>
          </fieldset>
        </>
      )}

      {(type === "sms" || type === "voice") && (
        <Field
          label="Phone number"
          error={err("config.phone_number") ?? err("config")}
          hint={numbers.length ? "One of the workspace's numbers (Settings › Phone numbers)." : "Add a number under Settings › Phone numbers first."}
        >
          {(id) => (
            <select id={id} value={phone} required onChange={(e) => setPhone(e.currentTarget.value)}>
              <option value="">Choose a number…</option>
              {phone && !numbers.some((n) => n.phone_number === phone) && <option value={phone}>{phone}</option>}
              {numbers.map((n) => (
                <option value={n.phone_number}>
                  {n.phone_number}
                  {n.name ? ` · ${n.name}` : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {type === "api" && <p class="hint">Your app starts conversations with POST /v1/conversations and an API key; nothing else to set.</p>}

      <ErrorNote error={save.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={save.busy}>
          {c ? "Save channel" : "Add channel"}
        </Button>
        <Button variant="ghost" onClick={props.onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
