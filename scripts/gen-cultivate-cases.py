#!/usr/bin/env python3
# Writes policies/cn/cultivate/tests/*.yaml (issue 17) from the reference tables of
# shared/reference/national-rules.md §10 and service-rules.md §5, read independently of standards.yaml.
# Run from anywhere: python3 scripts/gen-cultivate-cases.py
# Generates policies/cn/cultivate/tests/*.yaml from the reference tables (national-rules.md §10,
# service-rules.md §5), read independently of standards.yaml.
import json
from decimal import Decimal
def tag(t, x): return f" [{t}@{format(Decimal(str(x)).normalize(), 'f')}]"
out = {}
def case(file, name, std, inp, expect, at="2024-06-30"):
    out.setdefault(file, []).append((name, std, at, inp, expect))
def money(x): return f"{x:.2f}".rstrip('0').rstrip('.') if isinstance(x,float) else str(x)

# ---------- tech_sme ----------
F="tech_sme.yaml"
base = {"employees": 100}
for thr, pts, lower in [(30,20,16),(25,16,12),(20,12,8),(15,8,4),(10,4,0)]:
    case(F, f"科技人员占比恰为{thr}% 得{pts}分"+tag("tech_staff_share", thr/100), "tech_sme", {"employees":100,"tech_staff":thr}, {"parts":{"tech_staff":pts}})
    case(F, f"科技人员占比{thr-1}% 得{lower}分", "tech_sme", {"employees":100,"tech_staff":thr-1}, {"parts":{"tech_staff":lower}})
for thr, pts, lower in [(6,50,40),(5,40,30),(4,30,20),(3,20,10),(2,10,0)]:
    rd = thr*100000
    case(F, f"研发投入占销售收入恰为{thr}% 得{pts}分"+tag("rd_sales_share", thr/100), "tech_sme", {"sales_revenue":"10000000","rd_expense":str(rd)}, {"parts":{"rd":pts}})
    case(F, f"研发投入占销售收入差一分不到{thr}% 得{lower}分", "tech_sme", {"sales_revenue":"10000000","rd_expense":f"{rd-1}.99"}, {"parts":{"rd":lower}})
for thr, pts, lower in [(30,50,40),(25,40,30),(20,30,20),(15,20,10),(10,10,0)]:
    rd = thr*10000
    case(F, f"研发投入占成本费用恰为{thr}% 得{pts}分"+tag("rd_cost_share", thr/100), "tech_sme", {"cost_total":"1000000","rd_expense":str(rd)}, {"parts":{"rd":pts}})
    case(F, f"研发投入占成本费用差一分不到{thr}% 得{lower}分", "tech_sme", {"cost_total":"1000000","rd_expense":f"{rd-1}.99"}, {"parts":{"rd":lower}})
case(F, "研发投入取两种口径较高者（成本口径）", "tech_sme", {"sales_revenue":"10000000","cost_total":"1000000","rd_expense":"300000"}, {"parts":{"rd":50}})
case(F, "研发投入取两种口径较高者（销售口径）", "tech_sme", {"sales_revenue":"1000000","cost_total":"10000000","rd_expense":"60000"}, {"parts":{"rd":50}})
for n, pts in [(4,24),(5,24),(3,18),(2,12),(1,6),(0,0)]:
    case(F, f"Ⅱ类知识产权{n}项 得{pts}分"+(tag("ip_class2", n) if 1<=n<=4 else ""), "tech_sme", {"ip_class2":n}, {"parts":{"ip":pts}})
case(F, "Ⅰ类知识产权1项 得30分", "tech_sme", {"ip_class1":1}, {"parts":{"ip":30}})
case(F, "Ⅰ类与Ⅱ类知识产权取高者", "tech_sme", {"ip_class1":1,"ip_class2":4}, {"parts":{"ip":30}})
q = {"employees":100,"tech_staff":10,"sales_revenue":"10000000","rd_expense":"600000","ip_class2":1}
case(F, "总分恰为60分且科技人员得分不为0 合格", "tech_sme", q, {"score":60,"qualified":True,"nothing_missing":True,"version":"2017"})
case(F, "总分54分 不合格并说明差距", "tech_sme", {**q,"ip_class2":0}, {"score":54,"qualified":False,"missing":["总分须达到 60 分（现 54 分，还差 6 分）","拥有 1 项Ⅰ类知识产权（现 0 项）可再得 30 分","Ⅱ类知识产权数量达到 1 项（现 0 项）可再得 6 分"]})
case(F, "研发投入 2.4% 的缺口说明", "tech_sme", {"employees":100,"tech_staff":30,"sales_revenue":"10000000","rd_expense":"240000","ip_class2":3}, {"score":48,"qualified":False,"missing":["研发投入占销售收入比例达到 3%（现 2.4%）可再得 10 分"]})
case(F, "科技人员得分为0时总分够也不合格", "tech_sme", {"employees":100,"tech_staff":9,"sales_revenue":"10000000","rd_expense":"600000","ip_class1":1}, {"score":80,"qualified":False,"missing":["科技人员指标得分不能为 0 分（科技人员占职工总数比例须达到 10%）"]})
for extra in [{"employees":500,"tech_staff":50},{"sales_revenue":"200000000","rd_expense":"12000000"},{"total_assets":"200000000"}]:
    f = list(extra)[0]
    case(F, f"条件 {f} 恰在上限 合格", "tech_sme", {**q, **extra}, {"qualified":True,"score":60})
