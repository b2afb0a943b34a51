// Walks the huiqi web platform in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core). Started by crates/huiqi-cli/tests/browser.rs with:
//   BASE_URL    the running server
//   ACCOUNTS    JSON {"admin": pw, "unit": pw, "county": pw, "enterprise": pw} (usernames = roles)
//   OTHER_USCC  an enterprise outside the county user's county
//   BAD_FILE    a facts CSV with one bad row
//   SHOTS       the folder for screenshots
//   COUNTY_NAME the county user's jurisdiction (梯队培育: its own candidates only)
// Exits non-zero with a message on the first failed check, or when any page reported a
// Content-Security-Policy violation or a script error (collected from every page of the walk).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { accessibilityPass } from './a11y.mjs';

const base = process.env.BASE_URL;
const accounts = JSON.parse(process.env.ACCOUNTS);
const otherUscc = process.env.OTHER_USCC;
const badFile = process.env.BAD_FILE;
const shots = process.env.SHOTS;
const debtorUscc = process.env.DEBTOR_USCC;
const countyName = process.env.COUNTY_NAME;
fs.mkdirSync(shots, { recursive: true });

function check(cond, what) {
  if (!cond) throw new Error('检查失败：' + what);
  console.log('ok  ' + what);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // --lang: the browser's own controls (a file input's “选择文件”) as an official's browser shows them.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--no-first-run', '--lang=zh-CN'],
});
// Every CSP violation and script error of every page: the walk fails if there is any.
const problems = [];
async function newContext(opts) {
  const ctx = await browser.newContext(opts);
  // Injected by the browser itself (not subject to the page's CSP): reports each violation.
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });
  });
  ctx.on('page', (page) => {
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|CSP violation|Refused to/.test(text)) problems.push(page.url() + ' ' + text);
    });
    page.on('pageerror', (err) => problems.push(page.url() + ' 脚本错误：' + err.message));
  });
  return ctx;
}
const office = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' };

// Where each role lands after signing in, and what its header says it is.
const landing = { admin: '/dashboard', unit: '/dashboard', county: '/dashboard', enterprise: '/me' };
const roleLabel = { admin: '工作专班', unit: '责任单位', county: '县区', enterprise: '企业' };

async function login(role, ctxOpts = office) {
  const ctx = await newContext(ctxOpts);
  const page = await ctx.newPage();
  await page.goto(base + '/login');
  await page.fill('input[name=username]', role);
  await page.fill('input[name=password]', accounts[role]);
  await Promise.all([page.waitForNavigation(), page.click('form.login button[type=submit]')]);
  const who = await page.textContent('header .who');
  check(who && who.trim().length > 0, `${role} 登录后页头显示用户名称（${who && who.trim()}）`);
  check(new URL(page.url()).pathname === landing[role], `${role} 登录后进入 ${landing[role]}（实际 ${page.url()}）`);
  return { ctx, page };
}

// Text on screen that reads as an internal id or an English code (measure ids, role ids, scopes).
const CODES = /\b(six_taxes_relief|cit_relief|vat_relief|iit_business_relief|startup_deduction|rd_extra_deduction|economy_it|luan-etdz|draft-2023|admin|county|enterprise)\b/;

