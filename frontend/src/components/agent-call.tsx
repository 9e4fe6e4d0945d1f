// The agent's "Test call" tab: talk to the agent from the browser over the web-call WebSocket
// (16 kHz mono PCM16 both ways, JSON events from the server), with the worklets that Frontdesk
// serves at /static/voice-worklet.js.

import { useEffect, useRef, useState } from "preact/hooks";

import { api } from "../api";
import { duration } from "../format";
import type { Agent } from "./agent-types";
import { Button, ErrorNote } from "./ui";

interface WebCall {
  call_id: string;
  websocket_url: string;
  token: string;
  sample_rate?: number;
}

interface Line {
  role: "user" | "agent" | "system";
  text: string;
}

type Phase = "idle" | "microphone" | "connecting" | "live" | "ending" | "ended";

interface Session {
  socket: WebSocket | null;
  context: AudioContext | null;
  microphone: MediaStream | null;
  playback: AudioWorkletNode | null;
}

/** Why the microphone could not be used, in words a person can act on. */
function microphoneProblem(error: unknown): string {
  const name = (error as DOMException)?.name;
  if (name === "NotAllowedError" || name === "SecurityError")
    return "Microphone access was blocked. Allow the microphone for this site (the icon in the address bar), then press Start call again.";
  if (name === "NotFoundError" || name === "OverconstrainedError")
    return "No microphone was found. Plug one in or choose one in your system's sound settings, then try again.";
  if (name === "NotReadableError" || name === "AbortError")
    return "The microphone is busy or could not start. Close other apps that use it, then try again.";
  return `The microphone could not be used: ${(error as Error)?.message ?? String(error)}`;
}

const CLOSE_REASONS: Record<number, string> = {
  4401: "The call's token was refused (invalid or expired). Start a new call.",
  4403: "The call's token belongs to another call. Start a new call.",
  4409: "This call has already run. Start a new call.",
};

const END_REASONS: Record<string, string> = {
  human_goodbye: "you said goodbye",
  human_pick_up_cut_off: "you hung up",
  agent_goodbye: "the call was hung up",
  max_duration: "the maximum call length was reached",
  error: "an error",
  transferred: "the call was transferred",
  voicemail: "voicemail was detected",
};

