// The accessibility and phone-layout pass of the browser walk (called by walk.mjs at its end,
// when the walk has created a 为企服务 problem and a 清欠 case to open).
//
// Every GET page of the platform, for every role that may open it (the public, 工作专班, 责任单位,
// 县区, 企业, and the 403/404 pages), at 1366×768 and at 390×844:
//   - axe-core (tests/browser/node_modules/axe-core) finds no violation of impact serious or
//     critical (contrast, labels, names of buttons and links, table headers, lang, title…);
//   - <html lang="zh-CN">, a title, no English code or internal id in the visible text (CODES),
//     no empty brackets “（）”, no amount or count of four or more digits without 千分位 (the
//     policy's own text, class quote, is quoted as written);
//   - at 390 the page itself does not scroll sideways (wide tables scroll inside their wrapper);
//   - at 1366: Tab from the top reaches the skip link “跳到正文”, Enter on it and Tab again reach
//     the first link or field of <main>, and the focused element shows a focus outline.
// All failures are collected and printed together (rule, page, role, width, first selectors);
// the pass fails when there is any. Screenshots <page>-<role>-<width>.png of the key pages.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Evaluated in the page through the DevTools protocol (page.evaluate), which the page's
// Content-Security-Policy does not govern: no inline <script> is added, no CSP violation.
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The pages each role may open; {uscc}, {problem} and {case} are found on the role's lists.
const STAFF_PAGES = ['/', '/policy', '/open', '/dashboard', '/push', '/enterprises', '/enterprises/{uscc}',
  '/supervision', '/assessment', '/funds', '/service', '/service/stats', '/service/visits',
  '/service/problems/{problem}', '/arrears', '/arrears/cases/{case}', '/arrears/league',
  '/arrears/disclosure', '/cultivate', '/parks'];
const PAGES = {
  anonymous: ['/', '/policy', '/login', '/open', '/arrears/disclosure', '/no-such-page#404'],
  admin: [...STAFF_PAGES, '/admin/users', '/admin/import', '/admin/whatif', '/admin/runs',
    '/arrears/new', '/no-such-page#404'],
  // The assessment and the fund ledger are the counties' (and the working group's).
  unit: [...STAFF_PAGES.filter((p) => p !== '/assessment' && p !== '/funds'), '/admin/users#403'],
  county: [...STAFF_PAGES, '/enterprises/{other}#403'],
  // 一企一档 is the staff's page: an enterprise's own file is /me (403 there).
  enterprise: ['/', '/policy', '/open', '/me', '/enterprises/{own}#403', '/service',
    '/service/problems/{problem}', '/arrears', '/arrears/new', '/arrears/cases/{case}',
    '/arrears/disclosure', '/enterprises#403'],
};
// Screenshots of these at both widths (the rest are only checked).
const SHOT = new Set(['/', '/policy', '/open', '/dashboard', '/push', '/enterprises', '/enterprises/{uscc}',
  '/me', '/supervision', '/service', '/service/problems/{problem}', '/arrears/cases/{case}',
  '/cultivate', '/admin/users', '/admin/import', '/funds', '/assessment']);