try {
  // Each role's landing page at the office size and on a phone: the right page, the role in
  // Chinese in the header, no internal code on screen; screenshots landing-<role>-<width>.png.
  for (const role of ['admin', 'unit', 'county', 'enterprise']) {
    for (const [opts, width] of [[office, 1366], [phone, 390]]) {
      const { ctx, page } = await login(role, opts);
      const who = await page.textContent('header .who');
      check(who.includes(roleLabel[role]), `${role} 页头写明角色“${roleLabel[role]}”（${who.trim()}）`);
      const text = await page.textContent('body');
      const code = text.match(CODES);
      check(!code, `${role} 的首页（${width}）没有英文代码${code ? '：' + code[0] : ''}`);
      check(!text.includes('（）'), `${role} 的首页（${width}）没有空括号`);
      if (role !== 'enterprise') {
        const rows = await page.locator('#progress tbody tr').count();
        check(rows > 0, `${role} 的日常调度（${width}）列出 ${rows} 项指标`);
        const links = await page.locator('#push-links a').count();
        check(links > 0, `${role} 的日常调度（${width}）有推送名单链接 ${links} 个`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `${role} 的首页（${width}）不横向溢出（溢出 ${overflow}px）`);
      await page.screenshot({ path: path.join(shots, `landing-${role}-${width}.png`), fullPage: width === 1366 });
      await ctx.close();
    }
  }
  // The unit's and the county's push lists, one click from their dashboard, are not empty.
  for (const role of ['unit', 'county']) {
    const { ctx, page } = await login(role);
    const options = await page.goto(base + '/push').then(() => page.locator('select[name=measure] option').allTextContents());
    await page.goto(base + landing[role]);
    await Promise.all([page.waitForNavigation(), page.locator('#push-links a').first().click()]);
    const n = await page.locator('#push tbody tr').count();
    check(n > 0, `${role} 从日常调度一键打开推送名单：${n} 户`);
    check(await page.locator('#push-message').count() === 0, `${role} 的推送名单没有“为空”的提示`);
    const text = await page.textContent('main');
    check(!CODES.test(text), `${role} 的推送名单没有英文代码`);
    check(/\d{1,3}(,\d{3})+\.\d{2}|\d+\.\d{2}/.test(await page.textContent('#push')), `${role} 的推送名单金额带两位小数和千分位`);
    if (role === 'unit') {
      check(options.length > 0 && options.length <= 7, `责任单位的措施菜单只列本单位推送的措施（${options.length} 项）`);
    }
    // The total (户数 and 金额合计), the paging controls, the default order (amount descending).
    const count = (await page.textContent('#push-count')).trim();
    const sum = (await page.textContent('#push-sum')).trim();
    check(/^[0-9,]+$/.test(count) && /元/.test(sum), `${role} 的推送名单显示合计：${count} 户，${sum}`);
    const sizes = await page.locator('select[name=per_page] option').allTextContents();
    check(sizes.join('|') === '50 户|100 户|200 户', `${role} 的推送名单可选每页 50/100/200 户（${sizes.join('、')}）`);
    const sortNow = await page.locator('select[name=sort]').inputValue();
    check(sortNow === 'amount_desc', `${role} 的推送名单默认按金额从大到小（${sortNow}）`);
    const amounts = (await page.locator('#push tbody tr td:nth-child(5)').allTextContents())
      .map((t) => Number(t.replace(/[^0-9.]/g, '')));
    check(amounts.length < 2 || amounts[0] >= amounts[1], `${role} 的推送名单第一户金额不小于第二户（${amounts[0]} ≥ ${amounts[1]}）`);
    const nCount = Number(count.replace(/,/g, ''));
    if (nCount > 50) {
      await page.selectOption('select[name=per_page]', '50');
      await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
      check(await page.locator('#push tbody tr').count() === 50, `${role} 的推送名单每页 50 户`);
      check(await page.locator('nav.pager a[rel=next]').count() === 1, `${role} 的推送名单有翻页`);
      const first = (await page.locator('#push tbody tr td:nth-child(5)').allTextContents())
        .map((t) => Number(t.replace(/[^0-9.]/g, '')));
      await Promise.all([page.waitForNavigation(), page.click('nav.pager a[rel=next]')]);
      check(new URL(page.url()).searchParams.get('page') === '2', `${role} 的推送名单翻到第 2 页`);
      const next = (await page.locator('#push tbody tr td:nth-child(5)').allTextContents())
        .map((t) => Number(t.replace(/[^0-9.]/g, '')));
      check(next.length > 0 && next[0] <= first[first.length - 1], `${role} 第 2 页的金额接在第 1 页之后（${next[0]} ≤ ${first[first.length - 1]}）`);
    }
    const exportHref = await page.locator('a[href^="/push.xlsx"]').getAttribute('href');
    const px = await ctx.request.get(base + exportHref);
    check(px.status() === 200 && (await px.body()).subarray(0, 2).toString() === 'PK'
      && (px.headers()['content-disposition'] || '').includes("filename*=UTF-8''"), `${role} 的推送名单导出 .xlsx（中文文件名）`);
    await page.screenshot({ path: path.join(shots, `push-${role}-1366.png`) });
    await ctx.close();
  }

  // 日常调度 of the working group: the target × jurisdiction matrix (8 jurisdictions and 全市),
  // the month picker, the 调度表 download, the full ranking; charts with readable names.
  for (const [opts, width] of [[office, 1366], [phone, 390]]) {
    const { ctx, page } = await login('admin', opts);
    const heads = await page.locator('#matrix thead th').allTextContents();
    check(heads.length === 10 && heads[heads.length - 1] === '全市', `专班的调度矩阵有 8 个辖区列和全市（${width}，${heads.length - 1} 列）`);
    const cells = await page.locator('#matrix tbody td[class^=cell-]').count();
    check(cells >= 16 * 9, `调度矩阵每格按红黄绿着色（${cells} 格）`);
    check(await page.locator('#matrix-legend .tag').count() === 3, '调度矩阵有红黄绿图例');
    // Units on every target: the matrix names each indicator's unit, the progress table's 目标
    // and 完成 carry it after the figure.
    const rowHeads = await page.locator('#matrix tbody th[scope=row]').allTextContents();
    check(rowHeads.length === 16 && rowHeads.every((t) => /（[^（）]+）$/.test(t.trim())), `调度矩阵每个指标写明单位（${rowHeads.length} 项）`);
    const goals = await page.locator('#progress tbody td:nth-child(2)').allTextContents();
    check(goals.length > 0 && goals.every((t) => /^[\d,.]+ ?[^\d\s,.]+/.test(t.trim())), `日常调度的目标值带单位（${goals.slice(0, 3).join('、')}…）`);
    const months = await page.locator('select#period option').evaluateAll((os) => os.map((o) => o.value));
    check(months.length > 0 && months.every((m) => /^\d{4}-\d{2}$/.test(m)), `月份是下拉选择（${months.length} 个月）`);
    const pick = months[Math.min(1, months.length - 1)];
    await page.selectOption('select#period', pick);
    await Promise.all([page.waitForNavigation(), page.click('#period-form button[type=submit]')]);
    check(new URL(page.url()).searchParams.get('period') === pick, `选择月份后显示 ${pick}`);
    check(await page.locator('select#period').inputValue() === pick, '月份下拉框保持所选月份');
    const xr = await ctx.request.get(base + '/dashboard.xlsx?period=' + pick);
    check(xr.status() === 200 && (xr.headers()['content-type'] || '').includes('spreadsheetml')
      && (await xr.body()).subarray(0, 2).toString() === 'PK', `下载调度表 ${pick}（.xlsx）`);
    check((xr.headers()['content-disposition'] || '').includes("filename*=UTF-8''%E8%B0%83%E5%BA%A6%E8%A1%A8-" + pick + '.xlsx'), '调度表文件名为“调度表-年-月.xlsx”');
    const ranking = await page.textContent('#ranking');
    const places = await page.locator('#ranking tbody tr').count();
    check(places === 8 && ranking.includes('共 8 名') && ranking.includes('综合完成率'), `县区综合排名列全 8 个辖区（“第 N 名 / 共 8 名”，综合完成率）`);
    await page.waitForSelector('#rank-chart canvas');
    await page.waitForSelector('#progress-chart canvas');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `专班的日常调度（${width}）不横向溢出（溢出 ${overflow}px）`);
    await page.screenshot({ path: path.join(shots, `dashboard-admin-${width}.png`), fullPage: true });
    await ctx.close();
  }

  // Public: the policy list with all 19 articles, on the office screen and on a phone.
  {
    const ctx = await newContext(office);
    const page = await ctx.newPage();
    const resp = await page.goto(base + '/policy');
    check(resp.status() === 200, '政策清单 200');
    const n = await page.locator('article[id^=article-]').count();
    check(n === 19, `政策清单列出全部 19 条（实际 ${n}）`);
    await page.screenshot({ path: path.join(shots, 'policy-1366.png') });
    await page.fill('input[name=q]', '融资');
    await Promise.all([page.waitForNavigation(), page.press('input[name=q]', 'Enter')]);
    const hits = await page.locator('article[id^=article-]').count();
    check(hits > 0 && hits < 19, `政策清单可搜索（“融资”命中 ${hits} 条）`);
    await ctx.close();
    const mctx = await newContext(phone);
    const mpage = await mctx.newPage();
    await mpage.goto(base + '/policy');
    const overflow = await mpage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `手机宽度下页面不横向溢出（溢出 ${overflow}px）`);
    await mpage.screenshot({ path: path.join(shots, 'policy-phone.png') });
    await mctx.close();
  }

  // Enterprise: its benefits with amounts and reasons citing the article and national document.
  {
    const { ctx, page } = await login('enterprise');
    await page.goto(base + '/me');
    const rows = page.locator('#measures article.measure');
    const n = await rows.count();
    check(n > 0, `企业看到惠企政策 ${n} 项`);
    const text = await page.textContent('#measures');
    check(text.includes('六安政策第') && text.includes('公告'), '理由写明六安政策条款与国家文件');
    // Each measure: the facts that decided it (Chinese name, amounts with 千分位 and 元) and how
    // it is obtained, citing the national document.
    const withInputs = await page.locator('#measures article.measure:has(ul.inputs li)').count();
    check(withInputs === n, `每项政策列出决定结果的数据（${withInputs}/${n} 项）`);
    const inputs = await page.locator('#measures ul.inputs li').allTextContents();
    check(inputs.some((t) => /[\u4e00-\u9fa5]+（[a-z0-9_]+）：-?\d{1,3}(,\d{3})*\.\d{2} 元/.test(t))
      && inputs.some((t) => /\d{1,3},\d{3}/.test(t)), `决定结果的数据写中文名称与字段，金额带千分位和元（${inputs.length} 项）`);
    const obtain = await page.locator('#measures p.obtain').allTextContents();
    check(obtain.length === n && obtain.every((t) => /如何享受：(申报时直接享受|在电子税务局勾选填报|向有关单位申请)/.test(t) && /依据：.*公告/.test(t)),
      `每项政策写明如何享受及其国家文件（${obtain.length} 项）`);
    const amounts = await page.locator('#measures h3 .num').allTextContents();
    check(amounts.every((t) => /^-?\d{1,3}(,\d{3})*\.\d{2} 元$/.test(t.trim())), '政策金额带千分位和元');
    const facts = await page.textContent('#sources');
    check(facts.includes('税务局') && /所属年度：\d{4} 年度/.test(facts) && /数据导入日期：\d{4}-\d{2}-\d{2}/.test(facts),
      '在档数据注明来源部门、所属年度和数据导入日期');
    const meText = await page.textContent('main');
    const meCode = meText.replace(/（[a-z0-9_]+）/g, '').match(CODES);
    check(!meCode, `我的惠企政策没有英文代码${meCode ? '：' + meCode[0] : ''}`);
    await page.screenshot({ path: path.join(shots, 'enterprise-me-1366.png'), fullPage: true });
    await page.screenshot({ path: path.join(shots, 'me-1366.png'), fullPage: true });
    // 梯队培育 on its own page: each standard with its score, the line, how close, what is missing.
    const standings = page.locator('#standings tbody tr');
    check(await standings.count() === 3, `企业看到三项认定标准的评分（${await standings.count()} 项）`);
    const st = await page.textContent('#standings');
    check(/科技型中小企业/.test(st) && /专精特新/.test(st) && /\d+ \/ \d+/.test(st), '每项标准有得分 / 合格线');
    check(/已达到认定条件|接近：差 \d+ 分|尚远/.test(st), '每项标准写明是否接近');
    check(await page.locator('#standings tbody li').count() > 0, '未达线的标准列出还缺什么');
    await page.locator('#standings').screenshot({ path: path.join(shots, 'enterprise-standings-1366.png') });
    const denied = await page.goto(base + '/enterprises');
    check(denied.status() === 403, `企业用户打开企业库得到 403（实际 ${denied.status()}）`);
    await ctx.close();
    const m = await login('enterprise', phone);
    await m.page.goto(base + '/me');
    await m.page.screenshot({ path: path.join(shots, 'enterprise-me-phone.png'), fullPage: true });
    await m.page.screenshot({ path: path.join(shots, 'me-390.png'), fullPage: true });
    // On a phone each department's source is said once, not once per fact.
    const srcText = await m.page.textContent('#sources');
    const files = srcText.match(/来源：/g) || [];
    const sections = await m.page.locator('#sources section.source').count();
    check(files.length === sections, `手机上在档数据每个来源只写一次（${files.length} 处 / ${sections} 个部门）`);
    const mOverflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(mOverflow <= 1, `手机宽度下“我的惠企政策”不横向溢出（溢出 ${mOverflow}px）`);
    await m.ctx.close();
  }

  // County: its own enterprises; 403 for another county's enterprise by URL.
  {
    const { ctx, page } = await login('county');
    await page.goto(base + '/enterprises');
    const n = await page.locator('#results tbody tr').count();
    check(n > 0, `县区用户看到本辖区企业 ${n} 户`);
    await page.screenshot({ path: path.join(shots, 'county-registry-1366.png') });
    // 企业库 as a list: the total and the export of the filter (its own county's).
    const total = (await page.textContent('#total')).trim();
    check(/^[0-9,]+$/.test(total), `企业库显示匹配总数 ${total} 户`);
    const xr = await ctx.request.get(base + '/enterprises.xlsx?sort=name');
    check(xr.status() === 200 && (await xr.body()).subarray(0, 2).toString() === 'PK'
      && (xr.headers()['content-disposition'] || '').includes("filename*=UTF-8''"), '企业库导出 .xlsx（中文文件名）');
    // 一企一档 from a filtered, sorted list, and back to the same list.
    await page.goto(base + '/enterprises?kind=enterprise&sort=name&per_page=50');
    const listUrl = new URL(page.url());
    await Promise.all([page.waitForNavigation(), page.locator('#results tbody tr a').first().click()]);
    await page.waitForSelector('h1');
    check((await page.textContent('h1')).includes('一企一档'), '县区用户打开本辖区企业的一企一档');
    for (const [id, title] of [['reg', '登记信息'], ['ops', '经营数据'], ['certs', '认定/资质'], ['training', '培训'],
      ['loans', '融资'], ['benefits', '享受政策'], ['grants', '奖补兑现'], ['history', '变更历史']]) {
      check(await page.locator(`section#${id} h2`).count() === 1 && (await page.textContent(`section#${id} h2`)).includes(title),
        `一企一档有“${title}”一节`);
    }
    const ops = await page.textContent('#ops');
    check(/\d{1,3}(,\d{3})+\.\d{2} 元/.test(ops) && /数据导入日期 \d{4}-\d{2}-\d{2}/.test(ops), '经营数据金额带千分位和元，注明导入日期');
    const fileText = await page.textContent('main');
    const fileCode = fileText.match(CODES);
    check(!fileCode, `一企一档没有英文代码${fileCode ? '：' + fileCode[0] : ''}`);
    await page.screenshot({ path: path.join(shots, 'county-one-file-1366.png'), fullPage: true });
    await page.screenshot({ path: path.join(shots, 'enterprise-file-1366.png'), fullPage: true });
    const fileUrl = page.url();
    await Promise.all([page.waitForNavigation(), page.click('a#back')]);
    const backUrl = new URL(page.url());
    check(backUrl.pathname === '/enterprises' && backUrl.searchParams.get('kind') === 'enterprise'
      && backUrl.searchParams.get('sort') === 'name' && backUrl.searchParams.get('per_page') === '50',
      `返回企业库回到同一筛选（${backUrl.search}）`);
    check(await page.inputValue('select[name=kind]') === 'enterprise' && listUrl.pathname === backUrl.pathname, '返回后筛选框仍为所选类型');
    // A forged way back to another site is replaced by the list.
    await page.goto(base + new URL(fileUrl).pathname + '?back=' + encodeURIComponent('//evil.example/enterprises'));
    check(await page.getAttribute('a#back', 'href') === '/enterprises', '伪造的返回地址被替换为企业库');
    {
      const m = await login('county', phone);
      await m.page.goto(fileUrl);
      const fOverflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(fOverflow <= 1, `手机宽度下一企一档不横向溢出（溢出 ${fOverflow}px）`);
      await m.page.screenshot({ path: path.join(shots, 'enterprise-file-390.png'), fullPage: true });
      await m.ctx.close();
    }
    // The county reports a month's value on the dashboard: only its own jurisdiction is offered.
    await page.goto(base + '/dashboard?period=2023-09');
    const offered = await page.locator('form.report select[name=jurisdiction] option').count();
    check(offered === 1, `县区用户报送时只能选本辖区（${offered} 个选项）`);
    check(await page.locator('form.report input[type=file][name=file]').count() === 1, '报送表单的附件是文件上传');
    check((await page.textContent('#computed-note')).includes('企业库'), '报送表单说明哪些指标由企业库计算');
    await page.fill('form.report input[name=value]', '3');
    await page.fill('form.report input[name=note]', '浏览器报送测试');
    await Promise.all([page.waitForNavigation(), page.click('form.report button[type=submit]')]);
    check(await page.locator('#reported').count() === 1, '报送后提示已报送');
    await page.waitForSelector('#trend-chart canvas');
    check(true, 'ECharts 画出逐月状态图');
    await page.screenshot({ path: path.join(shots, 'county-dashboard-report-1366.png'), fullPage: true });
    const other = await page.goto(base + '/enterprises/' + otherUscc);
    check(other.status() === 403, `县区用户按网址打开外辖区企业得到 403（实际 ${other.status()}）`);
    await page.screenshot({ path: path.join(shots, 'county-403.png') });
    // 梯队培育: its own candidate lists with the gaps, beside its targets; no other county.
    // 科技型中小企业 (scored on the registry and the 科技局 file): points short and what is missing.
    const cult = await page.goto(base + '/cultivate?kind=tech_sme&year=2024');
    check(cult.status() === 200, '县区用户打开梯队培育候选名单 200');
    check((await page.textContent('h1')).includes(countyName), `候选名单标题写明本辖区（${countyName}）`);
    const nc = await page.locator('#candidates tbody tr').count();
    check(nc > 0, `县区用户看到科技型中小企业候选 ${nc} 户`);
    const cCounties = await page.locator('#candidates tbody tr td:nth-child(3)').allTextContents();
    check(cCounties.every((t) => t.trim() === countyName), `候选企业均在本辖区（${nc} 户）`);
    const points = await page.locator('#candidates tbody tr td:nth-child(7)').allTextContents();
    check(points.every((t) => /^(\d+ 分|已达线)$/.test(t.trim())), '每户写明距合格线差几分（或已达线）');
    const why = await page.locator('#candidates tbody tr td:nth-child(8)').allTextContents();
    check(why.some((t) => t.includes('可再得') || t.includes('须达到')), '未达线的企业写明还缺什么');
    const tRows = await page.locator('#targets tbody tr').count();
    check(tRows === 1 && (await page.textContent('#targets')).includes('新增科技型中小企业'), '候选与本年目标只列本辖区一行');
    await page.screenshot({ path: path.join(shots, 'county-cultivate-1366.png'), fullPage: true });
    // 小升规: the gap to the line in 元; the targets of the four industry lines.
    const above = await page.goto(base + '/cultivate?kind=above_scale&year=2024');
    check(above.status() === 200, '县区用户打开小升规候选 200');
    const aCounties = await page.locator('#candidates tbody tr td:nth-child(3)').allTextContents();
    check(aCounties.every((t) => t.trim() === countyName), `小升规候选均在本辖区（${aCounties.length} 户）`);
    const gaps = await page.locator('#candidates tbody tr td:nth-child(7)').allTextContents();
    check(gaps.every((t) => /^[\d,]+\.\d{2}$/.test(t.trim())), '小升规每户写明距门槛的差距（元，千分位）');
    check((await page.locator('#targets thead th').count()) === 6, '小升规对照四条行业线的本年目标');
    await page.screenshot({ path: path.join(shots, 'county-cultivate-above-scale-1366.png'), fullPage: true });
    const elsewhere = await page.goto(base + '/cultivate?kind=above_scale&year=2024&county=000000');
    check(elsewhere.status() === 403, `县区用户查看其他辖区候选得到 403（实际 ${elsewhere.status()}）`);
    await ctx.close();
    const m = await login('county', phone);
    await m.page.goto(base + '/cultivate?kind=tech_sme&year=2024');
    const cOverflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(cOverflow <= 1, `手机宽度下候选名单不横向溢出（溢出 ${cOverflow}px）`);
    await m.page.screenshot({ path: path.join(shots, 'county-cultivate-phone.png'), fullPage: true });
    await m.ctx.close();
  }

  // Unit: the registry.
  {
    const { ctx, page } = await login('unit');
    const resp = await page.goto(base + '/enterprises');
    check(resp.status() === 200, '责任单位打开企业库 200');
    // 企业库 pages: the next page keeps the sort.
    const cityTotal = Number((await page.textContent('#total')).replace(/,/g, ''));
    check(cityTotal > 50, `责任单位看到全市企业 ${cityTotal} 户`);
    await page.goto(base + '/enterprises?sort=name&per_page=50');
    check(await page.locator('#results tbody tr').count() === 50, '企业库每页 50 户');
    const firstOnPage1 = await page.locator('#results tbody tr td:nth-child(2)').first().textContent();
    await Promise.all([page.waitForNavigation(), page.locator('#results a[rel=next]').first().click()]);
    const u = new URL(page.url());
    const rows2 = await page.locator('#results tbody tr').count();
    const firstOnPage2 = await page.locator('#results tbody tr td:nth-child(2)').first().textContent();
    check(u.searchParams.get('page') === '2' && u.searchParams.get('sort') === 'name' && rows2 > 0
      && firstOnPage2 >= firstOnPage1, `企业库翻到第 2 页，仍按名称排序（${rows2} 户）`);
    // Registry filtered by size class (the matching run's 大/中/小/微).
    await page.goto(base + '/enterprises?size=micro');
    check(await page.inputValue('select[name=size]') === 'micro', '规模筛选框显示所选规模');
    const sizes = await page.locator('#results tbody tr td:nth-child(6)').allTextContents();
    check(sizes.length > 0 && sizes.every((t) => t.trim() === '微型'), `按规模筛选：${sizes.length} 户均为微型`);
    // Its own targets and tasks on the dashboard.
    await page.goto(base + '/dashboard?period=2023-09');
    const tasks = await page.locator('#tasks tbody tr').count();
    check(tasks > 0, `责任单位在日常调度页看到本单位承担的任务 ${tasks} 项`);
    await page.screenshot({ path: path.join(shots, 'unit-dashboard-1366.png'), fullPage: true });
    await ctx.close();
  }

  // Admin: uploads a file with a bad row; sees the row error; nothing is imported.
  {
    const { ctx, page } = await login('admin');
    await page.goto(base + '/admin/import');
    // One template per source, the certification and training lists included; each downloads
    // as .xlsx.
    const templates = await page.locator('#templates a').allTextContents();
    check(templates.length === 9 && templates.some((t) => t.includes('认定名单')) && templates.some((t) => t.includes('培训台账')),
      `数据导入页提供 ${templates.length} 个导入模板（含认定名单、培训台账）`);
    for (const source of ['tax', 'certifications']) {
      const href = await page.getAttribute(`#templates a[href$="source=${source}"]`, 'href');
      const resp = await page.request.get(base + href);
      check(resp.status() === 200 && (resp.headers()['content-type'] || '').includes('spreadsheetml'),
        `下载模板 ${source}：200，Excel 类型（${resp.headers()['content-type']}）`);
      const body = await resp.body();
      check(body.length > 1000 && body[0] === 0x50 && body[1] === 0x4b, `模板 ${source} 是 .xlsx 文件（${body.length} 字节）`);
    }
    // The history: the command line's imports of the setup, with who and the counts.
    const firstRows = await page.locator('#history tbody tr').allTextContents();
    check(firstRows.length > 0 && firstRows.some((r) => r.includes('命令行') && r.includes('成功')),
      `导入记录列出命令行的导入（${firstRows.length} 行）`);
    const total = async () => Number((await page.textContent('.pager')).match(/共 (\d+) 条/)[1]);
    const before = await total();
    const counts = await page.locator('#history tbody tr:first-child td.num').allTextContents();
    check(counts.length === 5 && counts.every((c) => /^[\d,]+$/.test(c.trim())), `导入记录有读取、新增、更新、未变、错误行数（${counts.join(' / ')}）`);
    await page.screenshot({ path: path.join(shots, 'admin-import-1366.png'), fullPage: true });
    await page.selectOption('select[name=source]', 'facts');
    await page.fill('input[name=year]', '2024');
    await page.setInputFiles('input[name=file]', badFile);
    await Promise.all([page.waitForNavigation(), page.click('form.upload button[type=submit]')]);
    const errors = await page.locator('#row-errors tbody tr').count();
    check(errors >= 1, `上传含错误行的文件后显示行错误表（${errors} 行）`);
    const msg = await page.textContent('#import-message');
    check(msg.includes('未导入任何数据'), '提示未导入任何数据');
    // The refusal is in the history (by admin, 被拒, with its error count); nothing was imported
    // (browser.rs checks the registry's imports).
    const after = await total();
    check(after === before + 1, `被拒的导入也记入导入记录（${before} → ${after}）`);
    const newest = await page.textContent('#history tbody tr:first-child');
    check(newest.includes('被拒') && newest.includes('admin'), `最新一条导入记录：admin，被拒（${newest.trim().replace(/\s+/g, ' ')}）`);
    await page.screenshot({ path: path.join(shots, 'admin-import-error-1366.png'), fullPage: true });
    // The 日常调度 dashboard with its ECharts charts.
    const dash = await page.goto(base + '/dashboard?period=2023-09');
    check(dash.status() === 200, '工作专班打开日常调度 200');
    const targets = await page.locator('#progress tbody tr').count();
    check(targets > 0, `日常调度列出 ${targets} 项指标`);
    await page.waitForSelector('#progress-chart canvas');
    check(await page.locator('#rank-chart canvas').count() === 1, 'ECharts 画出进度图和县区排名图');
    // A tooltip (drawn on the canvas: ECharts' HTML tooltips carry inline styles the CSP refuses).
    await page.locator('#progress-chart').hover();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(shots, 'admin-dashboard-1366.png'), fullPage: true });
    // The what-if form: results as tables and a chart.
    await page.goto(base + '/admin/whatif');
    await page.selectOption('select[name=param]', 'startup.annual_limit');
    await page.fill('input[name=value]', '24000');
    await Promise.all([page.waitForNavigation(), page.click('form.whatif button[type=submit]:not([name=export])')]);
    const measureRows = await page.locator('#whatif-measures tbody tr').count();
    check(measureRows > 0, `政策沙盘给出 ${measureRows} 项措施的前后对比`);
    check(await page.locator('#whatif-sections tbody tr').count() > 0 && await page.locator('#whatif-sizes tbody tr').count() > 0,
      '政策沙盘按行业门类和企业规模给出差异');
    await page.waitForSelector('#whatif-chart canvas');
    await page.screenshot({ path: path.join(shots, 'admin-whatif-1366.png'), fullPage: true });
    // The accounts page: reset the unit's password (shown once), the audit lines.
    await page.goto(base + '/admin/users');
    check(await page.locator('#accounts tbody tr').count() === 4, '账号管理列出 4 个演示账号');
    check(!/\b(admin|unit|county|enterprise)\b/.test(await page.textContent('#accounts tbody tr:first-child td:nth-child(2)')), '账号列表的角色用中文');
    await Promise.all([page.waitForNavigation(), page.click('#accounts tbody tr:has(td:text-is("unit")) button[value=reset_password]')]);
    const pw = (await page.textContent('#new-password code')).trim();
    check(pw.length === 16, '重设密码后显示一次新密码');
    accounts.unit = pw;
    const audit = await page.textContent('#account-audit');
    check(audit.includes('重设密码') && audit.includes('admin'), '账号变更记录写明重设密码和操作人');
    // Create an account on the web: a bad 统一社会信用代码 is refused in Chinese; a county account
    // is created, its password shown once, and it signs in.
    await page.fill('#new-account input[name=username]', 'walk-bad');
    await page.fill('#new-account input[name=display_name]', '某企业');
    await page.selectOption('#new-account select[name=role]', 'enterprise');
    await page.fill('#new-account input[name=uscc]', '12345');
    await Promise.all([page.waitForNavigation(), page.click('#new-account button[type=submit]')]);
    const refused = await page.textContent('#account-message');
    check(refused.includes('统一社会信用代码') && !/[A-Za-z]{4,}/.test(refused), `统一社会信用代码无效时以中文拒绝（${refused.trim()}）`);
    await page.fill('#new-account input[name=username]', 'walk-county');
    await page.fill('#new-account input[name=display_name]', '霍山县发改委');
    await page.selectOption('#new-account select[name=role]', 'county');
    await page.selectOption('#new-account select[name=county]', { label: '霍山县' });
    await Promise.all([page.waitForNavigation(), page.click('#new-account button[type=submit]')]);
    const created = await page.textContent('#account-message');
    check(created.includes('已新建'), `新建账号（${created.trim()}）`);
    const newPw = (await page.textContent('#new-password code')).trim();
    check(newPw.length === 16, '新建账号后显示一次初始密码');
    check((await page.textContent('#accounts')).includes('walk-county'), '新账号出现在账号列表中');
    check((await page.textContent('#account-audit')).includes('新建账号'), '账号变更记录写明新建账号');
    await page.screenshot({ path: path.join(shots, 'admin-users-1366.png'), fullPage: true });
    await ctx.close();
    {
      const c = await newContext(office);
      const p = await c.newPage();
      await p.goto(base + '/login');
      await p.fill('input[name=username]', 'walk-county');
      await p.fill('input[name=password]', newPw);
      await Promise.all([p.waitForNavigation(), p.click('form.login button[type=submit]')]);
      check(new URL(p.url()).pathname === '/dashboard', `新建的县区账号登录后进入 /dashboard（实际 ${p.url()}）`);
      check((await p.textContent('header .who')).includes('县区'), '新建的账号以县区身份登录');
      await c.close();
    }
    const m = await login('admin', phone);
    await m.page.goto(base + '/admin/users');
    const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `手机宽度下账号管理页不横向溢出（溢出 ${overflow}px）`);
    await m.page.screenshot({ path: path.join(shots, 'admin-users-390.png'), fullPage: true });
    await m.ctx.close();
  }
  // 督办: a unit reports on one of its tasks with a file; the working group sends a 督办单.
  {
    const evidence = path.join(shots, '佐证材料.pdf');
    fs.writeFileSync(evidence, '%PDF-1.4\n% huiqi walk\n');
    const { ctx, page } = await login('unit');
    const resp = await page.goto(base + '/supervision?period=2023-12');
    check(resp.status() === 200, '责任单位打开督办页 200');
    const units = await page.locator('#board tbody tr td:nth-child(3)').allTextContents();
    check(units.length > 0 && units.every((t) => t.trim() === '市税务局'), `责任单位只看到本单位的督办线（${units.length} 条）`);
    const line = 'individual_to_enterprise|tax|341502';
    await page.selectOption('#report-line', line);
    await page.fill('form[action="/supervision/report"] input[name=period]', '2023-Q4');
    await page.selectOption('form[action="/supervision/report"] select[name=status]', 'in_progress');
    await page.fill('form[action="/supervision/report"] textarea[name=progress]', '走访拟升规企业 18 户，协调解决用电问题 2 个（浏览器报送测试）');
    await page.setInputFiles('form[action="/supervision/report"] input[name=file]', evidence);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/supervision/report"] button[type=submit]')]);
    check(await page.locator('#reported').count() === 1, '报送后提示已报送');
    const listed = await page.textContent('#reports-table');
    check(listed.includes('浏览器报送测试') && listed.includes('佐证材料.pdf'), '报送及佐证材料列在最近的报送中');
    await page.locator('#report').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'unit-supervision-report-1366.png') });
    await ctx.close();
    const m = await login('unit', phone);
    await m.page.goto(base + '/supervision?period=2023-12');
    const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `手机宽度下督办页不横向溢出（溢出 ${overflow}px）`);
    await m.page.screenshot({ path: path.join(shots, 'unit-supervision-phone.png'), fullPage: false });
    await m.ctx.close();
  }
  {
    const { ctx, page } = await login('admin');
    await page.goto(base + '/supervision?period=2023-12&colour=red');
    const reds = await page.locator('#board tbody tr td.red').count();
    check(reds > 0, `工作专班按颜色筛选出红色督办线 ${reds} 条`);
    await page.screenshot({ path: path.join(shots, 'admin-supervision-red-1366.png') });
    const before = await page.locator('article.order').count();
    // From a red line of the board: its 督办 link fills in the line and the period.
    await Promise.all([page.waitForNavigation(), page.locator('#board a:has-text("发督办单")').first().click()]);
    const prefilled = await page.inputValue('#order-form input[name=period]');
    check(/^2023-/.test(prefilled), `督办单表单已填入该线的报告期（${prefilled}）`);
    await page.fill('#order-form textarea[name=requirement]', '第四季度“小升规”进展请补充企业名单和下一步措施（浏览器督办测试）');
    await Promise.all([page.waitForNavigation(), page.click('#order-form button[type=submit]')]);
    check(await page.locator('#ordered').count() === 1, '督办单发出后提示已保存');
    const after = await page.locator('article.order').count();
    check(after === before + 1, `督办单列表多了一份（${before} → ${after}）`);
    const first = await page.textContent('article.order');
    check(first.includes('浏览器督办测试') && first.includes('待答复') && first.includes(prefilled), '新督办单显示督办要求、报告期和“待答复”');
    await page.locator('#orders').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'admin-supervision-order-1366.png') });
    // The assessment with its computation, the ledger, the public page.
    const a = await page.goto(base + '/assessment?year=2023');
    check(a.status() === 200, '工作专班打开考核页 200');
    const ranked = await page.locator('#assessment tbody tr').count();
    check(ranked === 9, `考核表 8 个辖区加合计行（${ranked} 行）`);
    check((await page.textContent('main')).includes('余数规则'), '考核页写明余数规则和计算过程');
    await page.screenshot({ path: path.join(shots, 'admin-assessment-1366.png'), fullPage: false });
    const f = await page.goto(base + '/funds?year=2023');
    check(f.status() === 200, '工作专班打开奖补资金台账 200');
    await page.screenshot({ path: path.join(shots, 'admin-funds-1366.png'), fullPage: false });
    await ctx.close();
    const pctx = await newContext(phone);
    const pub = await pctx.newPage();
    await pub.goto(base + '/open?year=2023');
    const cases = await pub.locator('article.case').count();
    check(cases === 2, `公开页面显示已发布的典型案例 ${cases} 则`);
    check(await pub.locator('#public-assessment tbody tr').count() === 8, '公开页面显示已发布的考核结果');
    await pub.screenshot({ path: path.join(shots, 'public-open-phone.png'), fullPage: false });
    await pctx.close();
  }
  // 为企服务: the enterprise raises a problem; the front desk dispatches; the unit signs and replies;
  // the enterprise reopens; the working group dispatches again; the unit replies; the enterprise
  // confirms and rates.
  {
    const act = async (page, action, fill) => {
      const form = page.locator(`form.action-${action}`);
      check(await form.count() === 1, `问题页有“${action}”操作`);
      if (fill) await fill(form);
      await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
      check(await page.locator('#acted').count() === 1, `“${action}”已保存`);
    };
    const ent = await login('enterprise');
    await ent.page.goto(base + '/service');
    await ent.page.selectOption('#raise-form select[name=category]', 'policy_consult');
    await ent.page.fill('#raise-form input[name=title]', '小型微利企业所得税优惠如何申报（浏览器测试）');
    await ent.page.fill('#raise-form textarea[name=description]', '去年应纳税所得额约 260 万元，年度汇算时如何填报？');
    await ent.page.fill('#raise-form input[name=contact_phone]', '13905641234');
    await Promise.all([ent.page.waitForNavigation(), ent.page.click('#raise-form button[type=submit]')]);
    check(await ent.page.locator('#raised').count() === 1, '企业提交问题后显示已受理、承办单位和期限');
    const url = ent.page.url().split('?')[0];
    const id = url.split('/').pop();
    check((await ent.page.textContent('#state')).includes('已受理'), `问题 ${id} 状态为已受理`);
    await ent.page.screenshot({ path: path.join(shots, 'enterprise-service-raised-1366.png'), fullPage: true });
    const admin = await login('admin');
    await admin.page.goto(url);
    await act(admin.page, 'dispatch', (f) => f.locator('select[name=target]').selectOption('tax'));
    const unit = await login('unit');
    const q = await unit.page.goto(base + '/service');
    check(q.status() === 200, '责任单位打开为企服务待办 200');
    check((await unit.page.textContent('#problems')).includes('浏览器测试'), '待办列表里有这个问题');
    await unit.page.screenshot({ path: path.join(shots, 'unit-service-queue-1366.png'), fullPage: false });
    await unit.page.goto(url);
    await act(unit.page, 'accept');
    await act(unit.page, 'reply', (f) => f.locator('textarea[name=note]').fill('已电话说明：在年度汇算表 A107040 填报减免所得税额（浏览器测试答复）'));
    check((await unit.page.textContent('#state')).includes('已答复待确认'), '答复后为“已答复待确认”（办结，尚未解决）');
    await ent.page.goto(url);
    check((await ent.page.textContent('#reply')).includes('浏览器测试答复'), '企业看到答复');
    await act(ent.page, 'reopen', (f) => f.locator('textarea[name=note]').fill('仍不清楚附表如何填写'));
    check((await ent.page.textContent('#state')).includes('专班协调'), '不满意重办后转工作专班协调');
    await admin.page.goto(url);
    await act(admin.page, 'dispatch', (f) => f.locator('select[name=target]').selectOption('tax'));
    await unit.page.goto(url);
    await act(unit.page, 'accept');
    await act(unit.page, 'reply', (f) => f.locator('textarea[name=note]').fill('已上门辅导填报，企业已完成申报'));
    await ent.page.goto(url);
    await act(ent.page, 'confirm');
    await act(ent.page, 'rate', (f) => f.locator('select[name=rating]').selectOption('4'));
    check((await ent.page.textContent('#rating')).includes('4'), '企业评价 4 分');
    const events = await ent.page.locator('#events tbody tr').count();
    check(events >= 10, `办理记录保留每一步（${events} 条）`);
    check(!(await ent.page.textContent('main')).includes('admin'), '企业看不到经办人的账号');
    await ent.page.screenshot({ path: path.join(shots, 'enterprise-service-rated-1366.png'), fullPage: true });
    const st = await admin.page.goto(base + '/service/stats');
    check(st.status() === 200, '工作专班打开服务清单 200');
    check((await admin.page.textContent('#rates')).includes('合计'), '清单有合计行');
    await admin.page.screenshot({ path: path.join(shots, 'admin-service-stats-1366.png'), fullPage: false });
    await admin.ctx.close();
    await unit.ctx.close();
    await ent.ctx.close();
    const m = await login('enterprise', phone);
    await m.page.goto(base + '/service');
    const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `手机宽度下“我的问题”不横向溢出（溢出 ${overflow}px）`);
    await m.page.screenshot({ path: path.join(shots, 'enterprise-service-phone.png'), fullPage: false });
    await m.ctx.close();
    const pctx = await browser.newContext(office);
    const pub = await pctx.newPage();
    const o = await pub.goto(base + '/open311/v2/services.json');
    check(o.status() === 200 && (await o.json()).length === 8, 'Open311 services.json 列出 8 个类别');
    await pctx.close();
  }
  // 清欠: the enterprise registers a complaint; the working group walks it to 销号; the public
  // disclosure and the league table.
  {
    const { ctx, page } = await login('enterprise');
    const fill = async (paidOn) => {
      const r = await page.goto(base + '/arrears/new');
      check(r.status() === 200, '企业打开投诉登记页 200');
      await page.fill('#complaint-form input[name=debtor_name]', '金安区交通运输局');
      await page.fill('#complaint-form input[name=debtor_uscc]', debtorUscc);
      await page.selectOption('#complaint-form select[name=debtor_kind]', 'government');
      await page.fill('#complaint-form input[name=contract_no]', 'WALK-2026-01');
      await page.fill('#complaint-form input[name=contract_date]', '2026-01-05');
      await page.fill('#complaint-form input[name=amount]', '500,000');
      await page.fill('#complaint-form input[name=delivered]', '2026-01-10');
      await page.fill('#complaint-form input[name=paid_on_1]', paidOn);
      await page.fill('#complaint-form input[name=paid_1]', '100000');
      await page.fill('#complaint-form textarea[name=description]', '货款到期未付（浏览器清欠测试）');
      await page.setInputFiles('#complaint-form input[name=file]', {
        name: '采购合同.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 浏览器清欠测试 合同'),
      });
      await Promise.all([page.waitForNavigation(), page.click('#complaint-form button[type=submit]')]);
    };
    // First a payment dated before delivery: refused with the reason.
    await fill('2026-01-08');
    check((await page.textContent('main')).includes('早于交付日'), '付款日早于交付日时提示原因');
    await fill('2026-03-01');
    check(await page.locator('#registered').count() === 1, '投诉已登记');
    check((await page.textContent('#state')).includes('投诉'), '案件状态为“投诉”');
    check((await page.textContent('main')).includes('2026-02-09'), '付款到期日按第728号令计算（交付后30日）');
    const caseUrl = page.url().split('?')[0];
    check(await page.locator('#files a', { hasText: '采购合同.pdf' }).count() === 1, '登记时上传的证据材料列在案件页');
    await page.screenshot({ path: path.join(shots, 'enterprise-arrears-case-1366.png'), fullPage: true });
    await ctx.close();
    const a = await login('admin');
    await a.page.goto(caseUrl);
    for (const [to, label] of [['verified', '核实'], ['accepted', '受理'], ['handed_on', '交办'], ['advised', '劝告指导'], ['paid', '清偿'], ['closed', '销号']]) {
      await a.page.selectOption('#step-form select[name=to]', to);
      await a.page.fill('#step-form textarea[name=note]', label + '（浏览器清欠测试）');
      if (to === 'advised') {
        // Evidence with a later step: the 劝告函 as a PNG.
        await a.page.setInputFiles('#step-form input[name=file]', {
          name: '劝告函.png', mimeType: 'image/png',
          buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
        });
      }
      await Promise.all([a.page.waitForNavigation(), a.page.click('#step-form button[type=submit]')]);
      check((await a.page.textContent('#state')).includes(label), `案件进入“${label}”`);
    }
    const files = a.page.locator('#files a');
    check(await files.count() === 2, '案件页列出两份证据材料（登记时一份，劝告指导时一份）');
    // Download both as the working group would: the stored type, the Chinese name, the bytes.
    for (const [name, type, start] of [['采购合同.pdf', 'application/pdf', '%PDF'], ['劝告函.png', 'image/png', '\x89PNG']]) {
      const href = await a.page.locator('#files a', { hasText: name }).getAttribute('href');
      const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.click(`#files a[href="${href}"]`)]);
      check(download.suggestedFilename() === name, `下载的文件名为中文原名（${download.suggestedFilename()}）`);
      const r = await a.ctx.request.get(base + href);
      const body = await r.body();
      check(r.status() === 200 && r.headers()['content-type'] === type, `证据材料“${name}”以 ${type} 下载`);
      check(r.headers()['x-content-type-options'] === 'nosniff', `证据材料“${name}”带 nosniff`);
      check(body.subarray(0, 4).toString('latin1') === start, `证据材料“${name}”内容与上传一致`);
    }
    check(await a.page.locator('#step-form').count() === 0, '销号后不再有办理表单');
    await a.page.screenshot({ path: path.join(shots, 'admin-arrears-closed-1366.png'), fullPage: true });
    const x = await a.ctx.request.get(base + '/arrears.xlsx?state=closed');
    check(x.status() === 200 && (await x.body()).subarray(0, 2).toString() === 'PK', '案件列表导出 .xlsx');
    const l = await a.page.goto(base + '/arrears/league?by=unit');
    check(l.status() === 200 && await a.page.locator('#league tbody tr').count() > 1, '工作专班打开付款方排行');
    const lx = await a.ctx.request.get(base + '/arrears/league.xlsx?by=unit');
    check(lx.status() === 200 && (lx.headers()['content-disposition'] || '').includes("filename*=UTF-8''"), '付款方排行导出 .xlsx（中文文件名）');
    await a.page.screenshot({ path: path.join(shots, 'admin-arrears-league-1366.png'), fullPage: false });
    await a.ctx.close();
    const pctx = await browser.newContext(phone);
    const pub = await pctx.newPage();
    const d = await pub.goto(base + '/arrears/disclosure?year=2024');
    check(d.status() === 200, '公众打开年度披露 200');
    check(await pub.locator('#disclosure tbody tr').count() > 1, '年度披露列出机关、事业单位付款方');
    const overflow = await pub.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `手机宽度下披露页不横向溢出（溢出 ${overflow}px）`);
    await pub.screenshot({ path: path.join(shots, 'public-arrears-disclosure-phone.png'), fullPage: false });
    await pctx.close();
  }
  // Every page for every role at both widths: axe-core, layout, keyboard (tests/browser/a11y.mjs).
  await accessibilityPass({ base, shots, check, login, newContext, CODES, office, phone,
    env: { ownUscc: process.env.ENTERPRISE_USCC, otherUscc } });
  check(problems.length === 0, `各页面无 CSP 违规和脚本错误（${problems.length} 条）${problems.length ? '：\n' + problems.join('\n') : ''}`);
  console.log('全部检查通过；截图在 ' + shots);
} finally {
  await browser.close();
}
