// The agent settings form's groups of fields. Each group gets the form (<AgentSettings>): the
// draft, a setter, each field's error and a text input bound to a draft key.

import type { ComponentChildren } from "preact";
import { useId, useMemo } from "preact/hooks";

import { AGENT_TYPES } from "../agent-templates";
import type { Draft } from "./agent-settings-draft";
import type { Agent } from "./agent-types";
import { Button, Field, KeyValueRows } from "./ui";

/** What each group of fields gets from the form. */
export interface DraftForm {
  agent: Agent;
  draft: Draft;
  set: <K extends keyof Draft>(key: K, value: Draft[K]) => void;
  /** The message for an API field path (`llm.temperature`): the form's own check's or the API's. */
  error: (path: string) => string | undefined;
  /** A text input for `key`, with `extra` attributes, as a <Field>'s child. */
  input: (key: keyof Draft, extra?: Record<string, unknown>) => (id: string) => ComponentChildren;
}

const PROVIDERS: { value: Agent["llm"]["provider"]; label: string; hint: string }[] = [
  { value: "local", label: "Built-in local model", hint: "Runs on this server, no API key. Small: keep the prompt short and concrete; it does not call tools." },
  { value: "openai", label: "OpenAI or compatible", hint: "Any OpenAI-compatible endpoint (base URL empty for OpenAI itself). Streams and calls tools." },
  { value: "anthropic", label: "Anthropic", hint: "Anthropic's Messages API. Streams and calls tools." },
  { value: "scripted", label: "Scripted", hint: "Fixed replies by rule, for tests and demos; without a matching rule it echoes." },
];

const LANGUAGES = ["en-US", "en-GB", "es-ES", "fr-FR", "de-DE", "it-IT", "pt-BR", "nl-NL"];

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

export function Group(props: { title: string; description?: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <section class="card agent-group" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.description && <p class="hint">{props.description}</p>}
      {props.children}
    </section>
  );
}

export function Check(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  const id = useId();
  return (
    <div class="agent-check">
      <label class="check" for={id}>
        <input id={id} type="checkbox" checked={props.checked} onChange={(event) => props.onChange(event.currentTarget.checked)} />
        {props.label}
      </label>
      {props.hint && <p class="hint">{props.hint}</p>}
    </div>
  );
}

