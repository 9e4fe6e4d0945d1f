// The agent's "Settings" tab: every field, grouped; Save sends a PATCH of what changed.

import { useEffect, useRef, useState } from "preact/hooks";

import { api } from "../api";
import { type Draft, changes, localErrors, toDraft } from "./agent-settings-draft";
import { BasicsGroup, BehaviourGroup, type DraftForm, ModelGroup } from "./agent-settings-groups";
import { CallHandlingGroup, IntegrationsGroup, VoiceGroup } from "./agent-settings-voice";
import type { Agent } from "./agent-types";
import { Button, ErrorNote, fieldError, toast, useAction } from "./ui";

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

  const formRef = useRef<HTMLFormElement>(null);
  /** Bring the first field with an error into view, and the cursor into it. */
  const showFirstError = () =>
    requestAnimationFrame(() => {
      const control = formRef.current?.querySelector<HTMLElement>(".has-error input, .has-error select, .has-error textarea, .agent-rows .field-error");
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
  const form: DraftForm = {
    agent,
    draft,
    set,
    error: (path) => checked[path] ?? fieldError(save.error, path),
    input: (key, extra = {}) => (id) => (
      <input id={id} value={draft[key] as string} onInput={(event) => set(key, event.currentTarget.value as never)} {...extra} />
    ),
  };

  return (
    <form
      class="agent-settings"
      ref={formRef}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save.run();
      }}
    >
      <fieldset class="agent-settings-body" disabled={!props.canWrite}>
        <legend class="sr-only">Agent settings</legend>
        {!props.canWrite && <p class="hint">Your role can look at this agent but not change it.</p>}

        <BasicsGroup {...form} />
        <BehaviourGroup {...form} />
        <ModelGroup {...form} />
        <VoiceGroup {...form} />
        <CallHandlingGroup {...form} />
        <IntegrationsGroup {...form} />
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
