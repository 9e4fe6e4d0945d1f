import "./Settings.css";

import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";

import { can, useAuth, type Workspace } from "../auth";
import { AccountSettings } from "../components/settings-account";
import { ChannelSettings } from "../components/settings-channels";
import { KeySettings } from "../components/settings-keys";
import { MemberSettings } from "../components/settings-members";
import { NumberSettings } from "../components/settings-numbers";
import { ProviderSettings } from "../components/settings-providers";
import { ActingBanner, SubaccountSettings } from "../components/settings-subaccounts";
import { WorkspaceSettings } from "../components/settings-workspace";
import { ErrorNote, Loading, PageHeader, Tabs } from "../components/ui";
import { useApi, useTitle } from "../hooks";

const TABS = [
  { slug: "workspace", label: "Workspace" },
  { slug: "providers", label: "Providers" },
  { slug: "channels", label: "Channels" },
  { slug: "phone-numbers", label: "Phone numbers" },
  { slug: "members", label: "Members" },
  { slug: "api-keys", label: "API keys" },
  { slug: "subaccounts", label: "Sub-accounts" },
  { slug: "account", label: "Account" },
] as const;

export default function Settings({ tab }: { tab?: string }) {
  const current = TABS.find((t) => t.slug === tab) ?? TABS[0];
  useTitle(`${current.label} · Settings`);
  const { me } = useAuth();
  const { route } = useLocation();
  const editable = can(me, "write");
  const loaded = useApi<Workspace>("/v1/workspace");
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  useEffect(() => {
    if (loaded.data) setWorkspace(loaded.data);
  }, [loaded.data]);
  const unknown = tab !== undefined && !TABS.some((t) => t.slug === tab);

  return (
    <div class="settings-page">
      <PageHeader title="Settings" subtitle={workspace ? `${workspace.name}${workspace.parent_id ? " · sub-account" : ""}` : undefined} />
      {workspace && <ActingBanner workspace={workspace} />}
      <nav aria-label="Settings sections">
        <Tabs tabs={TABS.map((t) => t.label)} current={current.label} onChange={(label) => route(`/settings/${TABS.find((t) => t.label === label)!.slug}`)} />
      </nav>
      {unknown && <p class="hint">There is no “{tab}” settings tab; showing Workspace.</p>}
      <section role="tabpanel" aria-label={current.label} class="settings-panel">
        {current.slug === "account" ? (
          <AccountSettings />
        ) : !workspace ? (
          loaded.error ? <ErrorNote error={loaded.error} retry={loaded.reload} /> : <Loading />
        ) : current.slug === "workspace" ? (
          <WorkspaceSettings workspace={workspace} editable={editable} onSaved={setWorkspace} />
        ) : current.slug === "providers" ? (
          <ProviderSettings workspace={workspace} editable={editable} onSaved={setWorkspace} />
        ) : current.slug === "channels" ? (
          <ChannelSettings editable={editable} />
        ) : current.slug === "phone-numbers" ? (
          <NumberSettings workspace={workspace} editable={editable} />
        ) : current.slug === "members" ? (
          <MemberSettings editable={editable} />
        ) : current.slug === "api-keys" ? (
          <KeySettings editable={editable} />
        ) : (
          <SubaccountSettings workspace={workspace} editable={editable} />
        )}
      </section>
    </div>
  );
}