export function BasicsGroup(props: DraftForm) {
  const { draft, set, error, input } = props;
  const zones = useMemo(timeZones, []);
  return (
    <Group title="Basics">
      <div class="grid-2">
        <Field label="Name" error={error("name")}>
          {input("name", { required: true, maxLength: 200 })}
        </Field>
        <Field label="Type" error={error("type")} hint={AGENT_TYPES.find((t) => t.value === draft.type)?.hint}>
          {(id) => (
            <select id={id} value={draft.type} onChange={(event) => set("type", event.currentTarget.value as Agent["type"])}>
              {AGENT_TYPES.map((item) => (
                <option value={item.value}>{item.label}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Description" error={error("description")} hint="For your team; the agent does not see it.">
        {(id) => (
          <textarea id={id} rows={2} maxLength={2000} value={draft.description} onInput={(event) => set("description", event.currentTarget.value)} />
        )}
      </Field>
      <div class="grid-2">
        <Field label="Language" error={error("language")} hint="A language tag such as en-US.">
          {(id) => (
            <>
              <input id={id} list={`${id}-list`} value={draft.language} onInput={(event) => set("language", event.currentTarget.value)} />
              <datalist id={`${id}-list`}>
                {LANGUAGES.map((code) => (
                  <option value={code} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Time zone" error={error("timezone")} hint="For {{current_date}} and {{current_time}} in the prompt.">
          {(id) => (
            <select id={id} value={draft.timezone} onChange={(event) => set("timezone", event.currentTarget.value)}>
              <option value="">The workspace's time zone</option>
              {draft.timezone && !zones.includes(draft.timezone) && <option value={draft.timezone}>{draft.timezone}</option>}
              {zones.map((zone) => (
                <option value={zone}>{zone}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Check
        label="Enabled"
        checked={draft.enabled}
        onChange={(value) => set("enabled", value)}
        hint="A disabled agent answers no chats or calls, and its widget disappears."
      />
    </Group>
  );
}

export function BehaviourGroup(props: DraftForm) {
  const { draft, set, error } = props;
  return (
    <Group title="Behaviour" description="What the agent is told, and the first thing it says.">
      <Field
        label="System prompt"
        error={error("prompt")}
        hint={
          <>
            Placeholders: <code>{"{{agent_name}}"}</code>, <code>{"{{current_date}}"}</code>, <code>{"{{current_time}}"}</code>,{" "}
            <code>{"{{current_weekday}}"}</code>, <code>{"{{contact_name}}"}</code>, <code>{"{{contact_email}}"}</code>, and the
            custom variables below.
          </>
        }
      >
        {(id) => (
          <textarea id={id} class="code" maxLength={50000} value={draft.prompt} onInput={(event) => set("prompt", event.currentTarget.value)} />
        )}
      </Field>
      <Field label="Greeting message" error={error("greeting_message")} hint="The first message of every chat and the first words of every call.">
        {(id) => (
          <textarea id={id} rows={2} maxLength={2000} value={draft.greeting_message} onInput={(event) => set("greeting_message", event.currentTarget.value)} />
        )}
      </Field>
      <KeyValueRows
        class="agent-rows"
        legend="Custom variables"
        hint="Default values of the prompt's placeholders; a conversation's own variables override them."
        empty="No custom variables."
        rows={draft.variables}
        onChange={(rows) => set("variables", rows)}
        error={error("custom_variables")}
        labels={{ remove: (row, index) => `Remove variable ${row.key || index + 1}` }}
        placeholders={{ key: "business_name" }}
        rowClass="agent-row"
        keyClass="mono"
      />
    </Group>
  );
}

export function ModelGroup(props: DraftForm) {
  const { agent, draft, set, error, input } = props;
  const provider = PROVIDERS.find((item) => item.value === draft.provider);
  const setRow = <T,>(rows: T[], index: number, patch: Partial<T>) => rows.map((row, at) => (at === index ? { ...row, ...patch } : row));
  return (
    <Group title="Model" description="The language model that writes the agent's replies.">
      <div class="grid-2">
        <Field label="LLM provider" error={error("llm.provider")} hint={provider?.hint}>
          {(id) => (
            <select id={id} value={draft.provider} onChange={(event) => set("provider", event.currentTarget.value as Draft["provider"])}>
              {PROVIDERS.map((item) => (
                <option value={item.value}>{item.label}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Model"
          error={error("llm.model")}
          hint={draft.provider === "local" ? "Empty: the built-in model." : draft.provider === "scripted" ? "Not used by scripted replies." : "The provider's model name."}
        >
          {input("model", {
            placeholder: draft.provider === "openai" ? "gpt-4o-mini" : draft.provider === "anthropic" ? "claude-3-5-haiku-latest" : "Default",
            maxLength: 200,
          })}
        </Field>
        <Field label="Temperature" error={error("llm.temperature")} hint="0 is focused and repeatable, 2 is most varied.">
          {input("temperature", { type: "number", min: 0, max: 2, step: 0.1, inputMode: "decimal" })}
        </Field>
        <Field label="Max tokens" error={error("llm.max_tokens")} hint="The longest reply, in tokens (1–8192).">
          {input("max_tokens", { type: "number", min: 1, max: 8192, step: 1, inputMode: "numeric" })}
        </Field>
      </div>
      {(draft.provider === "openai" || draft.provider === "anthropic") && (
        <div class="grid-2">
          <Field label="Base URL" error={error("llm.base_url")} hint="Empty for the provider's own API.">
            {input("base_url", { type: "url", placeholder: "https://api.example.com/v1" })}
          </Field>
          <Field
            label="API key"
            error={error("llm.api_key")}
            hint={agent.llm.api_key_set ? "A key is saved. Type a new one to replace it." : "Stored encrypted; never shown again."}
          >
            {input("api_key", { type: "password", autoComplete: "new-password", placeholder: agent.llm.api_key_set ? "••••••••" : "" })}
          </Field>
        </div>
      )}
      {draft.provider === "scripted" && (
        <fieldset class="agent-rows">
          <legend>Script rules</legend>
          <p class="hint">The first rule whose pattern (a case-insensitive regular expression) matches the customer's message gives the reply.</p>
          {draft.script.length === 0 && <p class="muted">No rules: the agent echoes the customer.</p>}
          {draft.script.map((rule, index) => (
            <div class="agent-row" key={index}>
              <Field label={`Rule ${index + 1} pattern`} error={error(`llm.script.${index}.match`)}>
                {(id) => (
                  <input
                    id={id}
                    class="mono"
                    value={rule.match}
                    onInput={(event) => set("script", setRow(draft.script, index, { match: event.currentTarget.value }))}
                  />
                )}
              </Field>
              <Field label={`Rule ${index + 1} reply`} error={error(`llm.script.${index}.reply`)}>
                {(id) => (
                  <input
                    id={id}
                    value={rule.reply}
                    onInput={(event) => set("script", setRow(draft.script, index, { reply: event.currentTarget.value }))}
                  />
                )}
              </Field>
              <Button variant="ghost" aria-label={`Remove rule ${index + 1}`} onClick={() => set("script", draft.script.filter((_, at) => at !== index))}>
                Remove
              </Button>
            </div>
          ))}
          <Button onClick={() => set("script", [...draft.script, { match: "", reply: "" }])}>Add rule</Button>
        </fieldset>
      )}
    </Group>
  );
}
