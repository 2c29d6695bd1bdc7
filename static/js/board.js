/* The public big screen (templates/results/board.html): renders the board's JSON, refreshes it from data.json
   (ETag: an unchanged board costs a 304) and pages through the ranking by itself. Everything is sized in viewport
   units by board.css, so the same page fills a 1920x1080 and a 3840x2160 wall; a page holds a fixed number of rows.
   Live (before decryption): progress per round, the best results of confirmed rounds, the ranking by code.
   Final: the ranking with names, units and awards when the organiser allows names. */
(function () {
  'use strict';
  var screen = document.getElementById('screen');
  var board = document.getElementById('board');
  var labels = JSON.parse(screen.getAttribute('data-labels'));
  var url = screen.getAttribute('data-url');
  var seconds = Math.max(2, parseInt(screen.getAttribute('data-page-seconds'), 10) || 12);
  var data = JSON.parse(document.getElementById('board-data').textContent);
  var PER_PAGE = 12, ROUND_ROWS = 5, POLL_MS = 5000;
  var page = 0, roundIndex = 0, etag = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function renderProgress() {
    var list = document.getElementById('progress');
    list.textContent = '';
    data.progress.forEach(function (p) {
      var li = el('li');
      li.appendChild(el('span', 'pname', p.name));
      var bar = el('span', 'pbar'), fill = el('span');
      bar.setAttribute('role', 'img');
      bar.setAttribute('aria-label', p.submitted + '/' + p.total);
      fill.style.width = (p.total ? (100 * p.submitted / p.total) : 0) + '%';
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el('span', 'pnum', p.submitted + '/' + p.total));
      li.appendChild(el('span', 'pstate' + (p.confirmed ? ' done' : ''), p.confirmed ? labels.confirmed : labels.pending));
      list.appendChild(li);
    });
  }

  function renderRounds() {
    var box = document.getElementById('rounds');
    box.textContent = '';
    if (!data.rounds.length) return;
    if (roundIndex >= data.rounds.length) roundIndex = 0;
    var r = data.rounds[roundIndex];
    box.appendChild(el('h2', null, labels.round_results + ' · ' + r.name));
    var list = el('ol', 'round-rows');
    r.rows.slice(0, ROUND_ROWS).forEach(function (row) {
      var li = el('li');
      li.appendChild(el('span', 'name', row.label));
      li.appendChild(el('span', 'score', row.score));
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function renderRows() {
    var pages = Math.max(1, Math.ceil(data.rows.length / PER_PAGE));
    if (page >= pages) page = 0;
    var slice = data.rows.slice(page * PER_PAGE, (page + 1) * PER_PAGE);
    board.textContent = '';
    if (!slice.length) board.appendChild(el('p', 'empty', labels.empty));
    slice.forEach(function (r) {
      var row = el('div', 'row' + (r.rank <= 3 ? ' top' : ''));
      row.appendChild(el('span', 'rank', r.rank));
      row.appendChild(el('span', 'name', r.label));
      row.appendChild(el('span', 'unit', r.unit));
      row.appendChild(el('span', 'award', r.award));
      row.appendChild(el('span', 'score', r.total));
      board.appendChild(row);
    });
    document.getElementById('pager').textContent = pages > 1 ? (page + 1) + ' / ' + pages : '';
    document.body.setAttribute('data-page', String(page + 1));
    document.body.setAttribute('data-pages', String(pages));
  }

  function render() {
    var final = data.phase === 'final';
    document.body.className = 'phase-' + data.phase;
    document.getElementById('live').hidden = final;
    document.getElementById('phase').textContent = final ? labels.final : labels.live;
    document.getElementById('ranking-title').textContent = final ? labels.final_ranking : labels.ranking;
    if (!final) { renderProgress(); renderRounds(); }
    renderRows();
  }

  function poll() {
    var headers = etag ? {'If-None-Match': etag} : {};
    fetch(url, {headers: headers, cache: 'no-store'}).then(function (res) {
      if (res.status === 200) {
        etag = res.headers.get('ETag');
        return res.json().then(function (d) { data = d; render(); });
      }
    }).catch(function () { /* the wall keeps the last board it had; the next poll tries again */ })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }

  function tick() {
    document.getElementById('clock').textContent = new Date().toLocaleTimeString(document.documentElement.lang);
  }

  setInterval(function () { page += 1; roundIndex += 1; render(); }, seconds * 1000);
  setInterval(tick, 1000);
  tick();
  render();
  setTimeout(poll, POLL_MS);
})();
