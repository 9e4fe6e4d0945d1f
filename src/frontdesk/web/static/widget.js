/* Frontdesk chat widget. Embed with:
 *   <script src="https://YOUR-FRONTDESK/widget.js" data-agent="AGENT_ID"></script>
 * Optionally data-channel="CHANNEL_ID" picks one of the agent's web_chat channels (its theme);
 * without it the channel that allows the page's origin is used.
 * API: FrontdeskWidget.open(), .close(), .setAgent(id), .destroy().
 * Browser events on window: frontdesk:lead.qualified, frontdesk:meeting.booked,
 * frontdesk:message (every message shown), frontdesk:ready, frontdesk:ended, frontdesk:rated.
 * When the conversation ends the visitor is asked to rate it (1-5 stars).
 */
(function () {
  "use strict";
  if (window.FrontdeskWidget) return;
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).origin : location.origin;
  var agentId = script ? script.getAttribute("data-agent") : null;
  var channelId = script ? script.getAttribute("data-channel") : null;
  var state = { conversation: null, token: null, events: null, root: null, shown: {}, open: false, channel: null };
  var storeKey = function () { return "frontdesk:" + agentId; };

  function el(tag, css, text) {
    var node = document.createElement(tag);
    if (css) node.style.cssText = css;
    if (text) node.textContent = text;
    return node;
  }
  function emit(name, detail) { window.dispatchEvent(new CustomEvent("frontdesk:" + name, { detail: detail })); }
  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Content-Type": "application/json" }, options.headers || {});
    if (state.token) options.headers.Authorization = "Bearer " + state.token;
    return fetch(base + path, options);
  }

  function build(agent) {
    var theme = agent.theme || {};
    var color = theme.color || "#1f6feb";
    var ink = theme.text_color || "#fff";
    var side = theme.position === "left" ? "left" : "right";
    state.channel = agent.channel_id || null;
    state.color = color; state.ink = ink;
    var root = el("div", "position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;font:14px/1.4 system-ui,sans-serif;display:flex;flex-direction:column;align-items:" + (side === "left" ? "flex-start" : "flex-end"));
    root.setAttribute("data-frontdesk-widget", "");
    var label = agent.launcher_text || theme.launcher_text;
    var bubble = label
      ? el("button", "height:48px;padding:0 20px;border-radius:24px;border:0;cursor:pointer;font:600 15px system-ui,sans-serif;color:" + ink + ";background:" + color, label)
      : el("button", "width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;font-size:24px;color:" + ink + ";background:" + color, "💬");
    bubble.setAttribute("aria-label", label || "Chat with " + agent.name);
    bubble.setAttribute("data-frontdesk-launcher", "");
    var panel = el("div", "display:none;flex-direction:column;width:340px;height:460px;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.2);overflow:hidden;margin-bottom:12px");
    var head = el("div", "padding:12px 16px;font-weight:600;color:" + ink + ";background:" + color, theme.title || agent.name);
    head.setAttribute("data-frontdesk-title", "");
    var log = el("div", "flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px");
    log.setAttribute("data-frontdesk-log", "");
    var form = el("form", "display:flex;border-top:1px solid #eee");
    var input = el("input", "flex:1;border:0;padding:12px;font:inherit;outline:none");
    input.placeholder = theme.placeholder || "Type a message…";
    input.setAttribute("data-frontdesk-input", "");
    var send = el("button", "border:0;background:none;padding:0 14px;cursor:pointer;color:" + color, "Send");
    form.appendChild(input); form.appendChild(send);
    panel.appendChild(head); panel.appendChild(log); panel.appendChild(form);
    root.appendChild(panel); root.appendChild(bubble);
    bubble.onclick = function () { state.open ? widget.close() : widget.open(); };
    form.onsubmit = function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (text) { input.value = ""; sendMessage(text); }
    };
    state.root = root; state.panel = panel; state.log = log; state.input = input;
    document.body.appendChild(root);
  }

  function show(message, bubbleNode) {
    if (message.id && state.shown[message.id]) return state.shown[message.id];
    var mine = message.sender_type === "user";
    var node = bubbleNode || el("div", "max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;" +
      (mine ? "align-self:flex-end;background:" + (state.color || "#1f6feb") + ";color:" + (state.ink || "#fff") : "align-self:flex-start;background:#f1f3f5;color:#111"));
    node.textContent = message.content;
    node.setAttribute("data-sender", message.sender_type || "agent");
    if (!node.parentNode) state.log.appendChild(node);
    if (message.id) state.shown[message.id] = node;
    state.log.scrollTop = state.log.scrollHeight;
    emit("message", message);
    return node;
  }

  function start() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(storeKey()) || "null"); } catch (e) { saved = null; }
    if (saved) {
      state.conversation = saved.conversation; state.token = saved.token;
      return api("/v1/public/conversations/" + state.conversation + "/messages?limit=100").then(function (r) {
        if (!r.ok) { sessionStorage.removeItem(storeKey()); state.token = null; return start(); }
        return r.json().then(function (page) { page.items.forEach(function (m) { show(m); }); listen(); });
      });
    }
    var started = { agent_id: agentId };
    if (state.channel) started.channel_id = state.channel;
    return api("/v1/public/conversations", { method: "POST", body: JSON.stringify(started) })
      .then(function (r) { return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || "refused"); return body; }); })
      .then(function (body) {
        state.conversation = body.conversation_id; state.token = body.visitor_token;
        sessionStorage.setItem(storeKey(), JSON.stringify({ conversation: state.conversation, token: state.token }));
        if (body.greeting) show({ sender_type: "agent", content: body.greeting });
        listen();
      })
      .catch(function (error) { console.warn("Frontdesk widget:", error.message); });
  }

  function listen(delay) {
    if (state.events) state.events.close();
    var url = base + "/v1/public/conversations/" + state.conversation + "/events?token=" + encodeURIComponent(state.token);
    var source = new EventSource(url);
    source.addEventListener("message", function (e) { show(JSON.parse(e.data)); });
    source.addEventListener("lead.qualified", function (e) { emit("lead.qualified", JSON.parse(e.data)); });
    source.addEventListener("meeting.booked", function (e) { emit("meeting.booked", JSON.parse(e.data)); });
    source.addEventListener("ended", function () { askRating(); emit("ended", { conversation_id: state.conversation }); });
    source.onerror = function () {
      source.close();
      var wait = Math.min((delay || 1000) * 2, 30000);
      setTimeout(function () { if (state.events === source) listen(wait); }, wait);
    };
    state.events = source;
  }

  // When the conversation ends: "How was this chat?" with five stars (POST .../rating).
  function askRating() {
    if (!state.log || state.log.querySelector("[data-frontdesk-rating]")) return;
    var box = el("div", "align-self:center;text-align:center;padding:8px;color:#555");
    box.setAttribute("data-frontdesk-rating", "");
    box.appendChild(el("div", "margin-bottom:4px", "How was this chat?"));
    [1, 2, 3, 4, 5].forEach(function (n) {
      var star = el("button", "border:0;background:none;cursor:pointer;font-size:22px;color:" + (state.color || "#1f6feb"), "☆");
      star.setAttribute("aria-label", n + " of 5");
      star.setAttribute("data-rating", String(n));
      star.onclick = function () {
        api("/v1/public/conversations/" + state.conversation + "/rating", { method: "POST", body: JSON.stringify({ rating: n }) })
          .then(function (r) { box.textContent = r.ok ? "Thank you!" : "Sorry, the rating was not saved."; emit("rated", { rating: n }); });
      };
      box.appendChild(star);
    });
    state.log.appendChild(box);
    state.log.scrollTop = state.log.scrollHeight;
  }

  function sendMessage(text) {
    show({ sender_type: "user", content: text });
    var pending = show({ sender_type: "agent", content: "…" });
    return api("/v1/public/conversations/" + state.conversation + "/messages", {
      method: "POST",
      headers: { Accept: "text/event-stream" },
      body: JSON.stringify({ content: text })
    }).then(function (response) {
      if (!response.ok || !response.body) { pending.textContent = "Sorry, something went wrong."; return; }
      var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "", text = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split(/\r?\n\r?\n/);
          buffer = parts.pop();
          parts.forEach(function (part) {
            var kind = "message", data = "";
            part.split(/\r?\n/).forEach(function (line) {
              if (line.indexOf("event:") === 0) kind = line.slice(6).trim();
              else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
            });
            if (!data) return;
            var payload = JSON.parse(data);
            if (kind === "token") { text += payload.text; pending.textContent = text; }
            else if (kind === "done") {
              if (payload.reply) show(payload.reply, pending);
              else pending.remove();
            } else if (kind === "error") { pending.textContent = payload.error; }
          });
          return pump();
        });
      }
      return pump();
    });
  }

  var widget = {
    open: function () {
      if (!state.root) return;
      state.panel.style.display = "flex"; state.open = true;
      if (!state.conversation) start();
      state.input.focus();
    },
    close: function () { if (state.root) { state.panel.style.display = "none"; state.open = false; } },
    setAgent: function (id) { widget.destroy(); agentId = id; init(); },
    destroy: function () {
      if (state.events) state.events.close();
      if (state.root) state.root.remove();
      state = { conversation: null, token: null, events: null, root: null, shown: {}, open: false, channel: null };
    }
  };

  function init() {
    if (!agentId) return;
    var url = base + "/v1/public/agents/" + agentId + (channelId ? "?channel_id=" + encodeURIComponent(channelId) : "");
    fetch(url)
      .then(function (r) {
        return r.json().then(function (body) { if (!r.ok) throw new Error(body.error || "agent unavailable"); return body; });
      })
      .then(function (agent) { build(agent); emit("ready", { agent_id: agentId }); })
      .catch(function (error) { console.warn("Frontdesk widget:", error.message); });
  }

  window.FrontdeskWidget = widget;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
