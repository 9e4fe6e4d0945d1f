// "New agent": pick a template, name it, create it, open it.

import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";

import { AGENT_TYPES, TEMPLATES, type AgentTemplate, type AgentType } from "../agent-templates";
import { api } from "../api";
import { useAuth } from "../auth";
import { Button, ErrorNote, Field, Modal, fieldError, toast, useAction } from "./ui";

export function NewAgentModal(props: { open: boolean; onClose: () => void }) {
  const { workspace } = useAuth();
  const { route } = useLocation();
  const [template, setTemplate] = useState<AgentTemplate>(TEMPLATES[0]);
  const [name, setName] = useState(TEMPLATES[0].name);
  const [type, setType] = useState<AgentType>(TEMPLATES[0].type);
  const [nameTouched, setNameTouched] = useState(false);

  const pick = (chosen: AgentTemplate) => {
    setTemplate(chosen);
    setType(chosen.type);
    if (!nameTouched || !name.trim()) {
      setName(chosen.name);
      setNameTouched(false);
    }
  };

  const create = useAction(async () => {
    const agent = await api<{ id: string }>("/v1/agents", {
      body: {
        name: name.trim(),
        type,
        prompt: template.prompt,
        greeting_message: template.greeting,
        custom_variables: { business_name: workspace?.name ?? "our business" },
        llm: { provider: "local", temperature: 0.3, max_tokens: 256 },
      },
    });
    toast(`Agent “${name.trim()}” created`);
    props.onClose();
    route(`/agents/${agent.id}`);
  });

  return (
    <Modal title="New agent" open={props.open} onClose={props.onClose} wide>
      <form
        class="agent-new"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run();
        }}
      >
        <fieldset class="agent-templates">
          <legend>Start from a template</legend>
          <div class="agent-template-grid">
            {TEMPLATES.map((item) => (
              <button
                type="button"
                key={item.key}
                class={`agent-template ${item.key === template.key ? "selected" : ""}`}
                aria-pressed={item.key === template.key}
                onClick={() => pick(item)}
              >
                <strong>{item.title}</strong>
                <span>{item.description}</span>
              </button>
            ))}
          </div>
        </fieldset>
        <div class="row">
          <Field label="Name" error={fieldError(create.error, "name")}>
            {(id) => (
              <input
                id={id}
                value={name}
                required
                maxLength={200}
                autoComplete="off"
                onInput={(event) => {
                  setName(event.currentTarget.value);
                  setNameTouched(true);
                }}
              />
            )}
          </Field>
          <Field label="Type" error={fieldError(create.error, "type")} hint={AGENT_TYPES.find((t) => t.value === type)?.hint}>
            {(id) => (
              <select id={id} value={type} onChange={(event) => setType(event.currentTarget.value as AgentType)}>
                {AGENT_TYPES.map((item) => (
                  <option value={item.value}>{item.label}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <details class="agent-template-preview">
          <summary>Preview the prompt and greeting</summary>
          <p class="hint">Greeting</p>
          <pre>{template.greeting}</pre>
          <p class="hint">System prompt</p>
          <pre>{template.prompt}</pre>
          <p class="hint">
            <code>{"{{business_name}}"}</code> starts as “{workspace?.name ?? "our business"}”; change it, the prompt and
            the model under Settings after creating the agent. The agent uses the built-in local model, so it works
            without any API key.
          </p>
        </details>
        {template.tip && <p class="hint agent-template-tip">{template.tip}</p>}
        <ErrorNote error={create.error && !fieldError(create.error, "name") ? create.error : null} />
        <div class="agent-new-actions">
          <Button variant="ghost" onClick={props.onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" busy={create.busy} disabled={!name.trim()}>
            Create agent
          </Button>
        </div>
      </form>
    </Modal>
  );
}
