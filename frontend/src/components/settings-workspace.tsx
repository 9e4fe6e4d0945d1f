// Settings › Workspace: name, time zone, business hours, conversation idle time, call limit,
// and the LLM and voice defaults new agents start from (PATCH /v1/workspace).

import { useEffect, useMemo, useState } from "preact/hooks";

import { api } from "../api";
import { useAuth, type Workspace } from "../auth";
import { ReadOnlyNote } from "./settings-shared";
import { Button, Card, ErrorNote, Field, fieldError, toast, useAction } from "./ui";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
type Day = (typeof DAYS)[number];
type Interval = { start: string; end: string };
type Hours = Record<Day, Interval[]>;

const WEEKDAY_HOURS: Hours = {
  monday: [{ start: "09:00", end: "17:00" }],
  tuesday: [{ start: "09:00", end: "17:00" }],
  wednesday: [{ start: "09:00", end: "17:00" }],
  thursday: [{ start: "09:00", end: "17:00" }],
  friday: [{ start: "09:00", end: "17:00" }],
  saturday: [],
  sunday: [],
};

export function timeZones(current?: string): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const set = new Set(["UTC", ...zones]);
  if (current) set.add(current);
  return [...set].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
}

interface Form {
  name: string;
  timezone: string;
  useHours: boolean;
  hours: Hours;
  conversation_idle_minutes: string;
  concurrency: string;
  llm: { provider: string; model: string; temperature: string; max_tokens: string; base_url: string };
  voice: {
    stt_provider: string;
    tts_provider: string;
    voice_id: string;
    language: string;
    speed: string;
    volume: string;
    initial_pause_seconds: string;
    end_of_speech_silence_ms: string;
    voicemail_detection: string;
  };
}

function formOf(w: Workspace): Form {
  const hours = w.business_hours as Hours | null;
  return {
    name: w.name,
    timezone: w.timezone,
    useHours: !!hours,
    hours: hours ? { ...WEEKDAY_HOURS, ...Object.fromEntries(DAYS.map((d) => [d, hours[d] ?? []])) } : WEEKDAY_HOURS,
    conversation_idle_minutes: String(w.conversation_idle_minutes ?? 30),
    concurrency: w.concurrency === null || w.concurrency === undefined ? "" : String(w.concurrency),
    llm: {
      provider: w.llm?.provider ?? "local",
      model: w.llm?.model ?? "",
      temperature: String(w.llm?.temperature ?? 0.3),
      max_tokens: String(w.llm?.max_tokens ?? 512),
      base_url: w.llm?.base_url ?? "",
    },
    voice: {
      stt_provider: w.voice?.stt_provider ?? "local",
      tts_provider: w.voice?.tts_provider ?? "local",
      voice_id: w.voice?.voice_id ?? "",
      language: w.voice?.language ?? "en-US",
      speed: String(w.voice?.speed ?? 1),
      volume: String(w.voice?.volume ?? 1),
      initial_pause_seconds: String(w.voice?.initial_pause_seconds ?? 0.5),
      end_of_speech_silence_ms: w.voice?.end_of_speech_silence_ms == null ? "" : String(w.voice.end_of_speech_silence_ms),
      voicemail_detection: w.voice?.voicemail_detection == null ? "" : w.voice.voicemail_detection ? "on" : "off",
    },
  };
}

const num = (value: string) => (value.trim() === "" ? null : Number(value));

function bodyOf(form: Form, isSubaccount: boolean) {
  const body: Record<string, unknown> = {
    name: form.name,
    timezone: form.timezone,
    business_hours: form.useHours ? form.hours : null,
    conversation_idle_minutes: num(form.conversation_idle_minutes),
    llm: {
      provider: form.llm.provider,
      model: form.llm.model.trim() || null,
      temperature: num(form.llm.temperature),
      max_tokens: num(form.llm.max_tokens),
      base_url: form.llm.base_url.trim() || null,
    },
    voice: {
      stt_provider: form.voice.stt_provider,
      tts_provider: form.voice.tts_provider,
      voice_id: form.voice.voice_id || null,
      language: form.voice.language,
      speed: num(form.voice.speed),
      volume: num(form.voice.volume),
      initial_pause_seconds: num(form.voice.initial_pause_seconds),
      end_of_speech_silence_ms: num(form.voice.end_of_speech_silence_ms),
      voicemail_detection: form.voice.voicemail_detection === "" ? null : form.voice.voicemail_detection === "on",
    },
  };
  if (!isSubaccount && form.concurrency.trim() !== "") body.concurrency = num(form.concurrency);
  return body;
}

