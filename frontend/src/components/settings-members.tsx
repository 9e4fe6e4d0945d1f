// Settings › Members: the people of the workspace and their roles; invitations by email.

import { useState } from "preact/hooks";

import { api, type Page } from "../api";
import { useAuth, type Me } from "../auth";
import { day } from "../format";
import { useApi } from "../hooks";
import { Confirm, ReadOnlyNote, SecretOnce } from "./settings-shared";
import { Badge, Button, Empty, ErrorNote, Field, Loading, Modal, Pager, Table, fieldError, toast, useAction } from "./ui";

interface Member {
  id: string;
  user_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role: "owner" | "admin" | "agent" | "viewer";
  status: "invited" | "active";
  created_at: string;
}

export const ROLES: { value: Member["role"]; label: string; hint: string }[] = [
  { value: "owner", label: "Owner", hint: "everything, including other owners" },
  { value: "admin", label: "Admin", hint: "everything but owners" },
  { value: "agent", label: "Agent", hint: "inbox work only" },
  { value: "viewer", label: "Viewer", hint: "read only" },
];

const ROLE_TONES: Record<string, string> = { owner: "blue", admin: "blue", agent: "green", viewer: "gray" };

function nameOf(m: Member): string {
  return [m.first_name, m.last_name].filter(Boolean).join(" ") || m.email;
}

export function MemberSettings(props: { editable: boolean }) {
  const { me } = useAuth();
  const [offset, setOffset] = useState(0);
  const list = useApi<Page<Member>>("/v1/members", { query: { limit: 50, offset } });
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  // Only owners may hand out or take away the owner role.
  const roles = ROLES.filter((r) => r.value !== "owner" || me?.role === "owner");

  return (
    <div class="settings-form">
      {!props.editable && <ReadOnlyNote>You can see who is in this workspace; only admins and owners can invite or change members.</ReadOnlyNote>}
      <div class="settings-toolbar">
        <p class="muted">Owners and admins manage everything; agents work the inbox; viewers can only look.</p>
        {props.editable && (
          <Button variant="primary" onClick={() => setInviting(true)}>
            Invite member
          </Button>
        )}
      </div>
      <ErrorNote error={list.error} retry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && <Empty title="No members">Invite your team by email.</Empty>}
      {list.data && list.data.items.length > 0 && (
        <>
          <Table
            caption="Members"
            rows={list.data.items}
            rowKey={(m) => m.id}
            columns={[
              {
                label: "Member",
                render: (m) => (
                  <div class="member-cell">
                    <strong>{nameOf(m)}</strong>
                    {me?.id && m.user_id === me.id && <span class="muted"> (you)</span>}
                    {nameOf(m) !== m.email && <span class="muted member-email">{m.email}</span>}
                  </div>
                ),
              },
              {
                label: "Role",
                render: (m) =>
                  props.editable && !(me?.id && m.user_id === me.id) && (m.role !== "owner" || me?.role === "owner") ? (
                    <RoleSelect member={m} roles={roles} onChanged={list.reload} />
                  ) : (
                    <Badge value={m.role} tone={ROLE_TONES[m.role]} />
                  ),
              },
              { label: "Status", render: (m) => <Badge value={m.status} tone={m.status === "active" ? "green" : "amber"} /> },
              { label: "Since", render: (m) => day(m.created_at) },
              ...(props.editable
                ? [
                    {
                      label: "Actions",
                      class: "num",
                      render: (m: Member) =>
                        me?.id && m.user_id === me.id ? null : (
                          <Button variant="ghost" onClick={() => setRemoving(m)} aria-label={`Remove ${nameOf(m)}`}>
                            {m.status === "invited" ? "Cancel invite" : "Remove"}
                          </Button>
                        ),
                    },
                  ]
                : []),
            ]}
          />
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={setOffset} />
        </>
      )}
      <Modal title="Invite member" open={inviting} onClose={() => setInviting(false)}>
        {inviting && <InviteForm me={me} roles={roles} onInvited={list.reload} onClose={() => setInviting(false)} />}
      </Modal>
      <Confirm
        open={removing !== null}
        title={removing?.status === "invited" ? "Cancel invitation" : "Remove member"}
        confirmLabel={removing?.status === "invited" ? "Cancel invitation" : "Remove member"}
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await api(`/v1/members/${removing!.id}`, { method: "DELETE" });
          toast(`Removed ${nameOf(removing!)}`);
          await list.reload();
        }}
      >
        <p>
          {removing?.status === "invited" ? (
            <>The invitation of <strong>{removing?.email}</strong> will no longer work.</>
          ) : (
            <>
              <strong>{removing ? nameOf(removing) : ""}</strong> loses access to this workspace at once. Conversations assigned to them stay
              where they are.
            </>
          )}
        </p>
      </Confirm>
    </div>
  );
}

function RoleSelect(props: { member: Member; roles: typeof ROLES; onChanged: () => Promise<void> }) {
  const change = useAction(async (role: string) => {
    await api(`/v1/members/${props.member.id}`, { method: "PATCH", body: { role } });
    toast(`${nameOf(props.member)} is now ${role === "admin" ? "an" : "a"} ${role}`);
    await props.onChanged();
  });
  return (
    <div class="role-select">
      <select
        aria-label={`Role of ${nameOf(props.member)}`}
        value={props.member.role}
        disabled={change.busy}
        onChange={(e) => void change.run(e.currentTarget.value)}
      >
        {props.roles.map((r) => (
          <option value={r.value}>{r.label}</option>
        ))}
      </select>
      {change.error ? <ErrorNote error={change.error} /> : null}
    </div>
  );
}

function InviteForm(props: { me: Me | null; roles: typeof ROLES; onInvited: () => Promise<void>; onClose: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("agent");
  const [token, setToken] = useState<string | null>(null);
  const invite = useAction(async () => {
    const result = await api<{ member: Member; invite_token: string }>("/v1/members", { body: { email: email.trim(), role } });
    setToken(result.invite_token);
    await props.onInvited();
  });

  if (token) {
    return (
      <div class="stack">
        <p>
          <strong>{email}</strong> is invited as {role}. Frontdesk does not send email: send them this link yourself. It opens a
          page where they choose their name and password and join the workspace (scripts can use{" "}
          <code>POST /v1/auth/accept-invite</code> with the token instead).
        </p>
        <SecretOnce label="Invitation link" value={`${location.origin}/signup?invite=${encodeURIComponent(token)}`}>
          The token is shown only now; if it is lost, cancel the invitation and invite again.
        </SecretOnce>
        <div class="settings-actions">
          <Button variant="primary" onClick={props.onClose}>
            Done
          </Button>
        </div>
      </div>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void invite.run();
      }}
    >
      <Field label="Email" error={fieldError(invite.error, "email")}>
        {(id) => <input id={id} type="email" value={email} required autoComplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />}
      </Field>
      <Field label="Role" error={fieldError(invite.error, "role")}>
        {(id) => (
          <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
            {props.roles.map((r) => (
              <option value={r.value}>
                {r.label}: {r.hint}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={invite.error} />
      <div class="settings-actions">
        <Button type="submit" variant="primary" busy={invite.busy}>
          Send invitation
        </Button>
        <Button variant="ghost" onClick={props.onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
