// The agent as the API returns it (GET /v1/agents/{id}), shared by the agent pages.

export interface ScriptRule {
  match: string;
  reply: string;
  call?: string | null;
  arguments?: Record<string, unknown>;
}

export interface AgentVoice {
  stt_provider: string;
  tts_provider: string;
  voice_id: string | null;
  language: string;
  speed: number;
  volume: number;
  initial_pause_seconds: number;
  end_of_speech_silence_ms: number | null;
  voicemail_detection: boolean | null;
}

export interface Agent {
  id: string;
  name: string;
  description: string | null;
  type: "inbound" | "outbound" | "widget" | "chat";
  enabled: boolean;
  prompt: string;
  greeting_message: string | null;
  language: string;
  timezone: string | null;
  llm: {
    provider: "local" | "openai" | "anthropic" | "scripted";
    model: string | null;
    temperature: number;
    max_tokens: number;
    base_url: string | null;
    api_key_set: boolean;
    script: ScriptRule[] | null;
  };
  voice: AgentVoice;
  phone_number: string | null;
  external_webhook_url: string | null;
  is_recording: boolean;
  max_duration: { is_enabled: boolean; duration_seconds: number };
  allowed_idle_time_seconds: number;
  send_user_idle_reminders: boolean;
  reminder_after_idle_time_seconds: number;
  reminder_after_idle_message: string | null;
  min_words_to_interrupt: number;
  patience_level: "low" | "medium" | "high";
  custom_variables: Record<string, string | number | boolean>;
  theme: Record<string, unknown>;
  knowledge_base_ids: string[];
  action_ids: string[];
  memory_store_ids: string[];
  created_at: string;
  updated_at: string;
}
