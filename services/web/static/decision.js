/* HR review page: one decision with its full evidence, the policy and quota versions it was
 * taken under, and whether it was withdrawn. */
'use strict';
(function () {
  var el = QW.el;
  var id = QW.param('id');
  var repId = null;

  function render(d) {
    repId = d.rep_id;
    var c = d.currency;
    QW.replace(QW.$('title'), 'Decision ' + d.type);
    QW.replace(QW.$('decision'),
      d.withdrawn_by ? el('p', { class: 'note withdrawn', 'data-k': 'withdrawn' },
        'Withdrawn by ', QW.link('decision.html', { id: d.withdrawn_by }, d.withdrawn_by)) : null,
      el('p', { class: 'summary' }, d.summary),
      QW.facts([
        ['Decision', d.id, 'id'],
        ['Rep', d.rep_id ? QW.link('rep.html', { id: d.rep_id, period: d.period }, d.rep_id) : '—', 'rep'],
        ['Team', d.team_id || '—', 'team'],
        ['Period', d.period, 'period'],
        ['Time', el('time', { datetime: d.time }, d.time), 'time'],
        ['Audience', (d.audience || []).join(', '), 'audience'],
        ['Policy version', d.policy_version || '—', 'policy_version'],
        ['Quota version', d.quota_version || '—', 'quota_version'],
        ['Attainment', QW.pct(d.attainment_bp), 'attainment'],
        ['Credited', QW.money(d.credited_minor, c), 'credited'],
        ['Quota', QW.money(d.quota_minor, c), 'quota'],
        ['Withdraws', d.withdraws ? QW.link('decision.html', { id: d.withdraws }, d.withdraws) : '—', 'withdraws'],
        ['Withdrawn', d.withdrawn_by ? 'yes' : 'no', 'withdrawn_flag']
      ]),
      el('h2', null, 'Evidence'),
      QW.evidence(d.evidence));
  }

  function refresh() {
    if (!id) {
      QW.showError(new QW.ApiError(404, 'not_found', 'no decision id in the address'));
      return;
    }
    QW.load(function () { return QW.get('/decisions/' + encodeURIComponent(id)).then(render); },
      null, QW.$('decision'));
  }
  refresh();
  QW.live(function (u) { return repId !== null && u.rep_id === repId; }, refresh);
})();
