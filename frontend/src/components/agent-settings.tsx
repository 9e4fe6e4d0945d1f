// The agent's "Settings" tab: every field, grouped; Save sends a PATCH of what changed.

import type { ComponentChildren } from "preact";
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";

import { AGENT_TYPES } from "../agent-templates";
import { api, type Page } from "../api";
import { useApi } from "../hooks";
import type { Agent, ScriptRule } from "./agent-types";
import { Button, ErrorNote, Field, fieldError, toast, useAction } from "./ui";

interface Voice {
  voice_id: string;
  name: string;
  language: string;
  gender: string | null;
  provider: string;
}

interface PhoneNumber {
  id: string;
  phone_number: string;
  name: string | null;
  agent_id: string | null;
}

interface Row {
  key: string;
  value: string;
}

/** The form's state: text for every number so a half-typed value is never lost. */
interface Draft {
  name: string;
  description: string;
  type: Agent["type"];
  enabled: boolean;
  language: string;
  timezone: string;
  prompt: string;
  greeting_message: string;
  variables: Row[];
  provider: Agent["llm"]["provider"];
  model: string;
  temperature: string;
  max_tokens: string;
  base_url: string;
  api_key: string;
  script: ScriptRule[];
  stt_provider: string;
  tts_provider: string;
  voice_id: string;
  voice_language: string;
  speed: string;
  volume: string;
  initial_pause_seconds: string;
  end_of_speech_silence_ms: string;
  voicemail_detection: "" | "true" | "false";
  phone_number: string;
  is_recording: boolean;
  max_enabled: boolean;
  max_seconds: string;
  idle_seconds: string;
  reminders: boolean;
  reminder_after: string;
  reminder_message: string;
  min_words: string;
  patience: Agent["patience_level"];
  webhook: string;
}

const PROVIDERS: { value: Agent["llm"]["provider"]; label: string; hint: string }[] = [
  { value: "local", label: "Built-in local model", hint: "Runs on this server, no API key. Small: keep the prompt short and concrete; it does not call tools." },
  { value: "openai", label: "OpenAI or compatible", hint: "Any OpenAI-compatible endpoint (base URL empty for OpenAI itself). Streams and calls tools." },
  { value: "anthropic", label: "Anthropic", hint: "Anthropic's Messages API. Streams and calls tools." },
  { value: "scripted", label: "Scripted", hint: "Fixed replies by rule, for tests and demos; without a matching rule it echoes." },
];

const STT = [
  { value: "local", label: "Built-in (local)" },
  { value: "deepgram", label: "Deepgram" },
  { value: "openai", label: "OpenAI" },
];
const TTS = [
  { value: "local", label: "Built-in (local)" },
  { value: "espeak", label: "eSpeak" },
  { value: "elevenlabs", label: "ElevenLabs" },
  { value: "cartesia", label: "Cartesia" },
  { value: "openai", label: "OpenAI" },
];
const LANGUAGES = ["en-US", "en-GB", "es-ES", "fr-FR", "de-DE", "it-IT", "pt-BR", "nl-NL"];

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

const text = (value: string | number | null | undefined) => (value === null || value === undefined ? "" : String(value));

function toDraft(agent: Agent): Draft {
  return {
    name: agent.name,
    description: text(agent.description),
    type: agent.type,
    enabled: agent.enabled,
    language: agent.language,
    timezone: text(agent.timezone),
    prompt: agent.prompt,
    greeting_message: text(agent.greeting_message),
    variables: Object.entries(agent.custom_variables ?? {}).map(([key, value]) => ({ key, value: String(value) })),
    provider: agent.llm.provider,
    model: text(agent.llm.model),
    temperature: text(agent.llm.temperature),
    max_tokens: text(agent.llm.max_tokens),
    base_url: text(agent.llm.base_url),
    api_key: "",
    script: agent.llm.script ?? [],
    stt_provider: agent.voice.stt_provider,
    tts_provider: agent.voice.tts_provider,
    voice_id: text(agent.voice.voice_id),
    voice_language: agent.voice.language,
    speed: text(agent.voice.speed),
    volume: text(agent.voice.volume),
    initial_pause_seconds: text(agent.voice.initial_pause_seconds),
    end_of_speech_silence_ms: text(agent.voice.end_of_speech_silence_ms),
    voicemail_detection: agent.voice.voicemail_detection === null ? "" : agent.voice.voicemail_detection ? "true" : "false",
    phone_number: text(agent.phone_number),
    is_recording: agent.is_recording,
    max_enabled: agent.max_duration.is_enabled,
    max_seconds: text(agent.max_duration.duration_seconds),
    idle_seconds: text(agent.allowed_idle_time_seconds),
    reminders: agent.send_user_idle_reminders,
    reminder_after: text(agent.reminder_after_idle_time_seconds),
    reminder_message: text(agent.reminder_after_idle_message),
    min_words: text(agent.min_words_to_interrupt),
    patience: agent.patience_level,
    webhook: text(agent.external_webhook_url),
  };
}