case(F, "职工总数501人 不合格", "tech_sme", {**q, "employees":501, "tech_staff":51}, {"qualified":False,"missing":["职工总数不超过 500 人（现 501 人）"]})
case(F, "销售收入超2亿元 不合格", "tech_sme", {**q, "sales_revenue":"200000000.01","rd_expense":"12000001"}, {"qualified":False,"missing":["年销售收入不超过 20000 万元（现 200,000,000.01 元）"]})
case(F, "资产总额超2亿元 不合格", "tech_sme", {**q, "total_assets":"200000000.01"}, {"qualified":False})
case(F, "限制类行业 不合格", "tech_sme", {**q, "restricted_industry":True}, {"qualified":False,"missing":["产品和服务不属于国家规定的禁止、限制和淘汰类（现属于）"]})
case(F, "严重违法失信 不合格", "tech_sme", {**q, "serious_violation":True}, {"qualified":False})
for f, zh in [("high_tech_certified","高新技术企业"),("national_award_top3","国家级科技奖励前三"),("provincial_rd_institution","省部级研发机构"),("standard_lead","主导制定标准")]:
    case(F, f"直通：{zh} 0分也合格", "tech_sme", {"employees":10, f:True}, {"score":0,"qualified":True,"nothing_missing":True})
    case(F, f"直通：{zh} 但职工超500人 不合格", "tech_sme", {"employees":501, f:True}, {"qualified":False,"missing":["职工总数不超过 500 人（现 501 人）"]})
case(F, "2026年仍用2017年版", "tech_sme", q, {"version":"2017","qualified":True}, at="2026-06-30")

# ---------- innovative_sme ----------
F="innovative_sme.yaml"
for thr, pts, lower in [(5,20,15),(3,15,10),(2,10,5),(1,5,0)]:
    rd = thr*100000
    case(F, f"研发费用占营业收入恰为{thr}% 得{pts}分"+tag("rd_revenue_share", thr/100), "innovative_sme", {"sales_revenue":"10000000","rd_expense":str(rd)}, {"parts":{"rd":pts}})
    case(F, f"研发费用占营业收入不到{thr}% 得{lower}分", "innovative_sme", {"sales_revenue":"10000000","rd_expense":f"{rd-1}.99"}, {"parts":{"rd":lower}})
for thr, pts, lower in [(15,20,15),(10,15,10),(5,10,5),(0,5,0)]:
    main = 10000000 + thr*100000
    case(F, f"主营业务收入增长恰为{thr}% 得{pts}分"+tag("main_revenue_growth", thr/100), "innovative_sme", {"main_revenue_prev":"10000000","main_revenue":str(main)}, {"parts":{"growth":pts}})
    case(F, f"主营业务收入增长不到{thr}% 得{lower}分", "innovative_sme", {"main_revenue_prev":"10000000","main_revenue":f"{main-1}.99"}, {"parts":{"growth":lower}})
case(F, "没有上年主营业务收入 增长得0分", "innovative_sme", {"main_revenue":"10000000"}, {"parts":{"growth":0}})
for liab, pts in [("5499999.99",10),("5500000",5),("7499999.99",5),("7500000",0)]:
    case(F, f"资产负债率 负债{liab} 得{pts}分"+(tag("debt_ratio", int(liab)/10000000) if "." not in liab else ""), "innovative_sme", {"total_assets":"10000000","total_liabilities":liab}, {"parts":{"debt":pts}})
