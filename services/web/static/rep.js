/* A rep's standing: attainment against pace, the credits behind it, their decisions. */
'use strict';
(function () {
  var el = QW.el;
  var id = QW.param('id');
  var period = QW.param('period');
  var q = period ? '?period=' + encodeURIComponent(period) : '';

  /* The bar: attainment filled to min(attainment, 150%), the pace line at the elapsed share of
   * the period. role=meter with the values as text too, for screen readers. */
  function bar(s) {
    var att = s.attainment_bp;
    var max = 15000;
    var wrap = el('div', { class: 'bar', role: 'meter', 'aria-label': 'Attainment',
      'aria-valuemin': '0', 'aria-valuemax': String(max / 100),
      'aria-valuenow': att === null ? null : String(Math.min(att, max) / 100),
      'aria-valuetext': att === null ? 'no quota' : QW.pct(att) + ' of quota, pace ' +
        QW.pct(s.pace.elapsed_bp) + (s.pace.behind ? ', behind pace' : ', on pace') });
    var fill = el('div', { class: 'fill' + (s.pace.behind ? ' behind' : '') });
    fill.style.width = (att === null ? 0 : Math.min(att, max) / max * 100) + '%';
    var pace = el('div', { class: 'pace', title: 'pace ' + QW.pct(s.pace.elapsed_bp) });
    pace.style.left = (Math.min(s.pace.elapsed_bp, max) / max * 100) + '%';
    wrap.appendChild(fill);
    wrap.appendChild(pace);
    return el('figure', { class: 'meter' }, wrap,
      el('figcaption', null, 'Attainment ', QW.pct(att), ' · pace line at ',
        QW.pct(s.pace.elapsed_bp), ' of the period · ',
        s.pace.behind ? 'behind pace' : 'on pace'));
  }

  function renderStanding(s) {
    var c = s.currency;
    document.title = s.rep.name + ' — quotawatch';
    QW.replace(QW.$('title'), s.rep.name);
    QW.replace(QW.$('standing'),
      el('p', { class: 'sub' }, 'Rep ', s.rep.id, ' · team ',
        s.rep.team_id ? QW.link('team.html', { id: s.rep.team_id, period: period }, s.rep.team_id) : '—',
        ' · period ', QW.periodText(s.period)),
      bar(s),
      QW.facts([
        ['Credited', QW.money(s.credited_minor, c), 'credited'],
        ['Quota', QW.money(s.quota_minor, c), 'quota'],
        ['Attainment', QW.pct(s.attainment_bp), 'attainment'],
        ['Days left', String(s.period.days_left), 'days_left'],
        ['Pace target', QW.money(s.pace.target_minor, c), 'pace_target'],
        ['Against pace', QW.money(s.pace.delta_minor, c), 'pace_delta'],
        ['Deals', String(s.deals), 'deals'],
        ['Quota version', s.quota_version === null ? '—' : s.quota_version, 'quota_version']
      ]),
      s.adjustments && (s.adjustments.ramp || s.adjustments.leave_days) ?
        el('p', { class: 'note' }, 'Quota adjusted: ', s.adjustments.ramp ? 'ramp' : '',
          s.adjustments.ramp && s.adjustments.leave_days ? ', ' : '',
          s.adjustments.leave_days ? s.adjustments.leave_days + ' leave days' : '') : null);
    var rows = (s.credits || []).map(function (cr) {
      var amount = QW.money(cr.amount_minor, cr.currency);
      if (cr.original_currency && cr.original_currency !== cr.currency) {
        amount += ' (' + QW.money(cr.original_minor, cr.original_currency) + ')';
      }
      return [cr.deal_id, cr.kind, cr.reason, amount, cr.close_date,
        el('time', { datetime: cr.event_time }, cr.event_time)];
    });
    QW.replace(QW.$('credits'), rows.length ?
      QW.table('Credits of ' + s.period.id + ', newest first',
        ['Deal', 'Kind', 'Reason', 'Amount', 'Close date', 'Event time'], rows,
        [false, false, false, true, false, false]) : el('p', null, 'No credits in this period.'));
  }

  function renderDecisions(r) {
    var list = r.decisions || [];
    QW.replace(QW.$('decisions'), list.length ? list.map(QW.decision) :
      el('p', null, 'No decisions you may see.'));
  }

  function refresh() {
    if (!id) {
      QW.showError(new QW.ApiError(404, 'not_found', 'no rep id in the address'));
      return;
    }
    QW.load(function () { return QW.get('/reps/' + encodeURIComponent(id) + q).then(renderStanding); },
      null, QW.$('standing')).then(function (ok) {
      if (ok === null) { QW.replace(QW.$('credits')); }
    });
    QW.load(function () {
      return QW.get('/reps/' + encodeURIComponent(id) + '/decisions' + q).then(renderDecisions);
    }, QW.$('decisions-status'), QW.$('decisions'));
  }
  refresh();
  QW.live(function (u) { return u.rep_id === id; }, refresh);
})();