/** A number when the text is one; otherwise the text, for the API to name the field. */
function number(value: string): number | string | null {
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : trimmed;
}

const orNull = (value: string) => (value.trim() === "" ? null : value.trim());

/** A variable's value as typed, numbers and booleans kept as such. */
function variableValue(value: string): string | number | boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  if (value.trim() !== "" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return value;
}

/** The whole agent as an update body. */
function toBody(draft: Draft): Record<string, unknown> {
  const llm: Record<string, unknown> = {
    provider: draft.provider,
    model: orNull(draft.model),
    temperature: number(draft.temperature),
    max_tokens: number(draft.max_tokens),
    base_url: orNull(draft.base_url),
    script: draft.provider === "scripted" || draft.script.length ? draft.script : null,
  };
  if (draft.api_key.trim()) llm.api_key = draft.api_key.trim();
  return {
    name: draft.name.trim(),
    description: orNull(draft.description),
    type: draft.type,
    enabled: draft.enabled,
    language: draft.language.trim(),
    timezone: orNull(draft.timezone),
    prompt: draft.prompt,
    greeting_message: orNull(draft.greeting_message),
    custom_variables: Object.fromEntries(
      draft.variables.filter((row) => row.key.trim()).map((row) => [row.key.trim(), variableValue(row.value)]),
    ),
    llm,
    voice: {
      stt_provider: draft.stt_provider,
      tts_provider: draft.tts_provider,
      voice_id: orNull(draft.voice_id),
      language: draft.voice_language.trim(),
      speed: number(draft.speed),
      volume: number(draft.volume),
      initial_pause_seconds: number(draft.initial_pause_seconds),
      end_of_speech_silence_ms: number(draft.end_of_speech_silence_ms),
      voicemail_detection: draft.voicemail_detection === "" ? null : draft.voicemail_detection === "true",
    },
    phone_number: orNull(draft.phone_number),
    external_webhook_url: orNull(draft.webhook),
    is_recording: draft.is_recording,
    max_duration: { is_enabled: draft.max_enabled, duration_seconds: number(draft.max_seconds) },
    allowed_idle_time_seconds: number(draft.idle_seconds),
    send_user_idle_reminders: draft.reminders,
    reminder_after_idle_time_seconds: number(draft.reminder_after),
    reminder_after_idle_message: orNull(draft.reminder_message),
    min_words_to_interrupt: number(draft.min_words),
    patience_level: draft.patience,
  };
}

/** The fields of `draft` that differ from `agent`. */
function changes(agent: Agent, draft: Draft): Record<string, unknown> {
  const before = toBody(toDraft(agent));
  const after = toBody(draft);
  return Object.fromEntries(Object.entries(after).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key])));
}

/** Fields the API needs a value for: checked here, since an empty one would just be skipped. */
const REQUIRED_NUMBERS: [keyof Draft, string][] = [
  ["temperature", "llm.temperature"],
  ["max_tokens", "llm.max_tokens"],
  ["speed", "voice.speed"],
  ["volume", "voice.volume"],
  ["initial_pause_seconds", "voice.initial_pause_seconds"],
  ["max_seconds", "max_duration.duration_seconds"],
  ["idle_seconds", "allowed_idle_time_seconds"],
  ["reminder_after", "reminder_after_idle_time_seconds"],
  ["min_words", "min_words_to_interrupt"],
];

function localErrors(draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!draft.name.trim()) errors.name = "Give the agent a name";
  if (draft.language.trim().length < 2) errors.language = "Enter a language code such as en-US";
  for (const [key, path] of REQUIRED_NUMBERS) {
    if (String(draft[key]).trim() === "") errors[path] = "Enter a number";
  }
  const keys = draft.variables.map((row) => row.key.trim()).filter(Boolean);
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated) errors.custom_variables = `The variable “${repeated}” appears twice`;
  return errors;
}

