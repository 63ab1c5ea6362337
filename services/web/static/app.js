/* Shared code of the qw-web pages. No framework, no build step; CSP is default-src 'self', so
 * nothing here uses eval or inline handlers. Every value from the API reaches the DOM as text
 * (createTextNode/textContent): ids and names are hostile bytes. */
'use strict';

var QW = (function () {
  var API = '/api/v1';

  /* el('td', {class: 'num'}, 'text', childNode...) — strings become text nodes, never markup. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
          node.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
        }
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(node, c); });
    } else if (typeof child === 'object' && child.nodeType) {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }

  function replace(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function param(name) { return new URLSearchParams(window.location.search).get(name); }

  /* A page link with its query built by URLSearchParams, so an id cannot break out of it. */
  function href(page, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined) q.set(k, params[k]);
    });
    var s = q.toString();
    return page + (s ? '?' + s : '');
  }

  function link(page, params, text) { return el('a', { href: href(page, params) }, text); }

  /* Fractional digits of a currency (JPY 0, USD 2, KWD 3) as Intl knows them. */
  function currencyDigits(currency) {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency: currency })
        .resolvedOptions().maximumFractionDigits;
    } catch (e) {
      return 2;
    }
  }

  /* Minor units -> "$1,234.56". The major/minor split is done on integers, so no float
   * rounding can show a cent that is not there. */
  function money(minor, currency) {
    if (minor === null || minor === undefined) return '—';
    var d = currencyDigits(currency);
    var neg = minor < 0;
    var abs = Math.abs(minor);
    var scale = Math.pow(10, d);
    var major = Math.floor(abs / scale);
    var frac = String(abs % scale);
    while (frac.length < d) frac = '0' + frac;
    var text;
    try {
      text = new Intl.NumberFormat('en', {
        style: 'currency', currency: currency, minimumFractionDigits: 0, maximumFractionDigits: 0
      }).format(major);
    } catch (e) {
      text = String(major) + ' ' + currency;
    }
    if (d > 0) {
      /* put the fraction after the last digit (the symbol may follow the number) */
      text = text.replace(/(\d)(?!.*\d)/, '$1.' + frac);
    }
    return (neg ? '−' : '') + text;
  }

  /* Basis points -> "87.50%". */
  function pct(bp) {
    if (bp === null || bp === undefined) return '—';
    var neg = bp < 0;
    var abs = Math.abs(bp);
    var frac = String(abs % 100);
    if (frac.length < 2) frac = '0' + frac;
    return (neg ? '−' : '') + Math.floor(abs / 100) + '.' + frac + '%';
  }

  function yesNo(b) { return b ? 'yes' : 'no'; }

  /* An API error carries the HTTP status and the API's own message. */
  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function errorText(err) {
    switch (err.status) {
      case 401: return 'You are not signed in. Sign in through the company login and reload.';
      case 403: return 'Not allowed: ' + (err.message || 'you may not see this page.');
      case 404: return 'Not found: ' + (err.message || 'no such record.');
      case 503: return 'The standings are still loading (' + (err.message || 'not ready') +
        '). Retrying…';
      default: return 'Error ' + (err.status || '') + ': ' + (err.message || 'request failed');
    }
  }

  function get(path) {
    return fetch(API + path, {
      credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-cache'
    }).then(function (r) {
      return r.text().then(function (body) {
        var json = null;
        try { json = body ? JSON.parse(body) : null; } catch (e) { json = null; }
        if (!r.ok) {
          var e = json && json.error ? json.error : {};
          throw new ApiError(r.status, e.code || 'error', e.message || r.statusText);
        }
        if (json === null) throw new ApiError(r.status, 'bad_response', 'the answer was not JSON');
        return json;
      });
    }, function () {
      throw new ApiError(0, 'network', 'the server could not be reached');
    });
  }

  /* Shows an error in a region (role=alert) and empties the data region, so a refusal never
   * leaves stale numbers on screen. */
  function showError(err, region, dataRegion) {
    var box = region || $('status');
    if (dataRegion) replace(dataRegion);
    box.hidden = false;
    box.setAttribute('data-status', String(err.status || 0));
    replace(box, errorText(err));
  }

  function clearError(region) {
    var box = region || $('status');
    box.hidden = true;
    box.removeAttribute('data-status');
    replace(box);
  }

  /* load(fn): runs fn (returns a promise), shows errors; a 503 retries after 2 s. */
  function load(fn, region, dataRegion) {
    return fn().then(function (v) { clearError(region); return v; }, function (err) {
      if (!(err instanceof ApiError)) err = new ApiError(0, 'script', String(err));
      showError(err, region, dataRegion);
      if (err.status === 503) setTimeout(function () { load(fn, region, dataRegion); }, 2000);
      return null;
    });
  }

  /* Live updates: one EventSource on /api/v1/events; concerns(update) says whether the page
   * shows that change; refresh() re-fetches. Several updates in a burst cause one re-fetch. */
  function live(concerns, refresh) {
    var ind = $('live');
    function state(s, text) {
      if (!ind) return;
      ind.setAttribute('data-state', s);
      replace(ind, text);
    }
    if (!window.EventSource) { state('off', 'Live updates unavailable'); return; }
    var pending = null;
    var es = new EventSource(API + '/events');
    state('connecting', 'Connecting…');
    es.addEventListener('hello', function () { state('on', 'Live'); });
    es.addEventListener('open', function () { state('on', 'Live'); });
    es.addEventListener('error', function () { state('off', 'Offline — reconnecting'); });
    es.addEventListener('update', function (ev) {
      var u;
      try { u = JSON.parse(ev.data); } catch (e) { return; }
      if (!u || !concerns(u)) return;
      if (pending) return;
      pending = setTimeout(function () {
        pending = null;
        refresh();
        if (ind) ind.setAttribute('data-last', String(u.version));
      }, 150);
    });
    window.addEventListener('pagehide', function () { es.close(); });
    return es;
  }

  function periodText(p) {
    if (!p) return '';
    return p.id + ' (' + p.start + ' to ' + p.end + ')';
  }

  /* A definition list from [[term, value], ...]; each value gets a data-k attribute so tests
   * and styles can find it without depending on order. */
  function facts(pairs) {
    var dl = el('dl', { class: 'facts' });
    pairs.forEach(function (p) {
      dl.appendChild(el('div', { class: 'fact' }, el('dt', null, p[0]),
        el('dd', { 'data-k': p[2] || null }, p[1])));
    });
    return dl;
  }

  /* A table: headers (th scope=col) and rows of cells (strings or nodes). */
  function table(caption, headers, rows, numeric) {
    var thead = el('thead', null, el('tr', null, headers.map(function (h, i) {
      return el('th', { scope: 'col', class: numeric && numeric[i] ? 'num' : null }, h);
    })));
    var tbody = el('tbody', null, rows.map(function (r) {
      return el('tr', null, r.map(function (c, i) {
        return i === 0 ? el('th', { scope: 'row' }, c)
          : el('td', { class: numeric && numeric[i] ? 'num' : null }, c);
      }));
    }));
    return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption },
      el('table', null, el('caption', null, caption), thead, tbody));
  }

  /* Evidence {key: {value, text}} as a table: the "why" of a decision. */
  function evidence(ev) {
    var keys = Object.keys(ev || {}).sort();
    if (!keys.length) return el('p', null, 'No evidence recorded.');
    return table('Evidence', ['Fact', 'Explanation', 'Value'], keys.map(function (k) {
      var e = ev[k] || {};
      var v = e.value;
      return [k, e.text === undefined ? '' : String(e.text),
        v === undefined ? '' : (typeof v === 'string' ? v : JSON.stringify(v))];
    }));
  }

  /* One decision as an article: type, time, summary, why; withdrawn ones marked. */
  function decision(d) {
    var withdrawn = !!d.withdrawn_by;
    return el('article', { class: 'decision' + (withdrawn ? ' withdrawn' : ''), 'data-id': d.id },
      el('h3', null, d.type, withdrawn ? el('span', { class: 'badge' }, ' withdrawn') : null),
      el('p', { class: 'meta' }, el('time', { datetime: d.time }, d.time), ' · period ', d.period,
        ' · ', link('decision.html', { id: d.id }, 'details')),
      el('p', { class: 'summary' }, d.summary),
      withdrawn ? el('p', { class: 'note' }, 'Withdrawn by ', d.withdrawn_by) : null,
      d.withdraws ? el('p', { class: 'note' }, 'Withdraws ', d.withdraws) : null,
      el('details', null, el('summary', null, 'Why'), evidence(d.evidence)));
  }

  return {
    el: el, replace: replace, $: $, param: param, href: href, link: link, money: money,
    pct: pct, yesNo: yesNo, get: get, load: load, showError: showError, live: live,
    periodText: periodText, facts: facts, table: table, evidence: evidence, decision: decision,
    ApiError: ApiError
  };
})();
