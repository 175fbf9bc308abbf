// Demo console: shows the widget's events with textContent only (agent text is never HTML).
(function () {
  var log = document.getElementById('log');
  function line(kind, text) {
    var li = document.createElement('li');
    var b = document.createElement('b');
    b.textContent = kind + ' ';
    li.appendChild(b);
    li.appendChild(document.createTextNode(text));
    log.appendChild(li);
  }
  [
    'message_sent',
    'message_received',
    'auto_message',
    'unread',
    'chat_open',
    'messenger_close',
    'blocked',
    'unblocked',
    'error',
  ].forEach(function (name) {
    smartsupp('on', name, function (p) {
      line(
        name,
        typeof p == 'object'
          ? (p.name ? p.name + ': ' : '') + (p.text || JSON.stringify(p))
          : String(p),
      );
    });
  });
  smartsupp(function () {
    document.getElementById('vid').textContent = smartsupp.vid;
  });
  document.addEventListener('click', function (e) {
    var cmd = e.target && e.target.getAttribute && e.target.getAttribute('data-cmd');
    if (cmd == 'identify')
      smartsupp('identify', { name: 'Ada Lovelace', email: 'ada@example.com' });
    if (cmd == 'open') smartsupp('chat:open');
    if (cmd == 'trigger') smartsupp('trigger', 'demo');
    if (cmd == 'spa') history.pushState({}, '', '/pricing?spa=' + Date.now());
    if (cmd == 'logout') {
      smartsupp('logout');
      setTimeout(function () {
        document.getElementById('vid').textContent = smartsupp.vid;
      }, 100);
    }
  });
  document.getElementById('send').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('text');
    if (input.value.trim()) smartsupp('chat:send', input.value);
    input.value = '';
  });
})();
