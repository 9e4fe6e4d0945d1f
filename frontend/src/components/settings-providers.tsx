// Settings › Providers: speech provider keys and the phone network. Secrets are write-only: the
// API says only whether each is set, and a new value replaces the stored one.

import { useEffect, useState } from "preact/hooks";

import { api } from "../api";
import type { Workspace } from "../auth";
import { ReadOnlyNote } from "./settings-shared";
import { Badge, Button, Card, ErrorNote, Field, fieldError, toast, useAction } from "./ui";

const KEYS = [
  { key: "deepgram_api_key", name: "Deepgram", use: "speech to text" },
  { key: "elevenlabs_api_key", name: "ElevenLabs", use: "text to speech" },
  { key: "cartesia_api_key", name: "Cartesia", use: "text to speech" },
  { key: "openai_api_key", name: "OpenAI", use: "speech to text and text to speech" },
] as const;

function SetBadge(props: { set: boolean }) {
  return <Badge value={props.set ? "set" : "not set"} tone={props.set ? "green" : "gray"} />;
}

export function ProviderSettings(props: { workspace: Workspace; editable: boolean; onSaved: (w: Workspace) => void }) {
  const w = props.workspace;
  const providers = w.voice_providers ?? {};
  const telephony = w.telephony ?? { provider: "simulated", twilio_account_sid: null, twilio_auth_token_set: false };

  const [keys, setKeys] = useState<Record<string, string>>({});
  const [baseUrl, setBaseUrl] = useState(providers.openai_base_url ?? "");
  const [provider, setProvider] = useState<string>(telephony.provider);
  const [sid, setSid] = useState<string>(telephony.twilio_account_sid ?? "");
  const [token, setToken] = useState("");
  useEffect(() => {
    setBaseUrl(w.voice_providers?.openai_base_url ?? "");
    setProvider(w.telephony?.provider ?? "simulated");
    setSid(w.telephony?.twilio_account_sid ?? "");
  }, [w]);

  const saveKeys = useAction(async () => {
    const body: Record<string, string | null> = {};
    for (const { key } of KEYS) if (keys[key]?.trim()) body[key] = keys[key].trim();
    if ((baseUrl.trim() || null) !== (providers.openai_base_url ?? null)) body.openai_base_url = baseUrl.trim() || null;
    if (!Object.keys(body).length) {
      toast("Nothing to save: type a new key first");
      return;
    }
    const saved = await api<Workspace>("/v1/workspace", { method: "PATCH", body: { voice_providers: body } });
    setKeys({});
    props.onSaved(saved);
    toast("Provider keys saved");
  });

  const saveTelephony = useAction(async () => {
    const body: Record<string, string> = { provider };
    if (sid.trim() && sid.trim() !== telephony.twilio_account_sid) body.twilio_account_sid = sid.trim();
    if (token.trim()) body.twilio_auth_token = token.trim();
    const saved = await api<Workspace>("/v1/workspace", { method: "PATCH", body: { telephony: body } });
    setToken("");
    props.onSaved(saved);
    toast("Phone network saved");
  });

  return (
    <div class="settings-form">
      {!props.editable && <ReadOnlyNote />}
      <Card title="Speech providers">
        <p class="hint">
          Keys for hosted speech services, stored encrypted. They are never shown again: type a new key to replace the stored one. The
          local engines need no key.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void saveKeys.run();
          }}
        >
          <fieldset disabled={!props.editable} class="bare">
            <ul class="provider-list">
              {KEYS.map(({ key, name, use }) => (
                <li key={key}>
                  <div class="provider-name">
                    <strong>{name}</strong>
                    <span class="muted">{use}</span>
                    <SetBadge set={!!providers[`${key}_set`]} />
                  </div>
                  <Field label={`${providers[`${key}_set`] ? "Replace" : "Set"} ${name} API key`} error={fieldError(saveKeys.error, `voice_providers.${key}`)}>
                    {(id) => (
                      <input
                        id={id}
                        type="password"
                        autoComplete="off"
                        value={keys[key] ?? ""}
                        placeholder={providers[`${key}_set`] ? "•••••••• (stored)" : "Not set"}
                        onInput={(e) => setKeys({ ...keys, [key]: e.currentTarget.value })}
                      />
                    )}
                  </Field>
                </li>
              ))}
            </ul>
            <Field label="OpenAI base URL" hint="Optional: an OpenAI-compatible speech server. Empty: OpenAI's API." error={fieldError(saveKeys.error, "voice_providers.openai_base_url")}>
              {(id) => <input id={id} type="url" value={baseUrl} placeholder="https://api.openai.com/v1" onInput={(e) => setBaseUrl(e.currentTarget.value)} />}
            </Field>
          </fieldset>
          <ErrorNote error={saveKeys.error} />
          {props.editable && (
            <Button type="submit" variant="primary" busy={saveKeys.busy}>
              Save provider keys
            </Button>
          )}
        </form>
      </Card>

      <Card title="Phone network">
        <p class="hint">
          The simulated network needs nothing and places pretend calls for testing. Twilio places real calls and texts from your Twilio
          account.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void saveTelephony.run();
          }}
        >
          <fieldset disabled={!props.editable} class="bare">
            <fieldset>
              <legend>Provider</legend>
              <label class="check">
                <input type="radio" name="telephony-provider" value="simulated" checked={provider === "simulated"} onChange={() => setProvider("simulated")} />
                Simulated
              </label>
              <label class="check">
                <input type="radio" name="telephony-provider" value="twilio" checked={provider === "twilio"} onChange={() => setProvider("twilio")} />
                Twilio
              </label>
            </fieldset>
            <div class="row">
              <Field label="Twilio account SID" hint="Starts with AC, 34 characters." error={fieldError(saveTelephony.error, "telephony.twilio_account_sid")}>
                {(id) => <input id={id} value={sid} autoComplete="off" spellcheck={false} placeholder="AC…" pattern="^AC[0-9a-fA-F]{32}$" onInput={(e) => setSid(e.currentTarget.value)} />}
              </Field>
              <Field
                label={`${telephony.twilio_auth_token_set ? "Replace" : "Set"} Twilio auth token`}
                hint={<>Stored token: <SetBadge set={!!telephony.twilio_auth_token_set} /></>}
                error={fieldError(saveTelephony.error, "telephony.twilio_auth_token")}
              >
                {(id) => (
                  <input
                    id={id}
                    type="password"
                    autoComplete="off"
                    value={token}
                    placeholder={telephony.twilio_auth_token_set ? "•••••••• (stored)" : "Not set"}
                    onInput={(e) => setToken(e.currentTarget.value)}
                  />
                )}
              </Field>
            </div>
          </fieldset>
          <ErrorNote error={saveTelephony.error} />
          {props.editable && (
            <Button type="submit" variant="primary" busy={saveTelephony.busy}>
              Save phone network
            </Button>
          )}
        </form>
      </Card>
    </div>
  );
}
