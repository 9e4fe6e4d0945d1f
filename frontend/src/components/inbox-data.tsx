// The inbox's data: conversations, their messages, and the people and agents they name.
// Contacts and last-message previews are fetched once per conversation and kept, so that the
// live updates of a busy inbox cost one request each, not one per row.

import { useEffect, useState } from "preact/hooks";

import { all, api, type Page } from "../api";
import { useAuth } from "../auth";

export type Status = "active" | "pending" | "ended" | "archived";
export type Channel = "web_chat" | "voice" | "sms" | "api";
export type SenderType = "user" | "agent" | "member" | "system" | "note";

export interface Source {
  knowledge_base_id?: string;
  source_id?: string;
  source?: string;
  page?: number | null;
  heading?: string | null;
  score?: number;
}

export interface Message {
  id: string;
  conversation_id: string;
  sender_type: SenderType;
  sender_id: string | null;
  content: string;
  attachments: { url: string; type?: string; name?: string; size?: number }[];
  ai_metadata: { model?: string; latency_ms?: number; sources?: Source[]; kind?: string; [key: string]: any } | null;
  delivery_status: string | null;
  created_at: string;
}

export interface Conversation {
  id: string;
  agent_id: string | null;
  contact_id: string | null;
  channel: Channel;
  channel_id: string | null;
  status: Status;
  assignee_id: string | null;
  tags: string[];
  custom_variables: Record<string, unknown>;
  metadata: Record<string, any>;
  summary: string | null;
  sentiment: "positive" | "neutral" | "negative" | null;
  key_phrases: string[];
  rating: number | null;
  rating_comment: string | null;
  unread_count: number;
  message_count: number;
  last_message_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  created_at: string;
  updated_at: string;
  /** In lists: the newest message (its first 200 characters) and the contact. */
  last_message?: { id: string; sender_type: SenderType; content: string; created_at: string } | null;
  contact?: { id: string; name: string | null; email: string | null; phone_number: string | null } | null;
}

export interface ConversationDetail extends Conversation {
  messages: Message[];
}

export interface Contact {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  company_name: string | null;
  lead_status: string | null;
}

export interface Member {
  id: string;
  user_id: string | null;
  email: string;
  first_name: string | null;
  last_name: string | null;
  role: string;
  status: "invited" | "active";
}

export interface Agent {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
}

export const STATUSES: { value: Status; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "pending", label: "Pending (waiting for a human)" },
  { value: "ended", label: "Ended" },
  { value: "archived", label: "Archived" },
];

export const CHANNELS: { value: Channel; label: string }[] = [
  { value: "web_chat", label: "Web chat" },
  { value: "voice", label: "Voice" },
  { value: "sms", label: "SMS" },
  { value: "api", label: "API" },
];

export function channelLabel(channel: string): string {
  return CHANNELS.find((item) => item.value === channel)?.label ?? channel;
}

export const STATUS_TONES: Record<Status, string> = {
  active: "green",
  pending: "amber",
  ended: "gray",
  archived: "gray",
};

export function memberName(member: Member | undefined | null): string {
  if (!member) return "a former member";
  const name = [member.first_name, member.last_name].filter(Boolean).join(" ");
  return name || member.email;
}

/** Who the customer is, as a person reads it: name, else phone or e-mail, else "Visitor". */
export function contactName(conversation: Conversation, contact: Contact | null | undefined): string {
  const full = contact && (contact.name || [contact.first_name, contact.last_name].filter(Boolean).join(" "));
  return (
    full ||
    contact?.phone_number ||
    contact?.email ||
    (typeof conversation.metadata?.visitor_name === "string" && conversation.metadata.visitor_name) ||
    (typeof conversation.metadata?.from === "string" && conversation.metadata.from) ||
    "Visitor"
  );
}

/** The contact's phone and e-mail, when the name shown is not already one of them. */
export function contactLine(conversation: Conversation, contact: Contact | null | undefined): string {
  const name = contactName(conversation, contact);
  return [contact?.phone_number, contact?.email].filter((value) => value && value !== name).join(" · ");
}

