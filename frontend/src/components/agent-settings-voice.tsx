// The agent settings form's groups about calls: voice, call handling and the webhook.

import type { Page } from "../api";
import { useApi } from "../hooks";
import { Check, type DraftForm, Group } from "./agent-settings-groups";
import type { Draft } from "./agent-settings-draft";
import { ErrorNote, Field } from "./ui";

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

export function VoiceGroup(props: DraftForm) {
  const { agent, draft, set, error, input } = props;
  const voices = useApi<Voice[]>("/v1/voices");
  const numbers = useApi<Page<PhoneNumber>>("/v1/phone-numbers", { query: { limit: 100 } });
  const voiceOptions = (voices.data ?? []).filter((voice) => voice.provider === draft.tts_provider);
  const phoneNumbers = numbers.data?.items ?? [];
  return (
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
  );
}

export function CallHandlingGroup(props: DraftForm) {
  const { draft, set, error, input } = props;
  return (
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
  );
}

export function IntegrationsGroup(props: DraftForm) {
  const { error, input } = props;
  return (
    <Group title="Integrations">
      <Field
        label="Webhook URL"
        error={error("external_webhook_url")}
        hint="Receives the call or conversation (status, lead, transcript, executed actions) after every call and every ended chat."
      >
        {input("webhook", { type: "url", placeholder: "https://example.com/hooks/frontdesk", maxLength: 2048 })}
      </Field>
    </Group>
  );
}