case(F, "没有负债总额 资产负债率按无数据得0分", "innovative_sme", {"total_assets":"10000000"}, {"parts":{"debt":0},"missing":["资产负债率：没有资产总额或负债总额，请补充"]})
for thr, pts, lower in [(70,20,15),(60,15,10),(55,10,5),(50,5,0)]:
    main = thr*100000
    case(F, f"主营业务收入占比恰为{thr}% 得{pts}分"+tag("main_revenue_share", thr/100), "innovative_sme", {"sales_revenue":"10000000","main_revenue":str(main)}, {"parts":{"main_share":pts}})
    case(F, f"主营业务收入占比不到{thr}% 得{lower}分", "innovative_sme", {"sales_revenue":"10000000","main_revenue":f"{main-1}.99"}, {"parts":{"main_share":lower}})
for f, pts in [("ip_high_value",20),("ip_class1_own",15),("ip_class1",10),("ip_class2",5)]:
    case(F, f"知识产权 {f} 1项 得{pts}分", "innovative_sme", {f:1}, {"parts":{"ip":pts}})
case(F, "没有知识产权 得0分", "innovative_sme", {}, {"parts":{"ip":0}})
case(F, "战略性新兴产业 得10分", "innovative_sme", {"strategic_emerging":True}, {"parts":{"field":10}})
case(F, "其他领域 得5分", "innovative_sme", {}, {"parts":{"field":5}})
L={"ip_class1":1,"sales_revenue":"15000000","rd_expense":"300000","main_revenue":"10500000","main_revenue_prev":"10000000","total_assets":"10000000","total_liabilities":"6000000"}
case(F, "总分恰为60分且各项达下限 合格", "innovative_sme", L, {"score":60,"qualified":True,"nothing_missing":True,"version":"2022","parts":{"ip":10,"rd":10,"growth":10,"debt":5,"field":5,"main_share":20}})
case(F, "总分55分 不合格", "innovative_sme", {**L,"sales_revenue":"17500000","rd_expense":"350000"}, {"score":55,"qualified":False,"missing":["总分须达到 60 分（现 55 分，还差 5 分）"]})
case(F, "创新能力指标15分 不合格", "innovative_sme", {**L,"ip_class1":0,"ip_class2":1,"strategic_emerging":True}, {"score":60,"qualified":False,"missing":["创新能力指标得分须不低于 20 分（现 15 分）"]})
case(F, "成长性指标10分 不合格", "innovative_sme", {**L,"ip_class1":0,"ip_high_value":1,"main_revenue":"10000000","strategic_emerging":True}, {"score":65,"qualified":False,"missing":["成长性指标得分须不低于 15 分（现 10 分）"]})
case(F, "专业化指标5分 不合格", "innovative_sme", {"ip_high_value":1,"sales_revenue":"30000000","rd_expense":"1500000","main_revenue":"11500000","main_revenue_prev":"10000000","total_assets":"10000000","total_liabilities":"5000000"}, {"score":75,"qualified":False,"missing":["专业化指标得分须不低于 15 分（现 5 分）"]})
for f, v, zh in [("science_award",True,"科技奖励"),("high_tech_certified",True,"高新技术企业"),("provincial_rd_institution",True,"省部级研发机构"),("rd_institution","national","国家级研发机构"),("equity_financing_3y","5000000","股权融资500万元")]:
    case(F, f"直通：{zh}", "innovative_sme", {f:v}, {"qualified":True,"nothing_missing":True})
case(F, "股权融资差一分不到500万元 不直通", "innovative_sme", {"equity_financing_3y":"4999999.99"}, {"qualified":False})
case(F, "直通但属限制类 不合格", "innovative_sme", {"science_award":True,"restricted_industry":True}, {"qualified":False,"missing":["产品（服务）不属于国家禁止、限制或淘汰类（现属于）"]})
case(F, "2026-04-01 起用新办法（待核实）", "innovative_sme", L, {"version":"2026（待核实）","score":60,"qualified":True}, at="2026-04-01")
case(F, "2026-03-31 仍用2022年版", "innovative_sme", L, {"version":"2022"}, at="2026-03-31")

# ---------- zjtx ----------
F="zjtx.yaml"
B={"years_in_niche":2,"rd_expense":"1000000","sales_revenue":"10000000"}
case(F, "只满足认定条件 得11分", "zjtx", B, {"score":11,"qualified":False,"parts":{"niche_years":1,"rd":10}})
for thr, pts, lower in [(80,5,3),(70,3,1),(60,1,0)]:
    main = thr*100000
    case(F, f"主营业务收入占比恰为{thr}% 得{pts}分"+tag("main_revenue_share", thr/100), "zjtx", {**B,"main_revenue":str(main)}, {"parts":{"main_share":pts}})
    case(F, f"主营业务收入占比不到{thr}% 得{lower}分", "zjtx", {**B,"main_revenue":f"{main-1}.99"}, {"parts":{"main_share":lower}})
