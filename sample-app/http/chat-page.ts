/**
 * The browser chat page served at `GET /`. It joins `/chat?room=...&stats=1` on the same host
 * and port (`/?room=blue` opens that room; the picker reconnects to another), and shows the
 * `stats` events every worker or node publishes each second, one row per process.
 */
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; }
  #log { border: 1px solid #ccc; height: 18rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  #text { flex: 1; }
  table { border-collapse: collapse; margin-top: 1rem; width: 100%; }
  th, td { border-bottom: 1px solid #ddd; padding: .2rem .5rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  tfoot td { font-weight: bold; }
</style>
</head>
<body>
<h1>Chat</h1>
<form id="rooms">
  <label for="room">Room</label>
  <input id="room" list="known-rooms" size="16" required maxlength="32"
    pattern="[a-z0-9][a-z0-9_\\-]{0,31}" title="1-32 characters: a-z, 0-9, - and _">
  <datalist id="known-rooms"><option value="lobby"><option value="random"><option value="help"></datalist>
  <button id="join" type="submit">Join</button>
  <span id="members"></span>
</form>
<p id="status">connecting…</p>
<div id="log"></div>
<form id="form">
  <input id="name" placeholder="name" value="guest" size="10" required maxlength="32">
  <input id="text" placeholder="message" autocomplete="off" required maxlength="1000">
  <button id="send" type="submit">Send</button>
</form>
<table id="stats">
  <thead><tr><th>Worker / node</th><th>Connections</th><th>Messages in/s</th><th>Messages out/s</th></tr></thead>
  <tbody></tbody>
  <tfoot><tr><td>Total</td><td id="total-connections">0</td><td id="total-in">0</td><td id="total-out">0</td></tr></tfoot>
</table>
<script>
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const members = document.getElementById('members');
  const roomInput = document.getElementById('room');
  let socket = null;

  function line(text) {
    const p = document.createElement('p');
    p.textContent = text;
    p.className = 'message';
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
  }

  /** Leaves the current room (if any) and joins \`room\`: a new connection to /chat?room=... */
  function join(room) {
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    log.textContent = '';
    members.textContent = '';
    status.textContent = 'connecting to #' + room + '…';
    roomInput.value = room;
    history.replaceState(null, '', '?room=' + encodeURIComponent(room));
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const url = scheme + location.host + '/chat?room=' + encodeURIComponent(room) + '&stats=1';
    const current = new WebSocket(url);
    socket = current;
    current.onclose = () => { status.textContent = 'disconnected'; };
    current.onmessage = (event) => receive(event.data, room);
  }

  function receive(data, room) {
    let message;
    try { message = JSON.parse(data); } catch { message = null; }
    if (message === null || typeof message !== 'object') return line('> ' + data);
    if (message.event === 'stats') return showStats(message);
    if (message.event === 'welcome') {
      status.textContent = 'connected to #' + room + ' as #' + message.fd;
    } else if (message.event === 'chat') line(message.name + ': ' + message.text);
    else if (message.event === 'joined') line('* #' + message.fd + ' joined');
    else if (message.event === 'left') line('* #' + message.fd + ' left');
    else if (message.event === 'error') line('! ' + JSON.stringify(message.message));
    if (typeof message.members === 'number') members.textContent = message.members + ' here';
  }

  /** One row per worker or node, refreshed by its own report; a silent one goes after 3 s. */
  const rows = new Map();
  function showStats(report) {
    let row = rows.get(report.owner);
    if (!row) {
      const tr = document.createElement('tr');
      tr.dataset.owner = report.owner;
      for (let i = 0; i < 4; i++) tr.appendChild(document.createElement('td'));
      document.querySelector('#stats tbody').appendChild(tr);
      row = { tr, report, seen: 0 };
      rows.set(report.owner, row);
    }
    row.report = report;
    row.seen = Date.now();
    const cells = row.tr.children;
    cells[0].textContent = report.owner;
    cells[1].textContent = report.connections;
    cells[2].textContent = report.messagesInPerSecond;
    cells[3].textContent = report.messagesOutPerSecond;
    showTotals();
  }
  function showTotals() {
    const totals = { connections: 0, in: 0, out: 0 };
    for (const [owner, row] of rows) {
      if (Date.now() - row.seen > 3000) {
        row.tr.remove();
        rows.delete(owner);
        continue;
      }
      totals.connections += row.report.connections;
      totals.in += row.report.messagesInPerSecond;
      totals.out += row.report.messagesOutPerSecond;
    }
    document.getElementById('total-connections').textContent = totals.connections;
    document.getElementById('total-in').textContent = totals.in;
    document.getElementById('total-out').textContent = totals.out;
  }
  setInterval(showTotals, 1000);

  document.getElementById('rooms').onsubmit = (event) => {
    event.preventDefault();
    join(roomInput.value);
  };
  document.getElementById('form').onsubmit = (event) => {
    event.preventDefault();
    const text = document.getElementById('text');
    if (!socket || socket.readyState !== WebSocket.OPEN) return line('! not connected');
    socket.send(JSON.stringify({ name: document.getElementById('name').value, text: text.value }));
    text.value = '';
  };
  join(new URLSearchParams(location.search).get('room') || 'lobby');
</script>
</body>
</html>
`;
