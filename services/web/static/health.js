/* Health: quota pressure by team and the four-fifths (adverse impact) report, drawn as bars
 * with the same numbers in a table beside them. */
'use strict';
(function () {
  var el = QW.el;
  var period = QW.param('period');
  var q = period ? '?period=' + encodeURIComponent(period) : '';
  var SVG = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) n.appendChild(document.createTextNode(String(text)));
    return n;
  }

  /* Favourable rate per cohort as horizontal bars; the dashed line is four fifths of the best
   * rate: a bar ending left of it is an adverse impact. The SVG is labelled as one image; the
   * table beside it carries the numbers for screen readers. */
  function chart(f) {
    var cohorts = f.cohorts || [];
    var rowH = 28, labelW = 110, w = 420, barW = w - labelW - 70;
    var h = cohorts.length * rowH + 24;
    var s = svg('svg', { viewBox: '0 0 ' + w + ' ' + h, class: 'chart', role: 'img',
      'aria-labelledby': 'fair-title' });
    s.appendChild(svg('title', { id: 'fair-title' }, 'Favourable outcome rate by cohort; ' +
      'line at four fifths of the best rate (' + QW.pct(Math.floor(f.best_rate_bp * 4 / 5)) + ')'));
    cohorts.forEach(function (c, i) {
      var y = i * rowH + 4;
      s.appendChild(svg('text', { x: 0, y: y + 16, class: 'label' }, c.cohort));
      s.appendChild(svg('rect', { x: labelW, y: y, width: Math.max(0, c.favourable_rate_bp) / 10000 * barW,
        height: rowH - 8, class: c.adverse ? 'adverse' : 'ok' }));
      s.appendChild(svg('text', { x: labelW + Math.max(0, c.favourable_rate_bp) / 10000 * barW + 4,
        y: y + 16, class: 'value' }, QW.pct(c.favourable_rate_bp) + (c.adverse ? ' adverse' : '')));
    });
    var x45 = labelW + f.best_rate_bp * 4 / 5 / 10000 * barW;
    s.appendChild(svg('line', { x1: x45, x2: x45, y1: 0, y2: h - 20, class: 'fourfifths' }));
    s.appendChild(svg('text', { x: Math.max(labelW, x45 - 30), y: h - 6, class: 'label' }, '4/5 line'));
    return s;
  }

  function render(r) {
    var parts = [el('p', { class: 'sub' }, 'Period ', QW.periodText(r.period))];
    parts.push(el('h2', null, 'Quota pressure by team'));
    parts.push(QW.table('Teams', ['Team', 'Members', 'Behind pace', 'At risk', 'Attainment',
      'Quota pressure', 'Systemic miss'], (r.teams || []).map(function (t) {
      return [QW.link('team.html', { id: t.team_id, period: period }, t.team_id), String(t.members),
        String(t.behind_pace), String(t.at_risk), QW.pct(t.attainment_bp),
        t.quota_pressure ? el('span', { class: 'flag' }, 'yes') : 'no',
        t.systemic_miss ? el('span', { class: 'flag' }, 'yes') : 'no'];
    }), [false, true, true, true, true, false, false]));
    var f = r.fairness || { best_rate_bp: 0, cohorts: [] };
    parts.push(el('h2', null, 'Fairness: the four-fifths report'));
    parts.push(el('p', null, 'Best favourable rate ', QW.pct(f.best_rate_bp),
      '. A cohort whose rate is below four fifths of it is marked adverse.'));
    parts.push(el('div', { class: 'side' }, el('figure', { class: 'chartbox' }, chart(f)),
      QW.table('Four-fifths report by cohort', ['Cohort', 'Members', 'Warned', 'Reviewed',
        'Favourable', 'Favourable rate', 'Impact ratio', 'Adverse'], (f.cohorts || []).map(function (c) {
        return [c.cohort, String(c.members), String(c.warned), String(c.reviewed), String(c.favourable),
          QW.pct(c.favourable_rate_bp), QW.pct(c.impact_ratio_bp),
          c.adverse ? el('span', { class: 'flag' }, 'adverse') : 'no'];
      }), [false, true, true, true, true, true, true, false])));
    parts.push(el('h2', null, 'Health decisions'));
    parts.push((r.decisions || []).length ? r.decisions.map(QW.decision) :
      el('p', null, 'No health decisions in this period.'));
    QW.replace(QW.$('health'), parts);
  }

  function refresh() {
    QW.load(function () { return QW.get('/health' + q).then(render); }, null, QW.$('health'));
  }
  refresh();
  QW.live(function () { return true; }, refresh);
})();
