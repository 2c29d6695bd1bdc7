/* The public big screen: see templates/results/board.html. */
(function () {
  // Fetch JSON and patch only the rows that changed (no reload, no flicker). Pages of 32 rows rotate every 10 s.
  var board = document.getElementById('board'), PER_PAGE = 32, url = board.dataset.url;
  var data = JSON.parse(document.getElementById('board-data').textContent), page = 0, etag = null;
  function render() {
    var pages = Math.max(1, Math.ceil(data.rows.length / PER_PAGE));
    if (page >= pages) page = 0;
    var slice = data.rows.slice(page * PER_PAGE, (page + 1) * PER_PAGE);
    while (board.children.length > slice.length) board.removeChild(board.lastChild);
    slice.forEach(function (r, i) {
      var el = board.children[i];
      if (!el) { el = document.createElement('div'); el.className = 'row';
        el.innerHTML = '<span class="rank"></span><span class="name"></span><span class="score"></span>'; board.appendChild(el); }
      var spans = el.children, before = el.getAttribute('data-v'), now = r.join('|');
      if (before !== now) {
        spans[0].textContent = r[0]; spans[1].textContent = r[1]; spans[2].textContent = r[2];
        el.className = 'row' + (r[0] <= 3 ? ' top' : '') + (before !== null && el.getAttribute('data-key') === String(r[1]) ? ' changed' : '');
        el.setAttribute('data-v', now); el.setAttribute('data-key', r[1]);
      }
    });
    document.getElementById('pager').textContent = pages > 1 ? (page + 1) + ' / ' + pages : '';
  }
  function poll() {
    var headers = etag ? {'If-None-Match': etag} : {};
    fetch(url, {headers: headers, cache: 'no-store'}).then(function (res) {
      if (res.status === 200) { etag = res.headers.get('ETag'); return res.json().then(function (d) { data = d; render(); }); }
    }).catch(function () {}).finally(function () { setTimeout(poll, 3000); });
  }
  setInterval(function () { page += 1; render(); }, 10000);
  setInterval(function () { document.getElementById('clock').textContent = new Date().toLocaleTimeString(document.documentElement.lang); }, 1000);
  render(); poll();
})();
