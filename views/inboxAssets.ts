// The inbox's one stylesheet and one script, served from /inbox/assets/ (the CSP allows no inline code).
// The script turns UTC times into the viewer's time zone, marks a voicemail listened once it really plays (and
// says why when it cannot), keeps
// the unread count in the tab title, and reloads the page's content in place when /inbox/events says something
// changed (never while a recording plays or a reply is being typed: then once that is over).

export const INBOX_CSS = `:root{color-scheme:light dark;--fg:#111;--bg:#fff;--muted:#555;--accent:#0b57d0;--line:#ccc;--unread:#fff6d5}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#121212;--muted:#aaa;--accent:#8ab4f8;--line:#444;--unread:#2b2600}}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
h1{font-size:1.25rem;margin:0}nav{display:flex;gap:.25rem}nav a{padding:.4rem .75rem;border-radius:.4rem;color:var(--accent);text-decoration:none}
nav a[aria-current=page]{background:var(--accent);color:var(--bg)}a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.sign-out{margin-left:auto}main{padding:1rem;max-width:60rem}.muted{color:var(--muted)}.error{color:#b00020;font-weight:600}
.items{list-style:none;padding:0;margin:0}.item{border-bottom:1px solid var(--line);padding:.75rem .25rem}.item.unread{background:var(--unread)}
.badge{font-size:.8rem}.item[aria-current=true]{outline:2px solid var(--accent);outline-offset:.25rem}audio{width:100%;max-width:30rem}.empty{color:var(--muted);font-size:1.1rem}
.thread{list-style:none;padding:0;display:flex;flex-direction:column;gap:.5rem}.bubble{max-width:85%;padding:.5rem .75rem;border-radius:.75rem;border:1px solid var(--line)}
.bubble p{margin:0}.bubble.out{align-self:flex-end}.meta{font-size:.8rem;color:var(--muted)}
form.reply,form.filter,.sign-in form{display:flex;flex-direction:column;gap:.4rem;max-width:30rem}
input,textarea,button{font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:var(--bg);border:0;cursor:pointer}.sign-out button{padding:.3rem .6rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--line);vertical-align:top}
.sign-in{max-width:22rem;margin:3rem auto}.phone,time{white-space:nowrap}.who{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline}
@media (max-width:40rem){table,tbody,tr,td{display:block}thead{display:none}tr{border-bottom:1px solid var(--line);padding:.5rem 0}
td{border:0;padding:.1rem 0}td::before{content:attr(data-label) ": ";color:var(--muted)}}`;

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
  // A voicemail counts as listened once its audio really plays ('playing': data arrived and is heard), not at a
  // press of play that then fails; a failure says why, beside the player, and the voicemail stays new.
  function showAudioError(audio) {
    var src = audio.currentSrc || audio.src;
    fetch(src, { headers: { Range: 'bytes=0-0' } }).then(function (res) {
      if (res.ok) return 'this browser cannot play the recording';
      return res.json().then(function (j) { return j.error || 'the server answered ' + res.status; },
        function () { return 'the server answered ' + res.status; });
    }, function () { return 'the server could not be reached'; }).then(function (reason) {
      var note = audio.parentNode.querySelector('.audio-error') || document.createElement('p');
      note.className = 'error audio-error';
      note.setAttribute('role', 'alert');
      note.textContent = 'Could not play this voicemail: ' + reason;
      audio.insertAdjacentElement('afterend', note);
    });
  }
  function markListened(root) {
    root.querySelectorAll('audio[data-listened-url]').forEach(function (audio) {
      audio.addEventListener('error', function () { showAudioError(audio); });
      audio.addEventListener('playing', function once() {
        audio.removeEventListener('playing', once);
        var note = audio.parentNode.querySelector('.audio-error');
        if (note) note.remove();
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
  var pending = false;
  function busy() {
    var playing = Array.prototype.some.call(document.querySelectorAll('audio'), function (a) { return !a.paused; });
    return playing || (document.activeElement && document.activeElement.tagName === 'TEXTAREA');
  }
  function refresh() {
    var part = document.getElementById('thread') ? 'thread' : 'main';
    if (part === 'main' && busy()) { pending = true; return; }
    pending = false;
    fetch(location.href, { headers: { accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        var from = fresh.getElementById(part);
        var to = document.getElementById(part);
        if (from && to) { to.innerHTML = from.innerHTML; prepare(to); }
        showUnread(Number(fresh.body.dataset.unread || 0));
      });
  }
  document.addEventListener('ended', function () { if (pending) refresh(); }, true);
  document.addEventListener('pause', function () { if (pending) refresh(); }, true);
  document.addEventListener('focusout', function () { if (pending) setTimeout(refresh, 0); });
  if (window.EventSource) {
    var events = new EventSource('/inbox/events?since=' + encodeURIComponent(body.dataset.marker || ''));
    events.addEventListener('change', function (e) {
      try { showUnread(JSON.parse(e.data).unread); } catch (err) { /* a malformed event changes nothing */ }
      refresh();
    });
  }
  prepare(document);
  showUnread(Number(body.dataset.unread || 0));
  var linked = document.querySelector('.item[aria-current="true"]');
  if (linked) linked.scrollIntoView({ block: 'center' });
})();
`;