for thr, pts, lower in [(10,10,8),(8,8,6),(6,6,4),(4,4,2),(0,2,0)]:
    main = 10000000 + 2*thr*100000
    case(F, f"两年平均增长恰为{thr}% 得{pts}分"+tag("main_revenue_growth_2y", thr/100), "zjtx", {**B,"main_revenue_prev2":"10000000","main_revenue_prev":"10000000","main_revenue":str(main)}, {"parts":{"growth":pts}})
    case(F, f"两年平均增长不到{thr}% 得{lower}分", "zjtx", {**B,"main_revenue_prev2":"10000000","main_revenue_prev":"10000000","main_revenue":f"{main-1}.99"}, {"parts":{"growth":lower}})
case(F, "没有前两年主营业务收入 增长得0分", "zjtx", {**B,"main_revenue":"10000000","main_revenue_prev":"10000000"}, {"parts":{"growth":0}})
for y, pts in [(2,1),(3,1),(4,2),(10,5),(12,5)]:
    case(F, f"细分市场{y}年 得{pts}分", "zjtx", {**B,"years_in_niche":y}, {"parts":{"niche_years":pts}})
for fld, pts in [("key_area",5),("other",3),("none",0)]:
    case(F, f"领域 {fld} 得{pts}分", "zjtx", {**B,"niche_field":fld}, {"parts":{"field":pts}})
for lv, pts in [(3,5),(2,3),(1,0)]:
    case(F, f"数字化水平{lv}级 得{pts}分"+(tag("digital_level", lv) if lv>=2 else ""), "zjtx", {**B,"digital_level":lv}, {"parts":{"digital":pts}})
for n, pts in [(0,0),(1,3),(2,5),(3,5)]:
    case(F, f"质量认证{n}项 得{pts}分", "zjtx", {**B,"quality_certifications":n}, {"parts":{"quality":pts}})
for thr, pts, lower in [(10,10,8),(8,8,6),(6,6,4),(4,4,2),(2,2,0)]:
    np_ = thr*100000
    case(F, f"净利润率恰为{thr}% 得{pts}分"+tag("net_margin", thr/100), "zjtx", {**B,"net_profit":str(np_)}, {"parts":{"net_margin":pts}})
    case(F, f"净利润率不到{thr}% 得{lower}分", "zjtx", {**B,"net_profit":f"{np_-1}.99"}, {"parts":{"net_margin":lower}})
for liab, pts in [("4999999.99",5),("5000000",3),("5999999.99",3),("6000000",1),("6999999.99",1),("7000000",0)]:
    case(F, f"资产负债率 负债{liab} 得{pts}分"+(tag("debt_ratio", int(liab)/10000000) if "." not in liab else ""), "zjtx", {**B,"total_assets":"10000000","total_liabilities":liab}, {"parts":{"debt":pts}})
case(F, "特色化15分", "zjtx", {**B,"speciality_points":15}, {"parts":{"speciality":15}})
case(F, "特色化超过15分按15分", "zjtx", {**B,"speciality_points":20}, {"parts":{"speciality":15}})
for f, pts in [("ip_high_value",10),("ip_class1_own",8),("ip_class1",6),("ip_class2",2)]:
    case(F, f"知识产权 {f} 1项 得{pts}分", "zjtx", {**B,f:1}, {"parts":{"ip":pts}})
R={"years_in_niche":2,"sales_revenue":"1000000000"}
for amt, pts in [("5000000",10),("4999999.99",8),("4000000",8),("3999999.99",6),("3000000",6),("2999999.99",4),("2000000",4),("1999999.99",2),("1000000",2),("999999.99",0)]:
    case(F, f"研发费用{amt}元 得{pts}分"+(tag("rd_amount", amt) if "." not in amt else ""), "zjtx", {**R,"rd_expense":amt}, {"parts":{"rd":pts}})
for thr, pts, lower in [(10,10,8),(8,8,6),(6,6,4),(4,4,2),(3,2,0)]:
    rd = thr*10000
    case(F, f"研发费用占比恰为{thr}% 得{pts}分"+tag("rd_share", thr/100), "zjtx", {"sales_revenue":"1000000","rd_expense":str(rd)}, {"parts":{"rd":pts}})
    case(F, f"研发费用占比不到{thr}% 得{lower}分", "zjtx", {"sales_revenue":"1000000","rd_expense":f"{rd-1}.99"}, {"parts":{"rd":lower}})
