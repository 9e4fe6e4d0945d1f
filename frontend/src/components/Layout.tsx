// The signed-in frame: navigation, workspace, notifications bell, the page.

import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, type Page } from "../api";
import { useAuth } from "../auth";
import { ago } from "../format";
import { useLive } from "../hooks";
import { onLiveStatus } from "../live";

const NAV: { href: string; label: string; icon: string }[] = [
  { href: "/inbox", label: "Inbox", icon: "M4 4h16v12H8l-4 4z" },
  { href: "/agents", label: "Agents", icon: "M12 3a4 4 0 110 8 4 4 0 010-8zm-7 17a7 7 0 0114 0z" },
  { href: "/calls", label: "Calls", icon: "M5 4h4l2 5-3 2a11 11 0 005 5l2-3 5 2v4a2 2 0 01-2 2A17 17 0 013 6a2 2 0 012-2" },
  { href: "/knowledge", label: "Knowledge", icon: "M4 5a2 2 0 012-2h13v16H6a2 2 0 00-2 2zm0 16V5" },
  { href: "/contacts", label: "Contacts", icon: "M16 11a4 4 0 10-8 0 4 4 0 008 0zM4 21a8 8 0 0116 0" },
  { href: "/deals", label: "Deals", icon: "M3 7h18v12H3zm5-4h8v4H8z" },
  { href: "/campaigns", label: "Campaigns", icon: "M3 11l16-6v14L3 13zm4 2v5h3v-4" },
  { href: "/workflows", label: "Workflows", icon: "M5 4h5v5H5zm9 11h5v5h-5zM7.5 9v5a2 2 0 002 2H14" },
  { href: "/analytics", label: "Analytics", icon: "M4 20V10m6 10V4m6 16v-7m5 7H3" },
  { href: "/webhooks", label: "Webhooks", icon: "M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1m1 3.7a4 4 0 00-5.7 0l-3 3A4 4 0 0010 18.7l1-1" },
  { href: "/settings", label: "Settings", icon: "M12 9a3 3 0 110 6 3 3 0 010-6zm8 3l2-1-2-4-2 1-2-1V5h-4v2l-2 1-2-1-2 4 2 1v2l-2 1 2 4 2-1 2 1v2h4v-2l2-1 2 1 2-4-2-1z" },
  { href: "/audit-log", label: "Audit log", icon: "M6 3h9l4 4v14H6zM9 9h6m-6 4h6m-6 4h4" },
];

function Icon(props: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
      <path d={props.d} />
    </svg>
  );
}

interface Notification {
  id: string;
  title: string;
  body: string | null;
  resource_type: string | null;
  resource_id: string | null;
  read: boolean;
  created_at: string;
}

const RESOURCE_PAGES: Record<string, string> = {
  conversation: "/inbox/",
  call: "/calls/",
  campaign: "/campaigns/",
  contact: "/contacts?open=",
  workflow: "/workflows/",
};

function Bell() {
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Notification[]>([]);
  const { route } = useLocation();
  const panel = useRef<HTMLDivElement>(null);

  const count = async () => {
    try {
      setUnread((await api<{ unread_count: number }>("/v1/notifications/unread-count")).unread_count);
    } catch {
      // The bell stays as it was; the page shows the error that matters.
    }
  };
  useEffect(() => {
    void count();
  }, []);
  useLive(["notification.created"], () => {
    setUnread((current) => current + 1);
    if (open) void load();
  });

  const load = async () => {
    const page = await api<Page<Notification>>("/v1/notifications", { query: { limit: 20 } });
    setItems(page.items);
  };

  useEffect(() => {
    if (!open) return;
    void load();
    const close = (event: MouseEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    document.addEventListener("click", close);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  const openOne = async (item: Notification) => {
    if (!item.read) {
      await api(`/v1/notifications/${item.id}/read`, { method: "POST" });
      setUnread((current) => Math.max(0, current - 1));
    }
    setOpen(false);
    const page = item.resource_type ? RESOURCE_PAGES[item.resource_type] : undefined;
    if (page && item.resource_id) route(page + item.resource_id);
  };

  return (
    <div class="bell" ref={panel}>
      <button
        type="button"
        class="icon-btn"
        aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}
        aria-expanded={open}
        onClick={(event) => {
          event.stopPropagation();
          setOpen(!open);
        }}
      >
        <Icon d="M6 8a6 6 0 1112 0c0 7 3 8 3 8H3s3-1 3-8m4 12a2 2 0 004 0" />
        {unread > 0 && <span class="count" data-testid="unread-notifications">{unread > 99 ? "99+" : unread}</span>}
      </button>
      {open && (
        <div class="bell-panel" role="dialog" aria-label="Notifications">
          <header>
            <strong>Notifications</strong>
            <button
              type="button"
              class="link"
              onClick={async () => {
                await api("/v1/notifications/read-all", { method: "POST" });
                setUnread(0);
                await load();
              }}
            >
              Mark all read
            </button>
          </header>
          {items.length === 0 ? (
            <p class="muted pad">Nothing yet. New conversations, handovers and failed calls show up here.</p>
          ) : (
            <ul>
              {items.map((item) => (
                <li key={item.id} class={item.read ? "" : "unread"}>
                  <button type="button" onClick={() => openOne(item)}>
                    <strong>{item.title}</strong>
                    {item.body && <span>{item.body}</span>}
                    <time>{ago(item.created_at)}</time>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function LiveDot() {
  const [status, setStatus] = useState("off");
  useEffect(() => onLiveStatus(setStatus), []);
  const text = status === "live" ? "Live" : status === "connecting" ? "Connecting…" : "Offline";
  return (
    <span class={`live-dot ${status}`} title={`Live updates: ${text}`}>
      <span aria-hidden="true" />
      {text}
    </span>
  );
}

export function Layout(props: { children: ComponentChildren }) {
  const { me, workspace, signOut } = useAuth();
  const { path, route } = useLocation();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  // Keep the live stream open on every page so the bell and the dot stay current.
  useLive([], () => {});

  return (
    <div class={`shell ${menu ? "menu-open" : ""}`}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <aside class="sidebar">
        <div class="brand">
          <span class="logo" aria-hidden="true">F</span>
          <span>Frontdesk</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => {
              const current = path === item.href || path.startsWith(item.href + "/");
              return (
                <li key={item.href}>
                  <a href={item.href} aria-current={current ? "page" : undefined}>
                    <Icon d={item.icon} />
                    {item.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      </aside>
      <div class="main-column">
        <header class="topbar">
          <button type="button" class="icon-btn menu-btn" aria-label="Menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
            <Icon d="M4 6h16M4 12h16M4 18h16" />
          </button>
          <span class="workspace-name" title="Workspace">
            {workspace?.name ?? "Workspace"}
          </span>
          <LiveDot />
          <span class="spacer" />
          <Bell />
          <span class="who" title={me?.email ?? ""}>
            {me?.first_name || me?.email} · {me?.role}
          </span>
          <button
            type="button"
            class="btn btn-ghost"
            onClick={() => {
              signOut();
              route("/login");
            }}
          >
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
      </div>
    </div>
  );
}