export function AgentCall(props: { agent: Agent; canCall: boolean }) {
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<unknown>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [callId, setCallId] = useState<string | null>(null);
  const [muted, setMuted] = useState(false);
  const [started, setStarted] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const session = useRef<Session>({ socket: null, context: null, microphone: null, playback: null });
  const log = useRef<HTMLOListElement>(null);

  const release = () => {
    const current = session.current;
    current.microphone?.getTracks().forEach((track) => track.stop());
    if (current.context && current.context.state !== "closed") void current.context.close().catch(() => undefined);
    if (current.socket && current.socket.readyState <= WebSocket.OPEN) current.socket.close();
    session.current = { socket: null, context: null, microphone: null, playback: null };
  };

  useEffect(() => release, []);

  useEffect(() => {
    if (phase !== "live") return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [phase]);

  useEffect(() => {
    const box = log.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [lines]);

  const say = (line: Line) => setLines((current) => [...current, line]);

  const start = async () => {
    setError(null);
    setLines([]);
    setCallId(null);
    setMuted(false);
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
      setError(
        new Error("The browser only gives the microphone to secure pages: open the dashboard over HTTPS (or on localhost) to test calls."),
      );
      return;
    }
    if (typeof AudioWorkletNode === "undefined") {
      setError(new Error("This browser cannot process live audio (no AudioWorklet). Try a recent Chrome, Edge, Firefox or Safari."));
      return;
    }
    setPhase("microphone");
    let microphone: MediaStream;
    try {
      microphone = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (caught) {
      setError(new Error(microphoneProblem(caught)));
      setPhase("idle");
      return;
    }
    session.current.microphone = microphone;
    setPhase("connecting");
    let call: WebCall;
    try {
      call = await api<WebCall>(`/v1/agents/${props.agent.id}/web-call`, { method: "POST" });
    } catch (caught) {
      release();
      setError(caught);
      setPhase("idle");
      return;
    }
    setCallId(call.call_id);
    try {
      const context = new AudioContext({ sampleRate: call.sample_rate ?? 16000 });
      session.current.context = context;
      await context.audioWorklet.addModule("/static/voice-worklet.js");
      const capture = new AudioWorkletNode(context, "fd-capture");
      const playback = new AudioWorkletNode(context, "fd-playback");
      session.current.playback = playback;
      context.createMediaStreamSource(microphone).connect(capture);
      playback.connect(context.destination);
      if (context.state === "suspended") await context.resume();

      const socket = new WebSocket(call.websocket_url);
      socket.binaryType = "arraybuffer";
      session.current.socket = socket;
      capture.port.onmessage = (event) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
      };
      socket.onopen = () => {
        setPhase("live");
        setStarted(Date.now());
        setNow(Date.now());
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          playback.port.postMessage(event.data, [event.data]);
          return;
        }
        let message: { type?: string; role?: string; text?: string; reason?: string };
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (message.type === "transcript" && message.text) {
          say({ role: message.role === "user" ? "user" : "agent", text: message.text });
        } else if (message.type === "interrupted") {
          playback.port.postMessage("clear");
        } else if (message.type === "ended") {
          const why = message.reason ? END_REASONS[message.reason] ?? message.reason.replace(/_/g, " ") : null;
          say({ role: "system", text: why ? `Call ended: ${why}.` : "Call ended." });
        }
      };
      socket.onerror = () => {
        setError(new Error("The voice connection failed. Check that Frontdesk is reachable and try again."));
      };
      socket.onclose = (event) => {
        if (CLOSE_REASONS[event.code]) setError(new Error(CLOSE_REASONS[event.code]));
        release();
        setPhase("ended");
      };
    } catch (caught) {
      release();
      setError(new Error(`The call could not start its audio: ${(caught as Error)?.message ?? String(caught)}`));
      setPhase("ended");
    }
  };

  const hangUp = () => {
    const socket = session.current.socket;
    setPhase("ending");
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "hangup" }));
      // The server closes the socket after its goodbye; close it ourselves if it does not.
      setTimeout(() => {
        if (session.current.socket === socket) {
          release();
          setPhase("ended");
        }
      }, 10000);
    } else {
      release();
      setPhase("ended");
    }
  };

  const toggleMute = () => {
    const next = !muted;
    session.current.microphone?.getAudioTracks().forEach((track) => (track.enabled = !next));
    setMuted(next);
  };

  const sendDigit = (digit: string) => {
    const socket = session.current.socket;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "dtmf", digit }));
  };

  if (!props.canCall) {
    return <p class="muted">Your role (viewer) cannot place test calls. Ask an admin for the agent or admin role.</p>;
  }

  const inCall = phase === "microphone" || phase === "connecting" || phase === "live" || phase === "ending";
  const status: Record<Phase, string> = {
    idle: "Ready. Press Start call and allow the microphone.",
    microphone: "Waiting for microphone permission…",
    connecting: "Connecting to the agent…",
    live: `In call · ${duration(started ? (now - started) / 1000 : 0)}${muted ? " · muted" : ""}`,
    ending: "Hanging up…",
    ended: "The call has ended.",
  };

  return (
    <div class="agent-call">
      <div class="card agent-call-panel">
        <div class="agent-call-controls">
          <div class={`agent-call-status ${phase}`} role="status" aria-live="polite">
            <span class="agent-call-dot" aria-hidden="true" />
            {status[phase]}
          </div>
          <div class="agent-call-buttons">
            {!inCall ? (
              <Button variant="primary" onClick={() => void start()} disabled={!props.agent.enabled}>
                Start call
              </Button>
            ) : (
              <>
                <Button onClick={toggleMute} disabled={phase !== "live"} aria-pressed={muted}>
                  {muted ? "Unmute" : "Mute"}
                </Button>
                <Button variant="danger" onClick={hangUp} busy={phase === "ending"} disabled={phase === "microphone"}>
                  Hang up
                </Button>
              </>
            )}
          </div>
        </div>
        <p class="hint">
          The call runs through the agent's voice settings ({props.agent.voice.stt_provider} speech recognition,{" "}
          {props.agent.voice.tts_provider} speech synthesis) and is recorded like a phone call
          {callId && (
            <>
              : <a href={`/calls/${callId}`}>open the call record</a>
            </>
          )}
          . Use headphones so the agent does not hear itself.
        </p>
        {!props.agent.enabled && (
          <p class="agent-embed-warning" role="note">
            This agent is disabled, so it takes no calls. Enable it with the button at the top of the page to test it.
          </p>
        )}
        <ErrorNote error={error} />
        {phase === "live" && (
          <details class="agent-keypad">
            <summary>Keypad</summary>
            <div class="agent-keypad-grid" role="group" aria-label="Keypad">
              {["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"].map((digit) => (
                <button type="button" class="btn btn-secondary" aria-label={`Press ${digit}`} onClick={() => sendDigit(digit)}>
                  {digit}
                </button>
              ))}
            </div>
          </details>
        )}
      </div>
      <section class="card" aria-labelledby="agent-call-transcript">
        <h2 id="agent-call-transcript">Live transcript</h2>
        {lines.length === 0 ? (
          <p class="muted">{inCall ? "Say something: what you and the agent say appears here." : "The transcript of your test call will appear here."}</p>
        ) : (
          <ol class="thread agent-call-thread" ref={log} aria-live="polite">
            {lines.map((line, index) => (
              <li key={index} class={`bubble ${line.role}`}>
                <span class="sr-only">{line.role === "user" ? "You" : line.role === "agent" ? "Agent" : "Note"}: </span>
                {line.text}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
