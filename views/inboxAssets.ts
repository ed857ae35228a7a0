// The inbox's one stylesheet and one script, served from /inbox/assets/ (the CSP allows no inline code).
// The script turns UTC times into the viewer's time zone, marks a voicemail listened when it is played, and
// keeps the unread count in the tab title.

export const INBOX_CSS = `:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--accent:#0b57d0;--line:#ccc;--unread:#fff6d5}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#aaa;--accent:#8ab4f8;--line:#444;--unread:#2b2600}}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
h1{font-size:1.25rem;margin:0}nav{display:flex;gap:.25rem}nav a{padding:.4rem .75rem;border-radius:.4rem;color:var(--accent);text-decoration:none}
nav a[aria-current=page]{background:var(--accent);color:var(--bg)}a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.sign-out{margin-left:auto}main{padding:1rem;max-width:60rem}.muted{color:var(--muted)}.error{color:#b00020;font-weight:600}
.items{list-style:none;padding:0;margin:0}.item{border-bottom:1px solid var(--line);padding:.75rem .25rem}.item.unread{background:var(--unread)}
.badge{font-size:.8rem}audio{width:100%;max-width:30rem}.empty{color:var(--muted);font-size:1.1rem}
.thread{list-style:none;padding:0;display:flex;flex-direction:column;gap:.5rem}.bubble{max-width:85%;padding:.5rem .75rem;border-radius:.75rem;border:1px solid var(--line)}
.bubble p{margin:0}.bubble.out{align-self:flex-end}.meta{font-size:.8rem;color:var(--muted)}
form.reply,form.filter,.sign-in form{display:flex;flex-direction:column;gap:.4rem;max-width:30rem}
input,textarea,button{font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:var(--bg);border:0;cursor:pointer}.sign-out button{padding:.3rem .6rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--line);vertical-align:top}
.sign-in{max-width:22rem;margin:3rem auto}`;

export const INBOX_JS = `'use strict';
(function () {
  var body = document.body;
  var title = document.querySelector('title');
  function showUnread(n) {
    body.dataset.unread = String(n);
    if (title) document.title = (n > 0 ? '(' + n + ') ' : '') + title.dataset.base;
  }
  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) t.textContent = d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    });
  }
  function markListened(root) {
    root.querySelectorAll('audio[data-listened-url]').forEach(function (audio) {
      audio.addEventListener('play', function once() {
        audio.removeEventListener('play', once);
        var item = audio.closest('.item');
        if (!item || !item.classList.contains('unread')) return;
        fetch(audio.dataset.listenedUrl, { method: 'POST', headers: { 'x-csrf-token': body.dataset.csrf } }).then(function (res) {
          if (!res.ok) return;
          item.classList.remove('unread');
          var badge = item.querySelector('.badge');
          if (badge) badge.remove();
          showUnread(Math.max(0, Number(body.dataset.unread || 0) - 1));
        });
      });
    });
  }
  function prepare(root) { localTimes(root); markListened(root); }
  prepare(document);
  showUnread(Number(body.dataset.unread || 0));
  window.twimlInbox = { prepare: prepare, showUnread: showUnread };
})();
`;