// Figures as people read them: from 1,000 up an amount or a count carries 千分位, so four or more
// digits in a row with decimals, or before a unit, is a miss. Codes, dates, years (“2024 年”) and
// phone numbers are neither and do not match.
const BARE_FIGURE = /(?<![\w.,:\/#-])(\d{4,}\.\d+|\d{4,}(?=\s*(?:元|万元|亿元|户|人|家|个|项|件|次|条|笔)))(?![\w.])/;

// Cells that show usernames (typed by people, not codes of the platform).
const USER_TEXT = '#accounts tbody td:nth-child(1), #account-audit tbody td:nth-child(2), #account-audit tbody td:nth-child(3), #history tbody td:nth-child(2)';

// Where to find a link of each kind for a role.
const FIND = {
  uscc: ['/enterprises', '#results tbody a[href^="/enterprises/"]'],
  problem: ['/service', 'a[href^="/service/problems/"]'],
  case: ['/arrears', 'a[href^="/arrears/cases/"]'],
};

function slug(p) {
  const s = p.replace(/#.*/, '').replace(/^\//, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '-');
  return s || 'home';
}

export async function accessibilityPass({ base, shots, check, login, newContext, CODES, office, phone, env }) {
  const failures = [];
  const fail = (msg) => { failures.push(msg); console.log('FAIL ' + msg); };
  let pages = 0;
  for (const role of Object.keys(PAGES)) {
    for (const [opts, width] of [[office, 1366], [phone, 390]]) {
      let ctx, page;
      if (role === 'anonymous') {
        ctx = await newContext(opts);
        page = await ctx.newPage();
      } else {
        ({ ctx, page } = await login(role, opts));
      }
      const found = { own: env.ownUscc, other: env.otherUscc };
      for (const [key, [list, sel]] of Object.entries(FIND)) {
        if (!PAGES[role].some((p) => p.includes('{' + key + '}'))) continue;
        await page.goto(base + list);
        const href = await page.locator(sel).first().getAttribute('href').catch(() => null);
        if (href) found[key] = href.split('/').pop().split('?')[0];
        else console.log(`note ${role}（${width}）在 ${list} 没有 ${key} 的链接，跳过含 {${key}} 的页面`);
      }
      for (const spec of PAGES[role]) {
        const [tpl, expect] = spec.split('#');
        const want = expect ? Number(expect) : 200;
        const missing = [...tpl.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((k) => !found[k]);
        if (missing.length) continue;
        const url = tpl.replace(/\{(\w+)\}/g, (_, k) => found[k]);
        const where = `${url}（${role}，${width}）`;
        const started = Date.now();
        const resp = await page.goto(base + url);
        pages += 1;
        if (resp.status() !== want) { fail(`${where} 状态 ${resp.status()}，应为 ${want}`); continue; }
        const facts = await page.evaluate(([userText, width]) => {
          // Usernames are what people typed (the demo's are admin, county…), not codes: left out.
          const own = [...document.querySelectorAll(userText)];
          own.forEach((e) => { e.style.visibility = 'hidden'; });
          const text = document.body.innerText;
          // The policy's own words (class quote) are quoted as written, figures included.
          const quoted = [...document.querySelectorAll('.quote')];
          quoted.forEach((e) => { e.style.visibility = 'hidden'; });
          const figures = document.body.innerText;
          quoted.forEach((e) => { e.style.visibility = ''; });
          own.forEach((e) => { e.style.visibility = ''; });
          return {
            lang: document.documentElement.getAttribute('lang'),
            title: document.title.trim(),
            text,
            figures,
            // Against the width of the screen: on a phone innerWidth grows to the overflowing content.
            overflow: document.documentElement.scrollWidth - width,
          };
        }, [USER_TEXT, width]);
        if (facts.lang !== 'zh-CN') fail(`${where} <html lang> 为 ${facts.lang}`);
        if (!facts.title || facts.title.startsWith('·')) fail(`${where} 标题为空（${facts.title}）`);
        const code = facts.text.match(CODES);
        if (code) fail(`${where} 可见文字有英文代码“${code[0]}”：…${facts.text.slice(Math.max(0, code.index - 30), code.index + 30).replace(/\s+/g, ' ')}…`);
        if (facts.text.includes('（）')) fail(`${where} 有空括号“（）”`);
        const bare = facts.figures.match(BARE_FIGURE);
        if (bare) fail(`${where} 数字“${bare[0]}”没有千分位：…${facts.figures.slice(Math.max(0, bare.index - 30), bare.index + 30).replace(/\s+/g, ' ')}…`);
        if (width === 390 && facts.overflow > 1) {
          const wide = await page.evaluate((width) => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll'))
            .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '')), width);
          fail(`${where} 页面横向溢出 ${facts.overflow}px（${wide.join('，')}）`);
        }
        if (width === 1366) await keyboard(page, where, fail);
        await page.evaluate(axeSource);
        const violations = await page.evaluate(async () => {
          // Rows of a long table repeat the same markup: the first 15 of each stand for the rest.
          const r = await window.axe.run({ exclude: ['tbody > tr:nth-child(n+16)'] }, { resultTypes: ['violations'] });
          return r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')), count: v.nodes.length,
          }));
        });
        for (const v of violations) {
          if (v.impact === 'serious' || v.impact === 'critical') {
            fail(`${where} axe ${v.impact} ${v.id}（${v.help}）${v.count} 处：${v.nodes.join(' | ')}`);
          } else {
            console.log(`note ${where} axe ${v.impact} ${v.id} ${v.count} 处：${v.nodes.join(' | ')}`);
          }
        }
        console.log(`a11y ${where} ${Date.now() - started} ms`);
        if (SHOT.has(tpl) && !expect) {
          // Whole page unless it is very long (the push list's thousands of rows): then the screen.
          const tall = await page.evaluate(() => document.documentElement.scrollHeight > 6000);
          await page.screenshot({ path: path.join(shots, `${slug(tpl)}-${role}-${width}.png`), fullPage: !tall });
        }
      }
      await ctx.close();
    }
  }
  check(failures.length === 0,
    `无障碍与手机版式：${pages} 个页面（各角色，1366 与 390 宽）无 axe 严重问题、无横向溢出、可用键盘跳到正文（${failures.length} 处问题）${failures.length ? '：\n' + failures.join('\n') : ''}`);
}

// Tab from the top: the skip link first; Enter on it, then Tab: the first link or field of <main>.
async function keyboard(page, where, fail) {
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const a = document.activeElement;
    return { text: a && a.textContent.trim(), href: a && a.getAttribute('href') };
  });
  if (skip.text !== '跳到正文' || skip.href !== '#main') { fail(`${where} 第一次 Tab 未到“跳到正文”（到了 ${skip.text}）`); return; }
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const r = await page.evaluate(() => {
    const main = document.querySelector('main#main');
    const sel = 'a[href], input:not([type=hidden]), select, textarea, button, summary, [tabindex]:not([tabindex="-1"])';
    const first = main && [...main.querySelectorAll(sel)].find((e) => !e.disabled && e.getClientRects().length > 0);
    const a = document.activeElement;
    const style = a ? getComputedStyle(a) : null;
    return {
      none: !first,
      ok: !!first && a === first,
      at: a ? a.tagName.toLowerCase() + ' ' + (a.textContent || a.getAttribute('name') || '').trim().slice(0, 20) : 'nothing',
      outline: style ? style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 : false,
    };
  });
  if (r.none) return;
  if (!r.ok) fail(`${where} 跳到正文后 Tab 未到正文的第一个链接或输入框（到了 ${r.at}）`);
  else if (!r.outline) fail(`${where} 键盘焦点（${r.at}）没有可见的轮廓`);
}