function Group(props: { title: string; description?: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <section class="card agent-group" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.description && <p class="hint">{props.description}</p>}
      {props.children}
    </section>
  );
}

function Check(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
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

/** Unsaved drafts by agent, kept while the user looks at another tab. */
const drafts = new Map<string, { updated_at: string; draft: Draft }>();

export function AgentSettings(props: { agent: Agent; canWrite: boolean; onSaved: (agent: Agent) => void }) {
  const { agent } = props;
  const [draft, setDraft] = useState<Draft>(() => {
    const kept = drafts.get(agent.id);
    drafts.delete(agent.id);
    return kept && kept.updated_at === agent.updated_at ? kept.draft : toDraft(agent);
  });
  const latest = useRef({ draft, agent });
  latest.current = { draft, agent };
  useEffect(
    () => () => {
      const { draft: last, agent: shown } = latest.current;
      if (Object.keys(changes(shown, last)).length) drafts.set(shown.id, { updated_at: shown.updated_at, draft: last });
    },
    [],
  );
  const [checked, setChecked] = useState<Record<string, string>>({});
  const voices = useApi<Voice[]>("/v1/voices");
  const numbers = useApi<Page<PhoneNumber>>("/v1/phone-numbers", { query: { limit: 100 } });
  const zones = useMemo(timeZones, []);

  // Another tab saved (enable toggle, attachments): take the new agent, keep nothing stale.
  useEffect(() => {
    setDraft((current) => {
      const pending = changes(agent, current);
      return Object.keys(pending).length ? current : toDraft(agent);
    });
  }, [agent.updated_at]);

  const pending = changes(agent, draft);
  const dirty = Object.keys(pending).length > 0;

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const form = useRef<HTMLFormElement>(null);
  /** Bring the first field with an error into view, and the cursor into it. */
  const showFirstError = () =>
    requestAnimationFrame(() => {
      const control = form.current?.querySelector<HTMLElement>(".has-error input, .has-error select, .has-error textarea, .agent-rows .field-error");
      control?.scrollIntoView({ block: "center" });
      control?.focus({ preventScroll: true });
    });

  const save = useAction(async () => {
    const errors = localErrors(draft);
    setChecked(errors);
    if (Object.keys(errors).length) {
      showFirstError();
      return;
    }
    try {
      const updated = await api<Agent>(`/v1/agents/${agent.id}`, { method: "PATCH", body: changes(agent, draft) });
      setDraft(toDraft(updated));
      props.onSaved(updated);
      toast("Agent saved");
    } catch (caught) {
      showFirstError();
      throw caught;
    }
  });

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const error = (path: string) => checked[path] ?? fieldError(save.error, path);
  const input = (key: keyof Draft, extra: Record<string, unknown> = {}) => (id: string) => (
    <input id={id} value={draft[key] as string} onInput={(event) => set(key, event.currentTarget.value as never)} {...extra} />
  );

  const provider = PROVIDERS.find((item) => item.value === draft.provider);
  const voiceOptions = (voices.data ?? []).filter((voice) => voice.provider === draft.tts_provider);
  const phoneNumbers = numbers.data?.items ?? [];

  const setRow = <T,>(rows: T[], index: number, patch: Partial<T>) => rows.map((row, at) => (at === index ? { ...row, ...patch } : row));

  return (
    <form
      class="agent-settings"
      ref={form}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <fieldset class="agent-settings-body" disabled={!props.canWrite}>
        <legend class="sr-only">Agent settings</legend>
        {!props.canWrite && <p class="hint">Your role can look at this agent but not change it.</p>}

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
          <fieldset class="agent-rows">
            <legend>Custom variables</legend>
            <p class="hint">Default values of the prompt's placeholders; a conversation's own variables override them.</p>
            {draft.variables.length === 0 && <p class="muted">No custom variables.</p>}
            {draft.variables.map((row, index) => (
              <div class="agent-row" key={index}>
                <Field label={`Variable ${index + 1} name`}>
                  {(id) => (
                    <input
                      id={id}
                      class="mono"
                      value={row.key}
                      placeholder="business_name"
                      onInput={(event) => set("variables", setRow(draft.variables, index, { key: event.currentTarget.value }))}
                    />
                  )}
                </Field>
                <Field label={`Variable ${index + 1} value`}>
                  {(id) => (
                    <input
                      id={id}
                      value={row.value}
                      onInput={(event) => set("variables", setRow(draft.variables, index, { value: event.currentTarget.value }))}
                    />
                  )}
                </Field>
                <Button
                  variant="ghost"
                  aria-label={`Remove variable ${row.key || index + 1}`}
                  onClick={() => set("variables", draft.variables.filter((_, at) => at !== index))}
                >
                  Remove
                </Button>
              </div>
            ))}
            {error("custom_variables") && (
              <p class="field-error" role="alert">
                {error("custom_variables")}
              </p>
            )}
            <Button onClick={() => set("variables", [...draft.variables, { key: "", value: "" }])}>Add variable</Button>
          </fieldset>
        </Group>

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

        <Group title="Voice" description="How the agent hears and speaks on calls.">
          <ErrorNote error={voices.error} retry={voices.reload} />
          <div class="grid-2">
            <Field label="Speech recognition" error={error("voice.stt_provider")}>
              {(id) => (
                <select id={id} value={draft.stt_provider} onChange={(event) => set("stt_provider", event.currentTarget.value)}>
                  {STT.map((item) => (
                    <option value={item.value}>{item.label}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Speech synthesis" error={error("voice.tts_provider")}>
              {(id) => (
                <select
                  id={id}
                  value={draft.tts_provider}
                  onChange={(event) => {
                    set("tts_provider", event.currentTarget.value);
                    set("voice_id", "");
                  }}
                >
                  {TTS.map((item) => (
                    <option value={item.value}>{item.label}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Voice"
              error={error("voice.voice_id")}
              hint={
                voices.loading ? (
                  "Loading voices…"
                ) : voiceOptions.length ? undefined : (
                  <>
                    This provider lists no voices yet: add its API key under <a href="/settings/providers">Settings › Providers</a>.
                  </>
                )
              }
            >
              {(id) => (
                <select id={id} value={draft.voice_id} onChange={(event) => set("voice_id", event.currentTarget.value)}>
                  <option value="">The provider's default voice</option>
                  {draft.voice_id && !voiceOptions.some((voice) => voice.voice_id === draft.voice_id) && (
                    <option value={draft.voice_id}>{draft.voice_id}</option>
                  )}
                  {voiceOptions.map((voice) => (
                    <option value={voice.voice_id}>
                      {voice.name} · {voice.language}
                      {voice.gender ? ` · ${voice.gender}` : ""}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Voice language" error={error("voice.language")}>
              {input("voice_language", { maxLength: 20 })}
            </Field>
            <Field label="Speed" error={error("voice.speed")} hint="0.5 to 2; 1 is normal.">
              {input("speed", { type: "number", min: 0.5, max: 2, step: 0.05, inputMode: "decimal" })}
            </Field>
            <Field label="Volume" error={error("voice.volume")} hint="0 to 2; 1 is normal.">
              {input("volume", { type: "number", min: 0, max: 2, step: 0.05, inputMode: "decimal" })}
            </Field>
            <Field label="Pause before greeting (seconds)" error={error("voice.initial_pause_seconds")}>
              {input("initial_pause_seconds", { type: "number", min: 0, max: 10, step: 0.1, inputMode: "decimal" })}
            </Field>
            <Field label="End-of-speech silence (ms)" error={error("voice.end_of_speech_silence_ms")} hint="Empty: set by the patience level.">
              {input("end_of_speech_silence_ms", { type: "number", min: 100, max: 5000, step: 50, inputMode: "numeric" })}
            </Field>
            <Field label="Voicemail detection" error={error("voice.voicemail_detection")}>
              {(id) => (
                <select
                  id={id}
                  value={draft.voicemail_detection}
                  onChange={(event) => set("voicemail_detection", event.currentTarget.value as Draft["voicemail_detection"])}
                >
                  <option value="">Default (on for outbound calls)</option>
                  <option value="true">On: hang up on answering machines</option>
                  <option value="false">Off</option>
                </select>
              )}
            </Field>
            <Field
              label="Phone number"
              error={error("phone_number")}
              hint={
                numbers.error ? undefined : phoneNumbers.length ? (
                  <>
                    The agent's caller ID for outbound calls and texts. Which agent answers a number's inbound calls is set on
                    the number, under <a href="/settings/phone-numbers">Settings › Phone numbers</a>.
                  </>
                ) : (
                  <>
                    No phone numbers yet: add one under <a href="/settings/phone-numbers">Settings › Phone numbers</a>.
                  </>
                )
              }
            >
              {(id) => (
                <select id={id} value={draft.phone_number} onChange={(event) => set("phone_number", event.currentTarget.value)}>
                  <option value="">None</option>
                  {draft.phone_number && !phoneNumbers.some((item) => item.phone_number === draft.phone_number) && (
                    <option value={draft.phone_number}>{draft.phone_number}</option>
                  )}
                  {phoneNumbers.map((item) => (
                    <option value={item.phone_number}>
                      {item.phone_number}
                      {item.name ? ` · ${item.name}` : ""}
                      {item.agent_id === agent.id ? " (answered by this agent)" : item.agent_id ? " (answered by another agent)" : ""}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <ErrorNote error={numbers.error} retry={numbers.reload} />
        </Group>

        <Group title="Call handling">
          <div class="grid-2">
            <Check label="Record calls" checked={draft.is_recording} onChange={(value) => set("is_recording", value)} />
            <Check label="Limit the call length" checked={draft.max_enabled} onChange={(value) => set("max_enabled", value)} />
            <Field label="Maximum call length (seconds)" error={error("max_duration.duration_seconds")} hint="10 to 14400.">
              {input("max_seconds", { type: "number", min: 10, max: 14400, step: 1, inputMode: "numeric", disabled: !draft.max_enabled })}
            </Field>
            <Field label="Allowed idle time (seconds)" error={error("allowed_idle_time_seconds")} hint="Silence before the agent ends the call (1–600).">
              {input("idle_seconds", { type: "number", min: 1, max: 600, step: 1, inputMode: "numeric" })}
            </Field>
            <Check label="Remind a silent caller" checked={draft.reminders} onChange={(value) => set("reminders", value)} />
            <Field label="Remind after (seconds)" error={error("reminder_after_idle_time_seconds")}>
              {input("reminder_after", { type: "number", min: 1, max: 600, step: 1, inputMode: "numeric", disabled: !draft.reminders })}
            </Field>
          </div>
          <Field label="Reminder message" error={error("reminder_after_idle_message")}>
            {input("reminder_message", { maxLength: 1000, placeholder: "Are you still there?", disabled: !draft.reminders })}
          </Field>
          <div class="grid-2">
            <Field
              label="Words to interrupt"
              error={error("min_words_to_interrupt")}
              hint="How many words the caller must say to cut the agent off (0–20)."
            >
              {input("min_words", { type: "number", min: 0, max: 20, step: 1, inputMode: "numeric" })}
            </Field>
            <Field label="Patience" error={error("patience_level")} hint="How long the agent waits for the caller to finish.">
              {(id) => (
                <select id={id} value={draft.patience} onChange={(event) => set("patience", event.currentTarget.value as Draft["patience"])}>
                  <option value="low">Low: answers quickly</option>
                  <option value="medium">Medium</option>
                  <option value="high">High: waits longer</option>
                </select>
              )}
            </Field>
          </div>
        </Group>

        <Group title="Integrations">
          <Field
            label="Webhook URL"
            error={error("external_webhook_url")}
            hint="Receives the call or conversation (status, lead, transcript, executed actions) after every call and every ended chat."
          >
            {input("webhook", { type: "url", placeholder: "https://example.com/hooks/frontdesk", maxLength: 2048 })}
          </Field>
        </Group>
      </fieldset>

      {props.canWrite && <ErrorNote error={save.error} />}
      {props.canWrite && (
        <div class={`agent-savebar ${dirty ? "dirty" : ""}`}>
          <div class="agent-savebar-status" role="status">
            {Object.keys(checked).length || save.error ? (
              <span class="field-error">Not saved: some fields need attention.</span>
            ) : dirty ? (
              "Unsaved changes"
            ) : (
              <span class="muted">All changes saved</span>
            )}
          </div>
          <Button
            variant="ghost"
            disabled={!dirty || save.busy}
            onClick={() => {
              setDraft(toDraft(agent));
              setChecked({});
              save.setError(null);
            }}
          >
            Discard changes
          </Button>
          <Button variant="primary" type="submit" busy={save.busy} disabled={!dirty}>
            Save changes
          </Button>
        </div>
      )}
    </form>
  );
}