export function initials(name: string): string {
  const words = name.replace(/[^\p{L}\p{N} ]/gu, " ").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  return (words[0][0] + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase();
}

export const SENDER_LABELS: Record<SenderType, string> = {
  user: "Customer",
  agent: "AI",
  member: "Team",
  note: "Note",
  system: "System",
};

// ---------------------------------------------------------------------------------------------
// Agents and members of the workspace, and which member the signed-in user is.

export interface Directory {
  agents: Map<string, Agent>;
  members: Map<string, Member>;
  /** Members by their user id (a member message's `sender_id` is the user's id). */
  byUser: Map<string, Member>;
  /** The signed-in user's membership: the one "Take over" assigns. */
  mine: Member | null;
  loading: boolean;
  error: unknown;
  reload: () => void;
}

export function useDirectory(): Directory {
  const { me } = useAuth();
  const [agents, setAgents] = useState<Agent[]>([]);
  const [members, setMembers] = useState<Member[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    Promise.all([all<Agent>("/v1/agents"), all<Member>("/v1/members")])
      .then(([agentList, memberList]) => {
        if (!live) return;
        setAgents(agentList);
        setMembers(memberList);
        setError(null);
      })
      .catch((caught) => live && setError(caught))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [round]);

  const byUser = new Map(members.filter((m) => m.user_id).map((m) => [m.user_id as string, m]));
  return {
    agents: new Map(agents.map((a) => [a.id, a])),
    members: new Map(members.map((m) => [m.id, m])),
    byUser,
    mine: (me?.id && byUser.get(me.id)) || null,
    loading,
    error,
    reload: () => setRound((value) => value + 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Contacts, fetched once each.

const contacts = new Map<string, Contact | null>();
const contactRequests = new Map<string, Promise<void>>();

/** The contacts of `ids`, fetched as needed; a deleted contact is null. */
export function useContacts(ids: (string | null)[]): Map<string, Contact | null> {
  const [, setRound] = useState(0);
  const key = Array.from(new Set(ids.filter(Boolean))).sort().join(",");
  useEffect(() => {
    let live = true;
    const missing = key ? key.split(",").filter((id) => !contacts.has(id)) : [];
    if (!missing.length) return;
    const requests = missing.map((id) => {
      let pending = contactRequests.get(id);
      if (!pending) {
        pending = api<Contact>(`/v1/contacts/${id}`)
          .then((contact) => void contacts.set(id, contact))
          .catch(() => void contacts.set(id, null))
          .finally(() => contactRequests.delete(id));
        contactRequests.set(id, pending);
      }
      return pending;
    });
    void Promise.all(requests).then(() => live && setRound((value) => value + 1));
    return () => {
      live = false;
    };
  }, [key]);
  return contacts;
}

export function forgetContact(id: string) {
  contacts.delete(id);
}

// ---------------------------------------------------------------------------------------------
// The last message of each conversation, for the list's preview line.

interface Preview {
  /** The conversation's `last_message_at` the preview was read at. */
  at: string | null;
  message: Message | null;
}

const previews = new Map<string, Preview>();
const previewRequests = new Map<string, Promise<void>>();

/** Remember `message` as the newest of its conversation (a live event carried it). */
export function notePreview(conversation: Conversation, message: Message) {
  const known = previews.get(conversation.id);
  if (message.sender_type === "note" && known?.message) return;
  if (known?.message && known.message.created_at > message.created_at) return;
  previews.set(conversation.id, { at: conversation.last_message_at, message });
}

/** Take the newest messages a list page carried, so no row needs a request of its own. */
export function seedPreviews(conversations: Conversation[]) {
  for (const conversation of conversations) {
    if (conversation.last_message === undefined) continue;
    const known = previews.get(conversation.id);
    if (known && known.at === conversation.last_message_at && known.message) continue;
    const latest = conversation.last_message;
    previews.set(conversation.id, {
      at: conversation.last_message_at,
      message: latest
        ? { ...latest, conversation_id: conversation.id, sender_id: null, attachments: [], ai_metadata: null, delivery_status: null }
        : null,
    });
  }
}

async function fetchPreview(conversation: Conversation): Promise<void> {
  // Notes are not counted in `message_count` but are listed: a window from the last counted
  // message on holds the newest message, notes after it included.
  const page = await api<Page<Message>>(`/v1/conversations/${conversation.id}/messages`, {
    query: { offset: Math.max(0, conversation.message_count - 1), limit: 20 },
  });
  let items = page.items;
  if (!items.length && page.total > 0) {
    const last = await api<Page<Message>>(`/v1/conversations/${conversation.id}/messages`, {
      query: { offset: page.total - 1, limit: 1 },
    });
    items = last.items;
  }
  const shown = items.filter((message) => message.sender_type !== "note");
  const message = shown[shown.length - 1] ?? items[items.length - 1] ?? null;
  previews.set(conversation.id, { at: conversation.last_message_at, message });
}

/** The newest message of each conversation, fetched when unknown or out of date. */
export function usePreviews(conversations: Conversation[]): Map<string, Preview> {
  const [, setRound] = useState(0);
  const stale = conversations.filter((c) => {
    const known = previews.get(c.id);
    return !known || (known.at !== c.last_message_at && c.last_message_at !== null);
  });
  const key = stale.map((c) => c.id + "@" + c.last_message_at).join(",");
  useEffect(() => {
    let live = true;
    if (!stale.length) return;
    const requests = stale.map((conversation) => {
      let pending = previewRequests.get(conversation.id);
      if (!pending) {
        pending = fetchPreview(conversation)
          .catch(() => void previews.set(conversation.id, { at: conversation.last_message_at, message: null }))
          .finally(() => previewRequests.delete(conversation.id));
        previewRequests.set(conversation.id, pending);
      }
      return pending;
    });
    void Promise.all(requests).then(() => live && setRound((value) => value + 1));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return previews;
}

/** A re-render every `ms` (for "3 minutes ago" labels). */
export function useTick(ms = 30_000): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((value) => value + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}
