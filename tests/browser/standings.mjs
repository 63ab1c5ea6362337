// The standings pages in a real browser (Playwright's core driving Debian's chromium), against
// a running qw-web on the real stack (tests/integration/web_browser.sh starts it). Each person
// signs in as the SSO proxy would sign them in — the trusted header on every request — and
// sees what the authorization table allows, is refused the rest on the page itself, and a
// credit produced while the rep's page is open appears without a reload. Screenshots of every
// page go to QW_SHOTS.
//
// Environment: QW_WEB_URL (qw-web), QW_SHOTS (screenshot directory), QW_PRODUCE_LIVE (a shell
// command that makes the live credit), QW_REVIEW_ID (a termination review of rep-ada),
// QW_CHROMIUM (default /usr/bin/chromium).
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const WEB = process.env.QW_WEB_URL;
const SHOTS = process.env.QW_SHOTS || '/tmp/qw-shots';
const HEADER = 'X-Forwarded-Email';
if (!WEB) throw new Error('QW_WEB_URL is not set');
mkdirSync(SHOTS, { recursive: true });

const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.QW_CHROMIUM || '/usr/bin/chromium',
  // Root in CI: chromium's sandbox needs an unprivileged user namespace it may not get.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});

// A browser context per person: the header on every request, as an SSO proxy adds it.
async function as(email, viewport) {
  const headers = email ? { [HEADER]: email } : {};
  const ctx = await browser.newContext({ extraHTTPHeaders: headers, viewport });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => failures.push(`${email}: script error ${e.message}`));
  return { ctx, page };
}

async function api(email, path) {
  const r = await fetch(WEB + '/api/v1' + path, { headers: { [HEADER]: email } });
  return { status: r.status, body: await r.json() };
}

function pct(bp) {
  const f = String(Math.abs(bp) % 100).padStart(2, '0');
  return `${bp < 0 ? '−' : ''}${Math.floor(Math.abs(bp) / 100)}.${f}%`;
}

async function text(page, sel) {
  return (await page.locator(sel).first().textContent({ timeout: 10000 })).trim();
}

