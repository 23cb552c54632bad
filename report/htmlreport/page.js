(function () {
  'use strict';
  // The data comes from the store or report files: every string is shown
  // with textContent, never parsed as markup.
  var D = JSON.parse(document.getElementById('data').textContent);
  var PAGE = 500;
  var SEV = { critical: 0, important: 1, moderate: 2, low: 3 };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function sevRank(s) {
    var r = SEV[String(s).toLowerCase()];
    return r === undefined ? 4 : r;
  }

  // A sortable, filterable table over rows (arrays). cells(row) returns the
  // row's cells; detail(row), when given, builds what a click on the row
  // shows below it.
  function Table(name, rows, opts) {
    var self = this;
    self.name = name;
    self.rows = rows;
    self.opts = opts;
    self.table = document.getElementById(name + '-table');
    self.body = self.table.tBodies[0];
    self.filter = document.getElementById(name + '-filter');
    self.count = document.getElementById(name + '-count');
    self.more = document.getElementById(name + '-more');
    self.all = false;
    self.sortKey = opts.sortKey;
    self.sortDesc = true;
    self.search = rows.map(function (r) { return opts.text(r).join('\u0000').toLowerCase(); });
    self.order = rows.map(function (r, i) { return i; });
    var ths = self.table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th) {
      th.tabIndex = 0;
      th.title = 'Sort';
      function sortBy() {
        var k = Number(th.getAttribute('data-k'));
        if (self.sortKey === k) { self.sortDesc = !self.sortDesc; } else { self.sortKey = k; self.sortDesc = th.hasAttribute('data-num'); }
        self.sortType = th.hasAttribute('data-num') ? 'num' : (th.hasAttribute('data-sev') ? 'sev' : 'text');
        Array.prototype.forEach.call(ths, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', self.sortDesc ? 'descending' : 'ascending');
        self.sort();
        self.render();
      }
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { sortBy(); } });
    });
    self.sortType = opts.sortType || 'num';
    self.filter.addEventListener('input', function () { self.all = false; self.render(); });
    self.more.addEventListener('click', function () { self.all = true; self.render(); });
    self.sort();
  }
  Table.prototype.sort = function () {
    var rows = this.rows, k = this.sortKey, t = this.sortType, dir = this.sortDesc ? -1 : 1, tie = this.opts.tie;
    this.order.sort(function (a, b) {
      var x = rows[a][k], y = rows[b][k], c;
      if (t === 'num') { c = Number(x) - Number(y); } else if (t === 'sev') { c = sevRank(y) - sevRank(x); } else { c = String(x).localeCompare(String(y)); }
      if (c === 0 && tie) { c = dir * tie(rows[a], rows[b]); }
      return c === 0 ? a - b : dir * c;
    });
  };
  Table.prototype.matching = function () {
    var q = this.filter.value.trim().toLowerCase(), keep = this.opts.keep, rows = this.rows, search = this.search;
    return this.order.filter(function (i) {
      return (q === '' || search[i].indexOf(q) >= 0) && (!keep || keep(rows[i]));
    });
  };
  Table.prototype.render = function () {
    var self = this, match = self.matching();
    var shown = self.all ? match : match.slice(0, PAGE);
    var frag = document.createDocumentFragment();
    shown.forEach(function (i) {
      var r = self.rows[i], tr = el('tr');
      self.opts.cells(r).forEach(function (c) { tr.appendChild(c); });
      if (self.opts.rowClass) { var cls = self.opts.rowClass(r); if (cls) { tr.className = cls; } }
      if (self.opts.detail) {
        tr.classList.add('click');
        tr.tabIndex = 0;
        var toggle = function () { self.toggle(tr, r); };
        tr.addEventListener('click', toggle);
        tr.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { toggle(); } });
      }
      frag.appendChild(tr);
    });
    self.body.textContent = '';
    self.body.appendChild(frag);
    self.count.textContent = match.length + ' of ' + self.rows.length + ' ' + self.opts.noun +
      (shown.length < match.length ? ' (first ' + shown.length + ' shown)' : '');
    self.more.hidden = shown.length >= match.length;
    self.more.textContent = 'Show all ' + match.length;
  };
  Table.prototype.toggle = function (tr, r) {
    var next = tr.nextSibling;
    if (next && next.classList.contains('detail')) { next.remove(); return; }
    var d = el('tr', null, 'detail'), td = el('td');
    td.colSpan = tr.cells.length;
    td.appendChild(this.opts.detail(r));
    d.appendChild(td);
    tr.parentNode.insertBefore(d, tr.nextSibling);
  };

  function td(v, cls) { return el('td', v, cls); }
  function list(names, more) {
    var ul = el('ul', null, 'names');
    names.forEach(function (n) { ul.appendChild(el('li', n)); });
    if (more > 0) { ul.appendChild(el('li', '+' + more + ' more', 'muted')); }
    return ul;
  }

  // Hosts: name, address, domain, status, error, os, missing, overdue,
  // warning, errors, installed, openCVEs, finished, compliant, results, cves.
  function hostDetail(h) {
    var box = el('div');
    if (h[4]) { box.appendChild(el('p', h[4], 'err')); }
    if (h[14].length === 0) { box.appendChild(el('p', h[3] === 'scanned' ? 'Nothing missing, no warning, no error.' : 'Not scanned.', 'muted')); return box; }
    var t = el('table', null, 'inner'), head = el('tr');
    ['KB', 'Bulletin', 'Severity', 'Status', 'Due', 'Title'].forEach(function (c) { head.appendChild(el('th', c)); });
    t.appendChild(head);
    h[14].forEach(function (res) {
      var u = D.updates[res[0]], tr = el('tr', null, res[3] ? 'overdue' : '');
      tr.appendChild(td(u[2])); tr.appendChild(td(u[1])); tr.appendChild(td(u[5]));
      tr.appendChild(td(D.status[res[1]], 'st-' + D.status[res[1]]));
      tr.appendChild(td(res[2] ? res[2] + (res[3] ? ' (overdue)' : '') : ''));
      tr.appendChild(td(u[4]));
      t.appendChild(tr);
    });
    box.appendChild(t);
    return box;
  }
  var hostShow = document.getElementById('hosts-show');
  var hosts = new Table('hosts', D.hosts, {
    noun: 'hosts', sortKey: 7, sortType: 'num',
    tie: function (a, b) { return (a[6] - b[6]) || -String(a[0]).localeCompare(String(b[0])); },
    text: function (h) { return [h[0], h[1], h[2], h[3], h[4], h[5]]; },
    keep: function (h) {
      switch (hostShow.value) {
        case 'noncompliant': return h[3] === 'scanned' && h[13] === 0;
        case 'overdue': return h[7] > 0;
        case 'notscanned': return h[3] !== 'scanned';
      }
      return true;
    },
    rowClass: function (h) { return h[7] > 0 ? 'overdue' : (h[3] !== 'scanned' ? 'notscanned' : (h[13] ? 'ok' : '')); },
    cells: function (h) {
      return [td(h[0], 'name'), td(h[1]), td(h[3]), td(h[6], 'num'), td(h[7], 'num'), td(h[8], 'num'), td(h[9], 'num'), td(h[11], 'num'), td(h[5]), td(h[12])];
    },
    detail: hostDetail
  });
  hostShow.addEventListener('change', function () { hosts.all = false; hosts.render(); });

  // Updates: kind, bulletin, kb, product, title, severity, released,
  // missing, overdue, other.
  function hostsWith(pred) {
    var names = [], n = 0;
    D.hosts.forEach(function (h) { if (pred(h)) { n++; if (names.length < 200) { names.push(h[0]); } } });
    return list(names, n - names.length);
  }
  var updates = new Table('updates', D.updates, {
    noun: 'updates', sortKey: 7, sortType: 'num',
    tie: function (a, b) { return a[8] - b[8]; },
    text: function (u) { return [u[1], u[2], u[3], u[4], u[5]]; },
    rowClass: function (u) { return u[8] > 0 ? 'overdue' : ''; },
    cells: function (u) {
      return [td(u[2], 'name'), td(u[1]), td(u[5]), td(u[6]), td(u[7], 'num'), td(u[8], 'num'), td(u[9], 'num'), td(u[3]), td(u[4])];
    },
    detail: function (u) {
      var idx = D.updates.indexOf(u);
      var box = el('div');
      box.appendChild(el('p', 'Hosts missing ' + u[2] + ':', 'muted'));
      box.appendChild(hostsWith(function (h) { return h[14].some(function (r) { return r[0] === idx && D.status[r[1]] === 'missing'; }); }));
      return box;
    }
  });

  // CVEs: cve, severity, exploited, hosts, fixedBy.
  var exploitedOnly = document.getElementById('cves-exploited');
  var cves = new Table('cves', D.cves, {
    noun: 'CVEs', sortKey: 3, sortType: 'num',
    tie: function (a, b) { return a[2] - b[2]; },
    text: function (c) { return [c[0], c[1], c[4]]; },
    keep: function (c) { return !exploitedOnly.checked || c[2] === 1; },
    rowClass: function (c) { return c[2] ? 'overdue' : ''; },
    cells: function (c) { return [td(c[0], 'name'), td(c[1]), td(c[2] ? 'yes' : 'no'), td(c[3], 'num'), td(c[4])]; },
    detail: function (c) {
      var idx = D.cves.indexOf(c);
      var box = el('div');
      box.appendChild(el('p', 'Hosts where ' + c[0] + ' is open:', 'muted'));
      box.appendChild(hostsWith(function (h) { return h[15].indexOf(idx) >= 0; }));
      return box;
    }
  });
  exploitedOnly.addEventListener('change', function () { cves.all = false; cves.render(); });

  var views = { hosts: hosts, updates: updates, cves: cves };
  var rendered = {};
  function show(name) {
    Object.keys(views).forEach(function (v) {
      document.getElementById('view-' + v).hidden = v !== name;
      document.querySelector('#views button[data-view="' + v + '"]').classList.toggle('on', v === name);
    });
    if (!rendered[name]) { views[name].render(); rendered[name] = true; }
  }
  Array.prototype.forEach.call(document.querySelectorAll('#views button'), function (b) {
    b.addEventListener('click', function () { show(b.getAttribute('data-view')); });
  });
  show('hosts');
  // The other views render now too, so their counts are right before
  // their tab is opened.
  updates.render(); rendered.updates = true;
  cves.render(); rendered.cves = true;
  document.body.setAttribute('data-ready', '1');
}());
