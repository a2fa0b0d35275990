/** The browser chat page served at `GET /`: it joins `/chat` on the same host and port. */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  #text { flex: 1; }
</style>
</head>
<body>
<h1>Chat</h1>
<p id="status">connecting…</p>
<div id="log"></div>
<form id="form">
  <input id="name" placeholder="name" value="guest" size="10" required>
  <input id="text" placeholder="message" autocomplete="off" required>
  <button id="send" type="submit">Send</button>
</form>
<script>
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat');
  function line(text) {
    const p = document.createElement('p');
    p.textContent = text;
    p.className = 'message';
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
  }
  socket.onopen = () => { status.textContent = 'connected'; };
  socket.onclose = () => { status.textContent = 'disconnected'; };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.event === 'chat') line(message.name + ': ' + message.text);
    else if (message.event === 'joined') line('* #' + message.fd + ' joined (' + message.members + ' here)');
    else if (message.event === 'left') line('* #' + message.fd + ' left (' + message.members + ' here)');
    else if (message.event === 'error') line('! ' + JSON.stringify(message.message));
  };
  document.getElementById('form').onsubmit = (event) => {
    event.preventDefault();
    const text = document.getElementById('text');
    socket.send(JSON.stringify({ name: document.getElementById('name').value, text: text.value }));
    text.value = '';
  };
</script>
</body>
</html>
`;
