/* Home: who the viewer is (GET /api/v1/me) and links to the pages their role may open. */
'use strict';
(function () {
  var el = QW.el;
  function render(me) {
    var p = me.person;
    var items = [];
    var selfId = me.links && me.links.self_rep ? p.id : null;
    if (selfId && (p.role === 'rep' || p.role === 'manager' || (me.reports || []).length)) {
      items.push(el('li', null, QW.link('rep.html', { id: p.id }, 'My standing')));
    }
    if (me.can && me.can.team) {
      items.push(el('li', null, QW.link('team.html', { id: me.can.team }, 'Team ' + me.can.team)));
    }
    if (me.can && me.can.health) {
      items.push(el('li', null, QW.link('health.html', {}, 'Quota pressure and fairness')));
    }
    var reports = (me.reports || []).map(function (r) {
      return el('li', null, QW.link('rep.html', { id: r }, r));
    });
    QW.replace(QW.$('me'),
      QW.facts([['Signed in as', p.name, 'name'], ['Email', p.email, 'email'],
        ['Role', p.role, 'role'], ['Period', QW.periodText(me.period), 'period'],
        ['Days left', String(me.period ? me.period.days_left : ''), 'days_left']]),
      el('h2', null, 'Pages'),
      items.length ? el('ul', { class: 'links' }, items) : el('p', null, 'No pages for your role.'),
      me.can && me.can.reviews ? el('p', null, 'Reviews: open a review from the health page ' +
        'or a rep’s decisions; each has its own review page.') : null,
      reports.length ? [el('h2', null, 'Your reports'), el('ul', { class: 'links' }, reports)] : null);
  }
  function refresh() { return QW.load(function () { return QW.get('/me').then(render); }, null, QW.$('me')); }
  refresh();
  QW.live(function () { return false; }, refresh);
})();