for n, pts in [(20,5),(19,3),(10,3),(9,1),(5,1),(4,0)]:
    case(F, f"研发人员{n}% 得{pts}分"+(tag("rd_staff_share", n/100) if n in (20,10,5) else ""), "zjtx", {**B,"employees":100,"rd_staff":n}, {"parts":{"rd_staff":pts}})
for inst, pts in [("national",10),("provincial",8),("none",0)]:
    case(F, f"研发机构 {inst} 得{pts}分", "zjtx", {**B,"rd_institution":inst}, {"parts":{"institution":pts}})
case(F, "省部级研发机构（布尔）按省级得8分", "zjtx", {**B,"provincial_rd_institution":True}, {"parts":{"institution":8}})
S60={**B,"speciality_points":15,"rd_institution":"national","ip_high_value":1,"employees":100,"rd_staff":20,"digital_level":3,"niche_field":"other","main_revenue":"6000000"}
case(F, "总分恰为60分 合格", "zjtx", S60, {"score":60,"qualified":True,"nothing_missing":True,"version":"2022"})
case(F, "总分59分 不合格", "zjtx", {**S60,"main_revenue":"5999999.99"}, {"score":59,"qualified":False,"missing":["总分须达到 60 分（现 59 分，还差 1 分）"]})
case(F, "细分市场1年 不合格", "zjtx", {**S60,"years_in_niche":1}, {"qualified":False,"missing":["从事特定细分市场 2 年以上（现 1 年）"]})
case(F, "研发费用差一分不到100万元 不合格", "zjtx", {**S60,"rd_expense":"999999.99"}, {"qualified":False,"missing":["上年度研发费用不低于 100 万元（现 999,999.99 元）"]})
case(F, "研发费用占比不到3% 不合格", "zjtx", {**S60,"sales_revenue":"33333334","main_revenue":"33333334"}, {"qualified":False,"missing":["研发费用占营业收入比重不低于 3%（现 2.9%）"]})
case(F, "营业收入不足1000万元但股权融资2000万元 满足条件", "zjtx", {**S60,"sales_revenue":"9999999.99","equity_financing_2y":"20000000"}, {"qualified":True})
case(F, "营业收入不足且股权融资不足 不合格", "zjtx", {**S60,"sales_revenue":"9999999.99","equity_financing_2y":"19999999.99"}, {"qualified":False})
for f, v, zh in [("science_award_top",True,"科技奖励前列"),("rd_expense_avg_2y","10000000","两年研发均值1000万元"),("equity_financing_2y","60000000","股权融资6000万元"),("makers_top500",True,"创客中国500强")]:
    case(F, f"直通：{zh}", "zjtx", {**B, f:v}, {"qualified":True,"nothing_missing":True})
    case(F, f"直通：{zh} 但细分市场不足2年 不合格", "zjtx", {**B, f:v, "years_in_niche":1}, {"qualified":False,"missing":["从事特定细分市场 2 年以上（现 1 年）"]})
case(F, "两年研发均值差一分不到1000万元 不直通", "zjtx", {**B,"rd_expense_avg_2y":"9999999.99"}, {"qualified":False})
case(F, "股权融资差一分不到6000万元 不直通", "zjtx", {**B,"equity_financing_2y":"59999999.99"}, {"qualified":False})
case(F, "2026-04-01 起用新办法（待核实）", "zjtx", S60, {"version":"2026（待核实）","qualified":True}, at="2026-04-01")

import os
d=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policies", "cn", "cultivate", "tests")
hdr={"tech_sme.yaml":"# 科技型中小企业（国科发政〔2017〕115号）：每个评分档的边界（恰好达到与差一点）、合格线、条件与每条直通路径。金额单位元。\n",
"innovative_sme.yaml":"# 创新型中小企业（工信部企业〔2022〕63号 附件1）：每个评分档的边界、总分与三项下限、每条直通条件、2026 年新版本。\n",
"zjtx.yaml":"# 专精特新中小企业（工信部企业〔2022〕63号 附件2；评分细则待核实）：每个评分档的边界、认定条件、合格线与每条直通条件。\n"}
for f, cs in out.items():
    with open(os.path.join(d,f),"w") as fh:
        fh.write(hdr[f])
        for name, std, at, inp, exp in cs:
            fh.write(f"- name: {json.dumps(name, ensure_ascii=False)}\n  standard: {std}\n  at: {at}\n  input: {json.dumps(inp, ensure_ascii=False)}\n  expect: {json.dumps(exp, ensure_ascii=False)}\n")
    print(f, len(cs))