// The page's own refusal: the alert region with the status, no numbers left on screen.
async function refused(page, url, status, who) {
  await page.goto(WEB + url);
  const box = page.locator(`#status[data-status="${status}"]`);
  let ok = true;
  try {
    await box.waitFor({ state: 'visible', timeout: 10000 });
  } catch {
    ok = false;
  }
  const numbers = await page.locator('dd[data-k]').count();
  check(ok && numbers === 0, `${who} is refused ${url} with ${status} on the page (numbers shown: ${numbers})`);
  await page.screenshot({ path: `${SHOTS}/${who}-refused-${url.replace(/[^a-z0-9]+/gi, '_')}.png` });
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

try {
  // ---- a rep: their own page, the numbers of the API, live updates, nothing of anyone else.
  {
    const ADA = 'ada@example.com';
    const { page } = await as(ADA);
    const before = (await api(ADA, '/reps/rep-ada')).body;
    await page.goto(WEB + '/rep.html?id=rep-ada');
    check((await text(page, '#title')) === 'Ada Byron', 'rep: her name is the title');
    check((await text(page, 'dd[data-k="attainment"]')) === pct(before.attainment_bp),
      `rep: attainment on the page is the API's ${pct(before.attainment_bp)}`);
    check((await page.locator('[role="meter"]').getAttribute('aria-valuetext')).includes(pct(before.attainment_bp)),
      'rep: the attainment bar says its value to a screen reader');
    const rows = await page.locator('#credits tbody tr').count();
    check(rows === before.credits.length, `rep: ${rows} credit rows, the API has ${before.credits.length}`);
    await page.locator('#decisions article.decision').first().waitFor({ timeout: 10000 });
    check((await page.locator('#decisions article.decision').count()) >= 1, 'rep: her decisions are listed');
    check((await page.locator('#decisions').textContent()).includes('reward.quota_achieved'),
      'rep: the reward is among them, with its why');
    await page.locator('#live[data-state="on"]').waitFor({ timeout: 10000 });
    await shot(page, 'rep-ada');

    // Live: a credit made now shows up without a reload.
    const credited = await text(page, 'dd[data-k="credited"]');
    const t0 = Date.now();
    execSync(process.env.QW_PRODUCE_LIVE, { stdio: 'inherit' });
    let changed = false;
    try {
      await page.waitForFunction((old) => {
        const dd = document.querySelector('dd[data-k="credited"]');
        return dd && dd.textContent.trim() !== old;
      }, credited, { timeout: 30000 });
      changed = true;
    } catch { /* reported below */ }
    const after = (await api(ADA, '/reps/rep-ada')).body;
    check(changed && (await text(page, 'dd[data-k="attainment"]')) === pct(after.attainment_bp) &&
      after.credited_minor > before.credited_minor,
      `rep: a credit produced during the test appears without a reload (${Date.now() - t0} ms from produce to page, ${pct(before.attainment_bp)} → ${pct(after.attainment_bp)})`);
    await shot(page, 'rep-ada-live');

    await refused(page, '/rep.html?id=rep-bob', 403, 'rep');
    await refused(page, '/team.html?id=team-east', 403, 'rep');
    await refused(page, '/health.html', 403, 'rep');
    if (process.env.QW_REVIEW_ID)
      await refused(page, '/decision.html?id=' + encodeURIComponent(process.env.QW_REVIEW_ID), 403, 'rep');
  }

  // ---- a manager: the team of her reports, each rep one click away; no one else.
  {
    const { page } = await as('grace@example.com');
    await page.goto(WEB + '/team.html?id=team-east');
    await page.locator('#team table').first().waitFor({ timeout: 10000 });
    const body = await page.locator('#team').textContent();
    check(body.includes('rep-ada') || body.includes('Ada Byron'), 'manager: her report Ada is on the team page');
    check(!body.includes('rep-cy') && !body.includes('Cy'), 'manager: nobody outside her reports is');
    await shot(page, 'manager-team-east');
    const link = page.locator('#team a[href*="rep.html"]').first();
    await link.click();
    await page.waitForURL(/rep\.html/);
    await page.locator('dd[data-k="attainment"]').waitFor({ timeout: 10000 });
    check(true, 'manager: a report\'s page opens from the team page');
    await refused(page, '/rep.html?id=rep-cy', 403, 'manager');
    await refused(page, '/team.html?id=team-west', 403, 'manager');
    await refused(page, '/health.html', 403, 'manager');
  }

  // ---- sales ops: the health page with the four-fifths chart; every standing; no review.
  {
    const { page } = await as('olga@example.com');
    await page.goto(WEB + '/health.html');
    await page.locator('h2', { hasText: 'Quota pressure by team' }).waitFor({ timeout: 10000 });
    check((await page.locator('svg.chart[role="img"]').count()) >= 1, 'sales ops: the four-fifths chart is drawn, labelled');
    await shot(page, 'sales-ops-health');
    await page.goto(WEB + '/rep.html?id=rep-cy');
    await page.locator('dd[data-k="attainment"]').waitFor({ timeout: 10000 });
    check(true, 'sales ops: any rep\'s standing opens');
    if (process.env.QW_REVIEW_ID)
      await refused(page, '/decision.html?id=' + encodeURIComponent(process.env.QW_REVIEW_ID), 403, 'sales-ops');
  }

  // ---- HR: the review with its evidence; no standings.
  {
    const { page } = await as('hana@example.com');
    if (process.env.QW_REVIEW_ID) {
      await page.goto(WEB + '/decision.html?id=' + encodeURIComponent(process.env.QW_REVIEW_ID));
      await page.locator('dd[data-k="id"]').waitFor({ timeout: 10000 });
      check((await text(page, 'dd[data-k="id"]')) === process.env.QW_REVIEW_ID, 'HR: the review opens');
      check((await text(page, '#title')).includes('review.termination_review'), 'HR: titled by its type');
      await shot(page, 'hr-review');
    }
    await refused(page, '/rep.html?id=rep-ada', 403, 'hr');
    await refused(page, '/team.html?id=team-east', 403, 'hr');
  }

  // ---- nobody known, and no sign-in at all.
  {
    const { page } = await as('nobody@example.com');
    await refused(page, '/rep.html?id=rep-ada', 403, 'stranger');
    const anon = await as(null);
    await refused(anon.page, '/rep.html?id=rep-ada', 401, 'anonymous');
  }

  // ---- a phone: the rep page fits a 375 px screen without sideways scrolling.
  {
    const { page } = await as('ada@example.com', { width: 375, height: 740 });
    await page.goto(WEB + '/rep.html?id=rep-ada');
    await page.locator('dd[data-k="attainment"]').waitFor({ timeout: 10000 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 375, `phone: the page is ${wide} px wide on a 375 px screen`);
    // Keyboard: the skip link is the first stop and moves focus to the content.
    await page.keyboard.press('Tab');
    check((await page.evaluate(() => document.activeElement && document.activeElement.className)) === 'skip',
      'keyboard: the first Tab reaches "Skip to content"');
    await shot(page, 'rep-ada-phone');
  }
} finally {
  await browser.close();
}

console.log(`${checks - failures.length}/${checks} browser checks passed; screenshots in ${SHOTS}`);
if (failures.length) {
  for (const f of failures) console.error('FAILED: ' + f);
  process.exit(1);
}
