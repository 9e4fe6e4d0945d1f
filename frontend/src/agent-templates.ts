// Starting points for a new agent. The prompts stay short and concrete so that the embedded
// local model (a small one, no API key needed) follows them; bigger models do too.

export type AgentType = "inbound" | "outbound" | "widget" | "chat";

export interface AgentTemplate {
  key: string;
  title: string;
  description: string;
  type: AgentType;
  name: string;
  prompt: string;
  greeting: string;
  /** A note shown when the template expects actions to be attached after creation. */
  tip?: string;
}

export const AGENT_TYPES: { value: AgentType; label: string; hint: string }[] = [
  { value: "inbound", label: "Inbound calls", hint: "Answers phone calls to its number" },
  { value: "outbound", label: "Outbound calls", hint: "Places calls, alone or in campaigns" },
  { value: "widget", label: "Website widget", hint: "Chats with visitors of your site" },
  { value: "chat", label: "Chat", hint: "Answers chats from any channel or the API" },
];

export function typeLabel(type: string): string {
  return AGENT_TYPES.find((item) => item.value === type)?.label ?? type;
}

export const TEMPLATES: AgentTemplate[] = [
  {
    key: "receptionist",
    title: "Receptionist",
    description: "Answers calls, shares opening hours and takes messages.",
    type: "inbound",
    name: "Receptionist",
    prompt: [
      "You are {{agent_name}}, the friendly receptionist of {{business_name}}.",
      "Answer questions about the business in one or two short sentences.",
      "If you do not know an answer, say so and offer to take a message.",
      "To take a message, ask for the caller's name, phone number and the reason for the call.",
      "Today is {{current_weekday}}, {{current_date}}.",
    ].join("\n"),
    greeting: "Hello, thank you for calling {{business_name}}. How can I help you today?",
  },
  {
    key: "lead_qualifier",
    title: "Lead qualifier",
    description: "Greets website visitors and asks what they need, their budget and timeline.",
    type: "widget",
    name: "Lead qualifier",
    prompt: [
      "You are {{agent_name}}, an assistant for {{business_name}} on its website.",
      "Find out, one question at a time:",
      "1. the visitor's name,",
      "2. their email or phone number,",
      "3. what they need,",
      "4. their budget,",
      "5. when they want to start.",
      "Keep each reply short and friendly.",
      "When you learn an answer, save it with the extract_info actions",
      "full_name, email, need, budget and timeline.",
      "When you have every answer, thank the visitor and say the team will be in touch.",
    ].join("\n"),
    greeting: "Hi! I'm {{agent_name}} from {{business_name}}. What can we help you with?",
    tip: "Attach extract_info actions (full_name, email, need, budget, timeline) in “Knowledge & tools” so the answers are saved.",
  },
  {
    key: "support",
    title: "Support",
    description: "Answers customer questions from your knowledge base.",
    type: "chat",
    name: "Support",
    prompt: [
      "You are {{agent_name}}, the customer support assistant of {{business_name}}.",
      "Answer using only the knowledge you are given.",
      "Keep answers short and clear, in plain words.",
      "If the answer is not in your knowledge, say you are not sure and offer to pass the question to the team.",
    ].join("\n"),
    greeting: "Hi, this is {{business_name}} support. What can I help you with?",
    tip: "Attach a knowledge base in “Knowledge & tools” so the agent can answer from your documents.",
  },
  {
    key: "appointment_setter",
    title: "Appointment setter",
    description: "Calls leads to book a meeting at a time that suits them.",
    type: "outbound",
    name: "Appointment setter",
    prompt: [
      "You are {{agent_name}}, calling on behalf of {{business_name}} to book an appointment.",
      "Ask if now is a good time to talk.",
      "Offer to book a short appointment and ask which day and time suit them.",
      "Confirm the day, the time and their email before you end the call.",
      "Save the answers with the extract_info actions appointment_day, appointment_time and email.",
      "Be polite and brief. If they are not interested, thank them and end the call.",
      "Today is {{current_weekday}}, {{current_date}}.",
    ].join("\n"),
    greeting: "Hi, this is {{agent_name}} from {{business_name}}. Do you have a minute to set up an appointment?",
    tip: "Attach extract_info actions (appointment_day, appointment_time, email) in “Knowledge & tools”; a real_time_booking action can book the slot.",
  },
  {
    key: "blank",
    title: "Blank",
    description: "Start from scratch and write your own prompt.",
    type: "chat",
    name: "New agent",
    prompt: "You are {{agent_name}}, a helpful assistant for {{business_name}}. Keep your answers short.",
    greeting: "Hello! How can I help you?",
  },
];
