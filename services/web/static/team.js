/* A team: members against pace, who is at risk or recommended for coaching; the leaderboard
 * only when the API returns one (policy standings.leaderboard). */
'use strict';
(function () {
  var el = QW.el;
  var id = QW.param('id');
  var period = QW.param('period');
  var q = period ? '?period=' + encodeURIComponent(period) : '';

  function render(t) {
    var c = t.currency;
    QW.replace(QW.$('title'), 'Team ' + t.team.id);
    var parts = [el('p', { class: 'sub' }, 'Period ', QW.periodText(t.period),
      t.team.manager_id ? ' · manager ' + t.team.manager_id : '')];
    if (t.totals) {
      parts.push(QW.facts([
        ['Members', String(t.totals.members), 'members'],
        ['Credited', QW.money(t.totals.credited_minor, c), 'credited'],
        ['Quota', QW.money(t.totals.quota_minor, c), 'quota'],
        ['Attainment', QW.pct(t.totals.attainment_bp), 'attainment'],
        ['Behind pace', String(t.totals.behind_pace), 'behind_pace']
      ]));
    }
    if (t.members) {
      parts.push(QW.table('Members of ' + t.team.id,
        ['Rep', 'Credited', 'Quota', 'Attainment', 'Pace', 'Deals', 'At risk', 'Coaching recommended'],
        t.members.map(function (m) {
          return [QW.link('rep.html', { id: m.rep_id, period: period }, m.name + ' (' + m.rep_id + ')'),
            QW.money(m.credited_minor, c), QW.money(m.quota_minor, c), QW.pct(m.attainment_bp),
            m.pace && m.pace.behind ? el('span', { class: 'flag' }, 'behind') : 'on pace',
            String(m.deals), m.at_risk ? el('span', { class: 'flag' }, 'at risk') : 'no',
            m.coaching_recommended ? el('span', { class: 'flag' }, 'recommended') : 'no'];
        }), [false, true, true, true, false, true, false, false]));
    }
    QW.replace(QW.$('team'), parts);
    var lb = QW.$('leaderboard-section');
    if (Array.isArray(t.leaderboard)) {
      lb.hidden = false;
      var withAtt = t.leaderboard.some(function (e) { return e.attainment_bp !== undefined; });
      QW.replace(QW.$('leaderboard'), QW.table('Leaderboard',
        withAtt ? ['Rank', 'Rep', 'Attainment'] : ['Rank', 'Rep'],
        t.leaderboard.map(function (e) {
          var row = [String(e.rank), e.name];
          if (withAtt) row.push(QW.pct(e.attainment_bp));
          return row;
        }), [true, false, true]));
    } else {
      lb.hidden = true;
      QW.replace(QW.$('leaderboard'));
    }
  }

  function refresh() {
    if (!id) {
      QW.showError(new QW.ApiError(404, 'not_found', 'no team id in the address'));
      return;
    }
    QW.load(function () { return QW.get('/teams/' + encodeURIComponent(id) + q).then(render); },
      null, QW.$('team')).then(function (ok) {
      if (ok === null) { QW.$('leaderboard-section').hidden = true; QW.replace(QW.$('leaderboard')); }
    });
  }
  refresh();
  QW.live(function (u) { return u.team_id === id; }, refresh);
})();