export function WorkspaceSettings(props: { workspace: Workspace; editable: boolean; onSaved: (w: Workspace) => void }) {
  const { reload } = useAuth();
  const [form, setForm] = useState<Form>(() => formOf(props.workspace));
  useEffect(() => setForm(formOf(props.workspace)), [props.workspace]);
  const zones = useMemo(() => timeZones(props.workspace.timezone), [props.workspace.timezone]);
  const [voices, setVoices] = useState<{ voice_id: string; name: string; language: string; provider: string }[]>([]);
  useEffect(() => {
    api("/v1/voices")
      .then((list) => setVoices(Array.isArray(list) ? list : (list?.items ?? [])))
      .catch(() => setVoices([]));
  }, []);
  const isSubaccount = !!props.workspace.parent_id;
  const disabled = !props.editable;

  const save = useAction(async () => {
    const saved = await api<Workspace>("/v1/workspace", { method: "PATCH", body: bodyOf(form, isSubaccount) });
    props.onSaved(saved);
    await reload();
    toast("Workspace saved");
  });
  const err = (field: string) => fieldError(save.error, field);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setLlm = (key: keyof Form["llm"], value: string) => setForm((f) => ({ ...f, llm: { ...f.llm, [key]: value } }));
  const setVoice = (key: keyof Form["voice"], value: string) => setForm((f) => ({ ...f, voice: { ...f.voice, [key]: value } }));
  const setDay = (day: Day, intervals: Interval[]) => setForm((f) => ({ ...f, hours: { ...f.hours, [day]: intervals } }));
  const value = (event: Event) => (event.currentTarget as HTMLInputElement).value;
  const details: Record<string, unknown> = (save.error as { details?: Record<string, unknown> } | null)?.details ?? {};
  const errorOfDay = (day: Day) => {
    const key = Object.keys(details).find((k) => k.startsWith(`business_hours.${day}`));
    return key ? String(details[key]).replace(/^Value error, /, "") : undefined;
  };
  const dayError = DAYS.some((d) => errorOfDay(d));
  const dayName = (day: Day) => day.charAt(0).toUpperCase() + day.slice(1);
  const shownVoices = voices.filter((v) => form.voice.tts_provider === "local" ? v.provider === "local" || v.provider === "espeak" : v.provider === form.voice.tts_provider);

  return (
    <form
      class="settings-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (props.editable) void save.run();
      }}
    >
      {!props.editable && <ReadOnlyNote />}
      <fieldset disabled={disabled} class="bare">
        <Card title="General">
          <div class="row">
            <Field label="Workspace name" error={err("name")}>
              {(id) => <input id={id} value={form.name} required maxLength={200} onInput={(e) => set("name", value(e))} />}
            </Field>
            <Field label="Time zone" error={err("timezone")} hint="Business hours and analytics days follow it.">
              {(id) => (
                <select id={id} value={form.timezone} onChange={(e) => set("timezone", value(e))}>
                  {zones.map((zone) => (
                    <option value={zone}>{zone.replace(/_/g, " ")}</option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <div class="row">
            <Field label="End idle conversations after (minutes)" error={err("conversation_idle_minutes")} hint="0 keeps them open until someone ends them.">
              {(id) => <input id={id} type="number" min={0} max={10080} value={form.conversation_idle_minutes} onInput={(e) => set("conversation_idle_minutes", value(e))} />}
            </Field>
            <Field
              label="Calls at once"
              error={err("concurrency")}
              hint={isSubaccount ? "A sub-account's call limit is set by its agency." : "Empty: no limit beyond the server's."}
            >
              {(id) => <input id={id} type="number" min={1} max={10000} value={form.concurrency} disabled={isSubaccount} onInput={(e) => set("concurrency", value(e))} />}
            </Field>
          </div>
        </Card>

        <Card title="Business hours">
          <label class="check">
            <input type="checkbox" checked={form.useHours} onChange={(e) => set("useHours", (e.currentTarget as HTMLInputElement).checked)} />
            Use business hours
          </label>
          <p class="hint">Agents and workflows can tell open from closed. Off: no opening hours are set. Times are in {form.timezone}.</p>
          {err("business_hours") && !dayError && <p class="field-error" role="alert">{err("business_hours")}</p>}
          {form.useHours && (
            <div class="hours-grid">
              {DAYS.map((day) => {
                const intervals = form.hours[day];
                const open = intervals.length > 0;
                return (
                  <div class="hours-day" key={day}>
                    <label class="check hours-open">
                      <input
                        type="checkbox"
                        checked={open}
                        onChange={(e) => setDay(day, (e.currentTarget as HTMLInputElement).checked ? [{ start: "09:00", end: "17:00" }] : [])}
                      />
                      {dayName(day)}
                    </label>
                    <div class="hours-intervals">
                      {!open && <span class="muted">Closed</span>}
                      {intervals.map((interval, index) => (
                        <div class="hours-interval" key={index}>
                          <input
                            type="time"
                            aria-label={`${dayName(day)} opens at (period ${index + 1})`}
                            value={interval.start}
                            onInput={(e) => setDay(day, intervals.map((it, i) => (i === index ? { ...it, start: value(e) } : it)))}
                          />
                          <span aria-hidden="true">–</span>
                          <input
                            type="time"
                            aria-label={`${dayName(day)} closes at (period ${index + 1})`}
                            value={interval.end}
                            onInput={(e) => setDay(day, intervals.map((it, i) => (i === index ? { ...it, end: value(e) } : it)))}
                          />
                          {props.editable && (
                          <button
                            type="button"
                            class="icon-btn"
                            aria-label={`Remove ${dayName(day)} period ${index + 1}`}
                            onClick={() => setDay(day, intervals.filter((_, i) => i !== index))}
                          >
                            ×
                          </button>
                          )}
                        </div>
                      ))}
                      {open && props.editable && (
                        <button type="button" class="link" onClick={() => setDay(day, [...intervals, { start: "13:00", end: "17:00" }])}>
                          Add hours<span class="sr-only"> on {dayName(day)}</span>
                        </button>
                      )}
                      {errorOfDay(day) && (
                        <p class="field-error hours-error" role="alert">
                          {dayName(day)}: {errorOfDay(day)}
                        </p>
                      )}
                    </div>
                  </div>
                );
              })}
            </div>
          )}
        </Card>

        <Card title="LLM defaults">
          <p class="hint">New agents start from these; each agent can override them.</p>
          <div class="row">
            <Field label="Provider" error={err("llm.provider")}>
              {(id) => (
                <select id={id} value={form.llm.provider} onChange={(e) => setLlm("provider", value(e))}>
                  <option value="local">Local (llama.cpp, on this server)</option>
                  <option value="openai">OpenAI-compatible</option>
                  <option value="anthropic">Anthropic</option>
                  <option value="scripted">Scripted (tests and demos)</option>
                </select>
              )}
            </Field>
            <Field label="Model" error={err("llm.model")} hint="Empty: the provider's default.">
              {(id) => <input id={id} value={form.llm.model} maxLength={200} placeholder="e.g. gpt-4o-mini" onInput={(e) => setLlm("model", value(e))} />}
            </Field>
          </div>
          <div class="row">
            <Field label="Temperature" error={err("llm.temperature")} hint="0 (focused) to 2 (inventive).">
              {(id) => <input id={id} type="number" min={0} max={2} step={0.1} value={form.llm.temperature} onInput={(e) => setLlm("temperature", value(e))} />}
            </Field>
            <Field label="Max tokens per reply" error={err("llm.max_tokens")}>
              {(id) => <input id={id} type="number" min={1} max={32768} value={form.llm.max_tokens} onInput={(e) => setLlm("max_tokens", value(e))} />}
            </Field>
            <Field label="Base URL" error={err("llm.base_url")} hint="For an OpenAI-compatible server of your own.">
              {(id) => <input id={id} type="url" value={form.llm.base_url} placeholder="https://llm.example/v1" onInput={(e) => setLlm("base_url", value(e))} />}
            </Field>
          </div>
        </Card>

        <Card title="Voice defaults">
          <div class="row">
            <Field label="Speech to text" error={err("voice.stt_provider")}>
              {(id) => (
                <select id={id} value={form.voice.stt_provider} onChange={(e) => setVoice("stt_provider", value(e))}>
                  <option value="local">Local (on this server)</option>
                  <option value="deepgram">Deepgram</option>
                  <option value="openai">OpenAI</option>
                </select>
              )}
            </Field>
            <Field label="Text to speech" error={err("voice.tts_provider")}>
              {(id) => (
                <select id={id} value={form.voice.tts_provider} onChange={(e) => setVoice("tts_provider", value(e))}>
                  <option value="local">Local (on this server)</option>
                  <option value="espeak">eSpeak</option>
                  <option value="elevenlabs">ElevenLabs</option>
                  <option value="cartesia">Cartesia</option>
                  <option value="openai">OpenAI</option>
                </select>
              )}
            </Field>
            <Field label="Voice" error={err("voice.voice_id")} hint={shownVoices.length ? undefined : "Type the provider's voice ID."}>
              {(id) =>
                shownVoices.length ? (
                  <select id={id} value={form.voice.voice_id} onChange={(e) => setVoice("voice_id", value(e))}>
                    <option value="">Provider default</option>
                    {form.voice.voice_id && !shownVoices.some((v) => v.voice_id === form.voice.voice_id) && (
                      <option value={form.voice.voice_id}>{form.voice.voice_id}</option>
                    )}
                    {shownVoices.map((v) => (
                      <option value={v.voice_id}>
                        {v.name} ({v.language})
                      </option>
                    ))}
                  </select>
                ) : (
                  <input id={id} value={form.voice.voice_id} maxLength={200} onInput={(e) => setVoice("voice_id", value(e))} />
                )
              }
            </Field>
            <Field label="Language" error={err("voice.language")}>
              {(id) => <input id={id} value={form.voice.language} maxLength={20} placeholder="en-US" onInput={(e) => setVoice("language", value(e))} />}
            </Field>
          </div>
          <div class="row">
            <Field label="Speed" error={err("voice.speed")} hint="0.5 to 2.">
              {(id) => <input id={id} type="number" min={0.5} max={2} step={0.05} value={form.voice.speed} onInput={(e) => setVoice("speed", value(e))} />}
            </Field>
            <Field label="Volume" error={err("voice.volume")} hint="0 to 2.">
              {(id) => <input id={id} type="number" min={0} max={2} step={0.05} value={form.voice.volume} onInput={(e) => setVoice("volume", value(e))} />}
            </Field>
            <Field label="Pause before greeting (s)" error={err("voice.initial_pause_seconds")}>
              {(id) => <input id={id} type="number" min={0} max={10} step={0.1} value={form.voice.initial_pause_seconds} onInput={(e) => setVoice("initial_pause_seconds", value(e))} />}
            </Field>
            <Field label="End-of-speech silence (ms)" error={err("voice.end_of_speech_silence_ms")} hint="Empty: set by each agent's patience.">
              {(id) => <input id={id} type="number" min={100} max={5000} step={50} value={form.voice.end_of_speech_silence_ms} onInput={(e) => setVoice("end_of_speech_silence_ms", value(e))} />}
            </Field>
            <Field label="Voicemail detection" error={err("voice.voicemail_detection")}>
              {(id) => (
                <select id={id} value={form.voice.voicemail_detection} onChange={(e) => setVoice("voicemail_detection", value(e))}>
                  <option value="">Default (on for outbound calls)</option>
                  <option value="on">On: hang up on answering machines</option>
                  <option value="off">Off</option>
                </select>
              )}
            </Field>
          </div>
        </Card>
      </fieldset>

      <ErrorNote error={save.error} />
      {props.editable && (
        <div class="settings-actions sticky-actions">
          <Button type="submit" variant="primary" busy={save.busy}>
            Save workspace
          </Button>
          <Button variant="ghost" onClick={() => setForm(formOf(props.workspace))}>
            Discard changes
          </Button>
        </div>
      )}
    </form>
  );
}
