// The voice test page: talk to an agent from the browser over Frontdesk's web-call WebSocket.
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  $("agent").value = params.get("agent") || localStorage.getItem("fd-agent") || "";
  $("token").value = localStorage.getItem("fd-token") || "";
  let call = null;

  function status(text) {
    $("status").textContent = text;
  }

  function line(role, text) {
    const item = document.createElement("li");
    item.className = role;
    item.textContent = `${role === "user" ? "you" : "agent"}: ${text}`;
    $("transcript").appendChild(item);
  }

  async function start() {
    const agent = $("agent").value.trim();
    const token = $("token").value.trim();
    localStorage.setItem("fd-agent", agent);
    localStorage.setItem("fd-token", token);
    status("starting…");
    const response = await fetch(`/v1/agents/${encodeURIComponent(agent)}/web-call`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await response.json();
    if (!response.ok) {
      status(`${body.code}: ${body.error}`);
      return;
    }
    const context = new AudioContext({ sampleRate: body.sample_rate });
    await context.audioWorklet.addModule("/static/voice-worklet.js");
    const microphone = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
    const capture = new AudioWorkletNode(context, "fd-capture");
    const playback = new AudioWorkletNode(context, "fd-playback");
    context.createMediaStreamSource(microphone).connect(capture);
    playback.connect(context.destination);
    const socket = new WebSocket(body.websocket_url);
    socket.binaryType = "arraybuffer";
    capture.port.onmessage = (event) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(event.data);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") {
        playback.port.postMessage(event.data, [event.data]);
        return;
      }
      const message = JSON.parse(event.data);
      if (message.type === "transcript") line(message.role, message.text);
      else if (message.type === "interrupted") playback.port.postMessage("clear");
      else if (message.type === "ended") status(`ended: ${message.reason}`);
    };
    socket.onopen = () => status(`in call ${body.call_id}`);
    socket.onclose = (event) => {
      if (event.code >= 4000) status(`refused: ${event.reason}`);
      microphone.getTracks().forEach((t) => t.stop());
      context.close();
      call = null;
      $("call").disabled = false;
      $("hangup").disabled = true;
    };
    call = { socket, id: body.call_id };
    $("call").disabled = true;
    $("hangup").disabled = false;
  }

  $("call").addEventListener("click", () => start().catch((e) => status(`error: ${e}`)));
  $("hangup").addEventListener("click", () => {
    if (call) call.socket.send(JSON.stringify({ type: "hangup" }));
  });
  document.addEventListener("keydown", (event) => {
    if (call && /^[0-9*#]$/.test(event.key) && event.target.tagName !== "INPUT") {
      call.socket.send(JSON.stringify({ type: "dtmf", digit: event.key }));
    }
  });
})();
