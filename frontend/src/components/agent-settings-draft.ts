// The agent settings form's state and how it maps to the API: an agent as a draft of text
// fields, the draft as an update body, and the checks made before sending it.

import type { Agent, ScriptRule } from "./agent-types";
import type { KeyValue } from "./ui";

/** The form's state: text for every number so a half-typed value is never lost. */
export interface Draft {
  name: string;
  description: string;
  type: Agent["type"];
  enabled: boolean;
  language: string;
  timezone: string;
  prompt: string;
  greeting_message: string;
  variables: KeyValue[];
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

const text = (value: string | number | null | undefined) => (value === null || value === undefined ? "" : String(value));

export function toDraft(agent: Agent): Draft {
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
export function changes(agent: Agent, draft: Draft): Record<string, unknown> {
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

/** What is wrong with the draft before the API sees it, by the API's field paths. */
export function localErrors(draft: Draft): Record<string, string> {
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
