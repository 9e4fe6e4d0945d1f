// Pieces the settings tabs share: a confirmation dialog, a secret shown once, a read-only note.

import type { ComponentChildren } from "preact";

import { Button, CopyButton, ErrorNote, Modal, useAction } from "./ui";

/** "Are you sure?" for something that cannot be undone; the dialog stays open on an error. */
export function Confirm(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  onClose: () => void;
  onConfirm: () => Promise<unknown>;
  children: ComponentChildren;
}) {
  const action = useAction(async () => {
    await props.onConfirm();
    close();
  });
  const close = () => {
    action.setError(null);
    props.onClose();
  };
  return (
    <Modal title={props.title} open={props.open} onClose={close}>
      <div class="stack">
        <div>{props.children}</div>
        <ErrorNote error={action.error} />
        <div class="settings-actions">
          <Button variant="danger" busy={action.busy} onClick={() => action.run()}>
            {props.confirmLabel}
          </Button>
          <Button variant="ghost" onClick={close}>
            Cancel
          </Button>
        </div>
      </div>
    </Modal>
  );
}

/** A secret the API shows only once: the value, a copy button and a warning. */
export function SecretOnce(props: { label: string; value: string; children?: ComponentChildren }) {
  return (
    <div class="secret-once">
      <p class="secret-warning" role="alert">
        <strong>Copy it now.</strong> {props.children ?? "This is the only time it is shown; Frontdesk keeps only a hash of it."}
      </p>
      <div class="secret-row">
        <code class="secret-value" aria-label={props.label}>
          {props.value}
        </code>
        <CopyButton text={props.value} label={`Copy ${props.label.toLowerCase()}`} />
      </div>
    </div>
  );
}

/** Why the controls of a tab are missing or disabled for this role. */
export function ReadOnlyNote(props: { children?: ComponentChildren }) {
  return (
    <p class="readonly-note" role="note">
      {props.children ?? "You can view these settings; only admins and owners can change them."}
    </p>
  );
}
